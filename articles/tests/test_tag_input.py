"""Tags as typed: what is kept, what is changed (and said), what is refused (and why)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from articles.models import Article
from articles.tags import read_tags
from conftest import client_for, unchanged_database

from .htmlparse import form_fields
from .test_api import api


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Refund", "refund"),
        ("<b>bold</b>", "bold"),
        ("hotel booking", "hotel-booking"),
        ("C++", "c++"),
        ("استرداد", "استرداد"),  # letters of any script are kept
        ("החזר כספי", "החזר-כספי"),
        ("🎉party", "party"),
    ],
)
def test_a_typed_tag_is_stored_in_its_normal_form(typed, stored):
    assert read_tags([typed]).tags == [stored]


def test_only_real_changes_are_reported_and_empty_entries_are_ignored():
    reading = read_tags(["Refund", "<b>bold</b>", "", "  ", "hotel booking"])
    assert reading.tags == ["bold", "hotel-booking", "refund"]
    assert reading.changes() == "Tags changed: “<b>bold</b>” was saved as “bold”; “hotel booking” was saved as “hotel-booking”."
    assert reading.refused == []


def _edit(client, article, tags):
    url = reverse("articles:edit", args=[article.slug])
    data = form_fields(client.get(url).content.decode())
    data.update(tags=tags, note="Tags", material="0")
    return client.post(url, data, follow=True)


def test_the_editor_is_told_how_a_tag_was_changed(article, contributor):
    page = _edit(client_for(contributor), article, "refund, <b>bold</b>").content.decode()
    assert "Tags changed: “&lt;b&gt;bold&lt;/b&gt;” was saved as “bold”." in page
    assert Article.objects.get(pk=article.pk).tag_names() == ["bold", "refund"]


def test_an_emoji_tag_is_refused_with_the_reason_and_the_typed_tags_kept(article, contributor):
    client = client_for(contributor)
    with unchanged_database():
        response = _edit(client, article, "refund, 🎉")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tag “🎉” cannot be used: a tag needs at least one letter or digit" in page
    assert form_fields(page)["tags"] == "refund, 🎉"


def test_the_api_answers_the_stored_tags_and_refuses_unusable_ones(article, contributor):
    client = api(contributor)
    changed = client.patch(
        f"/api/v1/articles/{article.slug}/", {"version": article.version, "tags": ["<b>Bold</b>", "استرداد"]}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["tags"] == ["bold", "استرداد"]
    article.refresh_from_db()
    with unchanged_database():
        body = {"version": article.version, "tags": ["ok", "🎉🎉"]}
        refused = client.patch(f"/api/v1/articles/{article.slug}/", body, format="json")
    assert refused.status_code == 400
    assert refused.json()["tags"] == [
        "Tag “🎉🎉” cannot be used: a tag needs at least one letter or digit (emoji and punctuation alone are not kept)."
    ]
