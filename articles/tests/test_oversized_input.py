"""Text far over the limits: the form gives it back with the reason, the API names the field,
and only a body over the site's hard cap gets the site's own 400 page (never a traceback)."""

from __future__ import annotations

from django.urls import reverse

from articles.models import Article
from articles.rendering import MAX_CHARS
from conftest import client_for, unchanged_database

from .htmlparse import form_fields
from .test_api import api

THREE_MB = "Refund steps. " * (3_000_000 // 14)


def _edit(client, article, **changes):
    url = reverse("articles:edit", args=[article.slug])
    data = form_fields(client.get(url).content.decode())
    data.update(note="Pasted the whole policy", **changes)
    return client.post(url, data)


def test_a_3_mb_resolution_comes_back_in_the_form_with_the_reason(article, contributor):
    client = client_for(contributor)
    with unchanged_database():
        response = _edit(client, article, resolution=THREE_MB)
    assert response.status_code == 400
    page = response.content.decode()
    assert f"This text is {len(THREE_MB):,} characters long; at most {MAX_CHARS:,} are allowed." in page
    assert "Nothing was saved: correct the fields marked below." in page
    assert form_fields(page)["resolution"] == THREE_MB  # nothing typed is lost


def test_the_markdown_fields_stop_taking_text_at_the_limit_and_follow_the_writing_direction(article, contributor):
    page = client_for(contributor).get(reverse("articles:edit", args=[article.slug])).content.decode()
    for name in ("issue", "environment", "resolution", "cause"):
        textarea = next(tag for tag in page.split("<textarea")[1:] if f'name="{name}"' in tag.split(">")[0])
        attributes = textarea.split(">")[0]
        assert f'maxlength="{MAX_CHARS}"' in attributes and 'dir="auto"' in attributes, name
    title = next(tag for tag in page.split("<input")[1:] if 'name="title"' in tag.split(">")[0])
    assert 'dir="auto"' in title.split(">")[0]


def test_a_body_over_the_hard_cap_gets_the_sites_400_page_even_with_debug_on(article, contributor, settings):
    settings.DEBUG = True  # Django's own answer here is a debug page with a traceback
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 200_000
    client = client_for(contributor)
    with unchanged_database():
        response = _edit(client, article, resolution="x" * 300_000)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Request not accepted" in page and "Go back to keep what you typed" in page
    assert "At most 195.3\xa0KB are accepted" in page
    assert "Traceback" not in page and "RequestDataTooBig" not in page


def test_the_api_refuses_a_3_mb_resolution_by_field_and_changes_nothing(article, contributor):
    client = api(contributor)
    with unchanged_database():
        response = client.patch(
            f"/api/v1/articles/{article.slug}/", {"version": article.version, "resolution": THREE_MB}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["resolution"] == [
        f"This text is {len(THREE_MB):,} characters long; at most {MAX_CHARS:,} are allowed. Shorten it or split the article."
    ]
    assert Article.objects.get(pk=article.pk).resolution == article.resolution
