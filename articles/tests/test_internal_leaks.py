"""Internal notes and `:::internal` passages never reach anyone outside the company.

One public article holds a made-up word in each place staff text may hide: its internal notes
and an internal passage in each Markdown field. Every surface a customer or an anonymous
visitor meets (help centre, search page, suggestions, search API, article API, What's new, the
feed, notification emails) is read as they read it; none may show any of the words, nor the
fences or the staff box around them. Staff see them all.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from accounts.choices import Kind
from articles.models import Audience
from conftest import client_for, make_article, make_user
from notifications.models import Notification, OutgoingEmail, Subscription
from notifications.outbox import send_due
from search import indexing

pytestmark = pytest.mark.django_db

# Where each word hides (none of them is anywhere else).
HIDDEN = {
    "internal_notes": "quetzalnote",
    "issue": "okapitool",
    "environment": "lynxconsole",
    "resolution": "wombatgate",
    "cause": "ibexreason",
}
STAFF_MARKS = (":::", "Internal — staff only", "internal-box", "Internal notes")


def with_passage(public: str, word: str) -> str:
    return f"{public}\n\n:::internal\nAgents: open the {word} screen, reason code `{word.upper()}-01`.\n:::\n\n{public} Again."


@pytest.fixture
def leaky(contributor, kb_owner, product, django_capture_on_commit_callbacks):
    """A public validated article with staff text in every hiding place, indexed, and a customer
    who subscribed to it and was told about its latest (material) update by email."""
    article = make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner)
    customer = make_user("cora", kind=Kind.CUSTOMER)
    customer.email = "cora@example.com"
    customer.save()
    Subscription.objects.create(user=customer, article=article)
    changes = {
        "issue": with_passage("The sprocket squeaks.", HIDDEN["issue"]),
        "environment": with_passage("Sprocket kit 2.", HIDDEN["environment"]),
        "resolution": with_passage("Send a new sprocket.", HIDDEN["resolution"]),
        "cause": with_passage("A dry sprocket.", HIDDEN["cause"]),
        "internal_notes": f"Goodwill: the {HIDDEN['internal_notes']} voucher needs team-lead approval.",
    }
    with django_capture_on_commit_callbacks(execute=True):
        article.edit(by=kb_owner, base_version=article.version, changes=changes, note="Sprocket steps", material=True)
    indexing.rebuild()
    article.refresh_from_db()
    article.customer = customer
    return article


def assert_clean(text: str, where: str) -> None:
    for place, word in HIDDEN.items():
        assert word not in text.lower(), f"{where} shows the {place} word {word!r}"
    for mark in STAFF_MARKS:
        assert mark not in text, f"{where} shows {mark!r}"


def outside_callers(leaky):
    return {"customer": client_for(leaky.customer), "anonymous": client_for(None)}


def test_the_help_centre_shows_outside_readers_the_public_text_only(leaky):
    for who, client in outside_callers(leaky).items():
        for url in (reverse("help:index"), reverse("help:detail", args=[leaky.slug])):
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            assert_clean(response.content.decode(), f"{url} for {who}")
        page = client.get(reverse("help:detail", args=[leaky.slug])).content.decode()
        assert "Send a new sprocket." in page and "Send a new sprocket. Again." in page


def test_search_pages_suggestions_and_the_search_api_never_match_or_show_staff_text(leaky):
    for who, client in outside_callers(leaky).items():
        # A public word finds the article; its snippet is cut from the public text.
        page = client.get(reverse("search:results"), {"q": "sprocket"}).content.decode()
        assert leaky.title in page, who
        assert_clean(page, f"search page for {who}")
        data = client.get("/api/v1/search/", {"q": "sprocket"}).json()
        assert [r["slug"] for r in data["results"]] == [leaky.slug], who
        assert_clean(str(data), f"search API for {who}")
        # A title-only word: the snippet falls back to the opening, public part.
        data = client.get("/api/v1/search/", {"q": "non-refundable booking"}).json()
        assert_clean(str(data), f"search API lead for {who}")
        for place, word in HIDDEN.items():
            found = client.get("/api/v1/search/", {"q": word}).json()
            assert found["count"] == 0, (who, place)
            assert all(values == [] for values in found["facets"].values()), (who, place)
            assert word not in (found["suggestion"] or "") + (found["corrected"] or ""), (who, place)
            page = client.get(reverse("search:results"), {"q": word}).content.decode()
            assert leaky.title not in page, (who, place)
            suggested = client.get(reverse("search:suggest"), {"q": word[:5]}).json()["results"]
            assert suggested == [], (who, place)


def test_staff_find_the_article_by_any_of_its_staff_words(leaky, contributor):
    client = client_for(contributor)
    for place, word in HIDDEN.items():
        data = client.get("/api/v1/search/", {"q": word}).json()
        assert [r["slug"] for r in data["results"]] == [leaky.slug], place


def test_the_article_api_gives_outside_readers_the_public_text_only(leaky, contributor):
    for who, client in outside_callers(leaky).items():
        detail = client.get(f"/api/v1/articles/{leaky.slug}/")
        assert detail.status_code == 200, who
        assert "internal_notes" not in detail.json()
        assert detail.json()["resolution"] == "Send a new sprocket.\n\nSend a new sprocket. Again."
        assert_clean(detail.content.decode(), f"article API for {who}")
        listed = client.get("/api/v1/articles/")
        assert leaky.slug in listed.content.decode()
        assert_clean(listed.content.decode(), f"article list API for {who}")
    staff = client_for(contributor).get(f"/api/v1/articles/{leaky.slug}/").json()
    assert HIDDEN["internal_notes"] in staff["internal_notes"] and HIDDEN["resolution"] in staff["resolution"]


def test_whats_new_the_feed_and_the_notifications_tell_outside_readers_nothing_internal(leaky):
    for who, client in outside_callers(leaky).items():
        page = client.get(reverse("notifications:whats_new"))
        assert leaky.title in page.content.decode(), who
        assert_clean(page.content.decode(), f"What's new for {who}")
        assert not re.search(r"version \d", page.content.decode()), who
        feed = client.get(reverse("notifications:feed")).content.decode()
        assert leaky.title in feed
        assert_clean(feed, f"feed for {who}")
    notes = client_for(leaky.customer).get(reverse("notifications:index")).content.decode()
    assert leaky.title in notes
    assert_clean(notes, "the customer's notifications")


def test_emails_sent_to_a_customer_subscriber_hold_no_staff_text(leaky):
    assert OutgoingEmail.objects.filter(recipient=leaky.customer).exists()
    send_due()
    sent = [m for m in mail.outbox if leaky.customer.email in m.to]
    assert sent
    for message in sent:
        assert_clean(f"{message.subject}\n{message.body}", "an email to the customer")


def test_staff_see_every_passage_and_the_notes_in_marked_boxes(leaky, contributor):
    html = client_for(contributor).get(leaky.get_absolute_url()).content.decode()
    for word in HIDDEN.values():
        assert word in html
    assert html.count('class="internal-box"') == 5  # four passages and the notes
    assert "Internal — staff only" in html and "Internal notes — staff only" in html


def test_templates_outside_readers_see_render_markdown_without_staff_passages():
    # `markdown` shows internal passages (staff pages); the help centre must use `public_markdown`.
    from pathlib import Path

    help_templates = Path(__file__).resolve().parents[1] / "templates" / "help"
    for template in help_templates.glob("*.html"):
        assert "|markdown" not in template.read_text(), template.name


@pytest.mark.parametrize(
    "changes",
    [
        {"internal_notes": "Goodwill limit is now 10 EUR."},
        {"resolution": with_passage("Send a new sprocket.", "wombatgate2")},
    ],
    ids=["internal notes", "internal passage"],
)
def test_an_edit_of_staff_text_alone_is_no_update_for_outside_readers(
    leaky, kb_owner, contributor, changes, django_capture_on_commit_callbacks
):
    Subscription.objects.create(user=contributor, article=leaky)
    with django_capture_on_commit_callbacks(execute=True):
        leaky.edit(by=kb_owner, base_version=leaky.version, changes=changes, note="Staff text", material=True)
    leaky.refresh_from_db()
    assert leaky.events.first().outside_changed is False
    told = set(Notification.objects.filter(article=leaky, created_at__gte=leaky.updated_at).values_list("recipient", flat=True))
    assert told == {contributor.pk}  # staff hear of it; the subscribed customer does not
    whats_new = client_for(leaky.customer).get(reverse("notifications:whats_new")).content.decode()
    assert whats_new.count(leaky.title) == 1  # the earlier public update only
    staff_whats_new = client_for(contributor).get(reverse("notifications:whats_new")).content.decode()
    assert staff_whats_new.count(leaky.title) == 2


# KCS workflow words a reader outside the company has no use for (and the staff pages show).
KCS_INTERNALS = re.compile(
    r"\bValidated\b|Not validated|Work in progress|\bAudience\b|\bConfidence\b|\bversion \d|\bv\d+\b|\bKCS\b|Governed|Owner\b",
    re.I,
)


def test_outside_readers_see_no_kcs_workflow_on_any_page_they_open(leaky):
    for who, client in outside_callers(leaky).items():
        urls = [
            reverse("help:index"),
            reverse("help:detail", args=[leaky.slug]),
            reverse("search:results") + "?q=sprocket",
            reverse("notifications:whats_new"),
        ]
        if who == "customer":
            urls += [reverse("notifications:index"), reverse("notifications:subscriptions")]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (who, url)
            words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
            found = KCS_INTERNALS.search(words)
            assert found is None, (who, url, found and words[max(0, found.start() - 60) : found.end() + 60])
