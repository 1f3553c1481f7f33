"""Operations on acknowledgements and progress that span paths, articles and notifications."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.choices import Kind
from articles import policy as article_policy
from articles import versions
from articles.http import as_id
from articles.models import Article, InvalidChange, Refused, long_fields
from notifications.services import notify

from . import policy
from .models import Acknowledgement, Assignment, Attempt, AttemptAnswer, LearningPath, PathItem, Question

if TYPE_CHECKING:
    from accounts.models import User


def acknowledge(*, user, article: Article, path: LearningPath | None) -> Acknowledgement:
    """Record that `user` read and understood `article` at its current version (idempotent per version)."""
    paths = Assignment.objects.filter(user=user)
    if path is not None:
        paths = paths.filter(path=path)
    path_ids = list(paths.values_list("path_id", flat=True))
    in_path = PathItem.objects.filter(section__path_id__in=path_ids, article=article).exists()
    decision = policy.can_acknowledge(user, article, assigned=bool(path_ids), in_path=in_path)
    if not decision:
        raise Refused(decision.reason)
    with transaction.atomic():
        current = Article.objects.select_for_update().get(pk=article.pk)
        existing = Acknowledgement.objects.current().filter(user=user, article=current, article_version=current.version).first()
        if existing is not None:
            return existing
        return Acknowledgement.objects.create(user=user, article=current, article_version=current.version, path=path)


def check_still_needed(*, user, ack: Acknowledgement, path: LearningPath | None) -> bool:
    """After acknowledging: does the path still ask for a knowledge check on this article (its
    pass mark not reached by the newest attempt since the version read)?"""
    if path is None or not path.pass_mark or not Question.objects.filter(article_id=ack.article_id).exists():
        return False
    newest = Attempt.objects.filter(user=user, article_id=ack.article_id).order_by("-at", "-id").first()
    return not (newest and newest.article_version >= ack.article_version and newest.score >= path.pass_mark)


def mark_stale(*, article_id: int, version: int, article: Article | None = None, authority_changed: bool = False) -> int:
    """A material `version` of the article was saved: every current acknowledgement of an older
    version becomes stale, and each trainee (who can still see the article) is asked to read it
    again with the diff from the version they acknowledged. Returns how many people were told.
    `article`: the article as saved, if the caller has it (saves reading it again);
    `authority_changed`: this version changed the decision authority (the notification says so)."""
    article = article or Article.objects.filter(pk=article_id).first()
    if article is None:
        return 0
    now = timezone.now()
    with transaction.atomic():
        older = Acknowledgement.objects.select_for_update(of=("self",)).filter(
            article=article, stale_at=None, article_version__lt=version
        )
        latest = {}  # user id -> (user, newest acknowledged version)
        for ack in older.select_related("user"):
            if ack.user_id not in latest or ack.article_version > latest[ack.user_id][1]:
                latest[ack.user_id] = (ack.user, ack.article_version)
        older.update(stale_at=now, stale_version=version)
        by_version = defaultdict(list)
        for person, acked in latest.values():
            if article_policy.can_view(person, article) and article_policy.is_staff(person):
                by_version[acked].append(person)
        for acked, people in by_version.items():
            notify(
                people,
                kind="training_reread",
                title=f"Please read again: {article.title}",
                body=(
                    f"This article changed materially since you read version {acked}. "
                    "Read what changed, then acknowledge it again."
                ),
                url=article.get_diff_url(acked, max(version, article.version)),  # to the current version
                article=article,
                authority_changed=authority_changed,  # trainees are staff (checked above)
            )
    return sum(len(p) for p in by_version.values())


# --- progress ------------------------------------------------------------------------------------


@dataclass
class ItemStatus:
    item: PathItem
    acknowledged: Acknowledgement | None = None  # current acknowledgement
    stale: Acknowledgement | None = None  # the newest stale one, when there is no current one
    pass_mark: int | None = None  # the path's, when the article has questions to pass
    attempt: Attempt | None = None  # the newest knowledge-check attempt on the article

    # The decision authority changed since the version read (stale acknowledgements only).
    authority_changed: bool = False

    @property
    def check_needed(self) -> bool:
        return self.pass_mark is not None

    @property
    def check_passed(self) -> bool:
        """The newest attempt, made at or after the acknowledged version, reached the pass mark."""
        a, ack = self.attempt, self.acknowledged
        return bool(a and ack and a.article_version >= ack.article_version and a.score >= (self.pass_mark or 0))

    @property
    def done(self) -> bool:
        return self.acknowledged is not None and (not self.check_needed or self.check_passed)

    @property
    def changed(self) -> bool:
        return self.acknowledged is None and self.stale is not None

    @property
    def status(self) -> str:
        """What is missing, in the words the pages use: "done"; "check" (read and understood,
        the knowledge check not passed yet); "reread" (a material change since the version
        read); "unread"."""
        if self.done:
            return "done"
        if self.acknowledged is not None:
            return "check"
        return "reread" if self.changed else "unread"

    @property
    def check_state(self) -> str:
        """The knowledge check, when the path asks for one: "" (none asked), "passed", "not_taken",
        "failed" (the newest attempt is under the pass mark) or "older" (the newest attempt was on
        a version before the one that counts now: the one read, else the current one)."""
        if not self.check_needed:
            return ""
        if self.check_passed:
            return "passed"
        a = self.attempt
        if a is None:
            return "not_taken"
        counts_from = self.acknowledged.article_version if self.acknowledged else self.item.article.version
        if a.article_version < counts_from:
            return "older"
        return "passed" if a.score >= (self.pass_mark or 0) else "failed"

    @property
    def diff_url(self) -> str:
        return self.item.article.get_diff_url(self.stale.article_version, self.item.article.version) if self.stale else ""


@dataclass
class Progress:
    path: LearningPath
    items: list[ItemStatus] = field(default_factory=list)

    @property
    def required(self) -> list[ItemStatus]:
        return [s for s in self.items if s.item.required]

    @property
    def required_total(self) -> int:
        return len(self.required)

    @property
    def required_done(self) -> int:
        return sum(1 for s in self.required if s.done)

    @property
    def percent(self) -> int:
        return round(100 * self.required_done / self.required_total) if self.required_total else 100

    @property
    def complete(self) -> bool:
        return self.required_done == self.required_total

    @property
    def next_item(self) -> ItemStatus | None:
        """The first required item not done (changed ones first), else the first optional one."""
        pending = [s for s in self.items if not s.done]
        for pick in (lambda s: s.item.required and s.changed, lambda s: s.item.required, lambda s: True):
            for status in pending:
                if pick(status):
                    return status
        return None


def progress(user, paths: list[LearningPath]) -> dict[int, Progress]:
    """`user`'s progress on each of `paths` (path id → Progress), counting only articles they may see."""
    found = _progress([(user.pk, p) for p in paths], visible_to=user)
    return {p.pk: found[(user.pk, p.pk)] for p in paths}


def progress_for_assignments(assignments: list[Assignment]) -> dict[int, Progress]:
    """Progress per assignment id, for many people at once (a coach's trainees). Only staff have
    assignments (policy.can_assign), and staff see every article: no visibility filter."""
    found = _progress([(a.user_id, a.path) for a in assignments])
    return {a.pk: found[(a.user_id, a.path_id)] for a in assignments}


def _progress(pairs: list[tuple[int, LearningPath]], *, visible_to=None) -> dict[tuple[int, int], Progress]:
    """Progress per (user id, path id), in two queries however many people, paths and items, plus
    two when a path has a pass mark (which articles have questions; the newest attempts), and one
    when an article is to be read again (did its decision authority change since)."""
    result = {(user_id, path.pk): Progress(path=path) for user_id, path in pairs}
    if not pairs:
        return result
    paths = {path.pk: path for _user_id, path in pairs}
    user_ids = {user_id for user_id, _path in pairs}
    items = PathItem.objects.filter(section__path_id__in=paths)
    if visible_to is not None:
        items = items.filter(article__in=Article.objects.visible_to(visible_to))
    items = list(
        items.select_related("article", "section")
        .defer(*long_fields(via="article"))
        .order_by("section__position", "section__id", "position", "id")
    )
    article_ids = {i.article_id for i in items}
    current, stale = {}, {}
    acks = Acknowledgement.objects.filter(user_id__in=user_ids, article_id__in=article_ids).order_by("at", "id")
    for ack in acks:
        (stale if ack.stale_at else current)[(ack.user_id, ack.article_id)] = ack  # the newest one wins
    with_questions, attempts = set(), {}
    if any(p.pass_mark for p in paths.values()) and article_ids:
        with_questions = set(
            Question.objects.filter(article_id__in=article_ids).order_by().values_list("article_id", flat=True).distinct()
        )
        newest = Attempt.objects.filter(user_id__in=user_ids, article_id__in=with_questions).order_by("at", "id")
        for attempt in newest:
            attempts[(attempt.user_id, attempt.article_id)] = attempt  # the newest one wins
    by_path: dict[int, list[PathItem]] = {}
    for item in items:
        by_path.setdefault(item.section.path_id, []).append(item)
    reread = {key: ack.article_version for key, ack in stale.items() if key not in current}
    authority = versions.authority_changed_since(reread)
    for user_id, path in pairs:
        for item in by_path.get(path.pk, []):
            key = (user_id, item.article_id)
            result[(user_id, path.pk)].items.append(
                ItemStatus(
                    item=item,
                    acknowledged=current.get(key),
                    stale=stale.get(key),
                    pass_mark=path.pass_mark if item.article_id in with_questions else None,
                    attempt=attempts.get(key),
                    authority_changed=key in authority,
                )
            )
    return result


# --- knowledge checks ------------------------------------------------------------------------


@dataclass
class Marked:
    question: Question
    chosen: set[int]
    correct: bool


class Unanswered(InvalidChange):
    """A check sent with questions left unanswered: nothing is recorded (an empty form is no 0 % attempt)."""

    def __init__(self, numbers: list[int], question_ids: set[int]):
        self.question_ids = question_ids
        which = (" " + _("and") + " ").join(
            [", ".join(map(str, numbers[:-1])), str(numbers[-1])] if len(numbers) > 1 else [str(numbers[0])]
        )
        super().__init__(
            ngettext(
                "Answer every question before checking: question %(which)s has no answer yet. Nothing was recorded.",
                "Answer every question before checking: questions %(which)s have no answer yet. Nothing was recorded.",
                len(numbers),
            )
            % {"which": which}
        )


def submit_attempt(
    *, user, article: Article, path: LearningPath | None, answers: dict[int, list[int]]
) -> tuple[Attempt, list[Marked]]:
    """Mark `answers` ({question id: [choice ids]}) against the article's questions and record
    the attempt. A question is right only when exactly its correct choices are chosen; a check
    with an unanswered question is refused (Unanswered) and nothing is recorded. `passed` uses
    the path's pass mark, else every answer right."""
    decision = policy.can_take_check(user, article)
    if not decision:
        raise Refused(decision.reason)
    questions = list(Question.objects.filter(article=article).for_check())
    if not questions:
        raise Refused(_("This article has no questions yet."))
    marked = []
    for question in questions:
        valid = {c.pk for c in question.choices.all()}
        chosen = {as_id(c) for c in answers.get(question.pk, [])} & valid
        marked.append(Marked(question=question, chosen=chosen, correct=chosen == question.correct_ids()))
    # Every question has at least one right choice, so an unanswered one can only be a slip (or a
    # click on "Check my answers" to see the questions): refused, not recorded as a failed attempt.
    unanswered = [(number, m.question.pk) for number, m in enumerate(marked, start=1) if not m.chosen]
    if unanswered:
        raise Unanswered([number for number, _pk in unanswered], {pk for _number, pk in unanswered})
    score = round(100 * sum(m.correct for m in marked) / len(marked))
    pass_mark = path.pass_mark if path is not None and path.pass_mark else 100
    with transaction.atomic():
        attempt = Attempt.objects.create(
            user=user, article=article, article_version=article.version, path=path, score=score, passed=score >= pass_mark
        )
        rows = AttemptAnswer.objects.bulk_create(
            AttemptAnswer(attempt=attempt, question=m.question, correct=m.correct) for m in marked
        )
        through = AttemptAnswer.chosen.through
        through.objects.bulk_create(
            through(attemptanswer_id=row.pk, choice_id=c) for row, m in zip(rows, marked, strict=True) for c in m.chosen
        )
    return attempt, marked


def flag_questions_for_review(*, article_id: int, version: int) -> int:
    """A material `version` changed the article's decision-authority rules (its change record
    says so): its questions may now teach the old rules, so they are flagged and the article's
    owner told. Returns how many."""
    article = Article.objects.select_related("owner").filter(pk=article_id).first()
    if article is None or not Question.objects.filter(article=article).exists():
        return 0
    count = Question.objects.filter(article=article).update(needs_review=True)
    from django.urls import reverse

    notify(
        [article.owner],
        kind="training_questions_review",
        title=f"Review the knowledge-check questions of: {article.title}",
        body=f"Version {version} changed the decision authority. Check that {count} question(s) still match the rules.",
        url=reverse("training:questions", args=[article.slug]),
        article=article,
    )
    return count


def assign(*, by: User, path, people, due_date=None) -> list:
    """Assign `path` to each of `people` (a person, or the members of a group), with a due date.
    Re-assigning updates the due date. Refused as a whole if any person may not be assigned."""
    people = list(people)
    for person in people:
        decision = policy.can_assign(by, path, person)
        if not decision:
            raise Refused(decision.reason)
    with transaction.atomic():
        return [
            Assignment.objects.update_or_create(path=path, user=person, defaults={"due_date": due_date, "assigned_by": by})[0]
            for person in people
        ]


def group_members(group) -> list:
    """The active staff in a group (Django's auth groups stand for teams)."""
    return list(group.user_set.filter(is_active=True, kind=Kind.STAFF).order_by("username"))
