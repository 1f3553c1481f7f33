"""`manage.py send_review_reminders`: each owner hears once per due article per due date."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from articles.models import Article, State
from conftest import make_article
from health import services
from health.models import ReviewReminder
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("send_review_reminders", stdout=out)
    return out.getvalue()


def due(article: Article, days: int = 2) -> Article:
    Article.objects.filter(pk=article.pk).update(review_by=timezone.localdate() - datetime.timedelta(days=days))
    article.refresh_from_db()
    return article


def test_the_owner_is_told_when_an_article_falls_due(kb_owner, contributor, product):
    article = due(make_article(author=contributor, product=product, owner=contributor, kb_owner=kb_owner))
    make_article(author=contributor, product=product, owner=contributor, title="Not due yet", kb_owner=kb_owner)
    assert run().startswith("1 review reminder sent")
    note = Notification.objects.get()
    assert (note.recipient, note.kind, note.article) == (contributor, "review_due", article)
    assert article.title in note.title and "2 days ago" in note.body
    assert note.url == article.get_absolute_url()


def test_a_reminder_is_never_sent_twice_for_the_same_due_date(kb_owner, contributor, product):
    due(make_article(author=contributor, product=product, owner=contributor, kb_owner=kb_owner))
    run()
    assert run().startswith("0 review reminders sent")
    assert Notification.objects.count() == 1 and ReviewReminder.objects.count() == 1


def test_a_reminder_goes_out_again_when_the_article_falls_due_on_a_new_date(kb_owner, contributor, product):
    article = due(make_article(author=contributor, product=product, owner=contributor, kb_owner=kb_owner))
    run()
    services.confirm_review(article=article, by=contributor)
    due(article, days=0)  # a year later, as if the new date had come
    run()
    assert Notification.objects.filter(recipient=contributor).count() == 2
    assert "due for review today" in Notification.objects.first().body


def test_archived_and_draft_articles_are_not_reminded(kb_owner, contributor, product):
    for state in (State.ARCHIVED, State.NOT_VALIDATED):
        article = make_article(author=contributor, product=product, state=state, title=f"A {state}", kb_owner=kb_owner)
        Article.objects.filter(pk=article.pk).update(review_by=timezone.localdate() - datetime.timedelta(days=9))
    run()
    assert not Notification.objects.exists()


def test_two_runs_at_once_send_one_reminder(kb_owner, contributor, product, monkeypatch):
    article = due(make_article(author=contributor, product=product, owner=contributor, kb_owner=kb_owner))
    # Another machine's run records the reminder after this run read what was sent: the
    # unique constraint, not the read, is what stops a second notice.
    monkeypatch.setattr(services, "_sent_reminders", lambda today: set())
    ReviewReminder.objects.create(article=article, recipient=contributor, review_by=article.review_by)
    assert services.send_review_reminders() == 0
    assert not Notification.objects.exists()
