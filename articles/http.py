"""Request helpers every page of the staff workspace shares (a leaf module: it imports no app views)."""

from __future__ import annotations

import re

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

_ID = re.compile(r"[0-9]{1,18}")  # ASCII digits only, and few enough for a 64-bit key


def as_id(value) -> int | None:
    """`value` (a posted or query-string id) as an int, or None when it is not one.

    `str.isdigit()` is no test: "²" passes it and then int() raises (a 500), and 5,000 digits
    exceed what int() parses and what the database stores. Callers treat None as "no such row".
    """
    text = str(value)
    return int(text) if _ID.fullmatch(text) else None


def query_param(request: HttpRequest, name: str) -> str:
    """A query-string value with NUL characters removed: PostgreSQL refuses them in a query (a 500)."""
    return request.GET.get(name, "").replace("\x00", "")


def safe_next(request: HttpRequest, default: str) -> str:
    """The `next` path (posted, or in the query string of a page that carries it into its forms)
    when it is an address on this site, else `default` (no open redirects).

    Only a path ("/dashboard/") counts: `redirect()` takes anything else for a URL name, and a
    one-word `next` ("dashboard", "5") that names no URL was a 500 instead of a redirect.
    """
    target = (request.POST if request.method == "POST" else request.GET).get("next", "")
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    ):
        return target
    return default
