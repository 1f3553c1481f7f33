"""The one hook into articles: a material version of an article is recorded as an update.

Only validated articles have updates: a draft's edits are work in progress, not news.
RevisionMeta rows are written by every operation that saves an article version (edit, revert,
import, admin) inside its transaction; `record_update` announces the update only after that
transaction commits, so a rolled-back edit tells nobody.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from reversion.models import Version


def revision_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    from articles.models import Article, State

    from .services import record_update

    if raw or not created or not instance.material or instance.article_version <= 1:
        return  # a new article or a minor change is not an update anyone is told about
    revision = instance.revision
    object_id = (
        Version.objects.filter(revision=revision, content_type=ContentType.objects.get_for_model(Article))
        .values_list("object_id", flat=True)
        .first()
    )
    article = Article.objects.filter(pk=object_id, state=State.VALIDATED).first() if object_id is not None else None
    if article is None:
        return  # drafts change all the time; an update is a change to validated knowledge in use
    record_update(
        article_id=article.pk,
        version=instance.article_version,
        note=revision.comment,
        editor=revision.user,
        audience=article.audience,
        reader_visible=_reader_fields_changed(article, instance.article_version),
    )


READER_FIELDS = ("title", "issue", "environment", "resolution", "cause")


def _reader_fields_changed(article, version: int) -> bool:
    """Did this version change what outside readers see? (Not the decision authority, owner or dates.)"""
    from articles import versions

    previous = versions.version_by_number(article, version - 1)
    if previous is None:
        return True
    old = previous.version.field_dict
    return any((old.get(name) or "") != (getattr(article, name) or "") for name in READER_FIELDS)
