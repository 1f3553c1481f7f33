"""`{% merge_notes article %}`: the merge banners of an article's staff pages (articles/merging.py)."""

from __future__ import annotations

from django import template

from articles import merging, policy

register = template.Library()


@register.inclusion_tag("articles/_merge_notes.html", takes_context=True)
def merge_notes(context, article, *, merged_from: bool = True) -> dict:
    """ "Merged into A … Undo merge" on a merged article's pages (no query unless it is merged), and
    "Merged from B" on the article others were merged into (one query)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    into = merging.live_merge_of(article)
    return {
        "article": article,
        "into": into,
        "can_unmerge": bool(into and policy.can_unmerge(user, article)),
        "merged_from": merging.merged_from(article) if merged_from else [],
        "csrf_token": context.get("csrf_token"),
    }
