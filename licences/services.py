"""Licence progress, promotions and the coach's view of their trainees.

Everything here works on a batch of people in a fixed number of queries, so the coach
dashboard and the API list stay flat however many trainees a coach has.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from accounts.choices import Kind
from accounts.models import User
from articles.models import Article, InvalidChange, Refused, State
from cases.adherence import link_accuracy_of
from coaching.models import ChecklistScore, ReviewRequest
from notifications.services import notify, translated
from training.models import Assignment, Attempt
from training.services import Progress, progress_for_assignments

from . import policy
from .models import LevelCriteria, Promotion

LATEST_SCORES = 3  # checklist scores shown per trainee


# --- licence criteria -------------------------------------------------------------------------


@dataclass
class Values:
    paths_completed: int = 0
    articles_validated: int = 0
    average_score: int | None = None  # percent of the criteria's weight met; None when never scored
    scores: int = 0
    links_accurate: int = 0  # process adherence reviews of their cases: links found accurate
    links_reviewed: int = 0  # ... of the reviewed cases with a link

    def link_accuracy(self, min_reviews: int = 1) -> int | None:
        """Percent of reviewed links found accurate; None below `min_reviews` reviewed links."""
        if self.links_reviewed < max(1, min_reviews):
            return None
        return round(100 * self.links_accurate / self.links_reviewed)


@dataclass
class CriterionStatus:
    label: str
    required: int
    value: int | None
    unit: str = ""
    detail: str = ""  # what the value stands on, shown beside it

    @property
    def met(self) -> bool:
        return self.required == 0 or (self.value is not None and self.value >= self.required)


@dataclass
class LevelStatus:
    level: str
    label: str
    criteria: LevelCriteria | None
    rows: list[CriterionStatus] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return all(r.met for r in self.rows)

    @property
    def unmet(self) -> list[CriterionStatus]:
        return [r for r in self.rows if not r.met]


def values_for(
    people: list[User], progress_by_assignment: dict[int, Progress] | None = None, assignments: list[Assignment] | None = None
) -> dict[int, Values]:
    """The numbers the criteria compare against, per person id (five queries for any number)."""
    ids = [p.pk for p in people]
    out = {pk: Values() for pk in ids}
    if not ids:
        return out
    if assignments is None:
        assignments = list(Assignment.objects.filter(user_id__in=ids).select_related("path"))
        progress_by_assignment = progress_for_assignments(assignments)
    for a in assignments:
        if progress_by_assignment[a.pk].complete:
            out[a.user_id].paths_completed += 1
    validated = (
        Article.objects.filter(created_by_id__in=ids, state=State.VALIDATED).values("created_by_id").annotate(n=Count("id"))
    )
    for row in validated:
        out[row["created_by_id"]].articles_validated = row["n"]
    scores = (
        ChecklistScore.objects.filter(author_id__in=ids)
        .values("author_id")
        .annotate(n=Count("id"), met=Sum("weighted_met"), total=Sum("weighted_total"))
    )
    for row in scores:
        values = out[row["author_id"]]
        values.scores = row["n"]
        # Weighted as each score was given (coaching.ChecklistScore.share): a heavier criterion counts more.
        values.average_score = round(100 * row["met"] / row["total"]) if row["total"] else None
    for pk, (accurate, reviewed) in link_accuracy_of(ids).items():
        out[pk].links_accurate, out[pk].links_reviewed = accurate, reviewed
    return out


def level_statuses(values: Values, criteria: list[LevelCriteria]) -> list[LevelStatus]:
    by_level = {c.level: c for c in criteria}
    out = []
    for level, label in LevelCriteria._meta.get_field("level").choices:
        c = by_level.get(level)
        status = LevelStatus(level=level, label=label, criteria=c)
        if c is not None:
            status.rows = [
                CriterionStatus(_("Learning paths completed"), c.min_paths_completed, values.paths_completed),
                CriterionStatus(_("Own articles validated"), c.min_articles_validated, values.articles_validated),
                CriterionStatus(
                    _("Average content-standard score"), c.min_average_checklist_score, values.average_score, unit="%"
                ),
            ]
            # Shown only once asked for: many teams do not run process adherence reviews at all.
            if c.min_link_accuracy:
                status.rows.append(_link_accuracy(values, c))
        out.append(status)
    return out


def _link_accuracy(values: Values, c: LevelCriteria) -> CriterionStatus:
    reviewed, needed = values.links_reviewed, max(1, c.min_link_reviews)
    if reviewed >= needed:
        detail = ngettext(
            "%(accurate)s of %(reviewed)s reviewed link accurate",
            "%(accurate)s of %(reviewed)s reviewed links accurate",
            reviewed,
        ) % {"accurate": values.links_accurate, "reviewed": reviewed}
    else:
        detail = ngettext(
            "%(reviewed)s reviewed link; counts from %(needed)s", "%(reviewed)s reviewed links; counts from %(needed)s", reviewed
        ) % {"reviewed": reviewed, "needed": needed}
    return CriterionStatus(
        _("Link accuracy (process adherence reviews)"), c.min_link_accuracy, values.link_accuracy(needed), unit="%", detail=detail
    )


def licence_progress(person: User) -> list[LevelStatus]:
    values = values_for([person])[person.pk]
    return level_statuses(values, list(LevelCriteria.objects.all()))


# --- promotion ---------------------------------------------------------------------------------


class UnmetCriteria(InvalidChange):
    """Raised when criteria are not met and the coach did not confirm "promote anyway"."""


def promote(*, person: User, to: str, by: User, note: str = "", override: bool = False) -> Promotion:
    """Raise `person`'s licence to `to` (the next level), recording who, when and why.

    Takes effect on the person's next request: the licence is read from the database each time.
    """
    note = (note or "").strip()
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        decision = policy.can_promote(by, person, to)
        if not decision:
            raise Refused(decision.reason)
        if not note:
            raise InvalidChange(_("Say why: the note is kept with the promotion."))
        status = next(s for s in licence_progress(person) if s.level == to)
        unmet = "; ".join(
            _("%(criterion)s: %(value)s of %(required)s")
            % {"criterion": r.label, "value": _show(r.value, r.unit), "required": f"{r.required}{r.unit}"}
            for r in status.unmet
        )
        if unmet and not override:
            raise UnmetCriteria(
                _("Not every criterion is met (%(unmet)s). Confirm “promote anyway” to promote regardless.") % {"unmet": unmet}
            )
        promotion = Promotion.objects.create(
            user=person, from_level=person.licence, to_level=to, by=by, note=note, override=bool(unmet), unmet=unmet
        )
        person.licence = to
        person.save(update_fields=["licence"])
        notify(
            [person],
            kind="licence_promoted",
            # In the person's language (notify reads lazy text once per recipient).
            title=translated(gettext_noop("You are now a KCS %(licence)s"), {"licence": promotion.get_to_level_display()}),
            body=note,
            url=reverse("licences:person", args=[person.username]),
            exclude=by,
        )
    return promotion


def _show(value, unit: str) -> str:
    return _("none") if value is None else f"{value}{unit}"


# --- the coach's trainees ----------------------------------------------------------------------


@dataclass
class Trainee:
    person: User
    why: list[str] = field(default_factory=list)
    paths: list[tuple[Assignment, Progress]] = field(default_factory=list)
    reviews: list[ReviewRequest] = field(default_factory=list)
    scores: list[ChecklistScore] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)  # latest knowledge checks
    values: Values | None = None
    next_level: LevelStatus | None = None

    @property
    def overdue(self) -> list[tuple[Assignment, Progress]]:
        today = timezone.localdate()
        return [(a, p) for a, p in self.paths if a.is_overdue(today) and not p.complete]


def trainees_q(coach: User) -> Q:
    """Whom a coach coaches: people they assigned a learning path to, and people who asked them
    for a review. Either is a coaching relationship the coach chose or accepted."""
    return Q(path_assignments__assigned_by=coach) | Q(review_requests__reviewer=coach)


def trainees(coach: User) -> list[Trainee]:
    """Every trainee of `coach`, with paths, overdue items, open reviews, latest scores and
    licence progress — in a fixed number of queries."""
    people = list(
        User.objects.filter(trainees_q(coach), kind=Kind.STAFF, is_active=True)
        .exclude(pk=coach.pk)
        .distinct()
        .order_by("username")
    )
    if not people:
        return []
    ids = [p.pk for p in people]
    rows = {p.pk: Trainee(person=p) for p in people}
    assigned_by_me = set(Assignment.objects.filter(user_id__in=ids, assigned_by=coach).values_list("user_id", flat=True))
    reviewed_by_me = set(
        ReviewRequest.objects.filter(requester_id__in=ids, reviewer=coach).values_list("requester_id", flat=True)
    )
    for pk, row in rows.items():
        row.why = [
            w for w, yes in ((_("assigned a path"), pk in assigned_by_me), (_("asked for a review"), pk in reviewed_by_me)) if yes
        ]
    assignments = list(Assignment.objects.filter(user_id__in=ids).select_related("path").order_by("due_date", "id"))
    progress = progress_for_assignments(assignments)
    for a in assignments:
        rows[a.user_id].paths.append((a, progress[a.pk]))
    # The latest feedback of each review shows under it, as on the dashboard (coaching's panel).
    reviews = ReviewRequest.objects.for_list().open().filter(requester_id__in=ids).with_feedback()
    for review in reviews.order_by("updated_at"):
        rows[review.requester_id].reviews.append(review)
    latest = (
        ChecklistScore.objects.filter(author_id__in=ids)
        .annotate(rank=Window(RowNumber(), partition_by=[F("author_id")], order_by=[F("scored_at").desc(), F("id").desc()]))
        .filter(rank__lte=LATEST_SCORES)
        .select_related("article")
        .only(
            "id",
            "author_id",
            "met",
            "total",
            "weighted_met",  # the share shown
            "weighted_total",
            "scored_at",
            "article_version",
            "article__slug",
            "article__title",
        )
        .order_by("author_id", "-scored_at", "-id")
    )
    for score in latest:
        rows[score.author_id].scores.append(score)
    checks = (
        Attempt.objects.filter(user_id__in=ids)
        .annotate(rank=Window(RowNumber(), partition_by=[F("user_id")], order_by=[F("at").desc(), F("id").desc()]))
        .filter(rank__lte=LATEST_SCORES)
        .select_related("article")
        .only("id", "user_id", "score", "passed", "at", "article_version", "article__slug", "article__title")
        .order_by("user_id", "-at", "-id")
    )
    for attempt in checks:
        rows[attempt.user_id].attempts.append(attempt)
    values = values_for(people, progress, assignments)
    criteria = list(LevelCriteria.objects.all())
    for row in rows.values():
        row.values = values[row.person.pk]
        level = policy.next_level(row.person)
        row.next_level = next((s for s in level_statuses(row.values, criteria) if s.level == level), None)
    return list(rows.values())
