"""Sign-in in a real browser: a KB owner turns on two-factor sign-in with the QR page, signs in
with a code, issues an API token; a mistyped password five times pauses signing in; the password
reset pages. Each page is shot at desktop and phone sizes."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import ApiToken
from conftest import make_contributor, make_kb_owner
from notifications import outbox

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def both_sizes(journey, label: str) -> None:
    journey.shot(label)
    journey.page.set_viewport_size(PHONE)
    journey.shot(label + " phone")
    journey.page.set_viewport_size(DESKTOP)


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_kb_owner_turns_on_two_factor_signs_in_with_a_code_and_issues_a_token(journey):
    owner = make_kb_owner()
    page = journey.page

    journey.sign_in("olga", "pw")
    journey.go("/accounts/two-factor/")
    assert page.locator("figure.qr svg").count() == 1 and page.locator("code.secret").inner_text()
    both_sizes(journey, "two-factor enrolment")
    page.fill("#id_code", current_code(owner))
    page.click("main form [type=submit]")
    page.wait_for_load_state()
    assert "Two-factor sign-in is on" in page.inner_text("main")

    # Next sign-in: the password, then the code page.
    journey.sign_in("olga", "pw")
    assert "/accounts/login/code/" in page.url
    assert page.evaluate("document.activeElement.id") == "id_code", "the code field has the focus"
    both_sizes(journey, "code step")
    TOTPDevice.objects.filter(user=owner).update(last_t=-1)  # the enrolment used this step's code
    page.fill("#id_code", current_code(owner))
    page.click("main form [type=submit]")
    page.wait_for_load_state()
    assert "olga" in page.inner_text("header")

    page.click("header details.account summary")  # the account menu
    page.click("header a:has-text('API tokens')")
    page.wait_for_load_state()
    page.fill("#id_name", "CRM sync")
    page.click("main form [type=submit]")
    page.wait_for_load_state()
    key = page.input_value("#new-key")
    assert ApiToken.objects.get(user=owner).digest == ApiToken.digest_of(key)
    both_sizes(journey, "tokens page with a new key")


def test_five_mistyped_passwords_pause_signing_in_with_a_message(journey):
    make_contributor()
    page = journey.page
    journey.go("/accounts/login/")
    for _ in range(5):
        page.fill("#id_username", "colin")
        page.fill("#id_password", "not-my-password")
        page.click("main form [type=submit]")
        page.wait_for_load_state()
    assert "Too many failed sign-in attempts" in page.locator("#lockout").inner_text()
    assert page.input_value("#id_username") == "colin"
    both_sizes(journey, "login page locked")


def test_password_reset_pages(journey):
    user = make_contributor()
    user.email = "colin@example.com"
    user.save()
    page = journey.page

    journey.go("/accounts/login/")
    page.click("text=Forgot your password?")
    page.wait_for_load_state()
    both_sizes(journey, "reset form")
    page.fill("#id_email", "colin@example.com")
    page.click("main form [type=submit]")
    page.wait_for_load_state()
    assert "Check your email" in page.inner_text("main")
    both_sizes(journey, "reset sent")

    outbox.send_due()  # what the background sender does next
    [link] = re.findall(r"(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    journey.go(link)
    both_sizes(journey, "choose a new password")
    page.fill("#id_new_password1", "fresh-horse-battery-7")
    page.fill("#id_new_password2", "fresh-horse-battery-7")
    page.click("main form [type=submit]")
    page.wait_for_load_state()
    assert "Password changed" in page.inner_text("main")
    both_sizes(journey, "reset complete")
