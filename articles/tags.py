"""How a typed tag becomes a stored one, and what the writer is told about it.

A tag is lower-case letters and digits of any script, with "-" between words; "+", "#" and "."
stay, to tell "c++" from "c#" from ".net". Markup is dropped ("<b>bold</b>" is "bold", not
"b-bold-b"). A tag with no letter or digit left (only emoji or punctuation) cannot be used: the
form and the API refuse it with the reason instead of dropping it silently, and every other change
(spaces to hyphens, cut to 50 characters) is reported back to the writer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_TAG_CHARS = 50  # Tag.name
UNUSABLE = gettext_lazy("a tag needs at least one letter or digit (emoji and punctuation alone are not kept)")

_MARKUP = re.compile(r"<[^<>]*>")
_NOT_TAG = re.compile(r"[^\w+#.-]+")


def normalise_tag(typed: str) -> str:
    """The tag stored for `typed`; "" when nothing usable is left."""
    text = unicodedata.normalize("NFKC", _MARKUP.sub(" ", str(typed)))
    return _NOT_TAG.sub("-", text.strip().lower()).strip("-")[:MAX_TAG_CHARS].strip("-")


@dataclass
class TagReading:
    tags: list[str] = field(default_factory=list)  # sorted, without duplicates
    changed: list[tuple[str, str]] = field(default_factory=list)  # (as typed, as stored)
    refused: list[str] = field(default_factory=list)  # as typed

    def refusals(self) -> list[str]:
        return [_("Tag “%(tag)s” cannot be used: %(reason)s.") % {"tag": typed, "reason": UNUSABLE} for typed in self.refused]

    def changes(self) -> str:
        """One sentence for the writer, or "" when every tag was kept as typed (up to case)."""
        if not self.changed:
            return ""
        parts = "; ".join(_("“%(typed)s” was saved as “%(tag)s”") % {"typed": typed, "tag": tag} for typed, tag in self.changed)
        return _("Tags changed: %(changes)s.") % {"changes": parts}


def read_tags(names) -> TagReading:
    reading, tags = TagReading(), set()
    for name in names:
        typed = str(name).strip()
        if not typed:
            continue  # "refund, , booking" or a trailing comma: nothing was meant
        tag = normalise_tag(typed)
        if not tag:
            reading.refused.append(typed)
            continue
        if tag != typed.lower() and (typed, tag) not in reading.changed:
            reading.changed.append((typed, tag))
        tags.add(tag)
    reading.tags = sorted(tags)
    return reading
