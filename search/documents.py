"""What the search index knows about an article: everything an agent reads.

Staff-only text lives in one part of the document, `authority`: the decision authority, the
internal notes and the `:::internal` passages of the Markdown fields. The other text fields hold
only what outside readers may read, and the backends let only staff match `authority`, so a
customer's search can neither find an article by its internal text nor be offered its words.

Both backends index the same document, built here in a fixed number of queries per
batch (articles with their product, tags, rules and escalation contact).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db.models import Prefetch
from django.utils import translation

from articles import structure
from articles.choices import Audience, State
from articles.models import MARKDOWN_FIELDS, Article, AuthorityRule
from articles.rendering import internal_text, public_text
from articles.translations import wider
from kcs_site.languages import interface_language_for

BATCH = 500


def article_queryset():
    return Article.objects.select_related("product", "escalation", "template_version", "translation_of").prefetch_related(
        "tags", Prefetch("rules", queryset=AuthorityRule.objects.order_by("position", "id"))
    )


def document(article: Article) -> dict:
    # The rules' and contact's sentences are indexed in the article's own language (the words a
    # reader of that language searches with), whoever's request saved it.
    with translation.override(interface_language_for(article.language) or settings.LANGUAGE_CODE):
        rules = [rule.plain_words() for rule in article.rules.all()]
        contact = article.escalation
        contact_words = contact.plain_words() if contact else ""
    internal = [internal_text(getattr(article, name)) for name in MARKDOWN_FIELDS if name != "internal_notes"]
    # A template's own sections join the field of their role (issue-like text weighs as the issue);
    # staff-only sections and their `:::internal` passages join the staff-only part.
    sections = structure.role_texts(structure.sections_of(article), article.sections or {}, public=False)
    authority = " ".join(
        [
            *rules,
            article.authority_note,
            contact_words,
            contact.notes if contact else "",
            article.internal_notes,
            *internal,
            sections.get("authority", ""),
        ]
    ).strip()
    tags = sorted(t.name for t in article.tags.all())
    return {
        "id": article.pk,
        "slug": article.slug,
        "external_id": article.external_id or "",
        "title": article.title,
        "language": article.language,
        **{name: _joined(public_text(getattr(article, name)), sections.get(name)) for name in structure.STANDARD_KEYS},
        "authority": authority,
        "tags": tags,
        "product": article.product.slug,
        "product_name": article.product.name,
        "state": article.state,
        "audience": indexed_audience(article),
        "updated_at": article.updated_at,
        "reuse_count": article.reuse_count,
        "version": article.version,
    }


def indexed_audience(article: Article) -> str:
    """The audience the backends filter outside readers by: a translation's is never wider than
    its source's, and internal while its source is shown to no outside reader (not validated,
    merged away), since a translation is never shown to readers its source is not shown to
    (articles.policy.visibility_q). A source's change of state, audience or merge reindexes its
    translations (search.signals)."""
    source = article.translation_of if article.translation_of_id else None
    if source is None:
        return article.audience
    if source.state != State.VALIDATED or source.merged_into_id is not None:
        return Audience.INTERNAL
    return source.audience if wider(article.audience, source.audience) else article.audience


def _joined(*parts: str | None) -> str:
    return "\n".join(part for part in parts if part)


def documents_for(ids: list[int]) -> tuple[list[dict], list[int]]:
    """Documents for the articles that still exist, and the ids that no longer do."""
    found = {a.pk: a for a in article_queryset().filter(pk__in=ids)}
    return [document(found[i]) for i in ids if i in found], [i for i in ids if i not in found]


def all_document_batches(batch: int = BATCH) -> Iterator[list[dict]]:
    """Every article, in batches, in id order (keyset pagination: no OFFSET at 100k)."""
    last = 0
    while True:
        chunk = list(article_queryset().filter(pk__gt=last).order_by("pk")[:batch])
        if not chunk:
            return
        yield [document(a) for a in chunk]
        last = chunk[-1].pk
