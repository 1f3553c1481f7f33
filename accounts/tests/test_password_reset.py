"""Password reset by email says nothing about which addresses exist, and is rate-limited."""

from __future__ import annotations

import re

from django.core import mail
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from conftest import unchanged_database
from notifications import outbox
from notifications.models import OutgoingEmail

RESET = "/accounts/password/reset/"


def request_reset(client, email):
    response = client.post(RESET, {"email": email}, follow=True)
    outbox.send_due()  # what the background sender does next
    return response


def with_email(user, email):
    user.email = email
    user.save(update_fields=["email"])
    return user


def without_csrf_token(page: bytes) -> bytes:
    # Every page's header holds the language switcher's form, with a token masked afresh each time.
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b'name="csrfmiddlewaretoken" value=""', page)


def test_a_known_and_an_unknown_address_get_the_same_answer_and_only_one_an_email(contributor):
    with_email(contributor, "colin@example.com")

    known = request_reset(Client(), "colin@example.com")
    unknown = request_reset(Client(), "nobody@example.com")

    assert known.status_code == unknown.status_code == 200
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("accounts:password_reset_done"), 302)]
    assert without_csrf_token(known.content) == without_csrf_token(unknown.content)
    assert [m.to for m in mail.outbox] == [["colin@example.com"]]


def test_the_reset_email_is_queued_not_sent_while_the_visitor_waits(contributor):
    # Sending during the request makes a known address answer slower (the mail server's time).
    with_email(contributor, "colin@example.com")
    Client().post(RESET, {"email": "colin@example.com"})

    assert mail.outbox == []
    [queued] = OutgoingEmail.objects.all()
    assert queued.to == "colin@example.com" and "/accounts/password/reset/" in queued.body
    assert outbox.send_due() == (1, 0)
    assert [m.to for m in mail.outbox] == [["colin@example.com"]]


def test_the_emailed_link_sets_a_new_password_once_and_ends_old_tokens(contributor, settings):
    settings.KCS_SITE_URL = "https://kb.example.com"
    with_email(contributor, "colin@example.com")
    _token, old_key = ApiToken.issue(user=contributor)
    request_reset(Client(), "colin@example.com")
    [link] = re.findall(r"https://kb\.example\.com(/accounts/password/reset/\S+/)", mail.outbox[0].body)

    client = Client()
    form = client.get(link, follow=True)
    assert "Choose a new password" in form.content.decode()
    new = {"new_password1": "fresh-horse-battery-7", "new_password2": "fresh-horse-battery-7"}
    done = client.post(form.redirect_chain[-1][0], new, follow=True)
    assert "Password changed" in done.content.decode()

    assert Client().login(request=HttpRequest(), username="colin", password="fresh-horse-battery-7")
    assert APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {old_key}").status_code == 401
    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_one_account_gets_at_most_a_few_emails_an_hour_and_the_page_does_not_tell(contributor, settings):
    settings.KCS_PASSWORD_RESET_PER_ACCOUNT = 2
    with_email(contributor, "colin@example.com")
    answers = [request_reset(Client(REMOTE_ADDR=f"10.0.0.{i}"), "colin@example.com") for i in range(4)]

    assert len(mail.outbox) == 2
    assert {a.redirect_chain[-1][0] for a in answers} == {reverse("accounts:password_reset_done")}


def test_one_address_asking_too_often_is_told_to_wait(db, settings):
    settings.KCS_PASSWORD_RESET_PER_IP = 2
    client = Client()
    for _ in range(2):
        assert request_reset(client, "someone@example.com").status_code == 200

    with unchanged_database():  # no token, no email queued
        refused = client.post(RESET, {"email": "someone@example.com"})
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many reset requests" in page and 'value="someone@example.com"' in page, "what was typed is kept"


def test_the_login_page_links_to_the_reset(db):
    assert f'href="{RESET}"' in Client().get("/accounts/login/").content.decode()


def test_resetting_the_password_lifts_a_sign_in_pause(contributor):
    with_email(contributor, "colin@example.com")
    locked = Client()
    for _ in range(5):
        last = locked.post("/accounts/login/", {"username": "colin", "password": "wrong"})
    assert last.status_code == 429

    request_reset(Client(), "colin@example.com")
    [link] = re.findall(r"(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    client = Client()
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(form_url, {"new_password1": "fresh-horse-battery-7", "new_password2": "fresh-horse-battery-7"})

    response = locked.post("/accounts/login/", {"username": "colin", "password": "fresh-horse-battery-7"})
    assert response.status_code == 302 and "_auth_user_id" in locked.session
