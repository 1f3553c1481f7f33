"""Counting article views cheaply: one counter row per article, day and reader kind, bumped in
place by an UPDATE (no row per page view, no read before the write).

The first view of the day creates the row; two first views at once both try, the unique
constraint lets one win and the other bumps the row the winner made. The insert runs in its own
savepoint, so on PostgreSQL a lost race inside a caller's transaction does not abort it.
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import ArticleView, ReaderKind

READERS = set(ReaderKind.values)


def count_view(article, reader_kind: str, day: datetime.date | None = None) -> None:
    """Add one view of `article` (an Article or its pk) by a reader of `reader_kind` on `day` (today)."""
    if reader_kind not in READERS:
        reader_kind = ReaderKind.ANONYMOUS
    article_id = getattr(article, "pk", article)
    day = day or timezone.localdate()
    row = ArticleView.objects.filter(article_id=article_id, day=day, reader=reader_kind)
    if row.update(views=F("views") + 1):
        return
    try:
        with transaction.atomic():
            ArticleView.objects.create(article_id=article_id, day=day, reader=reader_kind, views=1)
    except IntegrityError:
        # Someone created today's row between our UPDATE and INSERT: count on theirs.
        row.update(views=F("views") + 1)


def article_viewed(sender, *, article, reader: str, **kwargs) -> None:
    """Receiver of `articles.signals.article_viewed`."""
    count_view(article, reader)
