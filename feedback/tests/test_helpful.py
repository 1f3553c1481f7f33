"""\"Was this helpful?\" on the help centre: readers' votes, kept apart from reuse, feeding the queue."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Reuse
from conftest import client_for, unchanged_database
from feedback.models import Flag, HelpfulVote, Source
from feedback.views import VOTES_PER_HOUR
from notifications.models import Notification

from .helpers import bump, customer_article, public_article, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def shown(contributor, kb_owner, product):
    return customer_article(author=contributor, product=product, kb_owner=kb_owner)


def vote_url(article) -> str:
    return reverse("feedback:vote", args=[article.slug])


def test_customers_see_the_question_and_a_yes_is_recorded_without_a_flag(shown, customer):
    client = client_for(customer)
    assert "Was this helpful?" in text_of(client.get(shown.get_help_url()))
    response = client.post(vote_url(shown), {"helpful": "yes", "reason": "unclear", "comment": "ignored"}, follow=True)
    assert "Thank you for your feedback." in text_of(response)
    vote = HelpfulVote.objects.get()
    assert (vote.user, vote.helpful, vote.reason, vote.comment) == (customer, True, "", "")
    assert not Flag.objects.exists() and not Reuse.objects.exists()


def test_a_no_with_a_reason_lands_in_the_owners_queue_as_customer_feedback(shown, customer, contributor, kb_owner):
    client_for(customer).post(vote_url(shown), {"helpful": "no", "reason": "missing_information", "comment": "Which form?"})
    item = Flag.objects.get()
    assert (item.source, item.reason, item.comment, item.created_by) == (
        Source.CUSTOMER,
        "missing_information",
        "Which form?",
        customer,
    )
    assert Notification.objects.filter(recipient=contributor, kind="flag_raised", title__startswith="Customer feedback").exists()
    queue = text_of(client_for(kb_owner).get(reverse("feedback:queue")))
    assert "Customer feedback" in queue and "Which form?" in queue


def test_a_no_without_a_reason_is_only_a_vote(shown, partner):
    client_for(partner).post(vote_url(shown), {"helpful": "no"})
    assert HelpfulVote.objects.get().helpful is False and not Flag.objects.exists()


def test_a_new_answer_replaces_the_readers_previous_one(shown, customer):
    client = client_for(customer)
    client.post(vote_url(shown), {"helpful": "no", "reason": "unclear", "comment": "Hard"})
    client.post(vote_url(shown), {"helpful": "no", "reason": "outdated", "comment": "Old"})
    assert HelpfulVote.objects.count() == 1
    assert list(Flag.objects.values_list("reason", "comment")) == [("outdated", "Old")]


def test_anonymous_visitors_vote_on_public_articles_without_free_text(contributor, kb_owner, product):
    public = public_article(author=contributor, product=product, kb_owner=kb_owner)
    visitor = Client()
    page = visitor.get(public.get_help_url()).content.decode()
    assert "Was this helpful?" in page and 'name="comment"' not in page
    visitor.post(vote_url(public), {"helpful": "no", "reason": "outdated", "comment": "buy cheap watches"})
    vote = HelpfulVote.objects.get()
    assert (vote.user, vote.comment, bool(vote.session_key)) == (None, "", True)
    assert Flag.objects.get().comment == ""


def test_anonymous_answers_are_grouped_so_they_cannot_flood_the_queue(contributor, kb_owner, product):
    public = public_article(author=contributor, product=product, kb_owner=kb_owner)
    for _ in range(3):
        Client().post(vote_url(public), {"helpful": "no", "reason": "outdated"})
    assert HelpfulVote.objects.count() == 3
    assert Flag.objects.count() == 1 and Flag.objects.get().votes.count() == 3


def test_votes_are_rate_limited_per_session(contributor, kb_owner, product):
    public = public_article(author=contributor, product=product, kb_owner=kb_owner)
    visitor = Client()
    for _ in range(VOTES_PER_HOUR):
        visitor.post(vote_url(public), {"helpful": "yes"})
    response = visitor.post(vote_url(public), {"helpful": "no", "reason": "unclear"}, follow=True)
    assert "try again in an hour" in text_of(response)
    assert HelpfulVote.objects.get().helpful is True


def test_readers_cannot_vote_on_what_they_cannot_see(article, customer, contributor, kb_owner, product):
    client = client_for(customer)
    with unchanged_database():
        assert client.post(vote_url(article), {"helpful": "no"}).status_code == 404  # internal
    partner_only = customer_article(author=contributor, product=product, kb_owner=kb_owner, title="Partner thing")
    partner_only.edit(by=kb_owner, base_version=partner_only.version, changes={"audience": "partner"}, material=False)
    with unchanged_database():
        assert Client().post(vote_url(partner_only), {"helpful": "yes"}).status_code == 404
    assert not HelpfulVote.objects.exists()


def test_staff_flag_instead_of_voting(shown, contributor):
    client = client_for(contributor)
    assert "Was this helpful?" not in text_of(client.get(shown.get_help_url()))
    with unchanged_database():
        assert client.post(vote_url(shown), {"helpful": "yes"}).status_code == 403
    assert not HelpfulVote.objects.filter(article=shown).exists()


def test_a_reader_hears_only_that_the_article_improved(shown, customer, contributor):
    client_for(customer).post(vote_url(shown), {"helpful": "no", "reason": "unclear", "comment": "Hard"})
    item = Flag.objects.get()
    bump(shown, contributor)
    client_for(contributor).post(reverse("feedback:resolve", args=[item.pk]), {"note": "Internal: legal asked us to reword."})
    told = Notification.objects.get(recipient=customer)
    assert told.kind == "feedback_resolved" and told.url == shown.get_help_url()
    assert "legal" not in told.title + told.body


def test_a_dismissed_reader_feedback_tells_the_reader_nothing(shown, customer, contributor):
    client_for(customer).post(vote_url(shown), {"helpful": "no", "reason": "unclear"})
    client_for(contributor).post(reverse("feedback:dismiss", args=[Flag.objects.get().pk]), {"reason": "Customer misread it"})
    assert not Notification.objects.filter(recipient=customer).exists()


def test_votes_need_csrf(shown, customer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(customer)
    with unchanged_database():
        assert client.post(vote_url(shown), {"helpful": "yes"}).status_code == 403
    assert not HelpfulVote.objects.filter(article=shown).exists()
