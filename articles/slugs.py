"""Article addresses in the words of the title, whatever its script.

Titles are written in the customer's words, and customers write Arabic, Hebrew, Greek or only
emoji as often as English: an ASCII-only slug turned every such title into "article",
"article-2"… So a slug keeps Unicode letters and digits ("كيف-أسترد-المبلغ"; browsers show it
as typed and send it percent-encoded), a title of emoji only is named after them
("🎉" → "party-popper", from the Unicode character names), and a title with neither (only
punctuation) gets "article-<date created>".

Every URL that takes an article's slug uses the `uslug` converter registered here (not
Django's ASCII `slug`); articles/tests/test_unicode_slugs.py checks that none is left out.
"""

from __future__ import annotations

import datetime
import unicodedata

from django.urls import register_converter
from django.utils import timezone
from django.utils.text import slugify

# Room for "-2", "-a1b2c3" and the like within the 200 characters of Article.slug.
MAX_BASE = 180
# Emoji named in a slug: a title of thirty emoji does not need thirty names.
MAX_NAMED_SYMBOLS = 4


class UnicodeSlugConverter:
    """What `slugify(allow_unicode=True)` produces: letters and digits of any script, "-" and "_"."""

    regex = r"[-\w]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(UnicodeSlugConverter, "uslug")


def slug_base(text: str, *, today: datetime.date | None = None) -> str:
    """The slug `text` asks for, before making it unique ("Printer offline" → "printer-offline")."""
    base = _trim(slugify(text, allow_unicode=True))
    return base or _trim(slugify(" ".join(_symbol_names(text)))) or f"article-{(today or timezone.localdate()).isoformat()}"


def _symbol_names(text: str) -> list[str]:
    # Emoji and other pictographs are "So" (symbol, other); the modifiers, joiners and variation
    # selectors that build one emoji out of several code points are other categories and are skipped.
    names: list[str] = []
    for char in text:
        if unicodedata.category(char) == "So" and (name := unicodedata.name(char, "")) and name not in names:
            names.append(name)
        if len(names) == MAX_NAMED_SYMBOLS:
            break
    return names


def _trim(slug: str) -> str:
    return slug[:MAX_BASE].strip("-_")
