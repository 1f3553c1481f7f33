"""Process adherence reviews (KCS PAR): a coach looks at a sample of other agents' solved and
closed cases and answers four questions — did the agent search first, link, link the right
article, and should an article have been written or improved (capture loss)?

The sample imitates the content-standard sample (`coaching.models.sample`): stable for a reviewer
within an ISO week, a few cases per agent, the reviewer's own cases left out. The measures are
pure functions over a queryset of reviews, so the case pages, the API, the licence criteria and
the KCS measures dashboard all count the same way:

- `adherence_rates(reviews)` -> one dict (RATE_KEYS below);
- `adherence_summary(reviews, by=None | "agent" | "month")` -> that dict, or a list of them each
  with `group` (the agent's username, or the month's first day as YYYY-MM-DD).
"""

from __future__ import annotations

import datetime
import hashlib
import random
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from articles.models import InvalidChange, require

from . import policy, services
from .choices import LinkAccuracy, SearchedFirst, Status
from .models import AdherenceReview, Case, CaseLink

RECENT_DAYS = 30  # cases solved or closed within this many days are sampled
REVIEWED_RECENTLY_DAYS = 30  # a case reviewed (by anyone) within this is not sampled again
SAMPLE_SCAN_MAX = 50_000  # candidate (agent, case) pairs read for one sample: a month of cases
NOTE_MAX = 5000


class StaleReview(Exception):
    """The review or the case's links changed since the form was opened; nothing was saved."""

    def __init__(self, message: str, review: AdherenceReview | None = None):
        self.current = review
        super().__init__(message)


# --- the sample ---------------------------------------------------------------------------------


def week_seed(reviewer, seed: str = "", today: datetime.date | None = None) -> tuple[str, str]:
    """(the seed as shown, its digest): the ISO week unless another seed is asked for, mixed with
    the reviewer so two coaches draw different samples the same week."""
    today = today or timezone.localdate()
    year, week, _ = today.isocalendar()
    seed = (seed or "")[:40] or f"{year}-W{week:02d}"
    return seed, hashlib.sha256(f"{reviewer.pk}:{seed}".encode()).hexdigest()


def sample_cases(reviewer, *, per_agent: int, seed: str, today: datetime.date | None = None) -> list[tuple]:
    """[(agent, [cases])]: up to `per_agent` cases per agent for `reviewer` to review, by username.

    Cases solved or closed in the RECENT_DAYS days up to `today`, with an agent who is not the
    reviewer, that the reviewer may see and that nobody reviewed in the last REVIEWED_RECENTLY_DAYS
    days. The same seed draws the same cases (the page uses the reviewer and the ISO week). Each
    case comes with its links (article, who linked and removed) prefetched for the evidence.
    """
    today = today or timezone.localdate()
    start, end = _start_of(today - datetime.timedelta(days=RECENT_DAYS)), _start_of(today + datetime.timedelta(days=1))
    reviewed = AdherenceReview.objects.filter(
        reviewed_at__gte=_start_of(today - datetime.timedelta(days=REVIEWED_RECENTLY_DAYS))
    ).values("case_id")
    candidates = (
        Case.objects.visible_to(reviewer)
        .decided()
        .filter(status__in=[Status.SOLVED, Status.CLOSED], agent__isnull=False, outcome_at__gte=start, outcome_at__lt=end)
        .exclude(agent=reviewer)
        .exclude(links__linked_by=reviewer)  # nor a case where they linked (can_review_adherence)
        .exclude(pk__in=reviewed)
        .order_by("agent_id", "id")
        .values_list("agent_id", "id")[:SAMPLE_SCAN_MAX]
    )
    by_agent: dict[int, list[int]] = {}
    for agent_id, case_id in candidates:
        by_agent.setdefault(agent_id, []).append(case_id)
    rng = random.Random(seed)
    chosen = {agent_id: rng.sample(ids, min(per_agent, len(ids))) for agent_id, ids in sorted(by_agent.items())}
    wanted = [pk for ids in chosen.values() for pk in ids]
    cases = with_evidence(Case.objects.filter(pk__in=wanted)).in_bulk()
    out = []
    for ids in chosen.values():
        picked = [cases[pk] for pk in ids if pk in cases]
        if picked:
            out.append((picked[0].agent, picked))
    out.sort(key=lambda row: row[0].username)
    return out


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- what the coach looks at ---------------------------------------------------------------------


def with_evidence(cases: QuerySet) -> QuerySet:
    """Cases with their agent, product and every link (live and removed), newest link first."""
    links = CaseLink.objects.select_related("article", "linked_by", "unlinked_by").order_by("-linked_at", "-id")
    return cases.select_related("agent", "product").prefetch_related(Prefetch("links", queryset=links))


@dataclass
class Evidence:
    case: Case
    live: list[CaseLink] = field(default_factory=list)
    removed: list[CaseLink] = field(default_factory=list)
    searches: list[dict] = field(default_factory=list)  # {"q", "at", "link"}: what the agent searched
    trail: dict = field(default_factory=dict)  # what the requester searched and read (hand-over)

    @property
    def fingerprint(self) -> str:
        return links_fingerprint(self.live + self.removed)


def evidence(case: Case, user) -> Evidence:
    """What a reviewer sees of `case`: its links (live and removed, who and when), the searches the
    agent recorded before linking, and the requester's help-centre trail if any."""
    links = list(case.links.select_related("article", "linked_by", "unlinked_by").order_by("-linked_at", "-id"))
    found = Evidence(case=case, trail=services.requester_trail(case, user))
    for link in links:
        (found.live if link.is_live else found.removed).append(link)
        for search in link.searches or []:
            found.searches.append({"q": search.get("q", ""), "at": search.get("at", ""), "link": link})
    return found


def links_snapshot(links) -> list[dict]:
    """The links as the reviewer saw them, kept with the review (a link removed later stays shown)."""
    return [
        {
            "link": link.pk,
            "article": link.article_id,
            "slug": link.article.slug,
            "title": link.article.title,
            "kind": link.kind,
            "version": link.article_version,
            "live": link.is_live,
        }
        for link in sorted(links, key=lambda link: link.pk)
    ]


def links_fingerprint(links) -> str:
    """The links' ids and whether each is live: the form carries it to notice links changed meanwhile."""
    return ",".join(f"{link.pk}{'' if link.is_live else 'x'}" for link in sorted(links, key=lambda link: link.pk))


# --- recording a review ----------------------------------------------------------------------------


def unreviewable(case: Case) -> str | None:
    """Why `case` cannot be reviewed (whoever asks), or None."""
    if case.status not in (Status.SOLVED, Status.CLOSED):
        return gettext("Only solved or closed cases are reviewed: this case is open.")
    if case.agent_id is None:
        return gettext("This case has no agent: there is nobody whose process to review.")
    return None


def review_case(
    *,
    case: Case,
    by,
    searched_first: str,
    linked: bool,
    link_accurate: str,
    capture_loss: bool,
    note: str = "",
    revision: int = 0,
    links_seen: str | None = None,
) -> tuple[AdherenceReview, bool]:
    """Record `by`'s review of `case`; (review, created).

    `revision` is the revision of `by`'s review the form was opened on (0: none yet) and
    `links_seen` the links' fingerprint then: if either changed meanwhile (another tab saved, an
    agent linked or removed a link), nothing is saved and StaleReview says what changed. A second
    review by the same reviewer updates theirs and keeps the earlier answers in `history`.
    """
    require(policy.can_review_adherence(by, case))
    answers = _clean_answers(searched_first, linked, link_accurate, capture_loss, note)
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).select_related("agent").get(pk=case.pk)  # one at a time
        require(policy.can_review_adherence(by, case))  # the case may have been reassigned to the reviewer
        problem = unreviewable(case)
        if problem:
            raise InvalidChange(problem)
        links = list(case.links.select_related("article"))
        review = AdherenceReview.objects.select_for_update().filter(case=case, reviewer=by).first()
        if review is not None and revision != review.revision:
            raise StaleReview(
                gettext(
                    "You saved a review of this case at %(time)s since this form was opened (perhaps in another tab). "
                    "Your saved answers are shown; change them and save again if needed."
                )
                % {"time": f"{timezone.localtime(review.reviewed_at):%H:%M}"},
                review,
            )
        if links_seen is not None and links_seen != links_fingerprint(links):
            raise StaleReview(
                gettext("The case's links changed since you opened it: look at them again before saving. Your answers are kept."),
                review,
            )
        now = timezone.now()
        if review is None:
            review = AdherenceReview.objects.create(
                case=case, agent=case.agent, reviewer=by, reviewed_at=now, links=links_snapshot(links), **answers
            )
            return review, True
        review.history = [*review.history, _past(review)]
        for name, value in answers.items():
            setattr(review, name, value)
        review.agent, review.reviewed_at, review.links, review.revision = (
            case.agent,
            now,
            links_snapshot(links),
            review.revision + 1,
        )
        review.save()
        return review, False


def _clean_answers(searched_first, linked, link_accurate, capture_loss, note) -> dict:
    if searched_first not in SearchedFirst.values:
        raise InvalidChange(gettext("Did the agent search first? Answer yes, no or can't tell."))
    if not isinstance(linked, bool) or not isinstance(capture_loss, bool):
        raise InvalidChange(gettext("Answer yes or no to “linked” and “capture loss”."))
    if link_accurate not in LinkAccuracy.values:
        raise InvalidChange(gettext("Is the link accurate? Answer yes, no or not applicable."))
    if not linked and link_accurate != LinkAccuracy.NOT_APPLICABLE:
        raise InvalidChange(gettext("No article was linked, so link accuracy is “not applicable”."))
    if linked and link_accurate == LinkAccuracy.NOT_APPLICABLE:
        raise InvalidChange(gettext("An article was linked: say whether it is the right one."))
    note = (note or "").replace("\x00", "").strip()
    if len(note) > NOTE_MAX:
        raise InvalidChange(gettext("A note has at most %(most)s characters.") % {"most": NOTE_MAX})
    return {
        "searched_first": searched_first,
        "linked": linked,
        "link_accurate": link_accurate,
        "capture_loss": capture_loss,
        "note": note,
    }


def _past(review: AdherenceReview) -> dict:
    return {
        **review.answers(),
        "revision": review.revision,
        "reviewed_at": review.reviewed_at.isoformat(),
        "agent": review.agent_id,
        "links": review.links,
    }


# --- the measures ------------------------------------------------------------------------------

# The keys of every rates dict (adherence_rates, and each row of adherence_summary with `group`):
RATE_KEYS = (
    "reviews",  # reviews counted
    "searched_first",  # answered "yes, searched first"
    "search_known",  # answered yes or no ("can't tell" is in neither part of the rate)
    "search_first_rate",  # searched_first / search_known
    "linked",  # reviews where the agent linked an article
    "link_rate",  # linked / reviews
    "link_accurate",  # linked, and the right article
    "link_judged",  # linked (accuracy answered yes or no)
    "link_accuracy",  # link_accurate / link_judged
    "capture_loss",  # an article should have been created or improved and was not
    "capture_loss_rate",  # capture_loss / reviews
)
GROUPS = ("agent", "month")


def link_accuracy_counts() -> dict:
    """The aggregates of link accuracy (for `annotate` or `aggregate`): `accurate`, reviews whose
    linked article was the right one, out of `judged`, reviews with a link whose accuracy was
    answered. The rates here, the licence criteria and the KCS measures count with these."""
    return {
        "accurate": Count("pk", filter=Q(linked=True, link_accurate=LinkAccuracy.YES)),
        "judged": Count("pk", filter=Q(linked=True, link_accurate__in=[LinkAccuracy.YES, LinkAccuracy.NO])),
    }


def _counts() -> dict:
    # Aliases apart from the model's field names: an annotation named like a field would shadow it
    # in the filters of the others.
    accuracy = link_accuracy_counts()
    return {
        "n_reviews": Count("pk"),
        "n_searched_first": Count("pk", filter=Q(searched_first=SearchedFirst.YES)),
        "n_search_known": Count("pk", filter=Q(searched_first__in=[SearchedFirst.YES, SearchedFirst.NO])),
        "n_linked": Count("pk", filter=Q(linked=True)),
        "n_link_accurate": accuracy["accurate"],
        "n_link_judged": accuracy["judged"],
        "n_capture_loss": Count("pk", filter=Q(capture_loss=True)),
    }


def _share(part: int, whole: int) -> float | None:
    # No denominator is "not measured", never 0%: a person with no reviewed link is not inaccurate.
    return round(part / whole, 4) if whole else None


def _rates(row: dict) -> dict:
    n = {name[2:]: row[name] or 0 for name in _counts()}
    return {
        "reviews": n["reviews"],
        "searched_first": n["searched_first"],
        "search_known": n["search_known"],
        "search_first_rate": _share(n["searched_first"], n["search_known"]),
        "linked": n["linked"],
        "link_rate": _share(n["linked"], n["reviews"]),
        "link_accurate": n["link_accurate"],
        "link_judged": n["link_judged"],
        "link_accuracy": _share(n["link_accurate"], n["link_judged"]),
        "capture_loss": n["capture_loss"],
        "capture_loss_rate": _share(n["capture_loss"], n["reviews"]),
    }


def adherence_rates(reviews: QuerySet) -> dict:
    """Counts and shares (0..1, four decimals; None when nothing to divide by) of `reviews`."""
    return _rates(reviews.order_by().aggregate(**_counts()))


def adherence_summary(reviews: QuerySet, by: str | None = None) -> dict | list[dict]:
    """`adherence_rates(reviews)` when `by` is None; else a list, one dict per group in order, with
    `group` (the agent's username for "agent", the month's first day YYYY-MM-DD for "month") and,
    for "agent", `agent_id`, then the RATE_KEYS. One query either way."""
    if by is None:
        return adherence_rates(reviews)
    if by not in GROUPS:
        raise InvalidChange(f"Group by one of: {', '.join(GROUPS)}.")
    if by == "agent":
        rows = reviews.order_by().values("agent_id", "agent__username").annotate(**_counts()).order_by("agent__username")
        return [{"group": r["agent__username"], "agent_id": r["agent_id"], **_rates(r)} for r in rows]
    rows = reviews.order_by().annotate(month=TruncMonth("reviewed_at")).values("month").annotate(**_counts()).order_by("month")
    return [{"group": _day(r["month"]), **_rates(r)} for r in rows]


def _day(value) -> str | None:
    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.isoformat() if value else None


def link_accuracy_of(agent_ids) -> dict[int, tuple[int, int]]:
    """{agent id: (accurate, judged)} over every review of their cases (licence criteria)."""
    rows = (
        AdherenceReview.objects.filter(agent_id__in=list(agent_ids))
        .order_by()
        .values("agent_id")
        .annotate(**link_accuracy_counts())
    )
    return {r["agent_id"]: (r["accurate"], r["judged"]) for r in rows}
