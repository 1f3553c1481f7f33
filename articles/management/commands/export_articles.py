"""Export the whole knowledge base in the format `import_articles` reads (articles/exporting.py).

JSON Lines (the default): one article a line, sources before their translations. A folder
(`--format markdown`, or a PATH that is a folder or ends with "/"): one `<page_slug>.md` an article,
YAML front matter with every field but `body`, which is the text below it.

`manage.py export_articles kb.jsonl` then `manage.py import_articles kb.jsonl` on another site
brings every article back with its content, workflow fields, decision authority and
translations; the version history stays in the file (an import starts a new one).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from articles import exporting

FORMATS = ("jsonl", "markdown")


class Command(BaseCommand):
    help = (
        "Export every article (all states and audiences, internal notes included, with decision-authority rules, "
        "translations and the metadata of every version) as JSON Lines or a folder of Markdown files with YAML "
        "front matter, the formats import_articles reads. An operator's command with full access: the export holds "
        "internal content, so keep it as you keep database backups. Users appear by username only (no passwords, "
        "e-mail addresses or API tokens)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "path", help='A .jsonl file to write, "-" for standard output, or a folder (new or empty) for Markdown files.'
        )
        parser.add_argument(
            "--format",
            choices=FORMATS,
            help="jsonl (one article a line) or markdown (one .md file an article). Default: markdown when PATH is a "
            "folder or ends with '/', else jsonl.",
        )
        parser.add_argument("--force", action="store_true", help="Overwrite an existing .jsonl file.")

    def handle(self, *args, path: str, format: str | None, force: bool, **options):
        to_folder = path != "-" and (path.endswith(("/", os.sep)) or Path(path).is_dir())
        kind = format or ("markdown" if to_folder else "jsonl")
        if kind == "markdown":
            if path == "-":
                raise CommandError("Markdown is written to a folder: give its path.")
            count = _write_folder(Path(path))
        elif path == "-":
            count = _write_lines(self.stdout.write)
        else:
            count = _write_file(Path(path), force=force)
        summary = f"Exported {count} article{'s' if count != 1 else ''} to {path}"
        if path == "-":
            self.stderr.write(summary)
        else:
            self.stdout.write(summary, style_func=self.style.SUCCESS)


def _write_lines(write) -> int:
    count = 0
    for record in exporting.records():
        write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def _write_file(path: Path, *, force: bool) -> int:
    if path.is_dir():
        raise CommandError(f"{path} is a folder: use --format markdown, or give a file name.")
    if path.exists() and not force:
        raise CommandError(f"{path} exists: choose another name, or overwrite it with --force.")
    if not path.parent.is_dir():
        raise CommandError(f"{path.parent} is not a folder.")
    # Written beside it and renamed when complete: an interrupted export leaves no half file that
    # an import would read as a smaller knowledge base.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            count = _write_lines(out.write)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return count


def _write_folder(folder: Path) -> int:
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"{folder} is a file: give a folder for Markdown.")
    if folder.is_dir() and any(folder.iterdir()):
        # import_articles reads every .md under a folder: old files would come back with the new.
        raise CommandError(f"{folder} is not empty: export to a new or empty folder.")
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for record in exporting.records():
        (folder / f"{record['page_slug']}.md").write_text(markdown(record), encoding="utf-8", newline="\n")
        count += 1
    return count


def markdown(record: dict) -> str:
    """The record as front matter (every field but `body`) and the body below it."""
    front = {name: value for name, value in record.items() if name != "body"}
    text = yaml.dump(front, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
    return f"---\n{text}---\n\n{record['body']}\n"


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # libyaml's when built with it: 5 times faster
    """Multi-line text as a block a person can read and edit ("|"), not one escaped line."""


def _text(dumper: yaml.SafeDumper, value: str):
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)
