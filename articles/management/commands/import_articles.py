"""Import articles from another knowledge base: a JSON Lines file or a folder of Markdown.

JSON Lines: one object a line with `slug, title, summary, body, product, tags, source_url,
license`, optionally `internal_notes` (staff-only Markdown), `language` (a content language code,
default "en"), `translation_of` (the slug or key of the source article, anywhere in the same file
or already imported) and `source_version`; and what `export_articles` writes besides (state,
audience, governance, owner, review date, decision-authority rules and escalation contact,
relations to other articles, the version history as information: articles/services.py says how each is read). Other fields are
ignored. Translations are linked to their sources once every record is in.
Markdown: every `*.md` under the folder, with YAML front matter holding the same fields but
`body`, which is the text after the front matter;
without a `slug`, the file's path in the folder (no extension) is its key.

Exit status: 0 when every record was imported, 1 when some failed (each is reported on
stderr with its line or file, and the others are imported anyway), 2 when nothing could
be attempted (missing path, no owner).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import transaction

from accounts.models import Kind, User
from articles import policy
from articles.models import Audience, State
from articles.services import (
    BadRecord,
    ImportRecord,
    ImportResult,
    existing_articles,
    import_record,
    link_relations,
    link_translation,
)
from kcs_site import jsoninput

BATCH_SIZE = 100  # records per commit, whose existing articles are fetched in one query
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL | re.MULTILINE)
LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\r?\n)+")


@dataclass
class Entry:
    """One record as read, before it is checked: where it came from, for messages."""

    where: str  # "kb.jsonl line 12" or "billing/refund.md"
    source: str  # what the version note says it was imported from
    data: dict = field(default_factory=dict)
    error: str = ""


class Command(BaseCommand):
    help = "Import articles from a JSON Lines file or a folder of Markdown files with YAML front matter."

    def add_arguments(self, parser):
        parser.add_argument("path", help="A .jsonl file (one article a line) or a folder of .md files.")
        parser.add_argument(
            "--state",
            choices=[State.WIP, State.NOT_VALIDATED, State.VALIDATED],
            default=State.VALIDATED,
            help="Confidence of new articles (default: validated). Articles already imported keep theirs.",
        )
        parser.add_argument(
            "--audience",
            choices=Audience.values,
            default=Audience.INTERNAL,
            help="Audience of new articles (default: internal).",
        )
        parser.add_argument("--owner", help="Username owning new articles (default: the first KB owner, else a superuser).")
        parser.add_argument("--product-default", default="General", help="Product of records without one (default: General).")

    def handle(self, *args, path: str, state: str, audience: str, owner: str | None, product_default: str, **options):
        source = Path(path)
        if not source.exists():
            raise CommandError(f"{source} does not exist: give a .jsonl file or a folder of .md files.", returncode=2)
        by = {"by": _owner(owner)}
        new_articles = {**by, "state": state, "audience": audience}
        entries = list(_read_folder(source) if source.is_dir() else _read_jsonl(source))
        if source.is_dir() and not entries:
            raise CommandError(f"No .md files under {source}.", returncode=2)

        self.counts: Counter[str] = Counter()
        self.progress = Progress(self.stdout, len(entries)) if self.stdout.isatty() else None
        first_seen: dict[str, str] = {}
        links: list[tuple[Entry, ImportRecord]] = []  # translations, linked once every source is in
        related: list[tuple[Entry, ImportRecord]] = []  # articles naming others, related once all are in
        for start in range(0, len(entries), BATCH_SIZE):
            batch = [(entry, _record(entry, product_default, first_seen)) for entry in entries[start : start + BATCH_SIZE]]
            # One commit per batch: each record is still its own (nested) transaction, so a
            # bad one is rolled back alone, but the work done after each commit (search
            # indexing) runs once per batch instead of once per article.
            with transaction.atomic():
                known = existing_articles(record.key for _, record in batch if isinstance(record, ImportRecord))
                for entry, record in batch:
                    if isinstance(record, BadRecord):
                        self._failed(entry, record)
                        continue
                    try:
                        result = import_record(record=record, source=entry.source, known=known, **new_articles)
                    except BadRecord as error:
                        self._failed(entry, error)
                    else:
                        self._done(entry, result, options["verbosity"])
                        if record.translation_of:
                            links.append((entry, record))
                        if record.relations:
                            related.append((entry, record))
        for entry, record in links:
            try:
                link_translation(
                    key=record.key,
                    source_key=record.translation_of,
                    source_version=record.source_version,
                    outdated=record.translation_outdated,
                    **by,
                )
            except BadRecord as error:
                self.counts["unlinked"] += 1
                self._clear_progress()
                self.stderr.write(f"{entry.where}: imported, but not as a translation: {error}")
        for entry, record in related:
            for problem in link_relations(key=record.key, relations=record.relations, **by):
                self.counts["unrelated"] += 1
                self._clear_progress()
                self.stderr.write(f"{entry.where}: imported, but not related: {problem}")

        if self.progress:
            self.progress.done()
        counts = self.counts
        unlinked = counts.pop("unlinked", 0)
        unrelated = counts.pop("unrelated", 0)
        total = sum(counts.values())
        summary = (
            (
                f"Imported {total}: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['failed']} failed"
            )
            + (f", {unlinked} not linked to their source" if unlinked else "")
            + (f", {unrelated} relation{'s' if unrelated != 1 else ''} not made" if unrelated else "")
        )
        warn = counts["failed"] or unlinked or unrelated
        self.stdout.write(summary, style_func=self.style.WARNING if warn else self.style.SUCCESS)
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} of {total} records could not be imported (see the messages above).")
        if unlinked:
            raise CommandError(f"{unlinked} translations could not be linked to their source (see the messages above).")
        if unrelated:
            raise CommandError(f"{unrelated} relations between articles could not be made (see the messages above).")

    def _done(self, entry: Entry, result: ImportResult, verbosity: int) -> None:
        self.counts[result.status] += 1
        for warning in result.warnings:
            self._clear_progress()
            self.stderr.write(f"{entry.where}: warning: {warning}")
        if verbosity >= 2:
            self._clear_progress()
            self.stdout.write(f"{result.status}: {result.article.slug} ({entry.where})")
        if self.progress:
            self.progress.show(sum(self.counts.values()))

    def _failed(self, entry: Entry, error: BadRecord) -> None:
        self.counts["failed"] += 1
        self._clear_progress()
        self.stderr.write(f"{entry.where}: {error}")
        if self.progress:
            self.progress.show(sum(self.counts.values()))

    def _clear_progress(self) -> None:
        if self.progress:
            self.progress.clear()


class Progress:
    """A bar like "\\r  812/1374 articles (59%)" on a terminal, redrawn when the percentage moves."""

    def __init__(self, out: OutputWrapper, total: int):
        self.out, self.total, self.shown = out, total, None

    def show(self, n: int) -> None:
        percent = n * 100 // self.total if self.total else 100
        if (n, percent) != self.shown and (self.shown is None or percent != self.shown[1] or n == self.total):
            self.out.write(f"\r  {n}/{self.total} articles ({percent}%)", ending="")
            self.out.flush()
            self.shown = (n, percent)

    def clear(self) -> None:
        # Erase the bar so a message starts on a clean line; the next show() redraws it.
        if self.shown is not None:
            self.out.write("\r\033[K", ending="")
            self.out.flush()
            self.shown = None

    def done(self) -> None:
        self.show(self.total)
        self.out.write("")


def _owner(username: str | None) -> User:
    if username:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"Unknown user '{username}' (--owner).", returncode=2)
    else:
        active = User.objects.filter(is_active=True).order_by("pk")
        user = active.filter(is_kb_owner=True, kind=Kind.STAFF).first() or active.filter(is_superuser=True).first()
        if user is None:
            raise CommandError(
                "Imported articles need an owner, and there is no active KB owner or superuser: "
                "create one, or name a user with --owner.",
                returncode=2,
            )
    decision = policy.can_create(user)
    if not decision:
        raise CommandError(f"'{user.username}' cannot own imported articles: {decision.reason}", returncode=2)
    return user


def _record(entry: Entry, product_default: str, first_seen: dict[str, str]) -> ImportRecord | BadRecord:
    """The entry's record, or why it has none (reported in file order with the others)."""
    if entry.error:
        return BadRecord(entry.error)
    try:
        record = ImportRecord.from_dict(entry.data, default_product=product_default)
    except BadRecord as error:
        return error
    if record.key in first_seen:
        return BadRecord(f"slug '{record.key}' appears twice (first at {first_seen[record.key]})")
    first_seen[record.key] = entry.where
    return record


def _read_jsonl(path: Path) -> Iterator[Entry]:
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            entry = Entry(where=f"{path.name} line {number}", source=path.name)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                entry.error = "not valid UTF-8"
                yield entry
                continue
            if number == 1:
                text = text.removeprefix("\ufeff")
            if not text.strip():
                continue
            try:
                # The limits API bodies have: a line nested thousands deep or holding NUL
                # (PostgreSQL cannot store it) is one failed line, not a crashed import.
                entry.data = jsoninput.loads(text, strict=False)
            except json.JSONDecodeError as error:
                entry.error = f"invalid JSON ({error.msg} at column {error.colno})"
            except ValueError as error:
                entry.error = f"invalid JSON ({error})"
            yield entry


def _read_folder(root: Path) -> Iterator[Entry]:
    for path in sorted(p for p in root.rglob("*.md") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        entry = Entry(where=relative, source=f"{root.name}/{relative}")
        try:
            entry.data = _parse_markdown(path.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            entry.error = "not valid UTF-8"
        except BadRecord as error:
            entry.error = str(error)
        else:
            if isinstance(entry.data, dict) and not entry.data.get("slug"):
                entry.data["slug"] = relative.removesuffix(".md")
        yield entry


def _parse_markdown(text: str) -> dict:
    """Front matter fields plus `body`, the Markdown after the front matter."""
    match = FRONT_MATTER.match(text)
    if match is None:
        if text.startswith("---"):
            raise BadRecord("the front matter has no closing '---' line")
        front, body = {}, text
    else:
        try:
            front = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as error:
            raise BadRecord(f"invalid YAML front matter ({str(error).splitlines()[0]})") from None
        if not isinstance(front, dict):
            raise BadRecord("the front matter is not a set of 'name: value' fields")
        body = text[match.end() :]
    # The front matter's own `body`, if any, is not the article: the text below it is.
    return {**front, "body": LEADING_BLANK_LINES.sub("", body).rstrip()}
