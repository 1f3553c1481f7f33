"""API tokens expire, can be listed and revoked by their owner, die with a password change,
are new on every request and are stored only as a digest."""

from __future__ import annotations

from datetime import timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken
from conftest import client_for, unchanged_database

TOKEN = "/api/v1/auth/token/"
ME = "/api/v1/me/"


def issue(username="colin", password="pw", **extra) -> str:
    response = APIClient().post(TOKEN, {"username": username, "password": password, **extra}, format="json")
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def call(key: str, path: str = ME, method: str = "get"):
    return getattr(APIClient(), method)(path, HTTP_AUTHORIZATION=f"Token {key}")


def test_each_request_issues_a_new_token_and_both_work(contributor):
    first, second = issue(name="CRM sync"), issue()

    assert first != second
    assert call(first).status_code == 200 and call(second).status_code == 200
    assert ApiToken.objects.filter(user=contributor).count() == 2
    assert ApiToken.objects.get(name="CRM sync").expires_at > timezone.now() + timedelta(days=29)


def test_the_database_keeps_only_a_digest_of_the_key(contributor):
    key = issue()
    token = ApiToken.objects.get()
    assert key not in (token.digest, token.prefix) and token.digest == ApiToken.digest_of(key)
    assert key.startswith(token.prefix)


def test_an_expired_token_is_refused_with_401_and_says_so(contributor):
    key = issue()
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = call(key)
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert "expired" in response.json()["detail"]


def test_an_unknown_token_is_refused_with_401(db):
    response = call("0" * 40)
    assert response.status_code == 401 and response.json()["detail"] == "Invalid token."


def test_i_list_my_tokens_without_their_keys_and_not_others(contributor, publisher):
    key = issue(name="mine")
    issue("paula", name="theirs")

    listed = call(key, "/api/v1/auth/tokens/").json()
    assert [t["name"] for t in listed] == ["mine"] and listed[0]["status"] == "active"
    assert key not in str(listed) and "digest" not in listed[0]


def test_i_revoke_a_token_over_the_api_and_it_stops_working(contributor, publisher):
    keep, drop = issue(), issue()
    dropped = ApiToken.objects.get(digest=ApiToken.digest_of(drop))
    theirs = ApiToken.issue(user=publisher)[0]

    assert call(keep, f"/api/v1/auth/tokens/{theirs.pk}/", "delete").status_code == 404
    assert call(keep, f"/api/v1/auth/tokens/{dropped.pk}/", "delete").status_code == 204

    refused = call(drop)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
    assert call(keep).status_code == 200
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_changing_the_password_on_the_page_ends_every_token(contributor):
    old_a, old_b = issue(), issue()
    client = client_for(contributor)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "pw", "new_password1": "a-long-new-secret-42", "new_password2": "a-long-new-secret-42"},
    )
    assert response.status_code == 302

    for key in (old_a, old_b):
        refused = call(key)
        assert refused.status_code == 401 and "password was changed" in refused.json()["detail"]
    assert call(issue(password="a-long-new-secret-42")).status_code == 200, "a token issued after the change works"


def test_an_admin_setting_a_password_ends_the_users_tokens(contributor):
    key = issue()
    contributor.set_password("set-by-admin-99")
    contributor.save()
    assert call(key).status_code == 401


def test_the_tokens_page_shows_a_new_key_once_and_revokes(contributor):
    client = client_for(contributor)
    created = client.post(reverse("accounts:tokens"), {"name": "Reporting script"})
    token = ApiToken.objects.get(user=contributor)
    key = created.context["new_key"]

    assert created.status_code == 200 and key in created.content.decode()
    assert call(key).status_code == 200
    listing = client.get(reverse("accounts:tokens")).content.decode()
    assert "Reporting script" in listing and key not in listing, "the key is shown only once"

    revoked = client.post(reverse("accounts:revoke_token", args=[token.pk]))
    assert revoked.status_code == 302
    assert call(key).status_code == 401
    assert "revoked" in client.get(reverse("accounts:tokens")).content.decode()


def test_i_cannot_revoke_someone_elses_token_on_the_page(contributor, publisher):
    theirs = ApiToken.issue(user=publisher)[0]
    client = client_for(contributor)
    with unchanged_database():
        assert client.post(reverse("accounts:revoke_token", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_revoking_needs_a_post(contributor):
    token = ApiToken.issue(user=contributor)[0]
    assert client_for(contributor).get(reverse("accounts:revoke_token", args=[token.pk])).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_the_tokens_page_needs_a_sign_in(db):
    response = Client().get(reverse("accounts:tokens"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_token_records_when_it_was_last_used(contributor):
    key = issue()
    assert ApiToken.objects.get().last_used_at is None
    call(key)
    assert ApiToken.objects.get().last_used_at is not None


def test_an_admin_sees_tokens_without_keys_and_revokes_them(contributor):
    from conftest import make_user

    token, key = ApiToken.issue(user=contributor, name="CRM sync")
    admin = client_for(make_user("root", superuser=True))
    listing = admin.get("/admin/accounts/apitoken/").content.decode()
    assert "CRM sync" in listing and key not in listing and token.digest not in listing

    admin.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert call(key).status_code == 401
