"""Receivers that keep the search index in step with articles (connected in apps.py)."""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_save
from reversion.signals import post_revision_commit

from articles.models import Article, EscalationContact
from articles.signals import articles_written

from . import indexing


def _article_saved(sender, instance: Article, raw=False, **kwargs) -> None:
    if not raw:
        indexing.enqueue([instance.pk, *_translations_of(instance)])


def _translations_of(article: Article) -> list[int]:
    # A translation's document carries what of its source decides who may find it (its state,
    # audience and merge: search.documents.indexed_audience), so the source's save reindexes them.
    # Asked only when one of them changed since the article was read (or it was not read).
    now = article.visibility_key()
    if article.translation_of_id is not None or getattr(article, "loaded_visibility", None) == now:
        return []
    article.loaded_visibility = now
    return list(Article.objects.filter(translation_of=article.pk).values_list("pk", flat=True))


def _articles_written(sender, ids: list[int], index_later: bool = False, **kwargs) -> None:
    # A batch written in bulk (an import): indexed as one batch, after the commit with one index
    # commit for all (queued backends), or in the same transaction (PostgreSQL); or only queued
    # when the job rebuilds the index at its end.
    indexing.enqueue_batch(ids, later=index_later)


def _article_deleted(sender, instance: Article, **kwargs) -> None:
    indexing.enqueue([instance.pk])


def _tags_changed(sender, instance, action: str, reverse: bool, pk_set=None, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    indexing.enqueue(list(pk_set or []) if reverse else [instance.pk])


def _contact_saved(sender, instance: EscalationContact, raw=False, **kwargs) -> None:
    # A contact is shown (and searchable) on every article that names it.
    if not raw:
        indexing.enqueue(list(Article.objects.filter(escalation=instance).values_list("pk", flat=True)))


def _revision_saved(sender, revision, versions, **kwargs) -> None:
    # Sent at the end of an article operation, still inside its transaction, once its rules and
    # tags are saved too (AuthorityRule rows are bulk-created after the article: no post_save).
    ids = {int(v.object_id) for v in versions if v._model is Article}
    indexing.revision_saved(sorted(ids))


def connect() -> None:
    post_revision_commit.connect(_revision_saved, dispatch_uid="search-revision-saved")
    post_save.connect(_article_saved, sender=Article, dispatch_uid="search-article-saved")
    articles_written.connect(_articles_written, dispatch_uid="search-articles-written")
    post_delete.connect(_article_deleted, sender=Article, dispatch_uid="search-article-deleted")
    m2m_changed.connect(_tags_changed, sender=Article.tags.through, dispatch_uid="search-article-tags")
    post_save.connect(_contact_saved, sender=EscalationContact, dispatch_uid="search-contact-saved")
