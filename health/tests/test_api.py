"""/api/v1/ endpoints for reuse and review, with the core API's conventions (403 detail, 404, 409)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from articles.models import Article, Audience
from articles.tests.assertions import assert_versions
from conftest import make_article, unchanged_database
from health.models import ReviewConfirmation

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def make_due(article: Article) -> Article:
    Article.objects.filter(pk=article.pk).update(review_by=timezone.localdate() - datetime.timedelta(days=5))
    article.refresh_from_db()
    return article


def test_staff_record_reuse_through_the_api(contributor, article):
    response = api(contributor).post(
        f"/api/v1/articles/{article.slug}/reuse/", {"case_ref": "CASE-9", "solved": True}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["article"], body["case_ref"], body["solved"], body["reuse_count"], body["user"]) == (
        article.slug,
        "CASE-9",
        True,
        1,
        contributor.username,
    )
    assert_versions(article, article.version)


def test_solved_may_be_left_unsaid_but_not_garbled(contributor, article):
    assert api(contributor).post(f"/api/v1/articles/{article.slug}/reuse/", {}, format="json").json()["solved"] is None
    with unchanged_database():
        response = api(contributor).post(f"/api/v1/articles/{article.slug}/reuse/", {"solved": "maybe"}, format="json")
    assert response.status_code == 400 and "solved" in response.json()


def test_customers_cannot_record_reuse_or_search_cases(customer, partner, contributor, kb_owner, product):
    public = make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner)
    api(contributor).post(f"/api/v1/articles/{public.slug}/reuse/", {"case_ref": "CASE-1"}, format="json")
    for outsider in (customer, partner, None):
        with unchanged_database():
            response = api(outsider).post(f"/api/v1/articles/{public.slug}/reuse/", {"case_ref": "X"}, format="json")
        assert response.status_code in (401, 403) and "staff" in response.json()["detail"]
        response = api(outsider).get("/api/v1/reuse/?case=CASE-1")
        assert response.status_code in (401, 403) and "CASE-1" not in response.content.decode()
    public.refresh_from_db()
    assert public.reuse_count == 1


def test_an_article_a_customer_may_not_see_is_404(customer, article):
    with unchanged_database():
        assert api(customer).post(f"/api/v1/articles/{article.slug}/reuse/", {}, format="json").status_code == 404
        assert api(customer).post(f"/api/v1/articles/{article.slug}/confirm/", {}, format="json").status_code == 404


def test_searching_reuse_by_case(contributor, kb_owner, product, article):
    other = make_article(author=contributor, product=product, title="Another", kb_owner=kb_owner)
    for a, case in ((article, "CASE-3"), (other, "case-3"), (other, "CASE-4")):
        api(contributor).post(f"/api/v1/articles/{a.slug}/reuse/", {"case_ref": case}, format="json")
    body = api(contributor).get("/api/v1/reuse/?case=CASE-3").json()
    assert body["count"] == 2
    assert {r["article"] for r in body["results"]} == {article.slug, other.slug}
    assert api(contributor).get("/api/v1/reuse/").status_code == 400


def test_confirm_through_the_api(kb_owner, article):
    make_due(article)
    response = api(kb_owner).post(f"/api/v1/articles/{article.slug}/confirm/", {"version": article.version}, format="json")
    assert response.status_code == 200, response.content
    article.refresh_from_db()
    assert response.json()["review_by"] == article.review_by.isoformat() > timezone.localdate().isoformat()
    assert response.json()["by"] == kb_owner.username


def test_confirming_a_stale_version_is_409_and_changes_nothing(kb_owner, article):
    make_due(article)
    with unchanged_database():
        response = api(kb_owner).post(
            f"/api/v1/articles/{article.slug}/confirm/", {"version": article.version - 1}, format="json"
        )
    assert response.status_code == 409 and response.json()["current_version"] == article.version
    assert not ReviewConfirmation.objects.exists()


def test_a_candidate_cannot_confirm_through_the_api(candidate, article):
    make_due(article)
    with unchanged_database():
        response = api(candidate).post(f"/api/v1/articles/{article.slug}/confirm/", {}, format="json")
        assert response.status_code == 403 and response.json()["detail"]


def test_the_review_queue_through_the_api(kb_owner, contributor, product, django_assert_max_num_queries):
    for n in range(5):
        make_due(make_article(author=contributor, product=product, owner=contributor, title=f"Due {n}", kb_owner=kb_owner))
    client = api(contributor)
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/review-queue/").json()
    assert body["count"] == 5 and body["results"][0]["owner"] == contributor.username
    assert api(kb_owner).get("/api/v1/review-queue/?scope=mine").json()["count"] == 0
    assert api(kb_owner).get("/api/v1/review-queue/").json()["count"] == 5


def test_customers_have_no_review_queue_in_the_api(customer):
    assert api(customer).get("/api/v1/review-queue/").status_code == 403
