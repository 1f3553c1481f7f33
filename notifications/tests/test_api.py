"""The notifications and subscriptions API: mine only, the same rules as the pages."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from articles.models import Product
from conftest import unchanged_database
from notifications.models import Notification, Subscription
from notifications.services import notify

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def test_anonymous_callers_get_401():
    assert api(None).get("/api/v1/notifications/").status_code == 401
    assert api(None).post("/api/v1/subscriptions/", {"article": "x"}, format="json").status_code == 401


def test_i_list_only_my_notifications_and_mark_them_read(contributor, publisher):
    mine = notify([contributor], kind="k", title="Mine", url="/")[0]
    theirs = notify([publisher], kind="k", title="Theirs", url="/")[0]
    client = api(contributor)
    data = client.get("/api/v1/notifications/").json()
    assert [n["title"] for n in data["results"]] == ["Mine"] and data["results"][0]["read"] is False
    assert client.post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").json()["read"] is True
    notify([contributor], kind="k", title="Two")
    notify([contributor], kind="k", title="Three")
    assert client.post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_subscribe_list_and_unsubscribe(article, contributor):
    client = api(contributor)
    created = client.post("/api/v1/subscriptions/", {"article": article.slug}, format="json")
    assert created.status_code == 201 and created.json()["kind"] == "article"
    assert client.post("/api/v1/subscriptions/", {"article": article.slug}, format="json").status_code == 200
    assert client.post("/api/v1/subscriptions/", {"product": "hotel-bookings"}, format="json").status_code == 201
    assert client.post("/api/v1/subscriptions/", {"tag": "refund"}, format="json").status_code == 201
    listed = client.get("/api/v1/subscriptions/").json()["results"]
    assert {s["kind"] for s in listed} == {"article", "product", "tag"}
    assert client.delete("/api/v1/subscriptions/", {"tag": "refund"}, format="json").status_code == 204
    assert client.delete("/api/v1/subscriptions/", {"id": created.json()["id"]}, format="json").status_code == 204
    assert client.delete("/api/v1/subscriptions/", {"tag": "refund"}, format="json").status_code == 404
    assert Subscription.objects.filter(user=contributor).count() == 1


def test_exactly_one_target_is_named(contributor, article):
    with unchanged_database():
        response = api(contributor).post("/api/v1/subscriptions/", {"article": article.slug, "tag": "refund"}, format="json")
        assert response.status_code == 400 and "exactly one" in response.json()["detail"]


def test_customers_cannot_follow_what_they_cannot_see(article, customer, public_article, product):
    client = api(customer)
    with unchanged_database():
        assert client.post("/api/v1/subscriptions/", {"article": article.slug}, format="json").status_code == 404
    Product.objects.create(name="Internal tools", slug="internal-tools")
    with unchanged_database():
        assert client.post("/api/v1/subscriptions/", {"product": "internal-tools"}, format="json").status_code == 404
        assert client.post("/api/v1/subscriptions/", {"product": "nothing-here"}, format="json").status_code == 404
    assert client.post("/api/v1/subscriptions/", {"article": public_article.slug}, format="json").status_code == 201
    assert client.post("/api/v1/subscriptions/", {"product": product.slug}, format="json").status_code == 201


def test_i_cannot_remove_someone_elses_subscription(article, contributor, publisher):
    sub = Subscription.objects.create(user=publisher, article=article)
    with unchanged_database():
        assert api(contributor).delete(f"/api/v1/subscriptions/{sub.pk}/").status_code == 404
    assert api(publisher).delete(f"/api/v1/subscriptions/{sub.pk}/").status_code == 204


@pytest.mark.parametrize("body", [[], ["article"], "article", 7])
def test_a_body_that_is_not_an_object_is_a_400_and_changes_nothing(article, contributor, body):
    client = api(contributor)
    client.post("/api/v1/subscriptions/", {"article": article.slug}, format="json")

    subscribe = client.post("/api/v1/subscriptions/", body, format="json")
    unsubscribe = client.delete("/api/v1/subscriptions/", body, format="json")

    assert subscribe.status_code == 400 and unsubscribe.status_code == 400
    assert "detail" in subscribe.json()
    assert list(Subscription.objects.filter(user=contributor).values_list("article__slug", flat=True)) == [article.slug]
