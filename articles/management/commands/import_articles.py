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

Records are imported in batches (--batch-size), each in one transaction: its new articles are
written in bulk with their first versions and `created` events (articles.services.import_batch),
its search documents follow (after each batch, or one rebuild at the end: --index). An import
interrupted (Ctrl-C, a crash) keeps whole batches only; run it again and it skips the records
already in unchanged, imports the rest and indexes what the interruption left queued.

Exit status: 0 when every record was imported, 1 when some failed (each is reported on
stderr with its line or file, and the others are imported anyway), 2 when nothing could
be attempted (missing path, no owner), 130 when interrupted (Ctrl-C).
"""

from __future__ import annotations

import io
import json
import re
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import yaml
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, OutputWrapper
from django.db import transaction

from accounts.models import Kind, User
from articles import policy
from articles.models import Article, Audience, State
from articles.services import BadRecord, ImportRecord, ImportResult, import_batch, link_relations, link_translation
from articles.signals import articles_written
from kcs_site import jsoninput

BATCH_SIZE = 500  # records per transaction: written in bulk, indexed in one index commit
REBUILD_FROM = 2000  # records from which --index auto may rebuild the index instead
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
        parser.add_argument(
            "--index",
            choices=["auto", "batch", "rebuild"],
            default="auto",
            help="Search indexing: after each batch (PostgreSQL backend: in each batch's transaction), or one rebuild "
            "at the end (faster for a large import into a small site; the new articles are found once it is done). "
            "Default: rebuild when the file holds more records than the site has articles (and at least "
            f"{REBUILD_FROM:,}), else after each batch.",
        )
        parser.add_argument(
            "--batch-size",
            type=_positive,
            default=BATCH_SIZE,
            help=f"Records saved (and indexed) together in one transaction (default: {BATCH_SIZE}).",
        )

    def handle(
        self,
        *args,
        path: str,
        state: str,
        audience: str,
        owner: str | None,
        product_default: str,
        batch_size: int,
        index: str,
        **options,
    ):
        self.verbosity = options["verbosity"]
        source = Path(path)
        if not source.exists():
            raise CommandError(f"{source} does not exist: give a .jsonl file or a folder of .md files.", returncode=2)
        by = {"by": _owner(owner)}
        new_articles = {**by, "state": state, "audience": audience}
        if source.is_dir():
            entries = list(_read_folder(source))
            if not entries:
                raise CommandError(f"No .md files under {source}.", returncode=2)
            total = len(entries)
        else:
            # Read as imported, not all at once: a 100,000-line file would hold every text in memory.
            entries, total = _read_jsonl(source), _count_lines(source)

        self.index_later = index == "rebuild" or (index == "auto" and _rebuild_pays(total))
        self.counts: Counter[str] = Counter()
        self.progress = Progress(self.stdout, total) if self.stdout.isatty() else None
        first_seen: dict[str, str] = {}
        links: list[tuple[Entry, ImportRecord]] = []  # translations, linked once every source is in
        related: list[tuple[Entry, ImportRecord]] = []  # articles naming others, related once all are in
        try:
            for batch in _batches(entries, batch_size):
                self._import_batch(
                    [(entry, _record(entry, product_default, first_seen)) for entry in batch], links, related, **new_articles
                )
            for group in _batches(links, batch_size):
                self._link(group, **by)
            for entry, record in related:
                for problem in link_relations(key=record.key, relations=record.relations, **by):
                    self.counts["unrelated"] += 1
                    self._clear_progress()
                    self.stderr.write(f"{entry.where}: imported, but not related: {problem}")
        except KeyboardInterrupt:
            self._clear_progress()
            self.stderr.write(
                f"Interrupted after {sum(self.counts.values())} records: every batch before is saved, the one under way "
                "is not. Run the same command again to import the rest (records already in are skipped)."
            )
            raise CommandError("Interrupted.", returncode=130) from None
        self._index_queue()

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

    def _import_batch(
        self, batch: list[tuple[Entry, ImportRecord | BadRecord]], links: list, related: list, **new_articles
    ) -> None:
        # One transaction per batch: a batch is saved whole or not at all (an interrupted import
        # leaves nothing half-done, and its re-run skips what is in), its articles are written in
        # bulk and indexed together after the commit. A bad record fails alone (import_batch).
        records = [(entry, record) for entry, record in batch if isinstance(record, ImportRecord)]
        with transaction.atomic():
            results = import_batch(
                [(record, entry.source) for entry, record in records], index_later=self.index_later, **new_articles
            )
        outcome = dict(zip((id(entry) for entry, _ in records), results, strict=True))
        for entry, record in batch:
            result = outcome.get(id(entry), record)
            if isinstance(result, BadRecord):
                self._failed(entry, result)
                continue
            self._done(entry, result)
            if record.translation_of:
                links.append((entry, record))
            if record.relations:
                related.append((entry, record))

    def _link(self, group: list[tuple[Entry, ImportRecord]], *, by: User) -> None:
        before = dict(
            Article.objects.filter(external_id__in=[record.key for _, record in group]).values_list(
                "external_id", "translation_of"
            )
        )
        linked = []
        with transaction.atomic():
            for entry, record in group:
                try:
                    article = link_translation(
                        key=record.key,
                        source_key=record.translation_of,
                        source_version=record.source_version,
                        outdated=record.translation_outdated,
                        by=by,
                    )
                except BadRecord as error:
                    self.counts["unlinked"] += 1
                    self._clear_progress()
                    self.stderr.write(f"{entry.where}: imported, but not as a translation: {error}")
                else:
                    if article.translation_of_id != before.get(record.key):
                        linked.append(article.pk)
            # A translation's search document carries its source's visibility: index the newly linked again.
            articles_written.send(sender=Article, ids=linked, index_later=self.index_later)

    def _index_queue(self) -> None:
        """Rebuild the index if the batches only queued their articles; then process the updates
        still pending (one a lock or crash put off, here or in an interrupted run before), so the
        index is complete when the import says it is done."""
        if self.index_later and (self.counts["created"] or self.counts["updated"]):
            self._clear_progress()
            out = io.StringIO()
            try:
                call_command("rebuild_index", stdout=out)
            except CommandError as error:  # another rebuild under way: the queued updates follow below
                self.stderr.write(f"Search index not rebuilt ({error}): processing the queued updates instead.")
            else:
                self.stdout.write(f"Search index rebuilt: {out.getvalue().strip()}")
        out = io.StringIO()
        call_command("process_index_queue", drain=True, stdout=out)
        if not out.getvalue().strip().endswith("; 0 pending."):
            self._clear_progress()
            self.stderr.write(f"Search index: {out.getvalue().strip()} Run `manage.py process_index_queue` to retry them.")

    def _done(self, entry: Entry, result: ImportResult) -> None:
        self.counts[result.status] += 1
        for warning in result.warnings:
            self._clear_progress()
            self.stderr.write(f"{entry.where}: warning: {warning}")
        if self.verbosity >= 2:
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
    """A bar like "\\r  812/1374 articles (59%), 230/s, 0:03 left" on a terminal, redrawn when the
    percentage moves or every half second (the rate and time left change in between)."""

    def __init__(self, out: OutputWrapper, total: int, clock=time.monotonic):
        self.out, self.total, self.clock = out, total, clock
        self.started, self.shown, self.drawn_at = clock(), None, 0.0

    def show(self, n: int) -> None:
        percent = n * 100 // self.total if self.total else 100
        now = self.clock()
        if self.shown is not None and percent == self.shown[1] and n != self.total and now - self.drawn_at < 0.5:
            return
        if (n, percent) == self.shown:
            return
        self.out.write(f"\r  {n}/{self.total} articles ({percent}%){self._pace(n, now)}", ending="")
        self.out.flush()
        self.shown, self.drawn_at = (n, percent), now

    def _pace(self, n: int, now: float) -> str:
        elapsed = now - self.started
        if n == 0 or elapsed <= 0:
            return ""
        rate = n / elapsed
        left = (self.total - n) / rate
        return f", {rate:,.0f}/s, {_duration(left)} left" if n < self.total else f", {rate:,.0f}/s, {_duration(elapsed)} in all"

    def clear(self) -> None:
        # Erase the bar so a message starts on a clean line; the next show() redraws it.
        if self.shown is not None:
            self.out.write("\r\033[K", ending="")
            self.out.flush()
            self.shown = None

    def done(self) -> None:
        self.show(self.total)
        self.out.write("")


def _duration(seconds: float) -> str:
    """0:07, 3:12, 1:02:05."""
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _rebuild_pays(records: int) -> bool:
    """One rebuild at the end indexes a large import faster than batch after batch (a Whoosh
    rebuild shares the work between two processes; a PostgreSQL rebuild fills a fresh table and
    builds its text indexes once, instead of updating them row by row), unless the site is
    already larger than the import (the rebuild would read everything else again)."""
    if records < REBUILD_FROM:
        return False
    return records >= Article.objects.count()


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _count_lines(path: Path) -> int:
    """Non-blank lines (the records the bar counts), read in blocks."""
    with path.open("rb") as lines:
        return sum(1 for line in lines if line.strip())


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
