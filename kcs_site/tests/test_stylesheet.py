"""The site's one stylesheet stays well formed: a block left open (a media query without its
closing brace) silently moves every rule after it into that block, so desktop pages lose them."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

SITE_CSS = Path(settings.BASE_DIR) / "kcs_site" / "static" / "kcs" / "site.css"


def test_every_block_in_the_stylesheet_is_closed_where_it_opens():
    # Comments may hold braces: each is blanked out, keeping its lines so that numbers stay true.
    text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), SITE_CSS.read_text(encoding="utf-8"), flags=re.S)
    depth = 0
    for number, line in enumerate(text.splitlines(), 1):
        # A rule at the top level starts in column 0, one inside a media query is indented: an
        # unindented rule inside an open block is the sign of a forgotten brace above it.
        starts_rule = line[:1] not in ("", " ", "\t", "}") and "{" in line
        assert not (starts_rule and depth > 0), f"line {number} starts a rule inside a block left open above it"
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"line {number} closes a block that was never opened"
    assert depth == 0, "the stylesheet ends inside an open block"
