"""Finds interface text in templates that is not marked for translation.

Used by kcs_site/tests/test_i18n.py and by hand: `python -m kcs_site.i18n_audit [app ...]` lists
each template line holding words a reader sees (text between tags, and the title, alt,
placeholder, aria-label and value attributes) outside `{% translate %}` and
`{% blocktranslate %}`.
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

# Attributes whose value a reader sees or hears.
READ_ATTRIBUTES = {"title", "alt", "placeholder", "aria-label", "aria-description", "value", "label"}
# Words that read the same in every language the site speaks (names, formats, abbreviations).
SAME_IN_EVERY_LANGUAGE = {
    "kcs",
    "api",
    "json",
    "jsonl",
    "csv",
    "rss",
    "atom",
    "markdown",
    "url",
    "id",
    "ok",
    "http",
    "https",
    "html",
    "totp",
    "utc",
    "webhook",
    "webhooks",
    "github",
    "zendesk",
    "e",
    "g",
    "v",
}

_COMMENT = re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}", re.S)
_BLOCK = re.compile(r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.S)
_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
_WORD = re.compile(r"[^\W\d_]{2,}")


def _blank(match: re.Match) -> str:
    # Keep line numbers: a removed span leaves its newlines.
    return " " + "\n" * match.group(0).count("\n")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._skip = 0

    def _check(self, text: str) -> None:
        words = [w for w in _WORD.findall(text) if w.lower() not in SAME_IN_EVERY_LANGUAGE]
        if words:
            self.found.append((self.getpos()[0], " ".join(text.split())[:80]))

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value and not (tag == "input" and name == "value" and self._hidden(attrs)):
                self._check(value)

    @staticmethod
    def _hidden(attrs) -> bool:
        return dict(attrs).get("type") in ("hidden", "checkbox", "radio")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._check(data)


def untranslated(source: str) -> list[tuple[int, str]]:
    """(line, text) for each piece of reader-visible text in a template outside translation tags."""
    text = _COMMENT.sub(_blank, source)
    text = _BLOCK.sub(_blank, text)
    text = _TAG.sub(_blank, text)
    reader = _Reader()
    reader.feed(text)
    reader.close()
    return reader.found


def templates(base: Path, apps: list[str] | None = None) -> list[Path]:
    paths = sorted(base.glob("*/templates/**/*.html"))
    return [p for p in paths if not apps or p.relative_to(base).parts[0] in apps]


def audit(base: Path, apps: list[str] | None = None) -> list[str]:
    found = []
    for path in templates(base, apps):
        for line, text in untranslated(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(base)}:{line}: {text}")
    return found


if __name__ == "__main__":
    here = Path(__file__).resolve().parent.parent
    lines = audit(here, sys.argv[1:] or None)
    print("\n".join(lines))
    print(f"{len(lines)} untranslated", file=sys.stderr)
