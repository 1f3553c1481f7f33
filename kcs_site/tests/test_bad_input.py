"""Input no user should be able to turn into a 500: NUL characters anywhere in a request,
JSON nested absurdly deep, and `next` values that are not paths. Each is a 400 (or a safe
redirect) that says what was wrong, and nothing is changed."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from articles.models import Article, Reuse
from articles.tests.assertions import assert_versions
from cases.models import CaseLink
from conftest import client_for, unchanged_database
from kcs_site.jsoninput import MAX_JSON_DEPTH, json_depth_exceeds

DEEP = "[" * 50_000 + "]" * 50_000


def raw_client(user=None) -> Client:
    """A client that returns 500s as responses instead of raising, so a test can assert on them."""
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


# --- NUL characters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/licences/people/%00/progress/",
        "/api/v1/articles/?owner=%00",
        "/api/v1/articles/?product=a%00b",
        "/api/v1/search/?q=refund&tag=%00",
    ],
)
def test_a_nul_in_an_api_path_or_query_is_a_400_that_says_why(url, kb_owner):
    response = raw_client(kb_owner).get(url)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


@pytest.mark.parametrize("url", ["/coaching/authors/%00/", "/articles/?owner=%00", "/articles/?tag=x%00", "/flags/?state=%00"])
def test_a_nul_in_a_page_address_is_a_400_page(url, kb_owner):
    response = raw_client(kb_owner).get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_a_nul_in_a_posted_form_field_changes_nothing(article, kb_owner):
    client = raw_client(kb_owner)
    with unchanged_database():
        response = client.post(f"/articles/{article.slug}/reuse/", {"case_ref": "CASE-1\x00"})
        assert response.status_code == 400
    article.refresh_from_db()
    assert article.reuse_count == 0 and not Reuse.objects.exists()


def test_a_nul_in_an_api_json_string_is_a_400_and_changes_nothing(article, kb_owner):
    body = {"version": article.version, "title": "New\u0000title"}
    client = raw_client(kb_owner)
    with unchanged_database():
        response = client.patch(f"/api/v1/articles/{article.slug}/", body, content_type="application/json")
        assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    assert Article.objects.get(pk=article.pk).title == article.title
    assert_versions(article, article.version)


def test_text_that_only_mentions_the_escape_is_accepted(article, kb_owner):
    # An article about JSON may well spell out "\u0000": only a real NUL character is refused.
    body = {"version": article.version, "cause": "The export writes \\u0000 into names."}
    response = client_for(kb_owner).patch(f"/api/v1/articles/{article.slug}/", body, content_type="application/json")
    assert response.status_code == 200
    assert Article.objects.get(pk=article.pk).cause == "The export writes \\u0000 into names."


# --- JSON depth ----------------------------------------------------------------------------


def test_deep_json_to_the_anonymous_token_endpoint_is_a_400(db):
    client = raw_client()
    with unchanged_database():
        response = client.post("/api/v1/auth/token/", DEEP, content_type="application/json")
        assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_deep_json_to_an_article_update_is_a_400_and_changes_nothing(article, kb_owner):
    before = article.version
    client = raw_client(kb_owner)
    with unchanged_database():
        response = client.patch(f"/api/v1/articles/{article.slug}/", DEEP, content_type="application/json")
        assert response.status_code == 400
    assert Article.objects.get(pk=article.pk).version == before


def test_deep_json_inside_an_otherwise_good_body_is_a_400(article, kb_owner):
    nested = "[" * (MAX_JSON_DEPTH + 5) + "]" * (MAX_JSON_DEPTH + 5)
    body = f'{{"case_ref": "C-1", "extra": {nested}}}'
    client = raw_client(kb_owner)
    with unchanged_database():
        response = client.post(f"/api/v1/articles/{article.slug}/reuse/", body, content_type="application/json")
        assert response.status_code == 400
    assert not Reuse.objects.exists()


def test_brackets_inside_strings_do_not_count_as_depth():
    assert not json_depth_exceeds('{"title": "' + "[" * 500 + '"}')
    assert not json_depth_exceeds('{"a": "\\"[[[[", "b": [[1]]}', limit=3)
    assert json_depth_exceeds("[[[[1]]]]", limit=3)


# --- next -----------------------------------------------------------------------------------


@pytest.mark.parametrize("next_value", ["dashboard", "5", "-1", "articles:list", "https://evil.example/", "//evil.example/"])
def test_a_next_that_is_not_a_path_on_this_site_falls_back_to_the_article(next_value, article, kb_owner):
    response = raw_client(kb_owner).post(f"/articles/{article.slug}/reuse/", {"case_ref": "C-7", "next": next_value})
    assert response.status_code == 302
    assert response["Location"] == article.get_absolute_url()
    assert CaseLink.objects.filter(case__external_id="C-7").count() == 1


def test_a_next_path_on_this_site_is_followed(article, kb_owner):
    response = raw_client(kb_owner).post(f"/articles/{article.slug}/confirm-review/", {"next": "/review-queue/"})
    assert response.status_code == 302 and response["Location"] == "/review-queue/"


# --- ids that are not ids -------------------------------------------------------------------

NOT_IDS = ["²", "9" * 30, "9" * 5000, "-1", "1e3"]


@pytest.mark.parametrize("value", NOT_IDS)
def test_an_id_that_is_not_one_means_no_such_row(value, article, kb_owner):
    client = raw_client(kb_owner)
    assert client.get(f"/articles/{article.slug}/?path={value}").status_code == 200
    assert client.get(f"/training/articles/{article.slug}/check/?path={value}").status_code == 200
    posted = client.post(f"/training/articles/{article.slug}/check/", {f"q-{value}": "1", "path": value})
    # A 5,000-digit field name overflows Django's multipart header limit: its own 400.
    assert posted.status_code == (400 if len(value) > 1000 else 200)


def test_as_id_takes_ascii_digits_that_fit_a_key():
    from articles.http import as_id

    assert [as_id(v) for v in ["12", 12, "007", "²", "١", "", " 1", "1\n", "9" * 19]] == [12, 12, 7] + [None] * 6


def test_a_one_word_next_on_every_button_post_redirects_to_the_default(article, kb_owner, candidate):
    from django.utils import timezone

    from feedback import services as flags

    client = raw_client(kb_owner)
    nxt = {"next": "dashboard"}
    when = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    first = flags.raise_flag(by=candidate, article=article, reason="unclear")
    second = flags.raise_flag(by=candidate, article=article, reason="outdated")
    # The article's buttons fall back to the article; the flag page's to the flag queue.
    posts = [
        (f"/articles/{article.slug}/reuse/", {}, article.get_absolute_url()),
        (f"/articles/{article.slug}/confirm-review/", {}, article.get_absolute_url()),
        (f"/articles/{article.slug}/review-date/", {"review_by": when}, article.get_absolute_url()),
        (f"/flags/{first.pk}/resolve/", {}, "/flags/"),
        (f"/flags/{second.pk}/dismiss/", {"reason": "Reads fine."}, "/flags/"),
    ]
    for url, data, default in posts:
        response = client.post(url, {**data, **nxt})
        assert (url, response.status_code, response["Location"]) == (url, 302, default)


def test_a_json_body_over_the_upload_limit_is_a_400_that_says_so(article, kb_owner, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = {"version": article.version, "cause": "x" * 2000}
    client = raw_client(kb_owner)
    with unchanged_database():
        response = client.patch(f"/api/v1/articles/{article.slug}/", body, content_type="application/json")
    assert response.status_code == 400 and "larger than the 1,000 bytes" in response.json()["detail"]
    assert Article.objects.get(pk=article.pk).cause == article.cause


@pytest.mark.parametrize("text", ['"\\"\\"\\"', '"\\"\\"\\"\\'])
def test_an_unterminated_string_is_skipped_in_one_scan(text):
    # Each quote inside an unterminated string used to start a new scan to the end (quadratic).
    from kcs_site.jsoninput import _STRING

    start = text.index('"')
    assert _STRING.match(text, start).end() == len(text)


def test_a_body_of_escaped_quotes_is_answered_at_once(client):
    import time

    body = '"\\' * 50_000  # 100 kB: about 25 s before strings were skipped in one scan
    started = time.monotonic()
    response = client.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert time.monotonic() - started < 5, "the depth check must stay linear in the body's length"
