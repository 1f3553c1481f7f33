"""The training panels of the article page and the dashboard: what each shows, queried here and
composed by `kcs_site.pages`, so a page's cost is visible from its view."""

from __future__ import annotations

from articles import policy as article_policy
from articles import versions
from articles.http import as_id

from . import services
from .models import Acknowledgement, Assignment, Attempt, LearningPath, PathItem, Question


def article_panel(request, article) -> dict:
    """On an article opened from a path (?path=<id>): the path's note and "Read and understood"."""
    user = request.user
    path_id = as_id(request.GET.get("path", ""))
    if not (article_policy.is_staff(user) and path_id is not None):
        return {"show": False}
    path = LearningPath.objects.filter(pk=path_id).first()
    item = PathItem.objects.filter(section__path=path, article=article).first() if path else None
    if item is None:
        return {"show": False}
    assigned = Assignment.objects.filter(path=path, user=user).exists()
    acks = list(Acknowledgement.objects.filter(user=user, article=article).order_by("-at", "-id")[:5])
    current = next((a for a in acks if a.stale_at is None), None)
    stale = next((a for a in acks if a.stale_at is not None), None) if current is None else None
    has_questions = Question.objects.filter(article=article).exists()
    needs_check = bool(path.pass_mark and has_questions)
    item.article = article  # the status reads the current version from it
    status = services.ItemStatus(
        item=item,
        acknowledged=current,
        stale=stale,
        pass_mark=path.pass_mark if needs_check else None,
        attempt=Attempt.objects.filter(user=user, article=article).order_by("-at", "-id").first() if needs_check else None,
        authority_changed=bool(stale and versions.authority_changed_since({(user.pk, article.pk): stale.article_version})),
    )
    return {
        "show": True,
        "article": article,
        "path": path,
        "item": item,
        "assigned": assigned,
        "status": status,
        "has_questions": has_questions,
    }


def dashboard_panel(user) -> dict:
    """My assigned learning paths with my progress on each."""
    if not article_policy.is_staff(user):
        return {"show": False}
    assignments = list(Assignment.objects.filter(user=user).select_related("path"))
    if not assignments:
        return {"show": False}
    progress = services.progress(user, [a.path for a in assignments])
    return {"show": True, "rows": [(a, progress[a.path_id]) for a in assignments]}
