"""Pages composed of panels from several apps: each app's `panels` module answers for its own
panel, and this module calls them, so every query a page makes is visible from its view. The
templates only `{% include %}` the panels' partials with what is computed here."""

from __future__ import annotations

from django.http import HttpRequest

from articles import relations
from cases import drafts_queue
from cases import panels as cases
from coaching import panels as coaching
from feedback import panels as feedback
from health import panels as health
from insights import panels as insights
from notifications import panels as notifications
from search import duplicate_views as duplicates
from search import duplicates as duplicate_pairs
from search import panels as search
from training import panels as training


def dashboard_panels(request: HttpRequest) -> dict:
    user = request.user
    return {
        "feedback": feedback.dashboard_panel(user),
        "coaching": coaching.dashboard_panel(user),
        "training": training.dashboard_panel(user),
        "insights": insights.dashboard_panel(user),
        "duplicates": duplicate_pairs.dashboard_panel(user),
        "drafts_queue": drafts_queue.dashboard_panel(user),
    }


def article_panels(request: HttpRequest, article) -> dict:
    user = request.user
    linked = relations.article_panel(user, article)
    return {
        "subscriptions": notifications.subscription_box(user, article),
        "health": health.article_panel(user, article),
        "cases": cases.article_panel(user, article),
        "feedback": feedback.article_panel(user, article),
        "coaching": coaching.article_panel(user, article),
        "training": training.article_panel(request, article),
        "related": relations.not_linked(search.related_articles(user, article), linked),
        "relations": linked,
        "duplicates": duplicates.article_panel(request, article),
    }


def help_article_panels(request: HttpRequest, article) -> dict:
    """The help centre's article page: what it shows beside the article (for any reader)."""
    linked = relations.article_panel(request.user, article, help_centre=True)
    return {
        "related": relations.not_linked(search.related_articles(request.user, article, help_centre=True), linked),
        "relations": linked,
    }


def after_article_created(request: HttpRequest, article) -> str | None:
    """Where the author goes after saving a new article, when not to the article itself
    (search.duplicate_views: its probable duplicates, or the article used instead)."""
    return duplicates.after_create(request, article)
