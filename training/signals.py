"""The one hook into articles: a material version of an article makes older acknowledgements stale.

RevisionMeta rows are written inside the operation's transaction (edit, revert, import, admin);
the acknowledgements are marked and the trainees told only once that transaction commits, so a
rolled-back edit asks nobody to read anything again. Same hook as `notifications.signals`.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from reversion.models import Version


def revision_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    from articles.models import Article

    from .services import flag_questions_for_review, mark_stale

    if raw or not created or not instance.material or instance.article_version <= 1:
        return  # minor updates bother nobody; version 1 has nothing older to make stale
    object_id = (
        Version.objects.filter(revision=instance.revision, content_type=ContentType.objects.get_for_model(Article))
        .values_list("object_id", flat=True)
        .first()
    )
    if object_id is None:
        return
    version = instance.article_version
    transaction.on_commit(lambda: mark_stale(article_id=int(object_id), version=version))
    # A change to the decision authority may make the article's questions wrong.
    transaction.on_commit(lambda: flag_questions_for_review(article_id=int(object_id), version=version))
