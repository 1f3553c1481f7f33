"""The flags API: same rules as the pages, same conventions as the core API (403 detail, 404, 409)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from conftest import make_article, unchanged_database
from feedback.models import Flag, FlagState
from notifications.models import Notification

from .helpers import bump, customer_article, flag

pytestmark = pytest.mark.django_db


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def flags_url(article) -> str:
    return f"/api/v1/articles/{article.slug}/flags/"


def test_staff_create_and_list_flags_on_an_article(article, candidate, publisher):
    response = api(candidate).post(flags_url(article), {"reason": "outdated", "comment": "Fee changed", "case_ref": "C-1"})
    assert response.status_code == 201
    body = response.json()
    assert (body["reason"], body["state"], body["created_by"], body["article"]) == ("outdated", "open", "cara", article.slug)
    listed = api(publisher).get(flags_url(article)).json()
    assert [f["id"] for f in listed["results"]] == [body["id"]]


def test_bad_reason_is_a_400(article, candidate):
    with unchanged_database():
        response = api(candidate).post(flags_url(article), {"reason": "boring"})
        assert response.status_code == 400 and "reason" in response.json()


def test_customers_get_403_with_a_reason_and_never_see_flags(contributor, kb_owner, product, candidate, customer):
    shown = customer_article(author=contributor, product=product, kb_owner=kb_owner)
    raised = flag(shown, candidate)
    response = api(customer).get(flags_url(shown))
    assert response.status_code == 403 and "Only staff" in response.json()["detail"]
    with unchanged_database():
        assert api(customer).post(flags_url(shown), {"reason": "unclear"}).status_code == 403
        assert api(customer).post(f"/api/v1/flags/{raised.pk}/dismiss/", {"reason": "x"}).status_code == 404
    assert api(customer).get(f"/api/v1/flags/{raised.pk}/").status_code == 404
    assert api(customer).get("/api/v1/flags/").status_code == 403


def test_an_invisible_article_is_a_404(article, customer):
    assert api(customer).get(flags_url(article)).status_code == 404
    with unchanged_database():
        assert api().post(flags_url(article), {"reason": "unclear"}).status_code == 404


def test_kb_owner_cannot_flag_authority_they_may_fix(article, kb_owner):
    with unchanged_database():
        response = api(kb_owner).post(flags_url(article), {"reason": "authority_unclear"})
        assert response.status_code == 403 and "edit it instead" in response.json()["detail"]


def test_queue_lists_open_flags_for_those_allowed(article, candidate, contributor, kb_owner, product):
    other = make_article(author=kb_owner, product=product, kb_owner=kb_owner, title="Other")
    mine, theirs = flag(article, candidate), flag(other, candidate)
    assert {f["id"] for f in api(kb_owner).get("/api/v1/flags/?state=open").json()["results"]} == {mine.pk, theirs.pk}
    assert {f["id"] for f in api(contributor).get("/api/v1/flags/?state=open").json()["results"]} == {mine.pk}
    assert api(candidate).get("/api/v1/flags/").json()["count"] == 0
    assert api(candidate).get("/api/v1/flags/?mine=1").json()["count"] == 2


def test_queue_query_count_stays_flat(article, candidate, kb_owner, product, django_assert_max_num_queries):
    for i in range(5):
        flag(make_article(author=kb_owner, product=product, kb_owner=kb_owner, title=f"A{i}"), candidate)
    with django_assert_max_num_queries(4):
        response = api(kb_owner).get("/api/v1/flags/")
    assert response.json()["count"] == 5


def test_resolve_defaults_to_the_current_version_and_notifies(article, candidate, contributor):
    raised = flag(article, candidate)
    bump(article, contributor)
    response = api(contributor).post(f"/api/v1/flags/{raised.pk}/resolve/", {"note": "Done"})
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["resolved_version"]) == ("resolved", article.version)
    assert Notification.objects.filter(recipient=candidate, kind="flag_resolved").exists()


def test_resolve_with_an_impossible_version_is_a_400(article, candidate, contributor):
    raised = flag(article, candidate)
    with unchanged_database():
        response = api(contributor).post(f"/api/v1/flags/{raised.pk}/resolve/", {"version": article.version + 5})
        assert response.status_code == 400 and "Name the version" in response.json()["detail"]


def test_dismiss_requires_a_reason(article, candidate, contributor):
    raised = flag(article, candidate)
    with unchanged_database():
        assert api(contributor).post(f"/api/v1/flags/{raised.pk}/dismiss/", {}).status_code == 400
    response = api(contributor).post(f"/api/v1/flags/{raised.pk}/dismiss/", {"reason": "Works as written"})
    assert response.status_code == 200 and response.json()["outcome_note"] == "Works as written"


def test_candidate_cannot_resolve_and_a_closed_flag_is_a_409(article, candidate, contributor, publisher):
    raised = flag(article, publisher)
    with unchanged_database():
        response = api(candidate).post(f"/api/v1/flags/{raised.pk}/resolve/", {})
        assert response.status_code == 403 and response.json()["detail"]
    api(contributor).post(f"/api/v1/flags/{raised.pk}/dismiss/", {"reason": "No"})
    assert api(contributor).post(f"/api/v1/flags/{raised.pk}/resolve/", {}).status_code == 409
    assert Flag.objects.get().state == FlagState.DISMISSED


def test_contributor_cannot_close_an_authority_flag(article, candidate, contributor, kb_owner):
    raised = flag(article, candidate, reason="authority_unclear")
    with unchanged_database():
        assert api(contributor).post(f"/api/v1/flags/{raised.pk}/resolve/", {}).status_code == 403
    assert api(kb_owner).post(f"/api/v1/flags/{raised.pk}/resolve/", {}).status_code == 200


def test_the_schema_describes_the_flag_endpoints(db):
    schema = api().get("/api/v1/schema/").content.decode()
    assert "/api/v1/articles/{slug}/flags/" in schema and "/api/v1/flags/{id}/resolve/" in schema
