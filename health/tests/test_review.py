"""Content health: the review queue, "confirm still correct", review dates and the stale badge."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, State
from articles.tests.assertions import assert_versions
from articles.tests.test_pages import text_of
from conftest import client_for, make_article, make_contributor, unchanged_database
from health.models import ReviewConfirmation, ReviewKind

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today


def make_due(article: Article, days_overdue: int = 3) -> Article:
    Article.objects.filter(pk=article.pk).update(review_by=timezone.localdate() - datetime.timedelta(days=days_overdue))
    article.refresh_from_db()
    return article


def confirm(user, article, **data):
    return client_for(user).post(reverse("health:confirm", args=[article.slug]), data, follow=True)


def test_validation_sets_a_review_date_from_the_setting(article, settings):
    assert article.review_by == timezone.localdate() + datetime.timedelta(days=settings.KCS_REVIEW_AFTER_DAYS)


def test_a_due_article_shows_a_stale_badge_on_its_page_and_in_lists(contributor, article):
    client = client_for(contributor)
    assert "Due for review" not in text_of(client.get(article.get_absolute_url())).split("Log out")[1]
    make_due(article)
    assert "Due for review" in text_of(client.get(article.get_absolute_url())).split("Log out")[1]
    assert 'class="badge stale"' in client.get(reverse("articles:list")).content.decode()


def test_the_owner_confirms_still_correct_without_a_new_version(kb_owner, contributor, product, settings):
    article = make_due(make_article(author=contributor, product=product, owner=contributor, kb_owner=kb_owner))
    version, updated, old_date = article.version, article.updated_at, article.review_by

    response = confirm(contributor, article, version=version)

    assert "Confirmed still correct." in text_of(response)
    article.refresh_from_db()
    assert article.review_by == timezone.localdate() + datetime.timedelta(days=settings.KCS_REVIEW_AFTER_DAYS)
    assert (article.version, article.updated_at) == (version, updated)
    assert_versions(article, version)
    record = ReviewConfirmation.objects.get()
    assert (record.by, record.kind, record.previous_review_by, record.article_version) == (
        contributor,
        ReviewKind.CONFIRMED,
        old_date,
        version,
    )
    page = text_of(client_for(contributor).get(article.get_absolute_url()))
    assert f"last confirmed correct by {contributor.username} on" in page
    assert "Due for review" not in page.split("Log out")[1]


def test_a_kb_owner_and_a_publisher_may_confirm_someone_elses_article(kb_owner, publisher, article):
    for person in (kb_owner, publisher):
        make_due(article)
        assert "Confirmed still correct." in text_of(confirm(person, article))
    assert ReviewConfirmation.objects.count() == 2


def test_a_contributor_who_may_not_edit_cannot_confirm(kb_owner, contributor, publisher, product):
    governed = make_due(make_article(author=publisher, product=product, owner=publisher, governed=True, kb_owner=kb_owner))
    response = confirm(contributor, governed)
    assert "only its owner or a KB owner may change it" in text_of(response)
    governed.refresh_from_db()
    assert governed.review_by < timezone.localdate() and not ReviewConfirmation.objects.exists()
    assert "Confirm still correct" not in client_for(contributor).get(governed.get_absolute_url()).content.decode()


def test_a_contributor_who_does_not_own_the_article_cannot_vouch_for_it(kb_owner, publisher, product):
    someone = make_contributor("sam")
    article = make_due(make_article(author=publisher, product=product, owner=publisher, kb_owner=kb_owner))
    response = confirm(someone, article)
    assert "Only the article's owner, a KB owner or a publisher can confirm" in text_of(response)
    assert not ReviewConfirmation.objects.exists()


def test_a_candidate_cannot_confirm_and_customers_get_nothing(candidate, customer, article):
    make_due(article)
    assert "Confirm still correct" not in client_for(candidate).get(article.get_absolute_url()).content.decode()
    assert "Confirmed" not in text_of(confirm(candidate, article))
    as_customer = client_for(customer)
    with unchanged_database():
        assert as_customer.post(reverse("health:confirm", args=[article.slug])).status_code == 404
    assert not ReviewConfirmation.objects.exists()


def test_confirming_text_that_changed_since_it_was_opened_is_refused(kb_owner, article):
    make_due(article)
    opened = article.version
    article.edit(by=kb_owner, base_version=opened, changes={"cause": "Rate rules changed."})
    response = confirm(kb_owner, article, version=opened)
    assert "has changed since you opened it" in text_of(response)
    assert not ReviewConfirmation.objects.exists()


def test_only_a_validated_article_can_be_confirmed(kb_owner, contributor, product):
    draft = make_article(author=contributor, product=product, state=State.NOT_VALIDATED, kb_owner=kb_owner)
    assert "Only a validated article has a review date" in text_of(confirm(kb_owner, draft))


# --- review date --------------------------------------------------------------------------------


def change_date(user, article, when, note=""):
    data = {"review_by": when.isoformat() if hasattr(when, "isoformat") else when, "note": note}
    return client_for(user).post(reverse("health:review_date", args=[article.slug]), data, follow=True)


def test_the_owner_changes_the_review_date_without_a_new_version(kb_owner, contributor, product):
    article = make_article(author=contributor, product=product, owner=contributor, kb_owner=kb_owner)
    version = article.version
    when = timezone.localdate() + datetime.timedelta(days=90)
    response = change_date(contributor, article, when, note="Fast-moving policy")
    assert "Review date set to" in text_of(response)
    article.refresh_from_db()
    assert article.review_by == when and article.version == version
    assert ReviewConfirmation.objects.get().kind == ReviewKind.RESCHEDULED
    page = text_of(client_for(contributor).get(article.get_absolute_url()))
    assert f"review date set by {contributor.username} on" in page
    assert "last confirmed correct" not in page


def test_the_review_date_form_opens_with_the_current_date_in_the_pickers_format(kb_owner, contributor, product):
    # A date picker shows an empty field unless its value is yyyy-mm-dd, whatever the locale.
    article = make_article(author=contributor, product=product, owner=contributor, kb_owner=kb_owner)
    page = client_for(contributor).get(article.get_absolute_url()).content.decode()
    assert f'name="review_by" value="{article.review_by.isoformat()}"' in page


def test_a_non_owner_cannot_change_the_review_date(publisher, kb_owner, contributor, product):
    article = make_article(author=contributor, product=product, owner=contributor, kb_owner=kb_owner)
    before = article.review_by
    response = change_date(publisher, article, timezone.localdate() + datetime.timedelta(days=30))
    assert "Only the article's owner or a KB owner can change its review date." in text_of(response)
    article.refresh_from_db()
    assert article.review_by == before
    assert "Change review date" not in client_for(publisher).get(article.get_absolute_url()).content.decode()


@pytest.mark.parametrize("when", ["yesterday", "2999-01-01", "not a date"])
def test_a_review_date_in_the_past_too_far_out_or_garbled_is_refused_with_a_message(kb_owner, article, when):
    if when == "yesterday":
        when = timezone.localdate() - datetime.timedelta(days=1)
    before = article.review_by
    response = change_date(kb_owner, article, when)
    assert response.status_code == 400
    assert "Review date not changed" in text_of(response)
    typed = when.isoformat() if hasattr(when, "isoformat") else when
    assert f'value="{typed}"' in response.content.decode()  # kept, to correct
    article.refresh_from_db()
    assert article.review_by == before
    assert not ReviewConfirmation.objects.exists()


# --- the queue --------------------------------------------------------------------------------


def queue(user, query=""):
    return text_of(client_for(user).get(reverse("health:review_queue") + query))


def test_owners_see_their_due_articles_and_kb_owners_see_all(kb_owner, contributor, publisher, product):
    mine = make_due(make_article(author=contributor, product=product, owner=contributor, title="Mine due", kb_owner=kb_owner))
    theirs = make_due(make_article(author=publisher, product=product, owner=publisher, title="Theirs due", kb_owner=kb_owner))
    make_article(author=contributor, product=product, owner=contributor, title="Mine not due", kb_owner=kb_owner)
    assert "Mine due" in queue(contributor) and "Theirs due" not in queue(contributor)
    assert "Mine not due" not in queue(contributor)
    everything = queue(kb_owner)
    assert mine.title in everything and theirs.title in everything
    assert "Nothing is due for review." in queue(kb_owner, "?scope=mine")


def test_overdue_articles_come_first(kb_owner, contributor, product):
    make_due(make_article(author=contributor, product=product, title="Due lately", kb_owner=kb_owner), 1)
    make_due(make_article(author=contributor, product=product, title="Long overdue", kb_owner=kb_owner), 90)
    page = queue(kb_owner)
    assert page.index("Long overdue") < page.index("Due lately")


def test_confirming_from_the_queue_takes_it_off_the_queue(kb_owner, article):
    make_due(article)
    client = client_for(kb_owner)
    response = client.post(reverse("health:confirm", args=[article.slug]), {"next": reverse("health:review_queue")}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("health:review_queue")
    assert "Nothing is due for review." in text_of(response)


def test_the_queue_refuses_to_redirect_elsewhere(kb_owner, article):
    make_due(article)
    response = client_for(kb_owner).post(reverse("health:confirm", args=[article.slug]), {"next": "https://evil.example/"})
    assert response["Location"] == article.get_absolute_url()


def test_customers_have_no_review_queue(customer, partner):
    for outsider in (customer, partner):
        assert client_for(outsider).get(reverse("health:review_queue")).status_code == 404


def test_the_queue_page_makes_a_fixed_number_of_queries(kb_owner, contributor, product, django_assert_max_num_queries):
    for n in range(12):
        article = make_due(make_article(author=contributor, product=product, title=f"Due {n}", kb_owner=kb_owner), n)
        ReviewConfirmation.objects.create(article=article, by=kb_owner, review_by=article.review_by, article_version=1)
    client = client_for(kb_owner)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("health:review_queue"))
    assert text_of(response).count(f"by {kb_owner.username}") == 12


@pytest.mark.parametrize("version", ["abc", "1e5", "\u00b2"])
def test_a_garbled_version_on_confirm_is_a_400_and_confirms_nothing(kb_owner, article, version):
    before, number = article.review_by, article.version
    client = client_for(kb_owner)
    with unchanged_database():
        response = client.post(reverse("health:confirm", args=[article.slug]), {"version": version, "note": "Read it"})
    assert response.status_code == 400
    assert "Not confirmed" in text_of(response) and "Reload the article" in text_of(response)
    assert 'value="Read it"' in response.content.decode()
    article.refresh_from_db()
    assert (article.review_by, article.version) == (before, number)
    assert not ReviewConfirmation.objects.exists()
