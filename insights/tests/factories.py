"""Rows for the measures' tests, made directly (the measures read rows, whatever made them)."""

from __future__ import annotations

import datetime
import itertools

from django.utils import timezone

from articles.models import Reuse
from cases.models import Case, CaseLink

_ids = itertools.count(1)


def days_ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def decided_case(agent, outcome: str, *, days: float = 1, product=None) -> Case:
    return Case.objects.create(
        source="zendesk",
        external_id=f"t{next(_ids)}",
        agent=agent,
        product=product,
        status="solved",
        outcome=outcome,
        outcome_at=days_ago(days),
    )


def link(article, by, *, days: float = 1, kind: str = "solved", live: bool = True) -> CaseLink:
    case = Case.objects.create(source="zendesk", external_id=f"l{next(_ids)}", agent=by)
    return CaseLink.objects.create(
        case=case,
        article=article,
        article_version=article.version,
        kind=kind,
        linked_by=by,
        linked_at=days_ago(days),
        unlinked_at=None if live else days_ago(0),
        unlinked_by=None if live else by,
    )


def reuse(article, by, *, days: float = 1) -> Reuse:
    return Reuse.objects.create(article=article, user=by, at=days_ago(days), article_version=article.version)


def score(article, *, author, scorer, met: int, total: int, days: float = 1, weighted=None):
    from coaching.models import ChecklistScore

    weighted_met, weighted_total = weighted or (met, total)
    return ChecklistScore.objects.create(
        article=article,
        article_version=article.version,
        author=author,
        scorer=scorer,
        met=met,
        total=total,
        weighted_met=weighted_met,
        weighted_total=weighted_total,
        scored_at=days_ago(days),
    )


def review(case, *, reviewer, accurate: str, days: float = 1):
    """A process adherence review of `case`: accurate is "yes", "no" or "na" (no link)."""
    from cases.models import AdherenceReview

    return AdherenceReview.objects.create(
        case=case,
        agent=case.agent,
        reviewer=reviewer,
        reviewed_at=days_ago(days),
        searched_first="yes",
        linked=accurate != "na",
        link_accurate=accurate,
        capture_loss=False,
    )
