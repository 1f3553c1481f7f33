"""The help centre's memory of one visit: the searches typed and the articles read.

Kept in a signed cookie, not the database: a page view writes nothing, and the trail leaves the
browser only when the visitor asks for help (`cases.handover` attaches it to the case it creates).
The cookie is HttpOnly, SameSite=Lax, signed (the visitor can read it but not forge it), holds
the last few entries only, and is bound to who recorded it: a trail recorded while signed in is
dropped once the browser is signed out or signed in as someone else (a shared computer does not
hand one person's reading to the next); a trail recorded before signing in carries over.

Only what the visitor could see is recorded: queries as typed (trimmed) with the number of
results they were shown, and slugs and titles of help-centre articles they opened.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

COOKIE = "kcs_help_trail"
SALT = "articles.help-trail"
# The trail of a visit: forgotten after this long without a help-centre page.
MAX_AGE = 12 * 3600
MAX_SEARCHES = 10
MAX_VIEWED = 10
QUERY_MAX = 120
TITLE_MAX = 120
SLUG_MAX = 200
# Browsers keep about 4 KB per cookie; the oldest entries go first to stay well under it.
COOKIE_MAX = 3000


@dataclass
class Trail:
    owner: int = 0  # the signed-in user's pk when recorded, 0 for a visitor
    searches: list[list] = field(default_factory=list)  # [query, results, unix time]
    viewed: list[list] = field(default_factory=list)  # [slug, title, unix time]

    def __bool__(self) -> bool:
        return bool(self.searches or self.viewed)

    def as_case_trail(self) -> dict:
        """The shape stored on `cases.Case.trail`."""
        return {
            "searches": [{"query": q, "results": n, "at": _iso(t)} for q, n, t in self.searches],
            "viewed": [{"slug": s, "title": title, "at": _iso(t)} for s, title, t in self.viewed],
        }


def _iso(stamp: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp))


def _owner(request: HttpRequest) -> int:
    return request.user.pk if request.user.is_authenticated else 0


def read(request: HttpRequest) -> Trail:
    """This visit's trail, or an empty one (no cookie, a bad or old signature, someone else's)."""
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return Trail(owner=_owner(request))
    try:
        data = signing.loads(raw, salt=SALT, max_age=MAX_AGE)
        trail = Trail(owner=int(data["u"]), searches=list(data["s"]), viewed=list(data["v"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return Trail(owner=_owner(request))
    if trail.owner and trail.owner != _owner(request):
        return Trail(owner=_owner(request))
    trail.owner = _owner(request)
    return trail


def record_search(request: HttpRequest, response: HttpResponse, query: str, results: int) -> None:
    query = " ".join(query.split())[:QUERY_MAX]
    if not query:
        return
    trail = read(request)
    # Paging through the same results, or searching the same words again, is one search.
    trail.searches = [s for s in trail.searches if s[0] != query][-(MAX_SEARCHES - 1) :]
    trail.searches.append([query, int(results), int(time.time())])
    _write(request, response, trail)


def record_view(request: HttpRequest, response: HttpResponse, slug: str, title: str) -> bool:
    """Add the article to the trail; False when it is a reload of the last one read (not a new view)."""
    trail = read(request)
    if trail.viewed and trail.viewed[-1][0] == slug:
        return False  # a reload: nothing new, and no new cookie
    trail.viewed = [v for v in trail.viewed if v[0] != slug][-(MAX_VIEWED - 1) :]
    trail.viewed.append([slug[:SLUG_MAX], title[:TITLE_MAX], int(time.time())])
    _write(request, response, trail)
    return True


def clear(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE, samesite="Lax")


def _write(request: HttpRequest, response: HttpResponse, trail: Trail) -> None:
    while True:
        value = signing.dumps({"u": trail.owner, "s": trail.searches, "v": trail.viewed}, salt=SALT, compress=True)
        if len(value) <= COOKIE_MAX or not trail:
            break
        # Drop the oldest entry of the longer list until it fits.
        (trail.searches if len(trail.searches) >= len(trail.viewed) else trail.viewed).pop(0)
    # A session cookie (no expiry date): the trail is one visit's; MAX_AGE bounds a long-open browser.
    response.set_cookie(COOKIE, value, httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
