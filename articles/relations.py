"""Relations between articles: "related to", "supersedes", "duplicate of".

A relation is stored once, from one article to another (`ArticleRelation`), and shows on both
pages: on the first in its own words ("Supersedes B"), on the second in the inverse words
("Superseded by A"). Each reader sees only the relations whose other article they may open.

Relations are not content. Adding or removing one saves no new version of either article and
does not bump `version` (someone editing the article meanwhile is not sent a conflict because a
colleague linked it), and nothing is announced to the other apps: no reader's text changed, so
nobody is notified and no acknowledgement goes stale. Each change is kept in the history of both
articles, as an `ArticleEvent` of kind RELATION at their current version (KCS Verified: who
changed what the article points readers to, and when).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from . import policy
from .choices import Audience, State
from .models import (
    Article,
    ArticleEvent,
    ArticleRelation,
    EventKind,
    InvalidChange,
    RelationKind,
    long_fields,
    require,
)

# One article links to a short list readers can take in; the cap also bounds the work of a page.
MAX_RELATIONS = 30
# Incoming relations are not capped when made (each comes from another article's own list):
# a page shows the first ones.
MAX_SHOWN = 60
MAX_NOTE = 200
# How far the "supersedes" chain is followed looking for a cycle (each step is one query).
MAX_CHAIN = 50

# How a relation reads on the page of the article it points to.
INVERSE_LABELS = {
    RelationKind.RELATED: gettext_lazy("Related to"),
    RelationKind.SUPERSEDES: gettext_lazy("Superseded by"),
    RelationKind.DUPLICATE_OF: gettext_lazy("Has duplicate"),
}
# The order a page lists them in: what replaces this article first, plain relations last.
_ORDER = {
    (RelationKind.SUPERSEDES, "in"): 0,
    (RelationKind.SUPERSEDES, "out"): 1,
    (RelationKind.DUPLICATE_OF, "out"): 2,
    (RelationKind.DUPLICATE_OF, "in"): 3,
    (RelationKind.RELATED, "out"): 4,
    (RelationKind.RELATED, "in"): 4,
}


@dataclass(frozen=True)
class Link:
    """One relation as a reader of `article` sees it: its words and the other article."""

    relation: ArticleRelation
    direction: str  # "out": this article → other; "in": other → this article
    other: Article

    @property
    def id(self) -> int:
        return self.relation.pk

    @property
    def kind(self) -> str:
        return self.relation.kind

    @property
    def label(self) -> str:
        kind = RelationKind(self.kind)
        return str(kind.label if self.direction == "out" else INVERSE_LABELS[kind])

    @property
    def note(self) -> str:
        return self.relation.note

    @property
    def supersedes_this(self) -> bool:
        return self.kind == RelationKind.SUPERSEDES and self.direction == "in"


# --- reading -------------------------------------------------------------------------------


def relations_for(article: Article, user, *, help_centre: bool = False) -> list[Link]:
    """The relations of `article` that `user` may follow, in the page's order, in one query.

    A relation shows only when `user` may open the article at its other end (staff: any;
    customers, partners, visitors: validated articles of their audience). `help_centre`: only
    articles the help centre shows (validated, written for outside readers), so staff previewing
    a help page see what customers see.
    """
    qs = ArticleRelation.objects.filter(Q(from_article=article) | Q(to_article=article))
    if help_centre or policy.visible_audiences(user) is not None:
        shown = Article.objects.visible_to(user)
        if help_centre:
            shown = shown.validated().exclude(audience=Audience.INTERNAL)
        ids = shown.values("pk")
        qs = qs.filter(Q(from_article=article, to_article__in=ids) | Q(to_article=article, from_article__in=ids))
    qs = (
        qs.select_related("from_article__product", "to_article__product", "created_by")
        .defer(*long_fields("from_article"), *long_fields("to_article"))
        .order_by("kind", "-id")[:MAX_SHOWN]
    )
    links = []
    for relation in qs:
        if relation.from_article_id == article.pk:
            links.append(Link(relation, "out", relation.to_article))
        else:
            links.append(Link(relation, "in", relation.from_article))
    links.sort(key=lambda link: (_ORDER[(link.kind, link.direction)], link.other.title.casefold(), link.id))
    return links


def replacement_for(user, slug: str, articles) -> Article | None:
    """The article that supersedes the archived article `slug`, among `articles` (what the page
    asking may show `user`), for a reader who could have read the archived one: an old link to a
    replaced article leads to what replaced it rather than to "not found". Asked only when the
    address found nothing to show."""
    audiences = policy.visible_audiences(user)
    old = Article.objects.filter(slug=slug, state=State.ARCHIVED).only("pk", "audience").first()
    if old is None or (audiences is not None and old.audience not in audiences):
        return None  # never a hint that an article this reader could never read existed
    if audiences is not None and not ArticleEvent.objects.filter(article=old, to_value=State.VALIDATED).exists():
        return None  # outside readers only ever read validated articles
    return articles.filter(relations_out__to_article=old, relations_out__kind=RelationKind.SUPERSEDES).order_by("-pk").first()


def find_article(user, text: str) -> Article | None:
    """The article `text` names, by its slug or by the address of its staff or help-centre page,
    if `user` may open it; else None (the caller says "not found", whichever it was)."""
    slug = slug_from(text)
    if not slug:
        return None
    return Article.objects.visible_to(user).filter(slug=slug).first()


def slug_from(text: str) -> str:
    """ "https://kb.example/articles/printer-offline/edit/" → "printer-offline" (also /help/<slug>/
    and /api/v1/articles/<slug>/); a bare slug as given; "" for what names no article."""
    text = (text or "").strip().replace("\x00", "")
    if "/" not in text:
        return text[:200]
    try:
        path = urlparse(text).path
    except ValueError:  # not an address (an unclosed "[", a bad port): it names no article
        return ""
    parts = [unquote(part) for part in path.split("/") if part]
    for marker in ("articles", "help"):
        if marker in parts:
            index = parts.index(marker)
            return parts[index + 1][:200] if index + 1 < len(parts) else ""
    return parts[-1][:200] if parts else ""


# --- changing ------------------------------------------------------------------------------


def relate(*, from_article: Article, to_article: Article, kind: str, by, note: str = "") -> ArticleRelation:
    """Relate `from_article` to `to_article` as `by`; Refused or InvalidChange say why not."""
    if kind not in RelationKind.values:
        raise InvalidChange(
            _("Unknown kind of relation '%(kind)s'. Choose one of: %(choices)s.")
            % {"kind": kind, "choices": ", ".join(RelationKind.values)}
        )
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise InvalidChange(_("A relation's note holds at most %(limit)s characters.") % {"limit": MAX_NOTE})
    with transaction.atomic():
        article, other = _lock(from_article.pk, to_article.pk)
        require(policy.can_relate(by, article, other))
        _check_new(article, other, kind)
        try:
            with transaction.atomic():
                relation = ArticleRelation.objects.create(
                    from_article=article, to_article=other, kind=kind, note=note, created_by=by
                )
        except IntegrityError:
            raise InvalidChange(_already(article, other, kind)) from None
        _record(by, article, other, relation, added=True)
    return relation


def unrelate(*, relation: ArticleRelation, by) -> None:
    """Remove `relation` as `by` (who may edit either article); recorded in both histories."""
    with transaction.atomic():
        article, other = _lock(relation.from_article_id, relation.to_article_id)
        current = ArticleRelation.objects.filter(pk=relation.pk).first()
        if current is None:
            raise InvalidChange(_("This relation was already removed."))
        require(policy.can_unrelate(by, article, other))
        current.delete()
        current.pk = relation.pk  # the history names it
        _record(by, article, other, current, added=False)


def _lock(from_id: int, to_id: int) -> tuple[Article, Article]:
    """Both articles, locked in id order: two people relating A → B and B → A at once (a cycle
    of "supersedes") take turns, and neither deadlocks the other."""
    if from_id == to_id:
        raise InvalidChange(_("An article cannot be related to itself."))
    rows = {
        a.pk: a for a in Article.objects.select_for_update().defer(*long_fields()).filter(pk__in=[from_id, to_id]).order_by("pk")
    }
    if len(rows) != 2:
        raise InvalidChange(_("One of the two articles no longer exists."))
    return rows[from_id], rows[to_id]


def _check_new(article: Article, other: Article, kind: str) -> None:
    if other.state == State.ARCHIVED and kind != RelationKind.SUPERSEDES:
        # An archived article is out of use: readers are not sent to it, except to say what
        # the new article replaces.
        raise InvalidChange(
            _("“%(title)s” is archived: only “supersedes” can name an archived article.") % {"title": other.title}
        )
    between = ArticleRelation.objects.filter(
        Q(from_article=article, to_article=other) | Q(from_article=other, to_article=article)
    ).values_list("from_article_id", "kind")
    pairs = {(from_id == article.pk, existing) for from_id, existing in between}
    if (True, kind) in pairs:
        raise InvalidChange(_already(article, other, kind))
    if kind == RelationKind.RELATED and (False, kind) in pairs:
        raise InvalidChange(_("“%(title)s” is already related to this article (from its own page).") % {"title": other.title})
    if kind == RelationKind.DUPLICATE_OF and chain_reaches(other, article, kind):
        # A chain of duplicates ends at the original: one that comes back round names none.
        raise InvalidChange(
            _("“%(title)s” is marked a duplicate of this article (directly or through others): one of them is the original.")
            % {"title": other.title}
        )
    if kind == RelationKind.SUPERSEDES and chain_reaches(other, article, kind):
        raise InvalidChange(
            _("“%(title)s” already supersedes this article (directly or through others): that would be a cycle.")
            % {"title": other.title}
        )
    if ArticleRelation.objects.filter(from_article=article).count() >= MAX_RELATIONS:
        raise InvalidChange(_("An article links to at most %(limit)s others; remove one first.") % {"limit": MAX_RELATIONS})


def chain_reaches(start: Article, target: Article, kind: str) -> bool:
    """Whether `start` relates to `target` as `kind` (supersedes, duplicate of), directly or
    through a chain of that kind."""
    seen, frontier = {start.pk}, {start.pk}
    for _step in range(MAX_CHAIN):
        following = set(
            ArticleRelation.objects.filter(kind=kind, from_article__in=frontier).values_list("to_article_id", flat=True)
        )
        if target.pk in following:
            return True
        frontier = following - seen
        if not frontier:
            return False
        seen |= frontier
    return True  # a chain this long is refused rather than followed further


def _already(article: Article, other: Article, kind: str) -> str:
    return _("This article is already marked “%(kind)s” “%(title)s”.") % {
        "kind": RelationKind(kind).label.lower(),
        "title": other.title,
    }


def _record(by, article: Article, other: Article, relation: ArticleRelation, *, added: bool) -> None:
    verb = "Added" if added else "Removed"
    kind = RelationKind(relation.kind)
    with override(None):  # the history keeps its notes in the source language
        labels = str(kind.label), str(INVERSE_LABELS[kind])
    for this, that, label in ((article, other, labels[0]), (other, article, labels[1])):
        ArticleEvent.objects.create(
            article=this,
            actor=by,
            kind=EventKind.RELATION,
            note=f"{verb}: {label} “{that.title}” ({that.slug})",
            version=this.version,
            changed_fields=["relations"],
            outside_changed=False,
        )


# --- the article page's panel (composed by kcs_site.pages) ---------------------------------


def article_panel(user, article: Article, *, help_centre: bool = False) -> dict:
    """The "Linked articles" panel and the "Superseded by" banner, from one query.

    On the staff page, each link says whether `user` may remove it, and the form to add one
    comes with it for whoever may relate the article (no query: the policy reads the rows).
    """
    from .relation_forms import RelationForm

    links = relations_for(article, user, help_centre=help_centre)
    removable = set()
    if not help_centre:
        for link in links:
            relation = link.relation
            if policy.can_unrelate(user, relation.from_article, relation.to_article):
                removable.add(link.id)
    may_add = not help_centre and bool(policy.can_relate(user, article))
    return {
        "links": links,
        "superseded_by": [link.other for link in links if link.supersedes_this],
        "removable": removable,
        "form": RelationForm(auto_id="relation_%s") if may_add else None,
        "article": article,
    }


def not_linked(articles: list, panel: dict) -> list:
    """`articles` (related by meaning, search's panel) without those the panel already links:
    the same article under "Linked articles" and "Related articles" would be said twice."""
    linked = {link.other.pk for link in panel.get("links", [])}
    return [article for article in articles if article.pk not in linked]
