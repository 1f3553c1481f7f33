"""Telling KB owners about a gap: a query that kept finding nothing.

When the same query (lower-cased, spaces collapsed) found nothing KCS_ZERO_RESULT_ALERT_COUNT
times within the last 7 days, KB owners get one notification, once per query per ISO week: the
`ZeroResultAlert` row is written in the same transaction as the notification, and its unique
(query, week) stops a second one. Checked by the background loop (`send_notifications --loop`,
hourly) or `check_zero_results` from cron, never on a search request.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_noop, ngettext_lazy

from accounts.choices import Kind
from notifications.services import notify, translated
from search.models import SearchLog

from .models import ZeroResultAlert

WINDOW_DAYS = 7


def normalized(query: str) -> str:
    """A query as alerts and reports group it: lower-cased, runs of spaces made one."""
    return " ".join((query or "").lower().split())


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of `day`'s ISO week."""
    return day - datetime.timedelta(days=day.weekday())


def zero_result_counts(since: datetime.datetime, until: datetime.datetime | None = None, *, caller_kind: str = "") -> Counter:
    """{normalized query: searches that found nothing} between `since` and `until`, by one kind of
    caller or all (one grouped query: SQL lower-cases, Python collapses the spaces)."""
    rows = SearchLog.objects.filter(created_at__gte=since, result_count=0)
    if until is not None:
        rows = rows.filter(created_at__lt=until)
    if caller_kind:
        rows = rows.filter(caller_kind=caller_kind)
    counts: Counter = Counter()
    for query, n in rows.annotate(q=Lower("query")).values_list("q").annotate(n=Count("pk")).order_by():
        key = normalized(query)
        if key:
            counts[key] += n
    return counts


def kb_owners():
    from accounts.models import User

    # articles.policy.is_kb_owner: active staff marked KB owner, or a superuser.
    return (
        User.objects.filter(is_active=True)
        .filter(Q(kind=Kind.STAFF) | Q(is_superuser=True))
        .filter(Q(is_kb_owner=True) | Q(is_superuser=True))
    )


def check_zero_results(now: datetime.datetime | None = None) -> int:
    """Alert KB owners about each query over the threshold not yet told this week; returns how many."""
    now = now or timezone.now()
    threshold = max(1, settings.KCS_ZERO_RESULT_ALERT_COUNT)
    counts = zero_result_counts(now - datetime.timedelta(days=WINDOW_DAYS))
    due = {query: n for query, n in counts.items() if n >= threshold}
    if not due:
        return 0
    week = week_of(timezone.localtime(now).date())
    told = set(ZeroResultAlert.objects.filter(week=week, query__in=[q[:500] for q in due]).values_list("query", flat=True))
    owners = list(kb_owners())
    sent = 0
    for query, n in sorted(due.items(), key=lambda item: (-item[1], item[0])):
        if query[:500] in told:
            continue
        try:
            with transaction.atomic():
                ZeroResultAlert.objects.create(query=query[:500], week=week, searches=n, sent_at=now)
                notify(
                    owners,
                    kind="zero_results",
                    # Each owner reads it in their language (notify reads lazy text once per recipient).
                    title=translated(gettext_noop("Searches find nothing for “%(query)s”"), {"query": query[:120]}),
                    body=translated(
                        ngettext_lazy(
                            "“%(query)s” was searched %(count)s time in the last %(days)s days and found nothing. "
                            "An article may be missing, or a synonym may help.",
                            "“%(query)s” was searched %(count)s times in the last %(days)s days and found nothing. "
                            "An article may be missing, or a synonym may help.",
                            n,
                        ),
                        {"query": query, "count": n, "days": WINDOW_DAYS},
                    ),
                    url=reverse("search:report") + "?days=7",
                )
        except IntegrityError:
            continue  # another run told them first
        sent += 1
    return sent
