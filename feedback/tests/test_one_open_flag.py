"""One open flag per person, article and reason: a second one (a double click, two tabs, a
client retrying) points to the open flag instead of adding a copy, and the database holds the
line when the requests arrive at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from rest_framework.test import APIClient

from conftest import client_for, unchanged_database
from feedback import services
from feedback.models import Flag, FlagState

from .helpers import flag, text_of

pytestmark = pytest.mark.django_db


def test_the_api_answers_a_second_flag_with_409_and_the_open_one(article, candidate):
    first = flag(article, candidate, reason="outdated")
    client = APIClient()
    client.force_authenticate(candidate)
    with unchanged_database():
        response = client.post(
            f"/api/v1/articles/{article.slug}/flags/", {"reason": "outdated", "comment": "Again"}, format="json"
        )
    assert response.status_code == 409
    assert response.json()["flag"]["id"] == first.pk and "still open" in response.json()["detail"]
    assert Flag.objects.count() == 1


def test_the_page_points_to_the_open_flag_and_keeps_what_was_typed(article, candidate):
    first = flag(article, candidate, reason="unclear")
    client = client_for(candidate)
    with unchanged_database():
        response = client.post(f"/articles/{article.slug}/flag/", {"reason": "unclear", "comment": "Keep these words"})
    assert response.status_code == 400
    assert "already flagged" in text_of(response) and f'href="/flags/{first.pk}/"' in response.content.decode()
    assert "Keep these words" in response.content.decode()
    assert Flag.objects.count() == 1


def test_a_closed_flag_does_not_stop_a_new_one(article, candidate, kb_owner):
    first = flag(article, candidate, reason="unclear")
    services.dismiss_flag(by=kb_owner, flag=first, reason="Reads fine.")
    second = flag(article, candidate, reason="unclear")
    assert second.pk != first.pk
    assert list(Flag.objects.values_list("state", flat=True).order_by("id")) == [FlagState.DISMISSED, FlagState.OPEN]


def test_the_database_refuses_a_second_open_flag(article, candidate):
    first = flag(article, candidate, reason="incorrect")
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(article=article, created_by=candidate, reason="incorrect", article_version=article.version)
    assert list(Flag.objects.values_list("pk", flat=True)) == [first.pk]


def test_a_flag_that_lost_the_race_points_to_the_winner(article, candidate, monkeypatch):
    # Between this request's check and its insert, the same person's other request saved its flag.
    winner = {}

    def first_check_sees_nothing(self):
        if not winner:
            winner["flag"] = Flag.objects.create(
                article=article, created_by=candidate, reason="outdated", article_version=article.version
            )
            return None
        return winner["flag"]

    monkeypatch.setattr(type(Flag.objects.open()), "first", first_check_sees_nothing)
    with pytest.raises(services.AlreadyFlagged) as refused:
        services.raise_flag(by=candidate, article=article, reason="outdated")
    monkeypatch.undo()
    assert refused.value.flag.pk == winner["flag"].pk
    assert Flag.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises writers (BEGIN IMMEDIATE): no race to lose")
@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_flags_by_one_person_leave_one_open(article, candidate):
    start = threading.Barrier(20)
    outcomes: list[str] = []

    def raise_it():
        try:
            start.wait(timeout=10)
            services.raise_flag(by=candidate, article=article, reason="outdated", comment="Fee changed")
            outcomes.append("created")
        except services.AlreadyFlagged:
            outcomes.append("pointed to the open one")
        except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
            outcomes.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=raise_it) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["created"] + ["pointed to the open one"] * 19
    assert Flag.objects.open().filter(article=article, created_by=candidate, reason="outdated").count() == 1
