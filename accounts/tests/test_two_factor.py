"""TOTP two-factor sign-in: enrolment, the code step after the password, the required setting."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.tests.conftest import code_for, enrol, wrong_code
from conftest import client_for, make_user, unchanged_database

LOGIN = "/accounts/login/"
TWO_FACTOR = "/accounts/two-factor/"
TOKEN = "/api/v1/auth/token/"
DEVICES = TOTPDevice._meta.db_table


@pytest.fixture
def no_throttle(settings):
    # django-otp waits 1 s, 2 s … after a wrong code; tests that follow a wrong code with a right one skip that.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def signed_in_as(client) -> str | None:
    return client.session.get("_auth_user_id")


# --- enrolment --------------------------------------------------------------------------------


def test_staff_enrol_with_a_qr_code_and_a_typed_secret_then_confirm_with_a_code(kb_owner, no_throttle):
    client = client_for(kb_owner)
    page = client.get(TWO_FACTOR)
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and 'class="secret"' in html
    device = TOTPDevice.objects.get(user=kb_owner, confirmed=False)

    wrong = client.post(TWO_FACTOR, {"code": wrong_code(device)})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=kb_owner, confirmed=True).exists()
    assert client.get(TWO_FACTOR).context["secret"] == page.context["secret"], "reloading keeps the same secret"

    right = client.post(TWO_FACTOR, {"code": code_for(device)})
    assert right.status_code == 302
    assert TOTPDevice.objects.get(user=kb_owner).confirmed
    assert "this session is verified" in client.get(TWO_FACTOR).content.decode()


def test_the_enrol_page_is_for_staff(customer):
    assert client_for(customer).get(TWO_FACTOR).status_code == 404


def test_a_code_with_letters_is_refused_with_a_message(kb_owner):
    client = client_for(kb_owner)
    client.get(TWO_FACTOR)  # opening the page makes the device to confirm; a refused code then changes nothing
    with unchanged_database():
        response = client.post(TWO_FACTOR, {"code": "12ab56"})
    assert response.status_code == 400 and "Enter the 6 digits" in response.content.decode()


# --- the code step after the password -----------------------------------------------------------


def test_with_a_device_the_password_alone_does_not_sign_in(kb_owner):
    enrol(kb_owner)
    client = Client()
    response = client.post(LOGIN, {"username": "olga", "password": "pw", "next": "/dashboard/"})

    assert response.status_code == 302 and response["Location"] == reverse("accounts:login_code")
    assert signed_in_as(client) is None
    assert client.get("/dashboard/").status_code == 302, "staff pages still need a sign-in"


def test_the_right_code_finishes_the_sign_in_and_goes_on_to_next(kb_owner):
    device = enrol(kb_owner)
    client = Client()
    client.post(LOGIN, {"username": "olga", "password": "pw", "next": "/dashboard/"})

    response = client.post(reverse("accounts:login_code"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert signed_in_as(client) == str(kb_owner.pk)
    assert client.get("/dashboard/").status_code == 200


def test_a_wrong_code_is_refused_and_nobody_is_signed_in(kb_owner):
    device = enrol(kb_owner)
    client = Client()
    client.post(LOGIN, {"username": "olga", "password": "pw"})

    # Only the device's count of failures may change: django-otp's throttle.
    with unchanged_database(ignore={DEVICES}):
        response = client.post(reverse("accounts:login_code"), {"code": wrong_code(device)})
    assert response.status_code == 400 and "not right" in response.content.decode()
    assert signed_in_as(client) is None
    device.refresh_from_db()
    assert device.throttling_failure_count == 1 and device.last_used_at is None


def test_right_after_a_wrong_code_even_the_right_one_waits(kb_owner):
    # django-otp's throttle is what makes guessing six digits hopeless.
    device = enrol(kb_owner)
    client = Client()
    client.post(LOGIN, {"username": "olga", "password": "pw"})
    client.post(reverse("accounts:login_code"), {"code": wrong_code(device)})

    with unchanged_database():
        response = client.post(reverse("accounts:login_code"), {"code": code_for(device)})
    assert response.status_code == 400 and "Too many wrong codes" in response.content.decode()
    assert signed_in_as(client) is None


def test_the_code_page_without_a_password_step_sends_back_to_log_in(db):
    response = Client().get(reverse("accounts:login_code"))
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_without_a_device_the_password_signs_in_as_before(contributor):
    client = Client()
    assert client.post(LOGIN, {"username": "colin", "password": "pw"}).status_code == 302
    assert signed_in_as(client) == str(contributor.pk)


# --- required for KB owners and admins ------------------------------------------------------------


@pytest.fixture
def required(settings):
    settings.KCS_2FA_REQUIRED = True


def test_when_required_a_kb_owner_without_a_device_is_sent_to_enrol(kb_owner, required):
    client = client_for(kb_owner)
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"] == f"{TWO_FACTOR}?next=%2Fdashboard%2F"
    assert client.get(TWO_FACTOR).status_code == 200

    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and "two-factor" in api.json()["detail"]


def test_when_required_a_superuser_is_kept_out_of_the_admin_until_verified(db, required, no_throttle):
    root = make_user("root", superuser=True)
    client = client_for(root)
    assert client.get("/admin/").status_code == 302

    client.get(TWO_FACTOR)
    client.post(TWO_FACTOR + "?next=/admin/", {"code": code_for(TOTPDevice.objects.get(user=root))})
    assert client.get("/admin/").status_code == 200


def test_when_required_other_staff_are_not_asked(contributor, required):
    assert client_for(contributor).get("/dashboard/").status_code == 200


def test_when_required_it_cannot_be_turned_off(kb_owner, required):
    enrol(kb_owner)
    client = client_for(kb_owner)
    client.post(reverse("accounts:two_factor_off"))
    assert TOTPDevice.objects.filter(user=kb_owner).exists()


def test_when_not_required_a_verified_session_may_turn_it_off(contributor):
    device = enrol(contributor)
    client = client_for(contributor)
    client.post(TWO_FACTOR, {"code": code_for(device)})

    client.post(reverse("accounts:two_factor_off"))
    assert not TOTPDevice.objects.filter(user=contributor).exists()


# --- the token endpoint -----------------------------------------------------------------------------


def test_the_token_endpoint_asks_for_the_code_when_the_account_has_a_device(kb_owner, no_throttle):
    device = enrol(kb_owner)
    api = APIClient()

    with unchanged_database():
        missing = api.post(TOKEN, {"username": "olga", "password": "pw"}, format="json")
    wrong = api.post(TOKEN, {"username": "olga", "password": "pw", "otp": wrong_code(device)}, format="json")
    assert missing.status_code == wrong.status_code == 400 and missing.json()["otp_required"] is True
    assert not ApiToken.objects.exists()

    right = api.post(TOKEN, {"username": "olga", "password": "pw", "otp": code_for(device)}, format="json")
    assert right.status_code == 200 and right.json()["token"]


def test_when_required_the_token_endpoint_refuses_until_enrolled(kb_owner, required):
    with unchanged_database():
        response = APIClient().post(TOKEN, {"username": "olga", "password": "pw"}, format="json")
    assert response.status_code == 403 and "/accounts/two-factor/" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_when_required_a_token_issued_before_is_refused_until_enrolled(kb_owner, settings):
    _, key = ApiToken.issue(user=kb_owner, name="script")
    settings.KCS_2FA_REQUIRED = True
    response = APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/articles/")
    assert response.status_code == 401 and "/accounts/two-factor/" in response.json()["detail"]


def test_turning_two_factor_on_revokes_tokens_issued_on_the_password_alone(contributor, no_throttle):
    token, key = ApiToken.issue(user=contributor, name="script")
    client = client_for(contributor)
    client.get(TWO_FACTOR)
    device = TOTPDevice.objects.get(user=contributor, confirmed=False)

    client.post(TWO_FACTOR, {"code": code_for(device)})

    token.refresh_from_db()
    assert token.status == "revoked"
    assert APIClient(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/articles/").status_code == 401


def test_an_admin_removes_a_lost_device_in_the_admin(kb_owner):
    device = enrol(kb_owner)
    admin = client_for(make_user("root", superuser=True))
    listing = admin.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200 and "olga" in listing.content.decode()

    admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert not TOTPDevice.objects.filter(user=kb_owner).exists()
    assert Client().post(LOGIN, {"username": "olga", "password": "pw"})["Location"] == "/", "the password alone again"


def test_a_session_not_verified_with_the_device_cannot_issue_a_token_on_the_page(contributor, no_throttle):
    # A session from before the device was added (or one a stolen password opened then) must not
    # mint tokens the token endpoint would only give for a code.
    device = enrol(contributor)
    client = client_for(contributor)

    refused = client.post(reverse("accounts:tokens"), {"name": "script"})
    assert refused.status_code == 302 and refused["Location"].startswith(TWO_FACTOR)
    assert not ApiToken.objects.exists()

    client.post(TWO_FACTOR, {"code": code_for(device)})
    assert client.post(reverse("accounts:tokens"), {"name": "script"}).status_code == 200
    assert ApiToken.objects.filter(user=contributor).count() == 1
