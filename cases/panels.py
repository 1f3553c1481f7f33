"""The "Linked cases" panel of the article page, composed by `kcs_site.pages`."""

from __future__ import annotations

from django.db.models import Count, Window

from . import policy
from .models import CaseLink

LATEST = 5


def article_panel(user, article) -> dict:
    """The latest live links of `article` and how many there are, in one query (staff only)."""
    if not policy.can_see_cases(user):
        return {}
    links = list(
        CaseLink.objects.live()
        .filter(article=article)
        .select_related("case", "linked_by")
        # The count of every live link rides on each row (COUNT(*) OVER ()), so no second query.
        .annotate(total=Window(Count("pk")))
        .order_by("-linked_at", "-id")[:LATEST]
    )
    for link in links:
        link.article = article  # the page's own article: no query per link for "version N"
    return {"show": True, "links": links, "total": links[0].total if links else 0}
