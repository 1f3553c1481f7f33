"""Who may do what with an article, and the role questions every app's policy asks.

Each app that adds actions has its own `policy.py` (coaching, feedback, health, licences,
notifications, training) built on this one: they ask the role questions below ("is this a
KB owner?", "a coach or KB owner?", "a publisher?") rather than reading user flags, and compare
states, audiences and licences by the choices in `articles.choices` and `accounts.choices`.

Each function takes a user (possibly anonymous) and returns a `Decision`, which is
truthy when allowed and carries the reason shown to the user when refused. The
rules follow the KCS v6 licence model (candidate → contributor → publisher), plus
the coach and KB-owner roles.

This module imports no model (the models import it); the choices modules are model-free.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.choices import LICENCE_RANK, Kind, Licence

from .choices import Audience, Governance, State, choice_label

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    from .models import Article

    # Whoever is asking: a signed-in user, an anonymous visitor, or nobody (a background job).
    Person: TypeAlias = User | AnonymousUser | None

# Audiences each kind of outside reader may see: their own and every wider one.
AUDIENCES_FOR_KIND = {
    Kind.PARTNER: [Audience.PARTNER, Audience.CUSTOMER, Audience.PUBLIC],
    Kind.CUSTOMER: [Audience.CUSTOMER, Audience.PUBLIC],
    None: [Audience.PUBLIC],  # anonymous visitors
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.allowed


ALLOW = Decision(True)


def refuse(reason: str) -> Decision:
    # A lazy reason (a module-level constant) is read now, in the language of whoever is asking.
    return Decision(False, str(reason))


# --- who is this (the role questions every app's policy asks) ------------------------------


def is_staff(user: Person) -> bool:
    """Signed-in, active member of the support organisation (or a superuser)."""
    return bool(user is not None and user.is_authenticated and user.is_active and (user.kind == Kind.STAFF or user.is_superuser))


def reader_kind(user: Person) -> str:
    """Who reads or searches, for the measures: staff, partner, customer or anonymous (an inactive
    or signed-out account reads as anonymous). `search.SearchLog.caller_kind` uses the same names."""
    if is_staff(user):
        return "staff"
    if user is not None and user.is_authenticated and user.is_active:
        return user.kind
    return "anonymous"


def has_licence(user: Person, level: str) -> bool:
    """Staff whose KCS licence is `level` or higher (licences are progressive)."""
    return is_staff(user) and LICENCE_RANK.get(user.licence or "", 0) >= LICENCE_RANK[level]


def is_publisher(user: Person) -> bool:
    # Showing knowledge outside the company is a publisher's call (KCS Publisher licence).
    return is_staff(user) and (user.licence == Licence.PUBLISHER or user.is_superuser)


def is_kb_owner(user: Person) -> bool:
    return is_staff(user) and (user.is_kb_owner or user.is_superuser)


def is_coach(user: Person) -> bool:
    return is_staff(user) and bool(user.is_coach)


def is_coach_or_kb_owner(user: Person) -> bool:
    # Coaches guide the people still learning and KB owners look after the whole KB: both
    # review, score, manage learning paths and promote licences.
    return is_staff(user) and bool(user.is_coach or user.is_kb_owner or user.is_superuser)


def _is_article_owner(user: Person, article: Article) -> bool:
    return is_staff(user) and article.owner_id == user.pk


def may_validate_at_all(user: Person) -> bool:
    # Contributors and publishers validate; coaches validate their candidates' work;
    # KB owners validate in their domain. Candidates never do.
    return has_licence(user, Licence.CONTRIBUTOR) or is_coach_or_kb_owner(user)


# --- seeing --------------------------------------------------------------------------------


def visible_audiences(user: Person) -> list[str] | None:
    """Audiences `user` may read, or None for staff (who see every audience and state).

    For anyone but staff only validated articles are visible as well. Search backends
    apply the same two conditions inside their queries.
    """
    if is_staff(user):
        # Staff see every article, whatever its state: KCS is "search first", and a
        # half-written article is better than a duplicate.
        return None
    kind = user.kind if user is not None and user.is_authenticated and user.is_active else None
    return [audience.value for audience in AUDIENCES_FOR_KIND.get(kind, AUDIENCES_FOR_KIND[None])]


def visibility_q(user: Person) -> Q:
    """The articles `user` may open, as a query filter (used by Article.objects.visible_to)."""
    audiences = visible_audiences(user)
    if audiences is None:
        return Q()
    # Outside readers see only validated articles of their audience or a wider one; a translation
    # only while they may see its source too (validated, not merged away, of their audiences).
    source_shown = Q(
        translation_of__state=State.VALIDATED, translation_of__merged_into=None, translation_of__audience__in=audiences
    )
    return Q(state=State.VALIDATED, audience__in=audiences) & (Q(translation_of__isnull=True) | source_shown)


def _shown_outside(article: Article, audiences: list[str]) -> bool:
    return article.state == State.VALIDATED and article.audience in audiences and getattr(article, "merged_into_id", None) is None


def can_view(user: Person, article: Article) -> Decision:
    audiences = visible_audiences(user)
    if audiences is None:
        return ALLOW
    shown = article.state == State.VALIDATED and article.audience in audiences
    if shown and getattr(article, "translation_of_id", None) is not None:
        # A translation is never shown to readers its source is not shown to.
        shown = _shown_outside(article.translation_of, audiences)
    if shown:
        return ALLOW
    return refuse(_("This article does not exist or is not available to you."))


def merge_hides_from_outside_readers(source: Article, target: Article) -> bool:
    # Merging `source` into `target` sends its readers to `target`: some outside readers (a kind
    # of reader, or anonymous visitors) who may open `source` lose it when they may not open `target`
    # (not validated, or written for a narrower audience).
    def readers(article: Article) -> set:
        if article.state != State.VALIDATED:
            return set()
        return {kind for kind, audiences in AUDIENCES_FOR_KIND.items() if article.audience in audiences}

    return bool(readers(source) - readers(target))


def can_view_internals(user: Person, article: Article | None = None) -> Decision:
    # Decision authority, history, owner and workflow are staff guidance, never shown
    # to customers or partners (an authority limit is not a customer promise).
    if is_staff(user):
        return ALLOW
    return refuse(_("Only staff can see an article's decision authority and history."))


# --- writing ---------------------------------------------------------------------------------


def can_create(user: Person) -> Decision:
    if not is_staff(user):
        return refuse(_("Only staff can write articles."))
    if has_licence(user, Licence.CANDIDATE) or is_coach_or_kb_owner(user):
        return ALLOW
    return refuse(_("You need a KCS licence to write articles."))


def can_edit(user: Person, article: Article) -> Decision:
    """Change the content (title, issue, environment, resolution, cause, product, tags)."""
    if not is_staff(user):
        return refuse(_("Only staff can edit articles."))
    if user.is_superuser:
        return ALLOW
    if article.state == State.ARCHIVED:
        # Archived knowledge is kept as it was; a KB owner restores it before it changes.
        return refuse(_("This article is archived. A KB owner must restore it before it can be edited."))
    source = article.translation_of if getattr(article, "translation_of_id", None) is not None else None
    if source is not None and source.governance == Governance.GOVERNED:
        # A translation of governed content is governed by its source: its owner or a KB owner,
        # whatever the translation's own governance says.
        if _is_article_owner(user, source) or user.is_kb_owner:
            return ALLOW
        return refuse(_("This article is governed: only its owner or a KB owner may change it. Flag it to suggest a change."))
    if article.governance == Governance.GOVERNED:
        # Governed content (policy, legal, compliance) is changed only by its owner.
        if _is_article_owner(user, article) or user.is_kb_owner:
            return ALLOW
        return refuse(_("This article is governed: only its owner or a KB owner may change it. Flag it to suggest a change."))
    if has_licence(user, Licence.CONTRIBUTOR) or is_coach_or_kb_owner(user):
        # Experience-based content: any contributor may improve it ("flag it or fix it").
        return ALLOW
    if user.licence == Licence.CANDIDATE:
        # Candidates work on their own drafts; validated content goes through review.
        own = article.created_by_id == user.pk or article.owner_id == user.pk
        if own and article.state in (State.WIP, State.NOT_VALIDATED):
            return ALLOW
        return refuse(_("As a candidate you can edit your own unvalidated articles. Flag this one to suggest a change."))
    return refuse(_("You need a KCS licence to edit articles."))


def can_edit_authority(user: Person, article: Article) -> Decision:
    # The decision-authority section is always governed, whatever the article's
    # governance: agents suggest changes with a flag, KB owners decide.
    if not is_staff(user):
        return refuse(_("Only staff can change decision authority."))
    if getattr(article, "translation_of_id", None) is not None:
        # A translation's rules, limits and contact mirror its source's and cannot change on it
        # (articles/translations.py): its translator only puts the source's words into the language.
        return can_edit(user, article)
    if article.state == State.ARCHIVED and not user.is_superuser:
        return refuse(_("This article is archived. A KB owner must restore it before it can be edited."))
    if is_kb_owner(user):
        return ALLOW
    return refuse(_("The decision-authority section is governed: only a KB owner may change it. Flag it to suggest a change."))


def can_change_audience(user: Person, article: Article, to: str) -> Decision:
    if to == article.audience:
        return ALLOW
    edit = can_edit(user, article)
    if not edit:
        return edit
    if to == Audience.INTERNAL:
        # Narrowing is always safe for anyone who may edit.
        return ALLOW
    if is_publisher(user):
        return ALLOW
    return refuse(_("Only a publisher can make an article visible beyond internal staff."))


def can_change_governance(user: Person, article: Article) -> Decision:
    if is_kb_owner(user):
        return ALLOW
    return refuse(_("Only a KB owner can change whether an article is governed."))


def can_assign_owner(user: Person, new_owner: User | None) -> Decision:
    """Name someone else as the owner of a new article."""
    if new_owner is None or new_owner.pk == getattr(user, "pk", None) or is_kb_owner(user):
        return ALLOW
    return refuse(_("Only a KB owner can create an article owned by someone else."))


def can_change_owner(user: Person, article: Article) -> Decision:
    if is_kb_owner(user) or _is_article_owner(user, article):
        return ALLOW
    return refuse(_("Only the article's owner or a KB owner can hand it to someone else."))


def can_change_review_date(user: Person, article: Article) -> Decision:
    # The owner knows how fast the subject moves; KB owners may set it for anyone. One rule
    # for every path that sets a date: the review-date form, the editor and the API PATCH
    # (health.policy builds on it). Validation sets the first date; drafts have none to move.
    if not is_staff(user):
        return refuse(_("Only staff can change a review date."))
    if article.state != State.VALIDATED:
        return refuse(_("Only a validated article has a review date."))
    if _is_article_owner(user, article) or is_kb_owner(user):
        return ALLOW
    return refuse(_("Only the article's owner or a KB owner can change its review date."))


def can_revert(user: Person, article: Article) -> Decision:
    # A revert is an edit that restores earlier content; the same rules apply, and
    # views check can_edit_authority too when the restored rules differ.
    return can_edit(user, article)


# --- merging duplicates ----------------------------------------------------------------------


def can_merge(user: Person, source: Article, target: Article, *, authority_changes: bool = False) -> Decision:
    """Merge `source` (B) into `target` (A): A gets a new version, B is archived and its links move."""
    if not is_staff(user):
        return refuse(_("Only staff can merge articles."))
    # One article per issue (KCS): whoever may edit both articles may fold one into the other. B is
    # archived as part of the merge, not on its own: its knowledge lives on in A and a KB owner can
    # undo the merge, so archiving by itself stays a KB owner's call (can_transition).
    for article in (target, source):
        edit = can_edit(user, article)
        if not edit:
            return refuse(_("You cannot edit “%(title)s”: %(reason)s") % {"title": article.title, "reason": edit.reason})
    if authority_changes:
        # The merged article's decision authority is governed like any authority change.
        return can_edit_authority(user, target)
    return ALLOW


def can_unmerge(user: Person, source: Article | None = None) -> Decision:
    # Undoing a merge restores an archived article and moves links back: a KB owner's call, like
    # restoring any archived article.
    if is_kb_owner(user):
        return ALLOW
    return refuse(_("Only a KB owner can undo a merge."))


def can_follow_merge(user: Person, source_as_it_was: Article, target: Article) -> Decision:
    """Send a reader of a merged article's address on to the article it was merged into."""
    # Only a reader who could open both: the merged article as it stood before the merge (its
    # address must not reveal that an article they never could see existed) and the target.
    if can_view(user, source_as_it_was) and can_view(user, target):
        return ALLOW
    return refuse(_("This article does not exist or is not available to you."))


# --- relations between articles ---------------------------------------------------------------


def can_relate(user: Person, article: Article, other: Article | None = None) -> Decision:
    """Add a relation from `article` (related to, supersedes, duplicate of) to `other`."""
    # A relation changes what the article's readers are sent to: whoever may edit the article.
    edit = can_edit(user, article)
    if not edit:
        return edit
    # Naming an article one may not open would confirm it exists (and show its title).
    if other is not None and not can_view(user, other):
        return refuse(NO_SUCH_ARTICLE)
    return ALLOW


def can_unrelate(user: Person, from_article: Article, to_article: Article) -> Decision:
    # A relation shows on both articles' pages (an incoming one in inverse words, "Superseded by"):
    # whoever may edit either of them may take it away, as long as they may see the other one.
    allowed = can_relate(user, from_article, to_article)
    if allowed:
        return allowed
    # What a governed article says (its "supersedes" included) is changed only by who may edit it.
    if not from_article.is_governed and can_view(user, from_article) and can_edit(user, to_article):
        return ALLOW
    return allowed


NO_SUCH_ARTICLE = gettext_lazy("No article was found at that address, or it is not available to you.")


# --- search ------------------------------------------------------------------------------------


def can_view_search_report(user: Person) -> Decision:
    # What people search for and fail to find tells KB owners where knowledge is missing.
    if is_kb_owner(user):
        return ALLOW
    return refuse(_("Only KB owners can see the search report."))


def can_manage_synonyms(user: Person) -> Decision:
    if is_kb_owner(user):
        return ALLOW
    return refuse(_("Only KB owners can change search synonyms."))


def can_review_duplicates(user: Person) -> Decision:
    # Probable duplicate pairs across the KB are a KB owner's to merge or dismiss.
    if is_kb_owner(user):
        return ALLOW
    return refuse(_("Only KB owners can review probable duplicates."))


def can_check_duplicates(user: Person) -> Decision:
    # Whoever may write an article is shown the articles it may duplicate while writing it.
    return can_create(user)


# --- structure -----------------------------------------------------------------------------------


def can_manage_templates(user: Person) -> Decision:
    # Article templates shape every article written with them (what authors are asked for, what
    # customers read, how search weighs it): KB owners, who look after the whole KB, define them.
    if is_kb_owner(user):
        return ALLOW
    return refuse(_("Only KB owners can define article templates."))


# --- translations --------------------------------------------------------------------------------


def can_translate(user: Person, source: Article) -> Decision:
    """Start a translation of `source` (a new article in its translation set)."""
    # A translation is a new article, written by whoever may write articles.
    allowed = can_create(user)
    if not allowed:
        return allowed
    if source.state == State.ARCHIVED or getattr(source, "merged_into_id", None) is not None:
        return refuse(_("This article is archived: restore it before translating it."))
    if source.governance == Governance.GOVERNED:
        # Its translation is governed content too: whoever may change the source.
        return can_edit(user, source)
    return ALLOW


def can_confirm_translation(user: Person, translation: Article) -> Decision:
    # Saying a translation still matches its changed source is a judgement on its content: whoever
    # may edit it.
    if getattr(translation, "translation_of_id", None) is None:
        return refuse(_("Only a translation can be confirmed against its source."))
    return can_edit(user, translation)


def can_view_translation_queue(user: Person) -> Decision:
    # The work of translators: whoever may write articles (and so translations).
    return can_create(user)


# --- workflow ----------------------------------------------------------------------------------


def can_transition(user: Person, article: Article, to: str) -> Decision:
    if not is_staff(user):
        return refuse(_("Only staff can change an article's confidence."))
    current = article.state
    if to == current:
        return refuse(_("The article is already %(state)s.") % {"state": _label(to)})
    if getattr(article, "merged_into_id", None) is not None:
        # Its knowledge lives on in the article it was merged into, and its links moved there:
        # undoing the merge is what brings it back (articles/merging.py).
        return refuse(_("This article was merged into another: undo the merge to restore it."))
    if to == State.ARCHIVED:
        # Archiving removes knowledge from use: the KB owner's decision.
        return ALLOW if is_kb_owner(user) else refuse(_("Only a KB owner can archive an article."))
    if current == State.ARCHIVED:
        if not is_kb_owner(user):
            return refuse(_("Only a KB owner can restore an archived article."))
        if to == State.VALIDATED and article.audience != Audience.INTERNAL and not is_publisher(user):
            return refuse(_PUBLISH_REASON)
        return ALLOW
    if to == State.VALIDATED:
        return can_validate(user, article)
    if to == State.NOT_VALIDATED:
        # Submitting a draft (wip → not validated) or demoting a validated article.
        return can_edit(user, article)
    if to == State.WIP:
        if current == State.VALIDATED:
            return refuse(_("A validated article goes back to not validated, not to work in progress."))
        return can_edit(user, article)
    return refuse(_("Unknown state '%(state)s'.") % {"state": to})


def transition_needs_reason(current: str, to: str) -> bool:
    # Archiving takes knowledge out of use and reopening a validated article takes away its
    # trust: both are asked for a reason, kept in the article's history (ArticleEvent.note).
    return to == State.ARCHIVED or (current == State.VALIDATED and to == State.NOT_VALIDATED)


def can_validate(user: Person, article: Article) -> Decision:
    if not may_validate_at_all(user):
        return refuse(_("Candidates cannot validate articles: submit it and a coach or contributor will review it."))
    if article.governance == Governance.GOVERNED and not (_is_article_owner(user, article) or is_kb_owner(user)):
        return refuse(_("This article is governed: only its owner or a KB owner may validate it."))
    if article.audience != Audience.INTERNAL and not is_publisher(user):
        # Validating an article written for outside readers publishes it to them.
        return refuse(_PUBLISH_REASON)
    return ALLOW


_PUBLISH_REASON = gettext_lazy(
    "This article is meant for readers outside the company: validating it publishes it, which needs a publisher."
)


TRANSITION_LABELS = {
    (State.WIP, State.NOT_VALIDATED): gettext_lazy("Resolution complete"),
    (State.WIP, State.VALIDATED): gettext_lazy("Validate"),
    (State.NOT_VALIDATED, State.VALIDATED): gettext_lazy("Validate"),
    (State.NOT_VALIDATED, State.WIP): gettext_lazy("Back to work in progress"),
    (State.VALIDATED, State.NOT_VALIDATED): gettext_lazy("Reopen (not validated)"),
    (State.ARCHIVED, State.NOT_VALIDATED): gettext_lazy("Restore as not validated"),
    (State.ARCHIVED, State.VALIDATED): gettext_lazy("Restore as validated"),
}
ARCHIVE_LABEL = gettext_lazy("Archive")


def available_transitions(user: Person, article: Article) -> list[tuple[str, str]]:
    """(target state, button label) for each transition `user` may make now."""
    out = []
    for to in (State.WIP, State.NOT_VALIDATED, State.VALIDATED, State.ARCHIVED):
        if to == article.state or (article.state == State.ARCHIVED and to == State.WIP):
            continue
        if to == State.WIP and article.state == State.VALIDATED:
            continue
        if can_transition(user, article, to):
            out.append((to, TRANSITION_LABELS.get((article.state, to), ARCHIVE_LABEL)))
    return out


def _label(state: str) -> str:
    return choice_label(state).lower()
