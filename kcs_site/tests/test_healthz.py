"""/healthz for load balancers: 200 when the database, search and outbox are fine, 503 naming what is not."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from notifications.models import OutgoingEmail
from search.backends import get_backend
from search.models import IndexTask

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def indexed_site(article):
    """A site with one article in the search index (the index can answer)."""
    from search import indexing

    indexing.rebuild()


def probe(path: str = "/healthz", **headers):
    return Client().get(path, **headers)


def old(minutes: int = 60):
    return timezone.now() - timedelta(minutes=minutes)


def email(contributor, **fields) -> OutgoingEmail:
    return OutgoingEmail.objects.create(recipient=contributor, to="c@example.com", subject="s", body="b", **fields)


def test_healthy_site_answers_200_with_each_check():
    response = probe()
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "search": "ok", "outbox": "ok"}}
    assert response["Cache-Control"] == "no-store"


def test_probe_by_ip_over_http_is_answered_not_refused_or_redirected(settings):
    settings.SECURE_SSL_REDIRECT = True  # production: every other page redirects to HTTPS
    response = probe(HTTP_HOST="10.0.0.7:8000")  # a load balancer probing the server's IP
    assert response.status_code == 200
    assert Client().get("/help/", HTTP_HOST="10.0.0.7:8000").status_code == 400  # ALLOWED_HOSTS still guards pages
    assert Client().get("/help/").status_code == 301


def test_database_failure_is_503_without_the_error_text(monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("could not connect to server at db.internal:5432 password=hunter2")

    from kcs_site import healthz

    monkeypatch.setattr(healthz.connection, "cursor", broken_cursor)
    response = probe("/healthz?check=database")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "checks": {"database": "unavailable"}}
    assert "hunter2" not in response.content.decode()


def test_search_backend_that_cannot_answer_is_503(monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("index folder /srv/kcs/var/search-index is not readable")

    monkeypatch.setattr(get_backend(), "suggest", broken)
    response = probe()
    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"database": "ok", "search": "unavailable", "outbox": "ok"}
    assert "/srv" not in response.content.decode()


def test_index_updates_stuck_in_the_queue_are_503():
    IndexTask.objects.create(article_id=1, created_at=old(), attempts=3, last_error="LockError")
    IndexTask.objects.create(article_id=2)  # just queued: fine
    IndexTask.objects.create(article_id=3, created_at=old(), processed_at=timezone.now())  # done: fine
    response = probe()
    assert response.status_code == 503
    assert response.json()["checks"]["search"] == "1 index updates waiting over 15 minutes (1 failed at least once)"
    assert "LockError" not in response.content.decode()


def test_outbox_backlog_is_503_but_fresh_retried_and_given_up_emails_are_not(contributor):
    email(contributor, send_after=timezone.now())  # due now: the sender has 15 minutes
    email(contributor, send_after=old(), failed_at=timezone.now())  # given up: kept for the record
    email(contributor, send_after=old(), sent_at=timezone.now())  # sent
    assert probe().status_code == 200

    email(contributor, send_after=old())
    response = probe()
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "search": "ok",
        "outbox": "1 emails due over 15 minutes ago and not sent",
    }
    # A load balancer that should not take every server out for a stopped sender checks only its own.
    assert probe("/healthz?check=database&check=search").status_code == 200


def test_backlog_threshold_is_a_setting(settings, contributor):
    settings.KCS_HEALTH_BACKLOG_MINUTES = 120
    email(contributor, send_after=old(60))
    assert probe().status_code == 200


def test_a_check_named_many_times_runs_once(monkeypatch):
    # Anyone may probe: a thousand repeats of one name must not cost a thousand index reads.
    from kcs_site import healthz

    runs = []
    monkeypatch.setitem(healthz.CHECKS, "search", lambda: runs.append(1) or "ok")
    response = probe("/healthz?" + "&".join(["check=search"] * 500))
    assert response.status_code == 200 and response.json()["checks"] == {"search": "ok"}
    assert len(runs) == 1
