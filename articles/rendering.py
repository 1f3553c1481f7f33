"""Article Markdown → safe HTML.

Articles are user input: Markdown is rendered first, then everything goes through
nh3 (the ammonia sanitizer) with an allow-list, so a <script>, an event-handler
attribute or a javascript: URL can never reach a page, whatever Markdown produced.
"""

from __future__ import annotations

import re

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "h1": {"id"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}


def render_markdown(text: str, *, id_prefix: str = "md") -> SafeString:
    if not text:
        return mark_safe("")
    html = markdown.markdown(
        _indent_nested_lists(text),
        extensions=["tables", "fenced_code", "sane_lists", "toc"],
        extension_configs={"toc": {"anchorlink": False, "permalink": False, "slugify": _slugify(id_prefix)}},
        output_format="html",
    )
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=_id_filter(id_prefix),
    )
    return mark_safe(clean)  # noqa: S308 — sanitized by nh3 just above


NESTED_ITEM = re.compile(r"^ {2,3}(?=(?:[-*+]|\d+[.)]) )")
FENCE = re.compile(r"^\s*(```|~~~)")


def _indent_nested_lists(text: str) -> str:
    """Indent nested list items written with 2–3 spaces to the 4 Python-Markdown needs.

    Authors (and CommonMark) nest "1. Step" / "   - detail" with three spaces; without
    this the detail runs into the step's text. Fenced code is left exactly as written.
    """
    out, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        out.append(line if fenced else NESTED_ITEM.sub("    ", line))
    return "\n".join(out)


def _id_filter(prefix: str):
    # Heading ids come from the toc extension with the field's prefix; an id written as raw
    # HTML could collide with the page's own ids (e.g. "authority-heading"), so it is dropped.
    def keep(element: str, attribute: str, value: str) -> str | None:
        if attribute == "id" and not (prefix and value.startswith(f"{prefix}-")):
            return None
        return value

    return keep


def _slugify(prefix: str):
    from markdown.extensions.toc import slugify_unicode

    def slugify(value: str, separator: str) -> str:
        # Prefix heading ids with the field name so five fields on one page never clash.
        return f"{prefix}{separator}{slugify_unicode(value, separator)}" if prefix else slugify_unicode(value, separator)

    return slugify
