"""The whole knowledge base as `manage.py import_articles` reads it (articles/services.py).

One record per article, with everything a KB owner would miss on another site: the content
(issue as `summary`, resolution as `body`, the template's other sections, internal notes), its
metadata (product, tags, source address, language, owner, review date), its KCS state
(confidence, audience, governance), its decision authority in full (every rule, the escalation
contact with its channel, hours and response time, the note on what to do outside it), its
relations to other articles (related to, supersedes, duplicate of), for a
translation the key of its source and how current it is, and the metadata of every version
(number, date, author, note, minor or material, confidence then).

What an import cannot take back is exported as information: the version history (an import
starts a new history, whose first note names the version exported), the dates the article was
created and last changed, who created it, the article it stands merged into and its reuse count
(counted from the reuse records and case links of the site it was used on). Templates and
escalation contacts are site-wide: a record names its template, which must exist where it is
imported, and carries its contact, created there if missing.

Written for operators (a management command run with server access): internal articles and
internal notes are included; user accounts appear by username only, never with a password,
e-mail address or API token.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator

from django.db.models import F, Prefetch, QuerySet
from reversion.models import Version

from . import structure
from .models import Article, ArticleRelation, RevisionMeta, long_fields

CHUNK = 500  # articles read per query, with their rules, tags and versions
_RELATION_COLUMNS = ("from_article", "kind", "note", "to_article__slug", "to_article__external_id")


def records(articles: QuerySet[Article] | None = None) -> Iterator[dict]:
    """Every article's record: sources before translations (an import links a translation to a
    source it has already read): sources oldest first, then translations by source."""
    articles = Article.objects.all() if articles is None else articles
    queryset = (
        articles.select_related(
            "product", "owner", "created_by", "escalation", "template_version__template", "translation_of", "merged_into"
        )
        .defer(*long_fields("translation_of"), *long_fields("merged_into"))
        .prefetch_related(
            "tags",
            "rules",
            Prefetch("relations_out", ArticleRelation.objects.select_related("to_article").only(*_RELATION_COLUMNS)),
        )
        # Sources (no translation_of) first, whichever end the database sorts NULL to.
        .order_by(F("translation_of").asc(nulls_first=True), "pk")
    )
    chunk: list[Article] = []
    for article in queryset.iterator(chunk_size=CHUNK):
        chunk.append(article)
        if len(chunk) == CHUNK:
            yield from _records(chunk)
            chunk = []
    yield from _records(chunk)


def _records(chunk: list[Article]) -> Iterator[dict]:
    history = _histories(chunk)
    for article in chunk:
        yield record(article, history.get(article.pk, []))


def key_of(article: Article) -> str:
    """The key an import matches on: the source's identifier it came with, else the slug."""
    return article.external_id or article.slug


def record(article: Article, versions: list[dict]) -> dict:
    sections = structure.sections_of(article)
    keys = {s.key for s in sections}
    texts = {}
    for section in sections:
        if section.key in ("issue", "resolution"):
            continue  # `summary` and `body`
        text = structure.text_of(article, section)
        if text:
            texts[section.key] = text
    contact = article.escalation
    out = {
        "slug": key_of(article),
        "page_slug": article.slug,  # its address here (/articles/<page_slug>/), kept by an import when free
        "title": article.title,
        # A template without an issue or resolution section: the columns' text is not the article's.
        "summary": article.issue if "issue" in keys else "",
        "body": article.resolution if "resolution" in keys else "",
        "template": article.template_version.template.name if article.template_version_id else None,
        "sections": texts,
        "internal_notes": article.internal_notes,
        "product": article.product.name,
        "tags": article.tag_names(),
        "source_url": article.source_url,
        "language": article.language,
        "translation_of": key_of(article.translation_of) if article.translation_of_id else None,
        "source_version": article.source_version,
        "translation_outdated": article.translation_outdated if article.translation_of_id else None,
        "state": article.state,
        "audience": article.audience,
        "governance": article.governance,
        "owner": article.owner.username,
        "review_by": article.review_by.isoformat() if article.review_by else None,
        "rules": [_rule(rule) for rule in article.rules.all()],
        "escalation": {name: getattr(contact, name) for name in _CONTACT} if contact else None,
        "authority_note": article.authority_note,
        # What the article points readers to (articles/relations.py), by the other article's key.
        "relations": [
            {"kind": relation.kind, "to": key_of(relation.to_article), "note": relation.note}
            for relation in article.relations_out.all()
        ],
        # Information: an import cannot bring these back (see the module docstring).
        "version": article.version,
        "created_at": article.created_at.isoformat(),
        "created_by": article.created_by.username,
        "updated_at": article.updated_at.isoformat(),
        "merged_into": key_of(article.merged_into) if article.merged_into_id else None,
        "reuse_count": article.reuse_count,
        "versions": versions,
    }
    return out


_CONTACT = ("team", "channel", "hours", "response_time", "notes")


def _rule(rule) -> dict:
    amount = rule.limit_amount
    return {
        "action": rule.action,
        # A string: a JSON number would be read back as a float ("19.99" is not exactly 19.99).
        "limit_amount": f"{amount:f}" if amount is not None else None,
        "limit_unit": rule.limit_unit,
        "decider": rule.decider,
        "notes": rule.notes,
    }


def _histories(chunk: list[Article]) -> dict[int, list[dict]]:
    """{article id: its versions' metadata, oldest first} in three queries for the chunk."""
    if not chunk:
        return {}
    stored = (
        # By content type, database and object id: reversion's unique index, in that order.
        Version.objects.get_for_model(Article)
        .filter(object_id__in=[str(a.pk) for a in chunk])
        .select_related("revision__user")
        .order_by("revision__date_created", "pk")
    )
    rows = list(
        stored.values_list(
            "object_id",
            "format",
            "serialized_data",
            "revision_id",
            "revision__date_created",
            "revision__comment",
            "revision__user__username",
        )
    )
    metas = {m.revision_id: m for m in RevisionMeta.objects.filter(revision_id__in={row[3] for row in rows})}
    out: dict[int, list[dict]] = defaultdict(list)
    for object_id, fmt, data, revision_id, date, comment, username in rows:
        meta = metas.get(revision_id)
        out[int(object_id)].append(
            {
                "number": meta.article_version if meta else None,
                "date": date.isoformat(),
                "author": username,
                "note": comment,
                "material": meta.material if meta else True,
                "state": _stored_state(fmt, data),
            }
        )
    return out


def _stored_state(fmt: str, data: str) -> str | None:
    """The confidence the article had in a stored version (read without building the model, so a
    version saved before a field was added or removed still reads)."""
    if fmt != "json":
        return None
    try:
        return json.loads(data)[0]["fields"].get("state")
    except (ValueError, LookupError, TypeError):
        return None
