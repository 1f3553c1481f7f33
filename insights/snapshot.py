"""The nightly snapshot: the figures of one day written as `DailyFigure` rows, so trends survive
later changes (an article validated today was not validated last month; a flag closed today was
open then).

`take(day)` writes one day from the tables as they are now (run just after midnight for the day
that ended: `send_notifications --loop` does, or cron with `snapshot_insights`). It replaces that
day's rows, so running it twice changes nothing.

`backfill(since, until)` reconstructs earlier days where the rows allow it, and only fills days
that have no snapshot yet (a snapshot taken on the night saw the day as it was):
- articles per state and audience: from each article's creation time and its state and audience
  change records (`articles.ArticleEvent`, kinds `state` and `audience`: from, to, at); an
  article's state before its first state change is that change's `from` (its creation state);
- open flags: from each flag's created_at and closed_at (a flag closed and reopened since counts
  as open from its creation);
- decided and linked cases, article views, searches (zero-result, opened): from their own
  timestamps and the view counters.
Not reconstructed: articles past their review date (review dates are changed in place, their
history is not kept) and articles deleted since.

Fast at 100,000 articles: a handful of grouped queries, articles and events read once each
(not once per day), counts per day built from the changes (a running sum), bulk writes.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from articles.choices import Audience, State
from articles.models import Article, ArticleEvent, EventKind
from cases.choices import Outcome
from cases.models import Case
from feedback.choices import FlagState
from feedback.models import Flag
from search.models import SearchLog

from .models import ArticleView, DailyFigure

# Metric names (DailyFigure.metric) and what their key is.
ARTICLES = "articles"  # key "state/audience/product id": the finest grain, so filters apply
ARTICLES_STATE = "articles_state"  # key: state
ARTICLES_AUDIENCE = "articles_audience"  # key: audience
PAST_REVIEW = "articles_past_review"  # validated with a review date on or before the day
FLAGS_OPEN = "flags_open"
CASES_DECIDED = "cases_decided"
CASES_LINKED = "cases_linked"
LINK_RATE = "link_rate"  # percent of that day's decided cases solved with or creating an article
VIEWS = "views"  # key: reader kind
SEARCHES = "searches"  # key: caller kind
SEARCHES_ZERO = "searches_zero"  # key: caller kind
SEARCHES_OPENED = "searches_opened"  # key: caller kind
# What backfill cannot give back (see the module docstring).
NOT_RECONSTRUCTED = (PAST_REVIEW,)

Figures = dict[tuple[str, str, datetime.date], float]


def take(day: datetime.date) -> int:
    """Write the figures of `day` (replacing any), returns the number of rows written."""
    figures: Figures = {}
    figures.update(_article_figures_now(day))
    figures.update(_open_flags(day, day))
    figures.update(_timestamped(day, day))
    with transaction.atomic():
        DailyFigure.objects.filter(day=day).delete()
        DailyFigure.objects.bulk_create(_rows(figures), batch_size=1000)
    return len(figures)


def backfill(since: datetime.date, until: datetime.date) -> int:
    """Reconstruct the days from `since` to `until` (inclusive) that have no snapshot; returns the
    number of rows written."""
    if since > until:
        return 0
    figures: Figures = {}
    figures.update(_article_history(since, until))
    figures.update(_open_flags(since, until))
    figures.update(_timestamped(since, until))
    taken = set(DailyFigure.objects.filter(day__gte=since, day__lte=until).values_list("metric", "day").distinct())
    rows = [row for row in _rows(figures) if (row.metric, row.day) not in taken]
    DailyFigure.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def _rows(figures: Figures) -> Iterable[DailyFigure]:
    now = timezone.now()
    return [DailyFigure(metric=m, key=k, day=d, value=v, taken_at=now) for (m, k, d), v in figures.items()]


def _moment(day: datetime.date) -> datetime.datetime:
    """The first moment of `day`, local time."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _day_of(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _days(since: datetime.date, until: datetime.date) -> list[datetime.date]:
    return [since + datetime.timedelta(days=n) for n in range((until - since).days + 1)]


# --- articles ---------------------------------------------------------------------------------


def _article_key(state: str, audience: str, product_id) -> str:
    return f"{state}/{audience}/{product_id}"


def _with_totals(per_key: dict[tuple[str, datetime.date], float], days: list[datetime.date]) -> Figures:
    """The fine-grained article counts, plus the totals per state and per audience (every state
    and audience each day, 0 included, so a day with a snapshot is told from a day without)."""
    out: Figures = {}
    for day in days:
        out.update({(ARTICLES_STATE, state, day): 0 for state in State.values})
        out.update({(ARTICLES_AUDIENCE, audience, day): 0 for audience in Audience.values})
    for (key, day), n in per_key.items():
        if not n:
            continue
        state, audience, _product = key.split("/")
        out[(ARTICLES, key, day)] = n
        out[(ARTICLES_STATE, state, day)] = out.get((ARTICLES_STATE, state, day), 0) + n
        out[(ARTICLES_AUDIENCE, audience, day)] = out.get((ARTICLES_AUDIENCE, audience, day), 0) + n
    return out


def _article_figures_now(day: datetime.date) -> Figures:
    rows = Article.objects.values("state", "audience", "product_id").annotate(n=Count("pk")).order_by()
    out = _with_totals({(_article_key(r["state"], r["audience"], r["product_id"]), day): r["n"] for r in rows}, [day])
    out[(PAST_REVIEW, "", day)] = Article.objects.due_for_review(day).count()
    return out


def _article_history(since: datetime.date, until: datetime.date) -> Figures:
    """Each article's state and audience on each day, from its change records: every article and
    every state or audience change read once, counted per day with a running sum of the changes."""
    end = _moment(until + datetime.timedelta(days=1))
    changes: dict[int, list[tuple]] = defaultdict(list)
    events = (
        ArticleEvent.objects.filter(kind__in=[EventKind.STATE, EventKind.AUDIENCE], at__lt=end)
        .order_by("at", "id")
        .values_list("article_id", "kind", "from_value", "to_value", "at")
    )
    for article_id, kind, from_value, to_value, at in events.iterator(chunk_size=5000):
        changes[article_id].append((kind, from_value, to_value, _day_of(at)))
    # +1 / -1 on the day a (state, audience, product) starts or stops holding an article.
    delta: dict[str, dict[datetime.date, int]] = defaultdict(lambda: defaultdict(int))
    articles = Article.objects.filter(created_at__lt=end).values_list("pk", "created_at", "state", "audience", "product_id")
    for pk, created_at, state, audience, product_id in articles.order_by().iterator(chunk_size=5000):
        mine = changes.get(pk, [])
        # Before its first change an article was what that change started from; without any, what it is now.
        first_state = next((f for k, f, _t, _d in mine if k == EventKind.STATE and f), state)
        first_audience = next((f for k, f, _t, _d in mine if k == EventKind.AUDIENCE and f), audience)
        current = [first_state, first_audience]
        start = _day_of(created_at)
        for kind, _from, to_value, day in mine:
            if not to_value:
                continue
            key = _article_key(current[0], current[1], product_id)
            delta[key][start] += 1
            delta[key][day] -= 1
            current[0 if kind == EventKind.STATE else 1] = to_value
            start = max(start, day)
        delta[_article_key(current[0], current[1], product_id)][start] += 1
    out: dict[tuple[str, datetime.date], float] = {}
    for key, by_day in delta.items():
        held = sum(n for day, n in by_day.items() if day < since)
        for day in _days(since, until):
            held += by_day.get(day, 0)
            out[(key, day)] = held
    return _with_totals(out, _days(since, until))


# --- flags ------------------------------------------------------------------------------------


def _open_flags(since: datetime.date, until: datetime.date) -> Figures:
    """Flags open at the end of each day: raised by then and not closed by then."""
    end = _moment(until + datetime.timedelta(days=1))
    opened: dict[datetime.date, int] = defaultdict(int)
    closed: dict[datetime.date, int] = defaultdict(int)
    flags = Flag.objects.filter(created_at__lt=end).values_list("created_at", "closed_at", "state").order_by()
    for created_at, closed_at, state in flags.iterator(chunk_size=5000):
        opened[_day_of(created_at)] += 1
        # A flag reopened since (open now) counts as open from its creation.
        if closed_at is not None and state != FlagState.OPEN:
            closed[_day_of(closed_at)] += 1
    held = sum(n for day, n in opened.items() if day < since) - sum(n for day, n in closed.items() if day < since)
    out: Figures = {}
    for day in _days(since, until):
        held += opened.get(day, 0) - closed.get(day, 0)
        out[(FLAGS_OPEN, "", day)] = held
    return out


# --- rows with a time stamp -------------------------------------------------------------------


def _per_day(rows, field: str, *group: str, **counts: Q) -> list[dict]:
    return list(
        rows.annotate(on=TruncDate(field))
        .values("on", *group)
        .annotate(**{name: Count("pk", filter=q) for name, q in counts.items()})
        .order_by()
    )


def _as_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def _timestamped(since: datetime.date, until: datetime.date) -> Figures:
    window = {"since": _moment(since), "until": _moment(until + datetime.timedelta(days=1))}
    out: Figures = {}
    for day in _days(since, until):
        out[(CASES_DECIDED, "", day)] = 0
        out[(CASES_LINKED, "", day)] = 0
    cases = Case.objects.filter(outcome_at__gte=window["since"], outcome_at__lt=window["until"]).exclude(outcome="")
    for row in _per_day(cases, "outcome_at", decided=Q(), linked=~Q(outcome=Outcome.NO_LINK)):
        day = _as_date(row["on"])
        out[(CASES_DECIDED, "", day)] += row["decided"]
        out[(CASES_LINKED, "", day)] += row["linked"]
    for day in _days(since, until):
        decided = out[(CASES_DECIDED, "", day)]
        if decided:
            out[(LINK_RATE, "", day)] = round(100 * out[(CASES_LINKED, "", day)] / decided, 1)
    views = ArticleView.objects.filter(day__gte=since, day__lte=until).values("day", "reader").annotate(n=Sum("views"))
    for row in views.order_by():
        out[(VIEWS, row["reader"], row["day"])] = row["n"]
    searches = SearchLog.objects.filter(created_at__gte=window["since"], created_at__lt=window["until"])
    rows = _per_day(searches, "created_at", "caller_kind", n=Q(), zero=Q(result_count=0), opened=~Q(opened_slug=""))
    for row in rows:
        day = _as_date(row["on"])
        for metric, name in ((SEARCHES, "n"), (SEARCHES_ZERO, "zero"), (SEARCHES_OPENED, "opened")):
            out[(metric, row["caller_kind"], day)] = out.get((metric, row["caller_kind"], day), 0) + row[name]
    return out
