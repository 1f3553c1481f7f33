"""The one hook into articles: a material version of an article makes older acknowledgements stale.

`articles.signals.article_changed` is sent after the change's transaction commits, so a
rolled-back edit asks nobody to read anything again. The change record says whether the edit
was material and whether it changed the decision-authority rules: nothing here reads versions.
"""

from __future__ import annotations


def article_changed(sender, change, **kwargs) -> None:
    from .services import flag_questions_for_review, mark_stale

    if not change.material or change.version <= 1:
        return  # minor updates bother nobody; version 1 has nothing older to make stale
    mark_stale(
        article_id=change.article_id,
        version=change.version,
        article=change.article,
        authority_changed=change.authority_changed,
    )
    if change.rules_changed:
        # A change to the decision authority may make the article's questions wrong.
        flag_questions_for_review(article_id=change.article_id, version=change.version)
