"""Failed sign-ins are throttled (django-axes) on the login page, the admin and the token API."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from axes.models import AccessAttempt, AccessLog
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from conftest import client_for, make_user, unchanged_database

LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"
LIMIT = 5  # settings.AXES_FAILURE_LIMIT's default


def fail(client, username="colin", times=LIMIT):
    return [client.post(LOGIN, {"username": username, "password": "wrong"}) for _ in range(times)]


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_account_with_a_clear_message_on_the_login_page(contributor):
    client = Client()
    *first, fifth = fail(client)

    assert all(r.status_code == 200 for r in first), "the first failures show the usual form error"
    assert fifth.status_code == 429
    page = fifth.content.decode()
    assert "Too many failed sign-in attempts" in page and 'id="id_username"' in page, "the login page, not a bare text"

    # Even the right password is refused while locked, and nobody is signed in (no last login
    # written either: only the sign-in attempts change).
    with unchanged_database():
        right = client.post(LOGIN, {"username": "colin", "password": "pw"})
    assert right.status_code == 429 and not signed_in(client)


def test_failures_are_audited_and_visible_in_the_admin(contributor, db):
    fail(Client(), times=2)
    attempt = AccessAttempt.objects.get(username="colin")
    assert attempt.failures_since_start == 2 and attempt.ip_address == "127.0.0.1"

    listing = client_for(make_user("root", superuser=True)).get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and "colin" in listing.content.decode()


def test_one_address_trying_many_accounts_is_locked_too(contributor, publisher):
    client = Client()
    for name in ("alice", "bob", "carol", "dave", "erin"):
        client.post(LOGIN, {"username": name, "password": "guess"})

    with unchanged_database():
        response = client.post(LOGIN, {"username": "paula", "password": "pw"})
    assert response.status_code == 429 and not signed_in(client)


def test_one_account_tried_from_many_addresses_is_locked_everywhere(contributor):
    for i in range(LIMIT):
        Client(REMOTE_ADDR=f"10.0.0.{i + 1}").post(LOGIN, {"username": "colin", "password": "guess"})

    fresh = Client(REMOTE_ADDR="10.9.9.9")
    with unchanged_database():
        assert fresh.post(LOGIN, {"username": "colin", "password": "pw"}).status_code == 429
    assert not signed_in(fresh)


def test_signing_in_works_again_after_the_cool_off(contributor):
    client = Client()
    fail(client)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    response = client.post(LOGIN, {"username": "colin", "password": "pw"})
    assert response.status_code == 302 and signed_in(client)


def test_axes_reset_lifts_a_lockout_at_once(contributor):
    client = Client()
    fail(client)
    call_command("axes_reset", stdout=StringIO())

    assert client.post(LOGIN, {"username": "colin", "password": "pw"}).status_code == 302
    assert signed_in(client)
    assert AccessLog.objects.filter(username="colin").exists(), "successful sign-ins are logged too"


def test_a_success_before_the_limit_starts_the_count_again(contributor):
    client = Client()
    fail(client, times=LIMIT - 1)
    assert client.post(LOGIN, {"username": "colin", "password": "pw"}).status_code == 302
    client.post(reverse("logout"))

    fail(client, times=LIMIT - 1)
    assert client.post(LOGIN, {"username": "colin", "password": "pw"}).status_code == 302


def test_the_admin_signs_in_through_the_throttled_login_page(db):
    response = Client().get("/admin/login/?next=/admin/axes/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=%2Fadmin%2Faxes%2F"

    anonymous_admin = Client().get("/admin/")
    assert anonymous_admin.status_code == 302 and "/admin/login/" in anonymous_admin["Location"]


def test_signed_in_staff_without_admin_access_are_told_so_instead_of_sent_to_log_in_again(contributor):
    client = client_for(contributor)
    followed = client.get("/admin/", follow=True)
    assert followed.status_code == 403
    assert "does not have access" in followed.content.decode()
    assert followed.redirect_chain[-1][0].startswith("/admin/login/")


def test_the_admin_login_never_sends_anyone_elsewhere(db):
    response = Client().get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_the_token_endpoint_locks_with_a_json_429(contributor):
    api = APIClient()
    answers = [api.post(TOKEN, {"username": "colin", "password": "wrong"}, format="json") for _ in range(LIMIT)]

    assert [a.status_code for a in answers] == [400] * (LIMIT - 1) + [429]
    assert "Too many failed sign-in attempts" in answers[-1].json()["detail"]
    with unchanged_database():
        right = api.post(TOKEN, {"username": "colin", "password": "pw"}, format="json")
    assert right.status_code == 429 and right.json()["locked_out"] is True
    assert not ApiToken.objects.exists()


def test_failures_on_the_api_and_the_page_count_together(contributor):
    api = APIClient()
    for _ in range(LIMIT - 1):
        api.post(TOKEN, {"username": "colin", "password": "wrong"}, format="json")

    with unchanged_database():
        assert Client().post(LOGIN, {"username": "colin", "password": "wrong"}).status_code == 429


def test_the_test_client_login_works_when_given_a_request(contributor):
    # Axes refuses to authenticate without a request, so tests pass one (or use force_login).
    assert Client().login(request=HttpRequest(), username="colin", password="pw")


def test_behind_a_proxy_attempts_count_by_the_address_the_proxy_saw(contributor, settings):
    settings.KCS_PROXY_COUNT = 1
    for i in range(LIMIT):
        # A client cannot escape the count by writing its own X-Forwarded-For entries.
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 203.0.113.7").post(
            LOGIN, {"username": f"user{i}", "password": "guess"}
        )
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").count() == LIMIT

    other_client = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert other_client.post(LOGIN, {"username": "colin", "password": "pw"}).status_code == 302


def test_signing_in_to_ones_own_account_does_not_wipe_the_count_of_guesses_at_others(contributor):
    # Someone with any account of their own must not spray guesses at everyone else's from one
    # address, clearing the address's count with a sign-in every few guesses.
    client = Client()
    for name in ("alice", "bob", "carol", "dave"):
        client.post(LOGIN, {"username": name, "password": "guess"})
    assert client.post(LOGIN, {"username": "colin", "password": "pw"}).status_code == 302
    client.post(reverse("logout"))

    with unchanged_database():
        response = client.post(LOGIN, {"username": "erin", "password": "guess"})
    assert response.status_code == 429
    assert AccessAttempt.objects.filter(username="alice").exists()
