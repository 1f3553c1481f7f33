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
    if object_id is None or not Article.objects.filter(pk=object_id, state=State.VALIDATED).exists():
        return  # drafts change all the time; an update is a change to validated knowledge in use
    record_update(article_id=int(object_id), version=instance.article_version, note=revision.comment, editor=revision.user)
