"""The demo has reuse on cases, stale articles and a past confirmation, and loading it again adds none."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from articles.models import Article, Reuse
from articles.tests.test_pages import text_of
from cases.models import CaseLink
from health import services
from health.models import ReviewConfirmation


def signed_in(username: str) -> Client:
    client = Client()
    # django-axes needs the request to count attempts; Client.login() passes none of its own.
    assert client.login(request=HttpRequest(), username=username, password="kcs-demo")
    return client


def test_the_demo_gives_every_health_page_something_to_show(db, demo):
    assert CaseLink.objects.live().reuse().count() >= 10
    assert Article.objects.due_for_review().filter(owner__username="owner").count() >= 3
    queue = text_of(signed_in("owner").get(reverse("health:review_queue")))
    assert "Nothing is due for review." not in queue
    cases = text_of(signed_in("contributor").get(reverse("health:cases") + "?case=CASE-10421"))
    assert "Refund" in cases or "refund" in cases
    counted = Article.objects.get(slug="hotel-non-refundable-refund-exception")
    assert counted.reuse_count == counted.case_links.live().reuse().count() + Reuse.objects.filter(article=counted).count() >= 3
    confirmed = ReviewConfirmation.objects.select_related("article").get()
    page = text_of(signed_in("contributor").get(confirmed.article.get_absolute_url()))
    assert "last confirmed correct by owner" in page


def test_loading_the_demo_again_adds_no_reuse_and_keeps_confirmed_articles_fresh(db, demo):
    before = (
        Reuse.objects.count() + CaseLink.objects.count(),
        ReviewConfirmation.objects.count(),
        dict(Article.objects.values_list("slug", "reuse_count")),
    )
    stale = Article.objects.due_for_review().first()

    services.confirm_review(article=stale, by=stale.owner)
    call_command("load_demo", stdout=StringIO())
    stale.refresh_from_db()
    assert not stale.is_due_for_review
    assert Reuse.objects.count() + CaseLink.objects.count() == before[0]
    assert ReviewConfirmation.objects.count() == before[1] + 1
    assert dict(Article.objects.values_list("slug", "reuse_count")) == before[2]
