"""The help centre hands over to assisted support: /help/contact/ creates a help-centre case that
carries the visit's searches and the articles read, and refuses spam without losing what was typed."""

from __future__ import annotations

import re
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from articles import help_trail
from articles.models import Audience
from cases import handover
from cases.models import Case
from cases.signals import handover_created
from conftest import client_for, make_article
from notifications.models import OutgoingEmail

CONTACT = "/help/contact/"


@pytest.fixture(autouse=True)
def _fresh_limits():
    # The hand-over's rate counters live in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def public_article(db, contributor, kb_owner, product):
    return make_article(
        author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner, title="Change the dates of a booking"
    )


@pytest.fixture
def customer_article(db, contributor, kb_owner, product):
    return make_article(
        author=contributor, product=product, audience=Audience.CUSTOMER, kb_owner=kb_owner, title="Customer-only refund steps"
    )


@pytest.fixture
def internal_article(db, contributor, kb_owner, product):
    return make_article(author=contributor, product=product, kb_owner=kb_owner, title="Secret goodwill budget for agents")


def a_while_ago() -> str:
    return handover.shown_token(time.time() - 60)


def visitor_post(**fields) -> dict:
    return {
        "name": "Vera Visitor",
        "email": "vera@example.com",
        "subject": "Cannot change my booking",
        "description": "The date picker says the booking is locked.",
        "attach_trail": "on",
        "website": "",
        "shown": a_while_ago(),
        **fields,
    }


def send(client: Client, **fields):
    return client.post(CONTACT, visitor_post(**fields))


# --- the trail ---------------------------------------------------------------------------------


def test_searches_and_articles_read_are_remembered_in_a_signed_cookie_without_database_writes(
    public_article, django_assert_max_num_queries
):
    client = Client()
    client.get("/help/", {"q": "  change   booking "})
    # The article (and its product) read; the trail writes nothing; the view counter (insights) is
    # one UPDATE, and an INSERT for the day's first view; related articles: vectors changed since
    # the last read (search.semantic), and the nearest articles the reader may open; the linked
    # articles the reader may open (articles.relations).
    with django_assert_max_num_queries(8):
        client.get(public_article.get_help_url())
    client.get("/search/", {"q": "cancel fee nowhere"})

    cookie = client.cookies[help_trail.COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    page = client.get(CONTACT).content.decode()
    assert "Your searches and the articles you read on this visit will be attached" in page
    assert "“change booking”" in page and "“cancel fee nowhere”" in page
    assert public_article.title in page


def test_the_trail_is_carried_onto_the_case_and_cleared_after(public_article):
    client = Client()
    client.get("/help/", {"q": "change"})
    client.get(public_article.get_help_url())

    answer = send(client)

    case = Case.objects.get()
    assert [s["query"] for s in case.trail["searches"]] == ["change"]
    assert case.trail["searches"][0]["results"] == 1
    assert [(v["slug"], v["title"]) for v in case.trail["viewed"]] == [(public_article.slug, public_article.title)]
    assert answer.cookies[help_trail.COOKIE].value == "", "the trail starts again after asking"


def test_the_trail_keeps_the_last_ten_of_each_and_fits_in_a_cookie(public_article):
    client = Client()
    for n in range(15):
        client.get("/help/", {"q": f"question number {n} " + "x" * 200})
    trail = help_trail.read(_request_with(client))
    assert len(trail.searches) == help_trail.MAX_SEARCHES
    assert trail.searches[-1][0].startswith("question number 14")
    assert all(len(s[0]) <= help_trail.QUERY_MAX for s in trail.searches)
    assert len(client.cookies[help_trail.COOKIE].value) <= help_trail.COOKIE_MAX


def test_a_forged_trail_cookie_is_ignored(db):
    client = Client()
    client.cookies[help_trail.COOKIE] = '{"u":0,"s":[["forged",0,0]],"v":[]}'
    assert "forged" not in client.get(CONTACT).content.decode()


def test_a_trail_recorded_while_signed_in_is_not_shown_after_signing_out(customer, customer_article):
    client = client_for(customer)
    client.get(customer_article.get_help_url())
    client.logout()
    assert customer_article.title not in client.get(CONTACT).content.decode()


def test_the_reader_may_leave_the_trail_out(public_article):
    client = Client()
    client.get(public_article.get_help_url())
    send(client, attach_trail="")
    assert Case.objects.get().trail == {"searches": [], "viewed": []}


# --- who asks ----------------------------------------------------------------------------------


def test_a_visitor_gives_a_name_and_an_email_address_and_the_case_comes_from_the_help_centre(db):
    page = Client().get(CONTACT).content.decode()
    assert 'name="email"' in page and 'name="name"' in page

    answer = send(Client())

    case = Case.objects.get()
    assert (case.source, case.requester_kind) == ("help-centre", "customer")
    assert (case.requester_name, case.requester_email) == ("Vera Visitor", "vera@example.com")
    assert (case.subject, case.description) == ("Cannot change my booking", "The date picker says the booking is locked.")
    assert case.external_id.startswith("HC-") and case.status == "open"
    assert answer.status_code == 302
    confirmation = Client().get(answer["Location"]).content.decode()
    assert case.external_id in confirmation


@pytest.mark.parametrize("persona, kind", [("customer", "customer"), ("partner", "partner")])
def test_signed_in_readers_are_not_asked_again_who_they_are(request, persona, kind):
    user = request.getfixturevalue(persona)
    user.first_name, user.last_name, user.email = "Sam", "Reader", "sam@example.com"
    user.save()
    client = client_for(user)
    page = client.get(CONTACT).content.decode()
    assert 'name="email"' not in page and 'name="name"' not in page
    assert "Sam Reader" in page and "sam@example.com" in page

    send(client, name="Someone Else", email="else@example.com")  # posted values are ignored

    case = Case.objects.get()
    assert (case.requester_kind, case.requester_name, case.requester_email) == (kind, "Sam Reader", "sam@example.com")


def test_a_signed_in_reader_whose_account_has_no_email_is_asked_for_one(customer):
    client = client_for(customer)
    assert 'name="email"' in client.get(CONTACT).content.decode()
    send(client, email="chris@example.com")
    assert Case.objects.get().requester_email == "chris@example.com"


def test_the_form_does_not_say_whether_an_email_address_has_an_account(customer):
    customer.email = "known@example.com"
    customer.save()
    known = send(Client(), email="known@example.com")
    unknown = send(Client(), email="unknown@example.com")
    assert known.status_code == unknown.status_code == 302
    assert _without_reference(Client().get(known["Location"])) == _without_reference(Client().get(unknown["Location"]))


def test_each_request_gets_its_own_readable_reference(db):
    for _ in range(3):
        send(Client(REMOTE_ADDR="10.0.0.9"))
    refs = list(Case.objects.values_list("external_id", flat=True))
    assert len(set(refs)) == 3
    assert all(len(ref) == len("HC-20250101-ABCDEF") for ref in refs)


def test_a_confirmation_page_cannot_be_made_to_name_another_case(db):
    assert Client().get(reverse("handover:sent", args=["HC-20250101-ABCDEF"])).status_code == 404


# --- spam, limits and refusals -----------------------------------------------------------------


def test_a_filled_honeypot_is_refused_and_what_was_typed_is_kept(db):
    answer = send(Client(), website="http://spam.example")
    page = answer.content.decode()
    assert answer.status_code == 400 and not Case.objects.exists()
    assert "automatic submission" in page
    assert "The date picker says the booking is locked." in page and 'value="vera@example.com"' in page
    assert 'value="http://spam.example"' not in page, "the honeypot is shown empty, so a person can send again"


def test_the_honeypot_is_hidden_from_people_and_explained_to_screen_readers(db):
    page = Client().get(CONTACT).content.decode()
    assert 'class="handover-trap" aria-hidden="true"' in page
    assert 'tabindex="-1"' in page and "Leave this field empty" in page


def test_a_post_right_after_showing_the_form_is_refused_and_kept(db):
    answer = send(Client(), shown=handover.shown_token())
    assert answer.status_code == 400 and not Case.objects.exists()
    page = answer.content.decode()
    assert "faster than anyone can type" in page and "Cannot change my booking" in page


def test_a_missing_or_forged_timestamp_is_refused_and_kept(db):
    answer = send(Client(), shown="forged")
    assert answer.status_code == 400 and not Case.objects.exists()
    assert "press “Send” again" in answer.content.decode()


def test_a_message_with_many_links_is_refused_as_spam_and_kept(db):
    text = "Buy now http://a.example www.b.example https://c.example"
    answer = send(Client(), description=text)
    page = answer.content.decode()
    assert answer.status_code == 400 and not Case.objects.exists()
    assert "3 links; we accept at most 2" in page and text in page


def test_over_long_text_is_refused_and_kept(db):
    answer = send(Client(), subject="s" * (handover.SUBJECT_LIMIT + 1))
    assert answer.status_code == 400 and not Case.objects.exists()
    assert "s" * (handover.SUBJECT_LIMIT + 1) in answer.content.decode()


def test_a_visitor_address_sending_too_often_gets_a_friendly_429_and_keeps_the_text(db, settings):
    settings.KCS_HANDOVER_RATE = "2/h"
    for _ in range(2):
        assert send(Client(REMOTE_ADDR="10.1.1.1")).status_code == 302
    answer = send(Client(REMOTE_ADDR="10.1.1.1"), description="Third try, please keep me.")
    assert answer.status_code == 429
    page = answer.content.decode()
    assert "several requests in a short time" in page and "Third try, please keep me." in page
    assert Case.objects.count() == 2
    assert send(Client(REMOTE_ADDR="10.1.1.2")).status_code == 302, "another address is not held back"


def test_a_signed_in_account_is_limited_whatever_its_address(customer, settings):
    settings.KCS_HANDOVER_RATE = "1/h"
    customer.email = "chris@example.com"
    customer.save()
    assert client_for(customer).post(CONTACT, visitor_post(), REMOTE_ADDR="10.2.0.1").status_code == 302
    assert client_for(customer).post(CONTACT, visitor_post(), REMOTE_ADDR="10.2.0.2").status_code == 429


def test_the_rate_setting_reads_counts_per_period():
    assert handover.parse_rate("5/h") == (5, 3600)
    assert handover.parse_rate("10/15m") == (10, 900)


# --- what happens after ------------------------------------------------------------------------


def test_an_email_is_queued_when_a_support_address_is_set(public_article, settings):
    settings.KCS_HANDOVER_EMAIL = "support@example.com"
    client = Client()
    client.get("/help/", {"q": "nothing matches this"})
    client.get(public_article.get_help_url())
    send(client)

    case = Case.objects.get()
    email = OutgoingEmail.objects.get()
    assert email.to == "support@example.com" and email.recipient is None
    assert case.external_id in email.subject and "Cannot change my booking" in email.subject
    assert "vera@example.com" in email.body and "The date picker says the booking is locked." in email.body
    assert "“nothing matches this” (0 results)" in email.body and public_article.title in email.body


def test_no_email_is_queued_without_a_support_address(db, settings):
    settings.KCS_HANDOVER_EMAIL = ""
    send(Client())
    assert Case.objects.exists() and not OutgoingEmail.objects.exists()


def test_the_handover_signal_is_sent_once_committed(db, django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, case, **kwargs):
        received.append(case)

    handover_created.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            send(Client())
    finally:
        handover_created.disconnect(receiver)
    assert received == [Case.objects.get()]


# --- nothing internal --------------------------------------------------------------------------


def test_staff_only_content_never_reaches_the_form_or_the_case(customer, customer_article, internal_article, kb_owner):
    client = client_for(customer)
    assert client.get(reverse("help:detail", args=[internal_article.slug])).status_code == 404
    client.get(customer_article.get_help_url())
    # Made internal after it was read: it is left out, as is anything the reader may no longer open.
    customer_article.edit(
        by=kb_owner, base_version=customer_article.version, changes={"audience": Audience.INTERNAL}, note="Internal now"
    )

    page = client.get(CONTACT).content.decode()
    assert internal_article.title not in page and customer_article.title not in page
    send(client, email="chris@example.com")
    case = Case.objects.get()
    assert case.trail["viewed"] == []
    assert "Secret goodwill" not in str(case.trail)


def test_staff_searches_on_the_search_page_are_not_recorded(contributor, internal_article):
    client = client_for(contributor)
    client.get("/search/", {"q": "goodwill budget"})
    assert help_trail.COOKIE not in client.cookies


# --- where the way to support shows ------------------------------------------------------------


def test_every_help_article_offers_to_contact_support(public_article):
    page = Client().get(public_article.get_help_url()).content.decode()
    assert "Still need help?" in page and f'href="{CONTACT}"' in page


def test_a_help_search_with_no_or_few_results_offers_to_contact_support(public_article):
    none = Client().get("/help/", {"q": "zzz nothing"}).content.decode()
    few = Client().get("/help/", {"q": "change"}).content.decode()
    assert "Still need help?" in none and f"{CONTACT}?q=zzz%20nothing" in none
    assert "Still need help?" in few  # 1 result: fewer than POOR_RESULTS


def test_a_help_search_with_enough_results_does_not_push_support(contributor, kb_owner, product):
    for n in range(3):
        make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner, title=f"Booking tip {n}")
    assert "Still need help?" not in Client().get("/help/", {"q": "booking tip"}).content.decode()


def test_the_search_page_offers_support_to_readers_who_find_nothing(db):
    page = Client().get("/search/", {"q": "qwertyuiop"}).content.decode()
    assert "Still need help?" in page and f"{CONTACT}?q=qwertyuiop" in page


def test_the_contact_link_prefills_the_subject_with_the_search(db):
    assert 'value="refund fee"' in Client().get(CONTACT, {"q": "refund   fee"}).content.decode()


def test_contact_is_not_taken_by_an_article_slug(contributor, kb_owner, product):
    article = make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner, title="Contact")
    assert article.slug != "contact"


# --- helpers -----------------------------------------------------------------------------------


def _without_reference(response) -> str:
    page = re.sub(r"HC-\d{8}-[A-Z0-9]{6}", "HC-…", response.content.decode())
    # The header's language switcher is a form: its token is masked afresh on every page.
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="…"', page)
    return re.sub(r"/help/contact/sent/[^/]+/", "/help/contact/sent/…/", page)


def _request_with(client: Client):
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.COOKIES = {k: v.value for k, v in client.cookies.items()}
    request.user = AnonymousUser()
    return request
