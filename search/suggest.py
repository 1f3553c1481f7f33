"""Suggestions as you type: what the typed words mean to both backends, and popular past searches.

Typed text → `Typed`: every word but the last is complete and must be matched as a whole word
(stemmed or exact); the last may be half typed and is matched as a prefix. Question and stop
words ("how do i reset pass") are left out: they would demand a title holding "how". A last
word that is a stop word or a single letter is optional (the suggestions for the other words
stay while it is being typed).

Popular searches: `PopularQuery` holds the past queries searched at least MIN_SEARCHES times in
the last WINDOW_DAYS that found something, per kind of caller, rebuilt by `refresh()` (the
`refresh_popular_queries` command, hourly; and on a suggestion request when the table is older
than STALE_AFTER). Each process keeps the table in memory as a small inverted index, reloaded
when the table was refreshed (one indexed read of its newest stamp per request), so a keystroke
never reads the search log.
"""

from __future__ import annotations

import bisect
import datetime
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Count, Max
from django.db.models.functions import Lower
from django.utils import timezone
from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS

from articles import policy

from .rerank import STOP_WORDS as RERANK_STOP_WORDS
from .rerank import WORD_RE, stem

log = logging.getLogger(__name__)

# The reranker's list (question words included) and the Whoosh analyser's, which its index drops.
STOP_WORDS = frozenset(WHOOSH_STOP_WORDS) | RERANK_STOP_WORDS
MIN_PREFIX = 2  # a one-letter last word is not expanded (it would match a twentieth of the vocabulary)

WINDOW_DAYS = 90
MIN_SEARCHES = 2
MAX_POPULAR = 50000  # rows kept per refresh (the most searched)
STALE_AFTER = datetime.timedelta(hours=2)
QUERY_LIMIT = 5


@dataclass(frozen=True)
class Typed:
    words: list[str]  # complete content words, lowercase, as typed
    last: str  # the word being typed ("" when none is required)
    optional_last: str = ""  # a stop word or single letter being typed: tried, dropped if it kills everything

    @property
    def empty(self) -> bool:
        return not self.words and not self.last


def words_of(text: str) -> list[str]:
    return WORD_RE.findall((text or "").lower().replace("’", "").replace("'", ""))


def typed(text: str) -> Typed:
    """What the typed text asks for (see the module docstring)."""
    words = words_of(text)
    if not words:
        return Typed([], "")
    *head, last = words
    content = [w for w in head if w not in STOP_WORDS]
    if last in STOP_WORDS or len(last) < MIN_PREFIX:
        return Typed(content, "", optional_last=last if len(last) >= MIN_PREFIX else "")
    return Typed(content, last)


# --- popular past searches --------------------------------------------------------------------


def normalise(text: str) -> str:
    """A query as popular searches group it: its content words' stems, sorted ("my toy order" and
    "order toys" are one search; a query of stop words alone keeps its words)."""
    words = words_of(text)
    content = [stem(w) for w in words if w not in STOP_WORDS]
    return " ".join(sorted(set(content))) if content else " ".join(words)


def offerable(text: str) -> bool:
    """Plain words only: no search syntax, and nothing that looks personal (an address, a number)."""
    if not text or len(text) > 100 or re.search(r"[@:\"*]|(^|\s)-", text):
        return False
    words = words_of(text)
    return 0 < len(words) <= 10 and not any(sum(c.isdigit() for c in w) >= 4 for w in words)


def outside_title_words() -> set[str]:
    """The stems of the words in the titles of articles outside readers may read (validated, not
    internal): the words a popular outside search may be made of."""
    from articles.models import Article, Audience, State

    titles = Article.objects.filter(state=State.VALIDATED).exclude(audience=Audience.INTERNAL).values_list("title", flat=True)
    return {stem(w) for title in titles.iterator(chunk_size=5000) for w in words_of(title) if w not in STOP_WORDS}


def kinds_offered_to(user) -> list[str] | None:
    """The caller kinds whose past searches `user` may be offered, or None for all (staff).

    A query is offered only to callers who see at least what the people who searched it see:
    it found something in articles they may open too, and its words come from such articles.
    """
    mine = policy.visible_audiences(user)
    if mine is None:
        return None
    from accounts.models import Kind

    kinds = [("anonymous", None)] + [(k.value, k) for k in Kind if k.value != "staff"]
    offered = []
    for name, kind in kinds:
        theirs = policy.AUDIENCES_FOR_KIND.get(kind)
        if theirs is not None and {a.value for a in theirs} <= set(mine):
            offered.append(name)
    return offered


def refresh(now: datetime.datetime | None = None) -> int:
    """Rebuild PopularQuery from the search log of the last WINDOW_DAYS; returns the rows written.

    One grouped read of the window, merged in Python by normalised text; the table is replaced
    in one transaction."""
    from .models import PopularQuery, SearchLog

    now = now or timezone.now()
    rows = (
        SearchLog.objects.filter(created_at__gte=now - datetime.timedelta(days=WINDOW_DAYS), result_count__gt=0)
        .values("caller_kind", lowered=Lower("query"))
        .annotate(n=Count("id"), last=Max("created_at"))
        .values_list("caller_kind", "lowered", "n", "last")
    )
    merged: dict[tuple[str, str], list] = {}
    shown: dict[tuple[str, str], Counter] = {}
    known = outside_title_words()
    for kind, text, n, last in rows.iterator(chunk_size=5000):
        if not offerable(text):
            continue
        if kind != "staff" and not set(normalise(text).split()) <= known:
            # One outside reader's words ("refund for jane doorman at acme") are offered to other
            # outside readers only where every word is one the help centre's own titles use: the
            # log does not say who searched, so a count alone cannot tell a name from a topic.
            continue
        key = (kind, normalise(text))
        entry = merged.setdefault(key, [0, last])
        entry[0] += n
        entry[1] = max(entry[1], last)
        shown.setdefault(key, Counter())[" ".join(text.split())] += n
    keep = sorted(((k, v) for k, v in merged.items() if v[0] >= MIN_SEARCHES), key=lambda kv: -kv[1][0])[:MAX_POPULAR]
    objects = [
        PopularQuery(
            caller_kind=kind,
            normalised=text,
            text=shown[(kind, text)].most_common(1)[0][0][:200],  # the form most people typed
            searches=n,
            last_searched=last,
            refreshed_at=now,
        )
        for (kind, text), (n, last) in keep
    ]
    try:
        with transaction.atomic():
            PopularQuery.objects.all().delete()
            PopularQuery.objects.bulk_create(objects, batch_size=2000)
    except IntegrityError:  # another process refreshed at the same moment: its table stands
        return 0
    _cache.clear()
    _cache.attempted = time.monotonic()
    return len(objects)


@dataclass
class _Table:
    stamp: object = None
    rows: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, text, searches), most searched first
    exact: dict[str, set[int]] = field(default_factory=dict)  # word or stem → rows
    vocabulary: list[str] = field(default_factory=list)  # sorted words, for prefixes
    rows_of_word: dict[str, set[int]] = field(default_factory=dict)


class _Cache:
    """This process's copy of the table, reloaded when a refresh gives it a newer stamp."""

    REFRESH_RETRY = 300.0  # seconds before a process tries again to refresh a stale or empty table

    def __init__(self):
        self.lock = threading.Lock()
        self.table: _Table | None = None
        self.attempted = -self.REFRESH_RETRY

    def clear(self):
        with self.lock:
            self.table = None
            self.attempted = -self.REFRESH_RETRY

    def get(self) -> _Table:
        from .models import PopularQuery

        stamp = PopularQuery.objects.aggregate(at=Max("refreshed_at"))["at"]
        stale = stamp is None or timezone.now() - stamp > STALE_AFTER
        if stale and time.monotonic() - self.attempted >= self.REFRESH_RETRY:
            # Nobody ran refresh_popular_queries lately: this request does (once per process and
            # REFRESH_RETRY; a second process racing it is harmless, see refresh).
            self.attempted = time.monotonic()
            try:
                refresh()
            except DatabaseError:  # another process refreshing (SQLite: locked): the old table serves
                log.warning("Refreshing popular searches failed; the previous list is used", exc_info=True)
            stamp = PopularQuery.objects.aggregate(at=Max("refreshed_at"))["at"]
        table = self.table
        if table is not None and table.stamp == stamp:
            return table
        table = _load(stamp)
        with self.lock:
            self.table = table
        return table


_cache = _Cache()


def _load(stamp) -> _Table:
    from .models import PopularQuery

    table = _Table(stamp=stamp)
    rows = PopularQuery.objects.order_by("-searches", "normalised").values_list("caller_kind", "text", "searches")
    for i, (kind, text, searches) in enumerate(rows):
        table.rows.append((kind, text, searches))
        for word in words_of(text):
            table.exact.setdefault(word, set()).add(i)
            table.exact.setdefault(stem(word), set()).add(i)
            table.rows_of_word.setdefault(word, set()).add(i)
    table.vocabulary = sorted(table.rows_of_word)
    return table


def _prefixed(table: _Table, prefix: str) -> set[int]:
    found: set[int] = set()
    start = bisect.bisect_left(table.vocabulary, prefix)
    for word in table.vocabulary[start:]:
        if not word.startswith(prefix):
            break
        found |= table.rows_of_word[word]
    return found | table.exact.get(stem(prefix), set())


def popular_queries(text: str, user, limit: int = QUERY_LIMIT) -> list[str]:
    """Past searches that match the typed text (all words, the last as a prefix), that found
    something for callers who see no more than `user`, most searched first."""
    want = typed(text)
    if want.empty and not want.optional_last:
        return []
    table = _cache.get()
    if not table.rows:
        return []
    kinds = kinds_offered_to(user)

    def matching(t: Typed) -> set[int] | None:
        sets = [table.exact.get(w, set()) | table.exact.get(stem(w), set()) for w in t.words]
        if t.last:
            sets.append(_prefixed(table, t.last))
        if not sets:
            return None
        sets.sort(key=len)
        found = set(sets[0])
        for s in sets[1:]:
            found &= s
        return found

    found = None
    if want.optional_last:
        found = matching(Typed(want.words, want.optional_last))
    if not found:
        found = matching(want)
    if not found:
        return []
    typed_norm = normalise(text)
    out: list[str] = []
    seen: set[str] = set()
    for i in sorted(found):
        kind, shown, _ = table.rows[i]
        if kinds is not None and kind not in kinds:
            continue
        key = normalise(shown)
        if key in seen or key == typed_norm:
            continue
        seen.add(key)
        out.append(shown)
        if len(out) >= limit:
            break
    return out
