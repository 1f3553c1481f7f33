"""The bell, the notifications, preferences and subscriptions pages, What's new and the feed."""

from __future__ import annotations

import pytest
from django.test import TestCase
from django.urls import reverse

from articles.models import Audience
from conftest import client_for, make_article, unchanged_database
from notifications.models import ArticleUpdate, EmailChoice, Notification, Preference, Subscription
from notifications.services import notify

from .conftest import material_edit

pytestmark = pytest.mark.django_db


# --- bell and notifications page -------------------------------------------------------------


def test_the_bell_shows_my_unread_count(article, contributor):
    notify([contributor], kind="k", title="Refunds changed", url=article.get_absolute_url())
    notify([contributor], kind="k", title="Hotels changed", url="/")
    page = client_for(contributor).get(reverse("articles:dashboard")).content.decode()
    assert 'aria-label="Notifications: 2 unread"' in page


def test_anonymous_visitors_get_no_bell_and_no_query_for_it(django_assert_num_queries, public_article):
    client = client_for(None)
    client.get(reverse("help:index"))
    page = client.get(reverse("help:index")).content.decode()
    assert "Notifications:" not in page
    from notifications.context_processors import bell

    class Anonymous:
        is_authenticated = False

    request = type("R", (), {"user": Anonymous()})()
    with django_assert_num_queries(0):
        assert bell(request) == {}


def test_the_bell_costs_one_query(contributor, django_assert_num_queries):
    from notifications.context_processors import bell

    request = type("R", (), {"user": contributor})()
    with django_assert_num_queries(1):
        assert bell(request) == {"unread_notifications": 0}


def test_opening_a_notification_marks_it_read_and_goes_to_its_page(article, contributor):
    [note] = notify([contributor], kind="k", title="Refunds changed", url=article.get_absolute_url())
    response = client_for(contributor).post(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    note.refresh_from_db()
    assert note.read_at is not None


def test_a_get_on_a_notification_goes_to_its_page_but_leaves_it_unread(article, contributor):
    [note] = notify([contributor], kind="k", title="Refunds changed", url=article.get_absolute_url())
    response = client_for(contributor).get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == article.get_absolute_url()
    note.refresh_from_db()
    assert note.read_at is None, "a prefetch or a cross-site <img> must not change state"


def test_the_list_opens_an_unread_notification_with_a_post_form(contributor):
    [note] = notify([contributor], kind="k", title="Refunds changed", url="/")
    page = client_for(contributor).get(reverse("notifications:index")).content.decode()
    action = reverse("notifications:open", args=[note.pk])
    assert f'<form method="post" action="{action}"' in page
    assert f'<a href="{action}"' not in page


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_a_notification_never_sends_anyone_to_another_site(contributor, url):
    note = Notification.objects.create(recipient=contributor, kind="k", title="Odd", url=url)
    response = client_for(contributor).get(reverse("notifications:open", args=[note.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("notifications:index")


def test_someone_elses_notification_does_not_exist_for_me(contributor, publisher):
    [note] = notify([publisher], kind="k", title="Private", url="/")
    client = client_for(contributor)
    assert client.get(reverse("notifications:open", args=[note.pk])).status_code == 404
    with unchanged_database():
        assert client.post(reverse("notifications:read", args=[note.pk])).status_code == 404
    assert "Private" not in client.get(reverse("notifications:index")).content.decode()


def test_mark_one_and_mark_all_read(contributor):
    first, second, third = (notify([contributor], kind="k", title=f"N{i}")[0] for i in range(3))
    client = client_for(contributor)
    assert client.get(reverse("notifications:read", args=[first.pk])).status_code == 405  # POST only
    client.post(reverse("notifications:read", args=[first.pk]))
    assert Notification.objects.filter(read_at=None).count() == 2
    client.post(reverse("notifications:read_all"))
    assert Notification.objects.filter(read_at=None).count() == 0


def test_the_notifications_page_lists_mine_in_bounded_queries(contributor, django_assert_max_num_queries, article):
    for i in range(30):
        notify([contributor], kind="k", title=f"Update {i}", body="<b>bold</b>", article=article)
    client = client_for(contributor)
    client.get(reverse("notifications:index"))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("notifications:index")).content.decode()
    assert "Update 29" in page and "&lt;b&gt;bold&lt;/b&gt;" in page


def test_the_notification_pages_need_a_login(client):
    for name in ("index", "preferences", "subscriptions"):
        response = client.get(reverse(f"notifications:{name}"))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_preferences_page_saves_my_choice(customer):
    client = client_for(customer)
    assert client.get(reverse("notifications:preferences")).status_code == 200
    client.post(reverse("notifications:preferences"), {"email": EmailChoice.DIGEST})
    assert Preference.objects.get(user=customer).email == EmailChoice.DIGEST
    response = client.post(reverse("notifications:preferences"), {"email": "hourly"})
    assert response.status_code == 200 and Preference.objects.get(user=customer).email == EmailChoice.DIGEST


# --- subscriptions ------------------------------------------------------------------------------


def test_the_article_page_offers_to_follow_the_article_its_product_and_tags(article, contributor):
    page = client_for(contributor).get(article.get_absolute_url()).content.decode()
    assert "+ this article" in page and "+ product Hotel Bookings" in page and "+ tag refund" in page


def test_subscribe_from_the_article_page_and_unsubscribe_from_my_subscriptions(article, contributor):
    client = client_for(contributor)
    url = reverse("notifications:subscribe", args=[article.slug])
    assert client.post(url, {"target": "article"}).status_code == 302
    client.post(url, {"target": "article"})  # twice: still one
    client.post(url, {"target": "tag", "tag": "refund"})
    client.post(url, {"target": "product"})
    assert Subscription.objects.filter(user=contributor).count() == 3
    assert "&#10003; this article" in client.get(article.get_absolute_url()).content.decode()
    page = client.get(reverse("notifications:subscriptions")).content.decode()
    assert article.title in page and "refund" in page
    sub = Subscription.objects.get(user=contributor, article=article)
    client.post(reverse("notifications:unsubscribe", args=[sub.pk]))
    assert Subscription.objects.filter(user=contributor).count() == 2


def test_nobody_follows_an_article_they_cannot_see_or_removes_someone_elses_subscription(article, customer, contributor):
    client = client_for(customer)
    with unchanged_database():
        response = client.post(reverse("notifications:subscribe", args=[article.slug]), {"target": "product"})
        assert response.status_code == 404
    sub = Subscription.objects.create(user=contributor, article=article)
    with unchanged_database():
        assert client.post(reverse("notifications:unsubscribe", args=[sub.pk])).status_code == 404
    assert Subscription.objects.filter(pk=sub.pk).exists()


def test_a_tag_the_article_does_not_have_is_refused(article, contributor):
    client = client_for(contributor)
    with unchanged_database():
        response = client.post(reverse("notifications:subscribe", args=[article.slug]), {"target": "tag", "tag": "secret"})
        assert response.status_code == 404


def test_customers_follow_a_public_article_from_the_help_centre(public_article, customer):
    client = client_for(customer)
    assert "+ this article" in client.get(public_article.get_help_url()).content.decode()
    response = client.post(reverse("notifications:subscribe", args=[public_article.slug]), {"target": "article"})
    assert response["Location"] == public_article.get_help_url()
    assert Subscription.objects.filter(user=customer, article=public_article).exists()


def test_anonymous_visitors_are_not_offered_subscriptions(public_article, client):
    assert "Tell me about material updates" not in client.get(public_article.get_help_url()).content.decode()
    response = client.post(reverse("notifications:subscribe", args=[public_article.slug]), {"target": "article"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the edit form -------------------------------------------------------------------------------


def test_a_material_update_from_the_edit_form_needs_a_change_note(article, contributor):
    from articles.forms import ArticleForm

    data = {k: v for k, v in ArticleForm.initial_for(article).items() if v is not None}
    data.update(product=str(article.product_id), cause="A new cause.", material="1", note="")
    client = client_for(contributor)
    with unchanged_database():
        response = client.post(reverse("articles:edit", args=[article.slug]), data)
    assert response.status_code == 400 and "Write a short change note" in response.content.decode()
    data.update(note="Rate explained")
    assert client.post(reverse("articles:edit", args=[article.slug]), data).status_code == 302
    data.update(cause="A newer cause.", note="", material="0", version=str(article.version + 1))
    assert client.post(reverse("articles:edit", args=[article.slug]), data).status_code == 302  # minor: no note needed


# --- what's new and the feed ---------------------------------------------------------------------


@pytest.fixture
def updates(article, public_article, contributor, kb_owner, product):
    customer_only = make_article(
        author=contributor, product=product, audience=Audience.CUSTOMER, kb_owner=kb_owner, title="Customer-only rule"
    )
    material_edit(article, by=kb_owner, note="Internal: voucher first")
    material_edit(public_article, by=kb_owner, note="Public: resend the email")
    material_edit(customer_only, by=kb_owner, note="Customers: new form")
    return article, public_article, customer_only


def test_whats_new_shows_each_reader_only_what_they_may_see(updates, contributor, customer, partner, client):
    staff_page = client_for(contributor).get(reverse("notifications:whats_new")).content.decode()
    assert all(note in staff_page for note in ("Internal: voucher first", "Public: resend the email", "Customers: new form"))
    article, public_article, customer_only = updates
    # Outside readers see which articles they can read were updated, never the staff change notes.
    customer_page = client_for(customer).get(reverse("notifications:whats_new")).content.decode()
    assert f"/help/{public_article.slug}/" in customer_page and f"/help/{customer_only.slug}/" in customer_page
    assert article.slug not in customer_page
    assert not any(note in customer_page for note in ("Internal: voucher first", "Public: resend", "Customers: new form"))
    anonymous_page = client.get(reverse("notifications:whats_new")).content.decode()
    assert f"/help/{public_article.slug}/" in anonymous_page and customer_only.slug not in anonymous_page
    assert article.slug not in anonymous_page and "/diff/" not in anonymous_page and "Public: resend" not in anonymous_page


def test_whats_new_filters_by_product(updates, contributor, kb_owner):
    from articles.models import Product

    other = Product.objects.create(name="Other", slug="other")
    elsewhere = make_article(author=contributor, product=other, kb_owner=kb_owner, title="Elsewhere")
    material_edit(elsewhere, by=kb_owner, note="Other product change")
    page = client_for(contributor).get(reverse("notifications:whats_new") + "?product=other").content.decode()
    assert "Other product change" in page and "Internal: voucher first" not in page


def test_whats_new_queries_do_not_grow_with_the_number_of_updates(updates, contributor, kb_owner, django_assert_max_num_queries):
    article = updates[0]
    for i in range(20):
        material_edit(article, by=kb_owner, note=f"Change {i}", cause=f"Cause {i}")
    client = client_for(contributor)
    client.get(reverse("notifications:whats_new"))
    with django_assert_max_num_queries(8):
        page = client.get(reverse("notifications:whats_new")).content.decode()
    assert "Change 19" in page


def test_the_feed_shows_only_updates_to_public_validated_articles(updates, client):
    _, public_article, _ = updates
    response = client.get(reverse("notifications:feed"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert f"/help/{public_article.slug}/" in body and "Public: resend the email" not in body  # no staff notes
    assert "Internal: voucher first" not in body and "Customers: new form" not in body
    assert f"/help/{updates[2].slug}/" not in body and updates[0].slug not in body


def test_updates_to_an_archived_article_leave_the_feed(updates, kb_owner, client):
    _, public_article, _ = updates
    public_article.archive(by=kb_owner)
    assert f"/help/{public_article.slug}/" not in client.get(reverse("notifications:feed")).content.decode()
    assert ArticleUpdate.objects.filter(article=public_article).exists()


def test_partner_sees_partner_updates_but_customer_does_not(contributor, kb_owner, product, partner, customer):
    article = make_article(author=contributor, product=product, audience=Audience.PARTNER, kb_owner=kb_owner, title="Agency")
    material_edit(article, by=kb_owner, note="Partners: commission")
    assert f"/help/{article.slug}/" in client_for(partner).get(reverse("notifications:whats_new")).content.decode()
    assert article.slug not in client_for(customer).get(reverse("notifications:whats_new")).content.decode()


def test_outside_readers_never_hear_of_authority_only_updates_or_of_the_internal_past(
    contributor, kb_owner, product, customer, client
):
    from articles.models import Article

    public = make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner, title="Late")
    with TestCase.captureOnCommitCallbacks(execute=True):  # committed, as after a request
        Article.objects.get(pk=public.pk).edit(
            by=kb_owner, base_version=public.version, changes={"authority_note": "Refund up to 500 EUR."}, note="New limit 500"
        )
    internal = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Was internal")
    material_edit(internal, by=kb_owner, note="Text the case number first")
    internal = Article.objects.get(pk=internal.pk)
    internal.edit(by=kb_owner, base_version=internal.version, changes={"audience": Audience.PUBLIC}, material=False)
    for page in (
        client_for(customer).get(reverse("notifications:whats_new")).content.decode(),
        client.get(reverse("notifications:whats_new")).content.decode(),
        client.get(reverse("notifications:feed")).content.decode(),
    ):
        assert "New limit 500" not in page and "Text the case number" not in page
        assert f"/help/{public.slug}/" not in page and f"/help/{internal.slug}/" not in page
    staff_page = client_for(contributor).get(reverse("notifications:whats_new")).content.decode()
    assert "New limit 500" in staff_page and "Text the case number" in staff_page


def test_my_subscriptions_leave_out_articles_i_can_no_longer_open(public_article, kb_owner, customer):
    from notifications.models import Subscription

    Subscription.objects.create(user=customer, article=public_article)
    public_article.edit(
        by=kb_owner,
        base_version=public_article.version,
        changes={"audience": Audience.INTERNAL, "title": "Internal only: chargeback workaround"},
        note="Internal now",
    )
    client = client_for(customer)
    assert "chargeback" not in client.get(reverse("notifications:subscriptions")).content.decode()
    assert "chargeback" not in client.get("/api/v1/subscriptions/").content.decode()
