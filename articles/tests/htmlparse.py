"""Reading rendered pages the way a browser would: what a form submits, which tags are live."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_class: str):
        super().__init__()
        self.form_class = form_class
        self.inside = False
        self.data: dict[str, str] = {}
        self.textarea: str | None = None
        self.select: str | None = None
        self.first_option: str | None = None
        self.skipping = False  # inside a disabled <select>
        self.templates = 0  # inside <template>: inert markup a browser never submits

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "template":
            self.templates += 1
        if self.templates:
            return
        if tag == "form" and self.form_class in (a.get("class") or "").split():
            self.inside = True
            return
        if not self.inside:
            return
        if tag == "option":
            if self.select and not self.skipping:
                value = a.get("value") or ""
                self.first_option = value if self.first_option is None else self.first_option
                if "selected" in a:
                    self.data[self.select] = value
            return
        name = a.get("name")
        if not name:
            return
        disabled = "disabled" in a  # browsers never submit disabled controls
        if tag == "input" and not disabled:
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.data[name] = a.get("value") or ("on" if kind == "checkbox" else "")
        elif tag == "textarea" and not disabled:
            self.textarea = name
            self.data[name] = ""
        elif tag == "select":
            self.select, self.first_option, self.skipping = name, None, disabled

    def handle_endtag(self, tag):
        if tag == "template":
            self.templates -= 1
        if self.templates:
            return
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "textarea":
            # Browsers drop the newline that opens a textarea's content.
            if self.textarea and self.data[self.textarea].startswith("\n"):
                self.data[self.textarea] = self.data[self.textarea][1:]
            self.textarea = None
        elif tag == "select" and self.select:
            if not self.skipping and self.select not in self.data:
                self.data[self.select] = self.first_option or ""
            self.select, self.skipping = None, False

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data


def form_fields(page: str, form_class: str = "article-form") -> dict[str, str]:
    """The name → value pairs a browser would post from the form with this class."""
    reader = _FormReader(form_class)
    reader.feed(page)
    reader.close()
    return reader.data


class _MarkupReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    handle_startendtag = handle_starttag


def start_tags(page: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element the browser would build, with its attributes (text content left out)."""
    reader = _MarkupReader()
    reader.feed(page)
    reader.close()
    return reader.tags


def markup_only(page: str) -> str:
    """The page's tags and attributes as one lower-cased string, without any text content.

    Escaped text such as `&lt;img onerror=…&gt;` is harmless words on the page; what
    must never appear is a live tag or attribute, which is what this string holds.
    A form control's `value` is data being edited, not markup, so it is left out too.
    """
    parts = []
    for tag, attrs in start_tags(page):
        parts.append(tag + " " + " ".join(f"{k}={v or ''}" for k, v in attrs if k != "value"))
    return "\n".join(parts).lower()
