"""One rule for setting a review date, whichever way it is set: the review-date form, the
article editor or the API PATCH. The article's owner or a KB owner, on a validated article,
a date after today and within five years. Every refusal changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, State
from articles.tests.assertions import assert_versions
from articles.tests.htmlparse import form_fields
from articles.tests.test_pages import text_of
from conftest import client_for, make_article, unchanged_database

pytestmark = pytest.mark.django_db


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def patch(user, article: Article, **changes):
    body = {"version": article.version, **changes}
    return client_for(user).patch(f"/api/v1/articles/{article.slug}/", body, content_type="application/json")


def unchanged(article: Article, *, version: int, review_by) -> bool:
    article.refresh_from_db()
    return (article.version, article.review_by) == (version, review_by)


# --- the API PATCH ---------------------------------------------------------------------------


def test_an_editor_who_is_not_the_owner_cannot_move_the_review_date_through_the_api(article, publisher):
    version, before = article.version, article.review_by
    response = patch(publisher, article, review_by=in_days(400).isoformat(), cause="Also this")
    assert response.status_code == 403
    assert "owner or a KB owner" in response.json()["detail"]
    assert unchanged(article, version=version, review_by=before) and article.cause == "Non-refundable rate."


@pytest.mark.parametrize("when", ["9999-12-31", "2000-01-01", "today"])
def test_the_owner_gets_a_400_for_a_date_outside_the_range(article, contributor, when):
    when = timezone.localdate().isoformat() if when == "today" else when
    version, before = article.version, article.review_by
    response = patch(contributor, article, review_by=when)
    assert response.status_code == 400 and "review date" in response.json()["detail"]
    assert unchanged(article, version=version, review_by=before)


def test_no_review_date_on_a_draft(contributor, product):
    draft = make_article(author=contributor, product=product, state=State.NOT_VALIDATED, title="A draft")
    response = patch(contributor, draft, review_by=in_days(30).isoformat())
    assert response.status_code == 403 and "Only a validated article has a review date" in response.json()["detail"]
    assert unchanged(draft, version=draft.version, review_by=None)


def test_the_owner_sets_a_date_in_range_and_an_unchanged_date_passes_for_anyone(article, contributor, publisher):
    assert patch(contributor, article, review_by=in_days(90).isoformat()).status_code == 200
    article.refresh_from_db()
    assert article.review_by == in_days(90)
    response = patch(publisher, article, review_by=in_days(90).isoformat(), cause="Rate sold at a discount.")
    assert response.status_code == 200
    article.refresh_from_db()
    assert (article.review_by, article.cause) == (in_days(90), "Rate sold at a discount.")


# --- the editor ----------------------------------------------------------------------------------


def test_the_editor_shows_the_date_read_only_with_the_reason_to_who_may_not_set_it(article, publisher, contributor):
    page = client_for(publisher).get(reverse("articles:edit", args=[article.slug])).content.decode()
    assert "review_by" not in form_fields(page)  # disabled: browsers do not post it
    assert "Only the article&#x27;s owner or a KB owner can change its review date." in page
    assert "review_by" in form_fields(client_for(contributor).get(reverse("articles:edit", args=[article.slug])).content.decode())


def test_a_review_date_posted_anyway_is_refused_and_the_typing_kept(article, publisher):
    client = client_for(publisher)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data.update(review_by="9999-12-31", cause="My careful new cause", note="Cause")
    version, before = article.version, article.review_by
    with unchanged_database():
        response = client.post(reverse("articles:edit", args=[article.slug]), data)
    assert response.status_code == 400
    assert "Only the article's owner or a KB owner can change its review date." in text_of(response)
    assert "My careful new cause" in response.content.decode()
    assert unchanged(article, version=version, review_by=before)
    assert_versions(article, version)


def test_an_editor_without_the_right_still_saves_with_the_same_date_posted(article, publisher):
    client = client_for(publisher)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data.update(review_by=article.review_by.isoformat(), cause="Rate sold at a discount.", note="Cause")
    assert client.post(reverse("articles:edit", args=[article.slug]), data).status_code == 302
    article.refresh_from_db()
    assert article.cause == "Rate sold at a discount."


def test_the_owner_typing_a_far_date_in_the_editor_sees_why_and_keeps_it(article, contributor):
    client = client_for(contributor)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data.update(review_by="9999-12-31", note="Later")
    version, before = article.version, article.review_by
    with unchanged_database():
        response = client.post(reverse("articles:edit", args=[article.slug]), data)
    assert response.status_code == 400
    assert "Choose a review date within 5 years." in text_of(response)
    assert 'value="9999-12-31"' in response.content.decode()
    assert unchanged(article, version=version, review_by=before)


def test_the_review_date_form_and_the_editor_refuse_the_same_non_owner(article, publisher):
    version, before = article.version, article.review_by
    response = client_for(publisher).post(
        reverse("health:review_date", args=[article.slug]), {"review_by": in_days(60).isoformat()}, follow=True
    )
    assert "Only the article's owner or a KB owner can change its review date." in text_of(response)
    assert unchanged(article, version=version, review_by=before)
