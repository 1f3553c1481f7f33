"""Domain assertions shared by the tests."""

from __future__ import annotations

from articles import versions
from articles.models import Article, ArticleEvent


def assert_versions(article: Article, n: int) -> None:
    history = versions.history(article)
    numbers = [v.number for v in history]
    assert len(history) == n, f"expected {n} versions, found {numbers}"
    assert numbers == sorted(numbers, reverse=True)
    article.refresh_from_db()
    assert numbers[0] == article.version, "the newest stored version is the article's current version"


def assert_last_event(article: Article, *, kind: str, actor, from_value: str = "", to_value: str = "") -> ArticleEvent:
    event = ArticleEvent.objects.filter(article=article).order_by("-id").first()
    assert event is not None
    assert (event.kind, event.actor_id) == (kind, actor.pk)
    if from_value:
        assert event.from_value == from_value
    if to_value:
        assert event.to_value == to_value
    return event
