"""With DEBUG off, errors get the site's own pages (or JSON under /api/): nothing internal shows."""

import logging
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client

from articles.models import Article, Audience
from conftest import client_for, make_article, unchanged_database

# A body past DATA_UPLOAD_MAX_MEMORY_SIZE, the hard cap (text under it reaches the form, which
# gives it back with the reason: articles/tests/test_oversized_input.py).
OVER_THE_CAP = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
DEBUG_PAGE_MARKERS = ("URLconf", "urlpatterns", "Traceback", "technical_500", "DEBUG = True", "kcs_site.urls")


def assert_nothing_internal(html: str) -> None:
    for marker in DEBUG_PAGE_MARKERS:
        assert marker not in html


def test_customer_opening_an_internal_article_gets_the_sites_404(customer, contributor, product):
    internal = make_article(author=contributor, product=product, audience=Audience.INTERNAL)
    client = client_for(customer)
    for url in (f"/help/{internal.slug}/", f"/articles/{internal.slug}/"):
        response = client.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert "<h1>Not found</h1>" in html
        assert "Northwind KB" in html  # the site's frame, not Django's page
        assert internal.title not in html
        assert_nothing_internal(html)


def test_unknown_api_address_is_json_404():
    response = Client().get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_oversized_post_is_a_clean_400_page_and_saves_nothing(contributor):
    client = Client(enforce_csrf_checks=True)  # as a browser: the CSRF check reads the form first
    client.force_login(contributor)
    client.get("/articles/new/")  # the form's page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    body = urlencode({"csrfmiddlewaretoken": token, "title": "Huge paste", "issue": "x" * OVER_THE_CAP})
    response = client.post("/articles/new/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>Request not accepted</h1>" in html
    assert "larger than this site accepts" in html
    assert "Go back to keep what you typed" in html
    assert_nothing_internal(html)
    assert not Article.objects.filter(title="Huge paste").exists()


def test_a_refused_oversized_body_is_read_to_its_end_so_the_browser_gets_the_answer():
    # Answering with the body unread makes the server reset the connection: the browser then shows
    # a connection error, not the 400 page.
    from io import BytesIO

    from django.core.handlers.wsgi import WSGIRequest
    from django.test import RequestFactory

    from kcs_site.middleware import RefuseBadInputMiddleware

    body = b"issue=" + b"x" * OVER_THE_CAP
    stream = BytesIO(body)
    environ = RequestFactory()._base_environ(
        PATH_INFO="/articles/new/",
        REQUEST_METHOD="POST",
        CONTENT_TYPE="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(len(body)),
    )
    environ["wsgi.input"] = stream
    request = WSGIRequest(environ)
    response = RefuseBadInputMiddleware(lambda r: None)(request)
    assert response.status_code == 400
    assert stream.tell() == len(body)


@pytest.mark.django_db
def test_oversized_form_post_to_the_api_is_json_400(contributor):
    client = client_for(contributor)
    body = urlencode({"title": "Huge paste", "issue": "x" * OVER_THE_CAP})
    with unchanged_database():
        response = client.post("/api/v1/articles/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "larger than this site accepts" in response.json()["detail"]
    assert not Article.objects.filter(title="Huge paste").exists()


@pytest.mark.urls("kcs_site.tests.urls")
def test_server_error_page_says_nothing_internal_and_logs_the_traceback(caplog):
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/test-broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "<h1>Something went wrong</h1>" in html
    assert "Nothing you saved was lost" in html
    assert "secret internal detail" not in html
    assert_nothing_internal(html)
    logged = [r for r in caplog.records if r.name == "django.request" and r.exc_info]
    assert logged and "secret internal detail" in str(logged[0].exc_info[1])


@pytest.mark.urls("kcs_site.tests.urls")
def test_server_error_under_the_api_is_json():
    response = Client(raise_request_exception=False).get("/api/v1/test-broken/")
    assert response.status_code == 500
    assert "secret internal detail" not in response.content.decode()
    assert "Something went wrong" in response.json()["detail"]


def test_refused_action_gets_the_403_page_with_its_reason(article, contributor):
    response = client_for(contributor).post(f"/articles/{article.slug}/transition/", {"to": "archived", "note": "Old"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Not allowed</h1>" in html
    assert "Only a KB owner can archive an article." in html
    assert_nothing_internal(html)
    article.refresh_from_db()
    assert article.state == "validated"


@pytest.mark.django_db
def test_failed_csrf_check_gets_the_sites_403_page_with_a_way_on(contributor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(contributor)
    response = client.post("/articles/new/", {"title": "Kept?"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>Not allowed</h1>" in html
    assert "reload the page and send it again" in html
    assert "CSRF cookie not set" not in html  # Django's reason is for the log
    assert not Article.objects.filter(title="Kept?").exists()
