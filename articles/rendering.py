"""Article Markdown → safe HTML, in time bounded by the text's length whatever it holds.

Articles are user input: Markdown is rendered first, then everything goes through
nh3 (the ammonia sanitizer) with an allow-list, so a <script>, an event-handler
attribute or a javascript: URL can never reach a page, whatever Markdown produced.

Articles are also untrusted *work*: a field of `[` characters or of nested lists must not
stall or crash a page. So:
- the renderer is cmark-gfm (GitHub's C CommonMark parser, via cmarkgfm: linear time by
  design, fuzzed, and what PyPI uses for untrusted READMEs); Python-Markdown took 23 s on
  8,000 `[` and raised RecursionError on deep emphasis. `bench/markdown_render.py` measures both;
- a field is limited in size and nesting depth (MAX_CHARS, MAX_DEPTH: enforced at save by
  `markdown_problem`, through the form, the API, the import and the model);
- text stored before the limits that breaks them is shown as escaped plain text, never
  rendered: the sanitizer's HTML parser is quadratic in nesting depth;
- rendered HTML is cached under a hash of the text (see `render_markdown`).

Any Markdown field may hold staff-only passages, fenced as
    :::internal
    Goodwill: a bonus minifigure, with team-lead approval.
    :::
`public_text` removes them (help centre, public API, what outside callers search and see in
snippets); `render_markdown(..., internal=True)` shows them to staff in a marked box.
"""

from __future__ import annotations

import hashlib
import html as htmllib
import re

import cffi
import cmarkgfm
import cmarkgfm.cmark
import nh3
from cmarkgfm import _cmark as cmark
from cmarkgfm.cmark import Options
from django.conf import settings
from django.core.cache import cache
from django.utils.formats import number_format
from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The limits of Markdown, here and nowhere else. A field holds at most 150,000 characters
# (settings.KCS_MARKDOWN_MAX_CHARS): the longest article of a real 1,374-article support KB (a
# legal text) has 146,000. An article's four fields hold at most 150,000 in all
# (KCS_MARKDOWN_MAX_ARTICLE_CHARS): the slowest input bench/markdown_render.py knows renders at about
# 1 ms per 1,000 characters, so a whole article's first view stays under 200 ms.
MAX_CHARS = settings.KCS_MARKDOWN_MAX_CHARS
MAX_ARTICLE_CHARS = settings.KCS_MARKDOWN_MAX_ARTICLE_CHARS
# Lists and block quotes inside each other: ten levels is more than any reader can follow.
MAX_DEPTH = 10
# Elements of any kind inside each other (raw HTML included): html5ever, inside nh3, walks
# the stack of open elements on each tag, so 10,000 nested <div> cost seconds.
MAX_ELEMENT_DEPTH = 100

# Part of the cache key: change it whenever the HTML for the same text changes.
RENDERER_VERSION = "cmark-gfm-2"
CACHE_SECONDS = 7 * 24 * 3600

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
# No "id" anywhere: heading ids are added after sanitizing, from the heading's text with the
# field's prefix, so a raw-HTML id can never collide with the page's own (e.g. "authority-heading").
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "code": {"class"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}

# Raw HTML passes cmark untouched (UNSAFE) because nh3 decides what stays; no "tagfilter"
# extension, which would show a <script> payload as text instead of removing it.
_CMARK_OPTIONS = Options.CMARK_OPT_UNSAFE
_CMARK_EXTENSIONS = ["table", "strikethrough"]
# The two C functions cmarkgfm's bindings leave out (see _to_html), from the library it loaded.
_native_ffi = cffi.FFI()
_native_ffi.cdef("void cmark_node_free(void *node); void free(void *ptr);")
_native = _native_ffi.dlopen(cmark.__file__)


def render_markdown(text: str, *, id_prefix: str = "md", internal: bool = False) -> SafeString:
    """`text` as sanitized HTML, heading ids prefixed with `id_prefix`.

    Internal passages are left out, unless `internal` (staff pages): then each is shown in
    the marked "Internal — staff only" box.

    Cached under a hash of the text (with the prefix, limit and RENDERER_VERSION): a page view
    renders a field at most once per cache, and a new version, whatever wrote it (the
    editor, the API, an import, the admin), has new text and so a new key; no cache entry
    is ever invalidated, so the cache is correct across processes with any backend.
    """
    if internal and has_internal(text):
        return _render_with_internal(text, id_prefix)
    return _cached_render(public_text(text), id_prefix)


def _cached_render(text: str, id_prefix: str) -> SafeString:
    if not text:
        return mark_safe("")
    text = _encodable(text)
    # The limit is in the key: raising it turns plain-text fallbacks into rendered HTML.
    key = f"md:{RENDERER_VERSION}:{MAX_CHARS}:{id_prefix}:{hashlib.sha256(text.encode()).hexdigest()}"
    out = cache.get(key)
    if out is None:
        out = _render(text, id_prefix)
        cache.set(key, out, CACHE_SECONDS)
    return mark_safe(out)  # noqa: S308 — sanitized by nh3 or escaped in _render


def markdown_problem(text: str) -> str | None:
    """Why `text` cannot be saved as an article's Markdown field, or None if it can.

    A sentence a user reads next to the field (form, API, import report).
    """
    if len(text) > MAX_CHARS:
        return _("This text is %(length)s characters long; at most %(limit)s are allowed. Shorten it or split the article.") % {
            "length": number_format(len(text), force_grouping=True),
            "limit": number_format(MAX_CHARS, force_grouping=True),
        }
    depth = _depths(_to_html(_encodable(text)))
    if depth.lists > MAX_DEPTH:
        return _("Lists and quotes are nested %(depth)s levels deep; at most %(limit)s levels are allowed.") % {
            "depth": depth.lists,
            "limit": MAX_DEPTH,
        }
    if depth.elements > MAX_ELEMENT_DEPTH:
        return _("HTML elements are nested %(depth)s levels deep; at most %(limit)s are allowed.") % {
            "depth": depth.elements,
            "limit": MAX_ELEMENT_DEPTH,
        }
    return None


# --- internal passages ---------------------------------------------------------------------

# A fence on a line of its own, indented at most three spaces (as CommonMark's own fences).
_INTERNAL_OPEN = re.compile(r"^ {0,3}:::[ \t]*internal[ \t]*$", re.IGNORECASE)
_INTERNAL_CLOSE = re.compile(r"^ {0,3}:::[ \t]*$")
_CODE_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
INTERNAL_LABEL = gettext_lazy("Internal — staff only")


def split_internal(text: str) -> list[tuple[bool, str]]:
    """`text` as (internal?, text) parts in order, in one linear pass over its lines.

    Fails closed, so that no staff text reaches a customer by a slip of the writer: an opening
    fence is honoured wherever it stands (even inside a code block), a block never closed runs to
    the end of the text, and a closing fence inside a code block of the internal passage (a
    snippet showing the syntax) does not end it.
    """
    if ":::" not in text:
        return [(False, text)] if text else []
    parts: list[tuple[bool, str]] = []
    lines: list[str] = []
    inside, code_fence = False, ""
    for line in text.splitlines(keepends=True):
        bare = line.rstrip("\r\n")
        if not inside:
            if _INTERNAL_OPEN.match(bare):
                parts.append((False, "".join(lines)))
                lines, inside, code_fence = [], True, ""
                continue
        else:
            fence = _CODE_FENCE.match(bare)
            if code_fence:
                if fence and fence.group(1)[0] == code_fence[0] and len(fence.group(1)) >= len(code_fence):
                    code_fence = ""
            elif fence:
                code_fence = fence.group(1)
            elif _INTERNAL_CLOSE.match(bare):
                parts.append((True, "".join(lines)))
                lines, inside = [], False
                continue
        lines.append(line)
    parts.append((inside, "".join(lines)))
    return [(hidden, part) for hidden, part in parts if part.strip()]


def has_internal(text: str) -> bool:
    return any(hidden for hidden, _ in split_internal(text or ""))


def public_text(text: str) -> str:
    """`text` without its internal passages: what customers, partners and visitors may read."""
    if not text or ":::" not in text:
        return text or ""
    # Blank lines between the parts: text on either side of a passage never runs together.
    return "\n\n".join(part.strip("\n") for hidden, part in split_internal(text) if not hidden)


def internal_text(text: str) -> str:
    """Only the internal passages of `text` (staff search finds them)."""
    if not text or ":::" not in text:
        return ""
    return "\n\n".join(part.strip("\n") for hidden, part in split_internal(text) if hidden)


def _render_with_internal(text: str, prefix: str) -> SafeString:
    # Each part is rendered on its own (and cached so), so an internal box always holds exactly
    # its passage: its tags can never open in one part and close in another. Parts after the
    # first number their heading ids, which stay unique on the page.
    out = []
    for n, (hidden, part) in enumerate(split_internal(text)):
        html = _cached_render(part, f"{prefix}-{n}" if n else prefix)
        if hidden:
            html = internal_box(html)
        out.append(html)
    return mark_safe("\n".join(out))  # noqa: S308 — each part is sanitized by render_markdown


def internal_box(html: str) -> SafeString:
    """Staff-only content in the marked box every staff page uses (styled by .internal-box)."""
    label = escape(INTERNAL_LABEL)  # in the reader's language: the box is added after the cache
    return mark_safe(  # noqa: S308 — `html` is sanitized output of render_markdown, `label` escaped
        f'<aside class="internal-box" aria-label="{label}"><p class="internal-label">{label}</p>{html}</aside>'
    )


# --- plain text ------------------------------------------------------------------------------

# What a reader sees of the rendered Markdown, as lines of text: search snippets are cut from it.
# cmark's HTML is parsed with a few linear regular expressions, not sanitized (nh3 costs ten times
# cmark on long texts): the text is only ever shown escaped, so no tag it holds can become live.
# Elements whose text a reader never sees, found opener by opener with one search for each closer
# (a lazy ".*?" pattern rescans to the end of the text for every unclosed opener: quadratic).
_HIDDEN_OPEN = re.compile(r"<(script|style|textarea|title)\b[^>]*>|<!--", re.IGNORECASE)
_PRE_OPEN = re.compile(r"<(pre)\b[^>]*>", re.IGNORECASE)


def _spans(html: str, opener: re.Pattern):
    """(start, end) of each element `opener` starts, through its closing tag; an element left
    open runs to the end of the text (as a browser reads it). Linear in the length of `html`."""
    pos = 0
    while (found := opener.search(html, pos)) is not None:
        name = found.group(1)
        if name:
            close = re.compile(rf"</{name}\s*>", re.IGNORECASE).search(html, found.end())
            end = close.end() if close else len(html)
        else:
            close_at = html.find("-->", found.end())
            end = close_at + 3 if close_at >= 0 else len(html)
        yield found.start(), end
        pos = end


def _replace_spans(html: str, opener: re.Pattern, replace) -> str:
    out, pos = [], 0
    for start, end in _spans(html, opener):
        out += [html[pos:start], replace(html[start:end])]
        pos = end
    out.append(html[pos:])
    return "".join(out)


_CELL_GAP = re.compile(r"</t[dh]\s*>\s*<t[dh]\b[^>]*>", re.IGNORECASE)
_BLOCK_TAG = re.compile(
    r"</?(?:p|li|ul|ol|h[1-6]|pre|blockquote|div|table|thead|tbody|tr|dl|dt|dd|details|summary|section|aside)\b[^>]*>"
    r"|<(?:br|hr)\b[^>]*>",
    re.IGNORECASE,
)
_ANY_TAG = re.compile(r"</?[a-zA-Z][^<>]*>")
_LINE_BREAK = "\x01"  # a block boundary while the text's own whitespace is collapsed
CELL_SEPARATOR = " · "  # between the cells of a table row


def plain_text(text: str, *, internal: bool) -> str:
    """Markdown `text` as the words a reader sees: one line per block (paragraph, heading, list
    item, table row, line of code), links as their text, code as written, entities decoded.

    `internal`: keep the text of `:::internal` passages (without their fences), for staff;
    otherwise they are left out, as render_markdown does.
    """
    parts = split_internal(text or "")
    lines = [_html_to_lines(_to_html(_encodable(part))) for hidden, part in parts if internal or not hidden]
    return "\n".join(line for line in lines if line)


def _html_to_lines(html: str) -> str:
    html = _replace_spans(html, _HIDDEN_OPEN, lambda _: "")
    # Code keeps its lines; everywhere else a line break in the HTML is a soft break (a space).
    html = _replace_spans(html, _PRE_OPEN, lambda element: element.replace("\n", _LINE_BREAK))
    html = html.replace("\n", " ")
    html = _CELL_GAP.sub(htmllib.escape(CELL_SEPARATOR), html)
    html = _BLOCK_TAG.sub(_LINE_BREAK, html)
    text = htmllib.unescape(_ANY_TAG.sub("", html))
    lines = (" ".join(line.split()) for line in text.split(_LINE_BREAK))  # any run of spaces: one
    return "\n".join(line for line in lines if line)


# --- rendering -------------------------------------------------------------------------------


def _render(text: str, prefix: str) -> str:
    if len(text) > MAX_CHARS:
        return _plain(text)
    html = _to_html(text)
    if _depths(html).elements > MAX_ELEMENT_DEPTH:
        return _plain(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return _BLOCK.sub(r'<\1\2 dir="auto">', _add_heading_ids(_unlink_dead_anchors(clean), prefix))


def _to_html(text: str) -> str:
    """cmark-gfm's HTML for `text`, with the parse tree and the HTML string freed afterwards.

    cmarkgfm.markdown_to_html_with_extensions frees neither (its bindings do not expose the free
    functions), so each call kept about as much memory as the Markdown's HTML: tens of MB per
    thousand renders in a long-running process. Both are freed here through the library's
    exported symbols (ABI mode: the same loaded library, so the same allocator).
    """
    lib, ffi = cmark.lib, cmark.ffi
    cmarkgfm.cmark.core_extensions_ensure_registered()
    parser = lib.cmark_parser_new(_CMARK_OPTIONS)
    try:
        for name in _CMARK_EXTENSIONS:
            lib.cmark_parser_attach_syntax_extension(parser, cmarkgfm.cmark.find_syntax_extension(name))
        encoded = text.encode()
        lib.cmark_parser_feed(parser, encoded, len(encoded))
        root = lib.cmark_parser_finish(parser)
        try:
            raw = lib.cmark_render_html(root, _CMARK_OPTIONS, lib.cmark_parser_get_syntax_extensions(parser))
            try:
                html = ffi.string(raw).decode()
            finally:
                _native.free(_native_pointer(raw))
        finally:
            _native.cmark_node_free(_native_pointer(root))
    finally:
        lib.cmark_parser_free(parser)
    return html.rstrip("\n")


def _native_pointer(pointer):
    return _native_ffi.cast("void *", int(cmark.ffi.cast("uintptr_t", pointer)))


def _plain(text: str) -> str:
    # Stored before the limits existed (an old import): readable, escaped, and linear.
    return linebreaks(text, autoescape=True)


def _encodable(text: str) -> str:
    # A lone surrogate (JSON allows "\ud800") cannot be encoded for the parser or the hash.
    try:
        text.encode()
    except UnicodeEncodeError:
        return text.encode(errors="replace").decode()
    return text


# --- nesting depth -----------------------------------------------------------------------

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
_LIST_TAGS = frozenset({"ul", "ol", "blockquote"})
# Elements that never hold others, or that the HTML parser closes by itself when the next
# one starts (so <li><li><li> is no deeper than one): they never deepen its stack.
_VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
_CLOSED_BY_NEXT = {"li", "p", "dt", "dd", "tr", "td", "th", "thead", "tbody", "tfoot", "option", "optgroup", "caption"}
_FLAT_TAGS = frozenset(_VOID_TAGS | _CLOSED_BY_NEXT | {"rb", "rt", "rtc", "rp", "colgroup"})


class _Depth:
    __slots__ = ("lists", "elements")

    def __init__(self) -> None:
        self.lists = self.elements = 0


def _depths(html: str) -> _Depth:
    """The deepest nesting of lists/quotes and of elements in `html`, in one linear scan.

    Counts open minus close tags, so unclosed raw HTML counts as nested, as the browser's
    (and the sanitizer's) parser would nest it.
    """
    found, lists, elements = _Depth(), 0, 0
    flat, list_tags = _FLAT_TAGS, _LIST_TAGS
    for closing, name in _TAG.findall(html):
        name = name.lower()
        if name in flat:
            continue
        if closing:
            elements -= elements > 0
            if name in list_tags:
                lists -= lists > 0
            continue
        elements += 1
        if elements > found.elements:
            found.elements = elements
        if name in list_tags:
            lists += 1
            if lists > found.lists:
                found.lists = lists
    return found


# --- writing direction -------------------------------------------------------------------

# Each block of text takes its direction from its own first letter: an Arabic or Hebrew paragraph
# reads right to left, an English one beside it left to right (code blocks stay left to right).
# Added after sanitizing, so no "dir" ever comes from the text itself.
# nh3 writes ">" inside an attribute value as "&gt;", so a tag ends at its first ">".
_BLOCK = re.compile(r"<(p|li|h[1-6]|blockquote|dd|dt|td|th|summary)(\s[^>]*)?>")


# --- links the sanitizer disarmed ---------------------------------------------------------

# An anchor as nh3 writes it: attribute values always in double quotes (they may hold ">").
_ANCHOR = re.compile(r'<a((?:\s+[^\s="<>/]+(?:="[^"]*")?)*)\s*>|</a>')


def _unlink_dead_anchors(html: str) -> str:
    """Drop the <a> tags the sanitizer took the href from (javascript:, data:, ftp: links, raw
    <a name>), keeping their text: a link-coloured word that goes nowhere looks like a broken link.

    Sanitized HTML never nests anchors (the parser closes one before the next opens), so each
    </a> closes the last one opened; one linear pass.
    """
    out, done, keep = [], 0, True
    for match in _ANCHOR.finditer(html):
        opening = match.group(0) != "</a>"
        if opening:
            keep = ' href="' in match.group(1)
        if not keep:
            out.append(html[done : match.start()])
            done = match.end()
        if not opening:
            keep = True
    out.append(html[done:])
    return "".join(out)


# --- heading ids -------------------------------------------------------------------------

_HEADING_TAG = re.compile(r"<(/?)h([1-6])>")
_MARKUP = re.compile(r"<[^<>]*>")


def _add_heading_ids(html: str, prefix: str) -> str:
    """Give each heading of sanitized `html` an id from its text ("Check the booking" →
    "resolution-check-the-booking"); the id holds only letters, digits, "-" and "_".

    One pass over the tags: each heading's text is read once, so the work is linear.
    Duplicates get "_1", "_2"… as Python-Markdown's toc extension did (links to them exist).
    """
    out, done, opening, used = [], 0, None, _UniqueIds()
    for match in _HEADING_TAG.finditer(html):
        if not match.group(1):
            opening = match
            continue
        if opening is None or opening.group(2) != match.group(2):
            continue
        words = htmllib.unescape(_MARKUP.sub("", html[opening.end() : match.start()]))
        out += [html[done : opening.start()], f'<h{match.group(2)} id="{used.add(_slugify(prefix, words))}">']
        done, opening = opening.end(), None
    out.append(html[done:])
    return "".join(out)


class _UniqueIds:
    def __init__(self) -> None:
        self.used: set[str] = set()
        self.last: dict[str, int] = {}  # the last suffix given to an id, so repeats stay linear

    def add(self, wanted: str) -> str:
        chosen, n = wanted, self.last.get(wanted, 0)
        while chosen in self.used:
            n += 1
            chosen = f"{wanted}_{n}"
        self.last[wanted] = n
        self.used.add(chosen)
        return chosen


_NOT_SLUG = re.compile(r"[^\w\s-]")
_SEPARATORS = re.compile(r"[-\s]+")


def _slugify(prefix: str, value: str) -> str:
    # Python-Markdown's slugify_unicode, so anchors people linked to keep working; prefixed
    # with the field name so five fields on one page never clash.
    slug = _SEPARATORS.sub("-", _NOT_SLUG.sub("", value).strip().lower())
    return f"{prefix}-{slug}" if prefix else slug
