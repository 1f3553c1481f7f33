"""One place answers a policy refusal: the 403 page with the reason (JSON under /api/), and
`@staff_required` keeps the staff workspace out of sight for everyone else."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory
from django.urls import reverse

from articles.models import Refused, State
from conftest import client_for, unchanged_database
from kcs_site.middleware import RefusedMiddleware

pytestmark = pytest.mark.django_db


def test_a_refused_page_action_is_the_403_page_with_the_reason_and_changes_nothing(article, contributor):
    before = article.version
    response = client_for(contributor).post(reverse("articles:transition", args=[article.slug]), {"to": "archived"})
    assert response.status_code == 403
    assert [t.name for t in response.templates][:2] == ["403.html", "base.html"]
    page = response.content.decode()
    assert "<h1>Not allowed</h1>" in page
    assert '<p class="msg msg-error">Only a KB owner can archive an article.</p>' in page
    article.refresh_from_db()
    assert (article.state, article.version) == (State.VALIDATED, before)


def test_a_refusal_under_api_from_a_plain_view_is_json_with_the_reason(rf: RequestFactory):
    middleware = RefusedMiddleware(lambda request: None)
    response = middleware.process_exception(rf.post("/api/v1/anything/"), Refused("Only a KB owner can do that."))
    assert response.status_code == 403
    assert json.loads(response.content) == {"detail": "Only a KB owner can do that."}


def test_other_exceptions_are_left_to_django(rf: RequestFactory):
    assert RefusedMiddleware(lambda request: None).process_exception(rf.get("/"), ValueError("x")) is None


@pytest.mark.parametrize("name", ["articles:dashboard", "coaching:home", "training:home", "licences:criteria"])
def test_staff_pages_are_not_found_for_customers_and_ask_strangers_to_sign_in(name, customer, contributor):
    url = reverse(name)
    assert client_for(customer).get(url).status_code == 404
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert client_for(contributor).get(url).status_code in (200, 403)  # staff reach the view (its own rule decides)


@pytest.mark.parametrize("who, status", [(None, 302), ("customer", 405), ("contributor", 405)])
def test_an_action_asked_with_get_answers_as_it_always_has(article, customer, contributor, who, status):
    # Sign in first, then the method, then "not staff" (404 only for a POST): the order pages always had.
    user = {"customer": customer, "contributor": contributor}.get(who)
    url = reverse("articles:transition", args=[article.slug])
    assert client_for(user).get(url).status_code == status
    if who == "customer":
        client = client_for(customer)
        with unchanged_database():
            assert client.post(url, {"to": "archived"}).status_code == 404
