"""Merging a duplicate article into the one that stays, and undoing it (KCS: one article per issue).

B (the source) is merged into A (the target) in one transaction, both rows locked and both
versions checked against the ones the merger looked at (StaleVersion: nothing saved):

- A gets a new version (`Article.edit`, event MERGED, "Merged from B"), whatever text the merger
  chose: material when the knowledge changed (any text or the decision authority), else minor.
- B is archived by a recorded transition (event MERGED, "Merged into A") with `merged_into` set:
  its staff page, help-centre page and API address answer 301 to A's (`follow`), its history,
  versions and diffs stay readable.
- The rows that hang on B move to A (`MOVERS`): case links, reuse records, subscriptions,
  learning-path items, open flags, acknowledgements, and relations to other articles. A row
  whose like A already has stays on B and is listed in `ArticleMerge.kept`: a live link to a
  case A is linked to as well (one live link per case and article; where B's link said "solved"
  and A's only "reference", A's becomes "solved"), a subscription of someone subscribed to A, a
  relation A has already. Relations between A and B stay (they would point at themselves).
  Nothing is left on B that nobody could finish (`_settle_kept`): a path item in a path that
  lists A already leaves the path (a trainee reads A there), and an open flag of a person who
  has the same one open on A is closed with a note saying so. `moved` records each of these.
- Moved case links, reuse records and flags name the version of the article they were made on:
  they name A's version before the merge (B's numbers mean other text on A, and a flag is
  resolved by a version of A from its own on); `moved[key + VERSIONS]` keeps B's numbers.
- Acknowledgements of B count as read for A only where the version of B acknowledged said what
  A now says (`KNOWLEDGE`: the text and decision authority a trainee learns; not the title,
  tags or metadata): those become current acknowledgements of A's merged version. The others
  become stale acknowledgements of A (the trainee is asked to read A again; the diff offered
  starts from A's version before the merge). `moved[ACK_STATES]` keeps what each was, so an
  undo puts them back as they were.
- `reuse_count` is recounted on both.

Left with B, as B's own history: helpful votes (readers judged B's text, and a reader votes once
per article), closed flags, view counts (the measures of past days), reviews and checklist
scores (a coach's judgement of B's text and its author), knowledge-check questions and attempts
(they test B's text and name B's authority rules), notifications, announced updates, review
confirmations and reminders, webhook deliveries, and probable-duplicate pairs (search decides
them).

`unmerge` (KB owners) moves back exactly the rows the merge moved that still point at A (open
flags only: a flag closed on A was settled by A's text) with the versions they named, puts B's
path items back where they were, reopens the flags it closed and gives A's upgraded links their
kind back, restores B's state by a recorded transition (event UNMERGED), clears `merged_into`,
and writes an UNMERGED row in A's history. A keeps its merged version; its owner can revert it
from A's history. Rows that other live merges into A kept because A had their like (now gone
back to B) then follow onto A, recorded in those merges' `moved` (`_move_kept_again`).

This module reaches into the apps that link to articles (cases, feedback, notifications,
training): it is the one operation that spans all of them, so it imports them inside its
functions (they import articles at module level).
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import policy, relations
from .choices import Audience, State
from .models import (
    AUTHORITY_FIELDS,
    CONTENT_FIELDS,
    Article,
    ArticleMerge,
    ArticleRelation,
    EventKind,
    InvalidChange,
    RelationKind,
    Reuse,
    StaleVersion,
    _normalise_rules,
    require,
)

# What a trainee learns from an article: an acknowledgement of B counts for A when these match.
KNOWLEDGE = ("issue", "environment", "resolution", "cause", "internal_notes", "rules", "escalation", "authority_note")
# The key of `ArticleMerge.moved` holding each moved acknowledgement as it was:
# {ack id: [article_version, stale_at (ISO) or None, stale_version or None]}.
ACK_STATES = "training.Acknowledgement:as_read"
MAX_HOPS = 5  # a merged article merged again: how far its address is followed
# Rows that name the version of the article they were made on: once moved they name A's version
# before the merge (B's numbers mean nothing on A); `moved[key + VERSIONS]` keeps {id: B's number}.
VERSIONED = ("cases.CaseLink", "articles.Reuse", "feedback.Flag")
VERSIONS = ":versions"
# Path items of B in a path that lists A already, taken out of the path:
# [[id, section id, position, note, required], ...].
REMOVED_ITEMS = "training.PathItem:removed"
# Open flags of B closed because their raiser has the same one open on A: [id, ...].
CLOSED_FLAGS = "feedback.Flag:closed"
# A's links upgraded to B's stronger kind for a case linked to both: {A's link id: kind before}.
UPGRADED_LINKS = "cases.CaseLink:kinds"


STAY_WITH_B = gettext_lazy("stay with B")


@dataclass(frozen=True)
class Mover:
    """One kind of row that follows a merge. `rows(article)`: the rows of `article` that move;
    `clashes(rows, to)`: those of them that stay because `to` already has their like."""

    key: str  # the key in ArticleMerge.moved / kept
    name: str  # what people call them, plural
    model: Callable[[], type[models.Model]]
    field: str
    rows: Callable[[Article], models.QuerySet]
    clashes: Callable[[models.QuerySet, Article], models.QuerySet] | None = None
    why_kept: str = ""
    fate: str = STAY_WITH_B  # what becomes of the rows whose like `to` has (`_settle_kept`)


def _case_link():
    from cases.models import CaseLink

    return CaseLink


def _subscription():
    from notifications.models import Subscription

    return Subscription


def _path_item():
    from training.models import PathItem

    return PathItem


def _acknowledgement():
    from training.models import Acknowledgement

    return Acknowledgement


def _flag():
    from feedback.models import Flag

    return Flag


def _open_flags(article: Article) -> models.QuerySet:
    from feedback.choices import FlagState

    return _flag().objects.filter(article=article, state=FlagState.OPEN)


def _flag_clashes(rows: models.QuerySet, to: Article) -> models.QuerySet:
    same = _open_flags(to).filter(created_by=OuterRef("created_by"), reason=OuterRef("reason"))
    return rows.filter(Exists(same))


def _relation_clashes(field: str, other: str):
    """B's relations that A already has, or that on A would turn back on themselves: the same
    kind the other way round (A supersedes X and X supersedes B would become a cycle; related both
    ways is one relation twice), or a chain of "supersedes" or "duplicate of" that comes back to A."""

    def clashes(rows: models.QuerySet, to: Article) -> models.QuerySet:
        same = ArticleRelation.objects.filter(**{field: to, other: OuterRef(other), "kind": OuterRef("kind")})
        reverse = ArticleRelation.objects.filter(**{other: to, field: OuterRef(other), "kind": OuterRef("kind")})
        chained = [
            pk
            for pk, far, kind in rows.filter(kind__in=CHAINED).values_list("pk", f"{other}_id", "kind")
            if far != to.pk
            and (
                relations.chain_reaches(Article(pk=far), to, kind)
                if field == "from_article"
                else relations.chain_reaches(to, Article(pk=far), kind)
            )
        ]
        return rows.filter(Exists(same) | Exists(reverse) | models.Q(pk__in=chained))

    return clashes


CHAINED = (RelationKind.SUPERSEDES, RelationKind.DUPLICATE_OF)


MOVERS = (
    Mover(
        key="cases.CaseLink",
        name=gettext_lazy("case links"),
        model=_case_link,
        field="article",
        rows=lambda a: _case_link().objects.filter(article=a),
        clashes=lambda rows, to: rows.filter(
            unlinked_at=None, case__in=_case_link().objects.live().filter(article=to).values("case_id")
        ),
        why_kept=gettext_lazy("the case is linked to both articles"),
    ),
    Mover(
        key="articles.Reuse",
        name=gettext_lazy("reuse records"),
        model=lambda: Reuse,
        field="article",
        rows=lambda a: Reuse.objects.filter(article=a),
    ),
    Mover(
        key="notifications.Subscription",
        name=gettext_lazy("subscriptions"),
        model=_subscription,
        field="article",
        rows=lambda a: _subscription().objects.filter(article=a),
        clashes=lambda rows, to: rows.filter(user__in=_subscription().objects.filter(article=to).values("user_id")),
        why_kept=gettext_lazy("the person follows both articles"),
    ),
    Mover(
        key="training.PathItem",
        name=gettext_lazy("learning-path items"),
        model=_path_item,
        field="article",
        rows=lambda a: _path_item().objects.filter(article=a),
        clashes=lambda rows, to: rows.filter(
            section__path__in=_path_item().objects.filter(article=to).values("section__path_id")
        ),
        why_kept=gettext_lazy("the path lists A already"),
        fate=gettext_lazy("leave their path"),
    ),
    Mover(
        key="feedback.Flag",
        name=gettext_lazy("open flags"),
        model=_flag,
        field="article",
        rows=_open_flags,
        clashes=_flag_clashes,
        why_kept=gettext_lazy("the same person has the same flag open on A"),
        fate=gettext_lazy("are closed"),
    ),
    Mover(
        key="training.Acknowledgement",
        name=gettext_lazy("acknowledgements"),
        model=_acknowledgement,
        field="article",
        rows=lambda a: _acknowledgement().objects.filter(article=a),
    ),
    Mover(
        key="articles.ArticleRelation:from",
        name=gettext_lazy("relations to other articles"),
        model=lambda: ArticleRelation,
        field="from_article",
        rows=lambda a: ArticleRelation.objects.filter(from_article=a),
        clashes=_relation_clashes("from_article", "to_article"),
        why_kept=gettext_lazy("both articles have it"),
    ),
    Mover(
        key="articles.ArticleRelation:to",
        name=gettext_lazy("relations from other articles"),
        model=lambda: ArticleRelation,
        field="to_article",
        rows=lambda a: ArticleRelation.objects.filter(to_article=a),
        clashes=_relation_clashes("to_article", "from_article"),
        why_kept=gettext_lazy("both articles have it"),
    ),
)


# --- what a merge would do ---------------------------------------------------------------------


@dataclass
class Line:
    name: str
    moving: int
    staying: int = 0
    why: str = ""
    fate: str = STAY_WITH_B


def plan(*, source: Article, target: Article) -> list[Line]:
    """What merging `source` into `target` would move, and what would stay with `source` (and why),
    counted now: for the side-by-side page."""
    lines = []
    for mover in MOVERS:
        rows = _rows(mover, source, target)
        staying = mover.clashes(rows, target).count() if mover.clashes else 0
        lines.append(Line(mover.name, rows.count() - staying, staying, mover.why_kept if staying else "", mover.fate))
    from coaching.models import ReviewRequest
    from feedback.models import HelpfulVote
    from training.models import Question

    closed = _flag().objects.filter(article=source).exclude(pk__in=_open_flags(source)).count()
    lines.append(Line(_("closed flags"), 0, closed, _("B's history")))
    lines.append(Line(_("helpful votes"), 0, HelpfulVote.objects.filter(article=source).count(), _("readers judged B's text")))
    lines.append(Line(_("reviews"), 0, ReviewRequest.objects.filter(article=source).count(), _("a coach's review of B")))
    lines.append(
        Line(_("knowledge-check questions"), 0, Question.objects.filter(article=source).count(), _("they test B's text"))
    )
    return [line for line in lines if line.moving or line.staying]


def _rows(mover: Mover, source: Article, target: Article) -> models.QuerySet:
    rows = mover.rows(source)
    if mover.model() is ArticleRelation:
        # A relation between the two would point at itself once merged: it stays with B.
        other = "to_article" if mover.field == "from_article" else "from_article"
        rows = rows.exclude(**{other: target})
    return rows


# --- merge ------------------------------------------------------------------------------------


def merge(
    *,
    source: Article,
    target: Article,
    by,
    base_versions: tuple[int, int],
    changes: dict,
    tags: list[str] | None = None,
    rules: list[dict] | None = None,
    note: str = "",
) -> ArticleMerge:
    """Merge `source` (B) into `target` (A) as `by`; `base_versions`: (A's, B's) as the merger saw them.

    `changes`, `tags`, `rules`: A's merged content (as for `Article.edit`; None leaves tags or
    rules as A has them). Raises StaleVersion (either article changed since), Refused (policy)
    or InvalidChange (a merge that cannot be: into itself, into an archived or merged article...).
    """
    with transaction.atomic():
        locked = {a.pk: a for a in Article.objects.select_for_update().filter(pk__in=[source.pk, target.pk]).order_by("pk")}
        if source.pk == target.pk:
            raise InvalidChange(problem(source=source, target=target))
        a, b = locked[target.pk], locked[source.pk]
        for current, base in ((a, base_versions[0]), (b, base_versions[1])):
            if current.version != base:
                raise StaleVersion(current)
        if problem(source=b, target=a):
            raise InvalidChange(problem(source=b, target=a))
        authority = _authority_changes(a, changes, rules)
        decision = policy.can_merge(by, b, a, authority_changes=authority)
        require(decision)
        before, state_before = a.version, b.state
        what = _what(a, b, note)
        a.edit(
            by=by,
            base_version=a.version,
            changes=changes,
            tags=tags,
            rules=rules,
            note=what["a"],
            material=authority or _content_changes(a, changes),
            event=EventKind.MERGED,
            even_unchanged=True,
        )
        Article.objects.filter(pk=b.pk).update(merged_into=a)
        b._transition(by, State.ARCHIVED, what["b"], kind=EventKind.MERGED, allowed=decision)
        moved, kept = _move(b, a)
        moved[ACK_STATES] = _settle_acknowledgements(moved.get("training.Acknowledgement", []), source=b, target=a, before=before)
        _renumber(moved, before)
        _settle_kept(moved, kept, source=b, target=a, by=by)
        _recount(a, b)
        return ArticleMerge.objects.create(
            source=b,
            target=a,
            by=by,
            note=note.strip(),
            source_state=state_before,
            source_version=b.version,
            target_version=a.version,
            moved=moved,
            kept=kept,
        )


def problem(*, source: Article, target: Article) -> str:
    """Why `source` cannot be merged into `target` as they stand ("" when it can)."""
    if source.pk == target.pk:
        return _("An article cannot be merged into itself.")
    if target.merged_into_id:
        return _("“%(title)s” was merged into another article: merge into that one instead.") % {"title": target.title}
    if target.state == State.ARCHIVED:
        return _("“%(title)s” is archived: restore it first, or merge the other way round.") % {"title": target.title}
    if source.merged_into_id:
        return _("“%(title)s” is already merged into another article.") % {"title": source.title}
    if source.state == State.ARCHIVED:
        return _("“%(title)s” is archived: restore it before merging it, or leave it archived.") % {"title": source.title}
    if (source.translation_of_id or source.pk) == (target.translation_of_id or target.pk):
        # One translation set is one article in several languages, not two duplicates.
        return _("“%(title)s” and “%(other)s” are the same article in two languages: they cannot be merged.") % {
            "title": source.title,
            "other": target.title,
        }
    return ""


def _authority_changes(current: Article, changes: dict, rules: list[dict] | None) -> bool:
    fields = any(name in changes and _id(changes[name]) != _id(getattr(current, name)) for name in AUTHORITY_FIELDS)
    return fields or (rules is not None and _normalise_rules(rules) != current.rule_dicts())


def _content_changes(current: Article, changes: dict) -> bool:
    sections = changes.get("sections") or {}
    return any(name in changes and changes[name] != getattr(current, name) for name in CONTENT_FIELDS) or any(
        text != (current.sections or {}).get(key, "") for key, text in sections.items()
    )


def _id(value):
    return value.pk if isinstance(value, models.Model) else value


def _what(a: Article, b: Article, note: str) -> dict[str, str]:
    said = f": {note.strip()}" if note.strip() else ""
    return {"a": f"Merged from “{b.title}” ({b.slug}){said}", "b": f"Merged into “{a.title}” ({a.slug}){said}"}


def _move(frm: Article, to: Article, only: dict[str, list[int]] | None = None) -> tuple[dict, dict]:
    """Move the rows of every MOVERS kind from `frm` to `to` (with `only`: just those ids) and
    return ({key: ids moved}, {key: ids kept})."""
    moved, kept = {}, {}
    for mover in MOVERS:
        # Undoing: only the rows the merge moved, still on `frm` (and flags still open).
        rows = _rows(mover, frm, to) if only is None else mover.rows(frm).filter(pk__in=only.get(mover.key, []))
        staying = set(mover.clashes(rows, to).values_list("pk", flat=True)) if mover.clashes else set()
        ids = sorted(set(rows.values_list("pk", flat=True)) - staying)
        mover.model().objects.filter(pk__in=ids).update(**{mover.field: to})
        if ids:
            moved[mover.key] = ids
        if staying:
            kept[mover.key] = sorted(staying)
    return moved, kept


def _settle_acknowledgements(ids: list[int], *, source: Article, target: Article, before: int) -> dict:
    """The acknowledgements just moved from `source`: current for `target`'s merged version where
    the version of `source` read says what `target` now says, stale (read again) otherwise.
    Returns each one as it was ({id: [article_version, stale_at, stale_version]})."""
    from . import versions

    Acknowledgement = _acknowledgement()
    acks = list(Acknowledgement.objects.filter(pk__in=ids))
    states = {
        str(ack.pk): [ack.article_version, ack.stale_at.isoformat() if ack.stale_at else None, ack.stale_version] for ack in acks
    }
    now_says = _knowledge(versions.snapshot_of_article(target))
    matches = {}
    for number in {ack.article_version for ack in acks}:
        read = versions.version_by_number(source, number)
        matches[number] = read is not None and _knowledge(versions.snapshot_of_version(read.version)) == now_says
    current = [ack.pk for ack in acks if matches[ack.article_version]]
    Acknowledgement.objects.filter(pk__in=current).update(article_version=target.version, stale_at=None, stale_version=None)
    Acknowledgement.objects.filter(pk__in=ids).exclude(pk__in=current).update(
        article_version=before, stale_at=timezone.now(), stale_version=target.version
    )
    return states


def _renumber(moved: dict, version: int) -> None:
    """Point the just-moved rows that name a version (VERSIONED) at the target's `version`,
    keeping each one's number in `moved[key + VERSIONS]` for the undo."""
    models_by_key = {mover.key: mover.model for mover in MOVERS}
    for key in VERSIONED:
        ids = moved.get(key)
        if not ids:
            continue
        rows = models_by_key[key]().objects.filter(pk__in=ids)
        was = {str(pk): number for pk, number in rows.values_list("pk", "article_version")}
        moved[key + VERSIONS] = {**moved.get(key + VERSIONS, {}), **was}
        rows.update(article_version=version)


def _restore_versions(moved_back: dict, recorded: dict) -> None:
    models_by_key = {mover.key: mover.model for mover in MOVERS}
    for key in VERSIONED:
        was = recorded.get(key + VERSIONS, {})
        groups = defaultdict(list)
        for pk in moved_back.get(key, []):
            if str(pk) in was:
                groups[was[str(pk)]].append(pk)
        for number, pks in groups.items():
            models_by_key[key]().objects.filter(pk__in=pks).update(article_version=number)


def _flag_note(target: Article) -> str:
    return f"The same flag is open on “{target.title}” ({target.slug}), which this article was merged into."


def _settle_kept(moved: dict, kept: dict, *, source: Article, target: Article, by) -> None:
    """What the kept rows of `source` become, so nothing is left that nobody can finish:
    its items in paths that list `target` already leave the path (a trainee reads `target`
    there), its flags whose raiser has the same one open on `target` are closed with a note,
    and `target`'s reference link to a case `source` solved becomes a "solved" link. Each is
    recorded in `moved` for the undo."""
    from cases.choices import LinkKind
    from feedback.choices import FlagState

    PathItem = _path_item()
    items = list(PathItem.objects.filter(pk__in=kept.pop("training.PathItem", [])))
    if items:
        moved[REMOVED_ITEMS] = [[i.pk, i.section_id, i.position, i.note, i.required] for i in items]
        PathItem.objects.filter(pk__in=[i.pk for i in items]).delete()
    flags = kept.pop("feedback.Flag", [])
    if flags:
        _flag().objects.filter(pk__in=flags).update(
            state=FlagState.DISMISSED, outcome_note=_flag_note(target), closed_by=by, closed_at=timezone.now()
        )
        moved[CLOSED_FLAGS] = flags
    CaseLink = _case_link()
    solved_by_source = CaseLink.objects.filter(pk__in=kept.get("cases.CaseLink", []), kind=LinkKind.SOLVED).values("case_id")
    weaker = CaseLink.objects.live().filter(article=target, kind=LinkKind.REFERENCE, case__in=solved_by_source)
    upgraded = {str(pk): LinkKind.REFERENCE.value for pk in weaker.values_list("pk", flat=True)}
    if upgraded:
        CaseLink.objects.filter(pk__in=[int(pk) for pk in upgraded]).update(kind=LinkKind.SOLVED)
        moved[UPGRADED_LINKS] = upgraded


def _unsettle_kept(recorded: dict, *, source: Article) -> None:
    """Undo `_settle_kept`: the path items come back to `source` where they were (unless the
    section is gone or lists `source` again), its closed flags reopen (unless one of the same is
    open on it again), and the upgraded links get their kind back."""
    from cases.choices import LinkKind
    from feedback.choices import FlagState

    PathItem = _path_item()
    for pk, section_id, position, note, required in recorded.get(REMOVED_ITEMS, []):
        if PathItem.objects.filter(section_id=section_id, article=source).exists():
            continue
        if not _path_item_section_exists(section_id):
            continue
        free = not PathItem.objects.filter(pk=pk).exists()
        PathItem.objects.create(
            **({"pk": pk} if free else {}), section_id=section_id, article=source, position=position, note=note, required=required
        )
    Flag = _flag()
    closed = Flag.objects.filter(pk__in=recorded.get(CLOSED_FLAGS, []), article=source, state=FlagState.DISMISSED)
    closed = closed.exclude(Exists(_open_flags(source).filter(created_by=OuterRef("created_by"), reason=OuterRef("reason"))))
    closed.update(state=FlagState.OPEN, outcome_note="", closed_by=None, closed_at=None)
    CaseLink = _case_link()
    for pk, kind in recorded.get(UPGRADED_LINKS, {}).items():
        CaseLink.objects.filter(pk=int(pk), kind=LinkKind.SOLVED).update(kind=kind)


def _path_item_section_exists(section_id: int) -> bool:
    from training.models import PathSection

    return PathSection.objects.filter(pk=section_id).exists()


def _knowledge(snapshot: dict) -> dict:
    return {name: snapshot.get(name, "") for name in KNOWLEDGE}


def _recount(*articles: Article) -> None:
    from cases.services import recount_reuse

    recount_reuse([a.pk for a in articles])


# --- undo -------------------------------------------------------------------------------------


def unmerge(*, merge: ArticleMerge, by) -> dict[str, int]:
    """Undo `merge` as `by` (a KB owner): B comes back in the state it had, with the rows the merge
    moved that still point at A. Returns {what: how many rows went back}."""
    with transaction.atomic():
        merge = ArticleMerge.objects.select_for_update().get(pk=merge.pk)
        locked = {
            a.pk: a for a in Article.objects.select_for_update().filter(pk__in=[merge.source_id, merge.target_id]).order_by("pk")
        }
        a, b = locked[merge.target_id], locked[merge.source_id]
        decision = policy.can_unmerge(by, b)
        require(decision)
        if merge.undone_at is not None:
            raise InvalidChange(_("This merge was undone already."))
        if b.merged_into_id != a.pk:
            raise InvalidChange(_("“%(merged)s” no longer stands merged into “%(into)s”.") % {"merged": b.title, "into": a.title})
        if a.merged_into_id:
            raise InvalidChange(
                _("“%(title)s” has since been merged into another article: undo that merge first.") % {"title": a.title}
            )
        moved, _kept = _move(a, b, only=merge.moved)
        _restore_acknowledgements(moved.get("training.Acknowledgement", []), merge.moved.get(ACK_STATES, {}))
        _restore_versions(moved, merge.moved)
        _unsettle_kept(merge.moved, source=b)
        Article.objects.filter(pk=b.pk).update(merged_into=None)
        said = f"Merge into “{a.title}” ({a.slug}) undone"
        b._transition(by, merge.source_state, said, kind=EventKind.UNMERGED, allowed=decision)
        a._record(by, EventKind.UNMERGED, note=f"“{b.title}” ({b.slug}) taken back out; this text stays as merged")
        others = _move_kept_again(a, by=by, undone=merge)
        _recount(a, b, *others)
        merge.undone_by, merge.undone_at = by, timezone.now()
        merge.save(update_fields=["undone_by", "undone_at"])
    names = {mover.key: str(mover.name) for mover in MOVERS}  # in the language of whoever undid it
    counts: dict[str, int] = defaultdict(int)
    for key, ids in moved.items():
        counts[names[key]] += len(ids)
    return dict(counts)


def _move_kept_again(target: Article, *, by, undone: ArticleMerge) -> list[Article]:
    """After `undone` took rows back off `target`: the rows the other live merges into `target`
    kept (or took out of a path, or closed) because `target` had their like may follow now.
    Each such merge records what moves in its own `moved`, so undoing it later takes them back.
    Returns the articles they left."""
    from feedback.choices import FlagState

    PathItem = _path_item()
    left = []
    merges = ArticleMerge.objects.select_for_update().filter(target=target, undone_at=None, source__merged_into=target)
    for other in merges.exclude(pk=undone.pk).select_related("source"):
        source, moved, kept = other.source, other.moved, other.kept
        # Rows of `source` merged along with it: they name `target`'s version before that merge.
        version = other.target_version - 1
        # Closed flags whose like is no longer open on `target` reopen, then move like the kept rows.
        closed = _flag().objects.filter(pk__in=moved.get(CLOSED_FLAGS, []), article=source, state=FlagState.DISMISSED)
        reopen = list(
            closed.exclude(
                Exists(_open_flags(target).filter(created_by=OuterRef("created_by"), reason=OuterRef("reason")))
            ).values_list("pk", flat=True)
        )
        _flag().objects.filter(pk__in=reopen).update(state=FlagState.OPEN, outcome_note="", closed_by=None, closed_at=None)
        only = {key: ids for key, ids in kept.items()}
        only["feedback.Flag"] = [*only.get("feedback.Flag", []), *reopen]
        now_moved, _kept = _move(source, target, only=only)
        # Path items taken out because the path listed `target`: back in, as `target`'s, where
        # the path no longer lists it.
        removed = []
        for record in moved.get(REMOVED_ITEMS, []):
            pk, section_id, position, note, required = record
            path_lists_target = PathItem.objects.filter(section__path__sections=section_id, article=target).exists()
            if path_lists_target or not _path_item_section_exists(section_id) or PathItem.objects.filter(pk=pk).exists():
                removed.append(record)
                continue
            PathItem.objects.create(pk=pk, section_id=section_id, article=target, position=position, note=note, required=required)
            now_moved.setdefault("training.PathItem", []).append(pk)
        if not now_moved:
            continue
        _renumber(now_moved, version)
        for key, ids in now_moved.items():
            if key.endswith(VERSIONS):
                moved[key] = {**moved.get(key, {}), **ids}
                continue
            moved[key] = sorted({*moved.get(key, []), *ids})
            if key in kept:
                kept[key] = [pk for pk in kept[key] if pk not in set(ids)]
                if not kept[key]:
                    del kept[key]
        moved[CLOSED_FLAGS] = [pk for pk in moved.get(CLOSED_FLAGS, []) if pk not in set(reopen)]
        moved[REMOVED_ITEMS] = removed
        other.save(update_fields=["moved", "kept"])
        left.append(source)
    return left


def _restore_acknowledgements(ids: list[int], states: dict) -> None:
    groups = defaultdict(list)
    for pk in ids:
        state = states.get(str(pk))
        if state:
            groups[tuple(state)].append(pk)
    for (version, stale_at, stale_version), pks in groups.items():
        _acknowledgement().objects.filter(pk__in=pks).update(
            article_version=version, stale_at=parse_datetime(stale_at) if stale_at else None, stale_version=stale_version
        )


# --- reading ----------------------------------------------------------------------------------


def live_merge_of(source: Article) -> ArticleMerge | None:
    """The merge `source` stands merged by (None when it is not merged)."""
    if not source.merged_into_id:
        return None
    return ArticleMerge.objects.filter(source=source, undone_at=None).select_related("target", "by").first()


def has_merged_from() -> Exists:
    """An annotation for a query of articles: were others merged into it (and not taken back out)?"""
    return Exists(ArticleMerge.objects.filter(target=OuterRef("pk"), undone_at=None))


def merged_from(target: Article, limit: int = 10) -> list[ArticleMerge]:
    """The articles merged into `target` (and not taken back out), newest first; no query when
    `target` was read with `has_merged_from` and none were."""
    if getattr(target, "has_merged_from", True) is False:
        return []
    return list(ArticleMerge.objects.filter(target=target, undone_at=None).select_related("source", "by")[:limit])


def follow(user, slug: str, *, help_centre: bool = False) -> Article | None:
    """Where the address of merged article `slug` leads for `user`: the article it was merged into
    (following later merges), or None when it is not merged or `user` may not be sent on. Only
    asked when the address found nothing to show, so it costs a page nothing otherwise."""
    merge = (
        ArticleMerge.objects.filter(source__slug=slug, undone_at=None, source__merged_into=F("target"))
        .select_related("source", "target")
        .first()
    )
    if merge is None:
        return None
    target = merge.target
    for _hop in range(MAX_HOPS):
        if not target.merged_into_id:
            break
        target = Article.objects.get(pk=target.merged_into_id)
    as_it_was = copy.copy(merge.source)
    as_it_was.state = merge.source_state
    if target.merged_into_id or not policy.can_follow_merge(user, as_it_was, target):
        return None
    if help_centre and (target.state != State.VALIDATED or target.audience == Audience.INTERNAL):
        return None  # the help centre shows only validated articles written for outside readers
    return target
