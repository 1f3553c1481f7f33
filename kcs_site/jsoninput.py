"""JSON from outside (API bodies, webhooks, imports): the limits every reader of it applies."""

from __future__ import annotations

import json
import re

# No request body of ours nests deeper than a handful of levels (an article's authority rules
# are three). Python's decoder recurses once per level: 50,000 levels raised RecursionError (a 500).
MAX_JSON_DEPTH = 32
TOO_DEEP = f"JSON nested more than {MAX_JSON_DEPTH} levels deep is not accepted."
# A string runs to its closing quote or, unterminated, to the end of the text (json.loads refuses
# it later). Without the end-of-text case every quote inside an unterminated string started a new
# scan to the end: a body of `"\"\"\"…` cost quadratic time (80 kB took 17 s) before any view ran.
_STRING = re.compile(r'"[^"\\]*(?:\\(?:.|\Z)[^"\\]*)*(?:"|\Z)', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth_exceeds(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether `text` opens more than `limit` arrays/objects inside each other (strings ignored).

    A linear scan before decoding, so a hostile body costs one pass, not a recursion per level.
    """
    depth = 0
    for char in _NOT_BRACKET.sub("", _STRING.sub("", text)):
        depth += 1 if char in "[{" else -1
        if depth > limit:
            return True
    return False


def holds_nul(value) -> bool:
    """Whether any string (key or value) in decoded JSON holds NUL, which PostgreSQL cannot store."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(holds_nul(k) or holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_nul(v) for v in value)
    return False


def loads(text: str, *, strict: bool = True):
    """json.loads for input from outside: ValueError, with the reason, for anything refused."""
    if json_depth_exceeds(text):
        raise ValueError(TOO_DEEP)
    try:
        data = json.loads(text, parse_constant=_refuse_constant if strict else None)
    except RecursionError:  # belt and braces: the depth check above makes this unreachable
        raise ValueError(TOO_DEEP) from None
    if holds_nul(data):
        raise ValueError('Text may not contain NUL characters ("\\u0000").')
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON.")
