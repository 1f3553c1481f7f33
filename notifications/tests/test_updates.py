"""Material updates are announced to subscribers and recent reusers who may see the article."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Kind, Licence
from articles.models import Audience, Product, State, Tag
from conftest import make_article
from notifications.models import ArticleUpdate, EmailChoice, Notification, OutgoingEmail, Preference, Subscription
from notifications.services import announce_update

from .conftest import material_edit, person, reuse

pytestmark = pytest.mark.django_db


def told(article=None) -> set[str]:
    qs = Notification.objects.all() if article is None else Notification.objects.filter(article=article)
    return set(qs.values_list("recipient__username", flat=True))


def test_subscribers_of_the_article_its_product_and_its_tags_and_recent_reusers_are_told(
    article, contributor, kb_owner, django_capture_on_commit_callbacks
):
    by_article, by_product, by_tag = person("art"), person("prod"), person("tagger")
    reuser, old_reuser, bystander = person("reuser"), person("oldreuser"), person("bystander")
    Subscription.objects.create(user=by_article, article=article)
    Subscription.objects.create(user=by_product, product=article.product)
    Subscription.objects.create(user=by_tag, tag=Tag.objects.get(name="refund"))
    Subscription.objects.create(user=bystander, product=Product.objects.create(name="Other", slug="other"))
    reuse(article, reuser)
    reuse(article, old_reuser, at=timezone.now() - datetime.timedelta(days=91))

    with django_capture_on_commit_callbacks(execute=True):
        material_edit(article, by=kb_owner, note="Offer a voucher before any refund.")

    assert told() == {"art", "prod", "tagger", "reuser"}
    note = Notification.objects.get(recipient=by_article)
    assert note.body == "Offer a voucher before any refund."
    assert note.url == f"/articles/{article.slug}/diff/?from={article.version - 1}&to={article.version}"
    assert OutgoingEmail.objects.filter(to="art@example.com").count() == 1


def test_the_editor_is_not_told_about_their_own_update(article, kb_owner, django_capture_on_commit_callbacks):
    Subscription.objects.create(user=kb_owner, article=article)
    reuse(article, kb_owner)
    with django_capture_on_commit_callbacks(execute=True):
        material_edit(article, by=kb_owner)
    assert told() == set()


def test_people_who_cannot_see_the_article_are_not_told(article, kb_owner, django_capture_on_commit_callbacks):
    customer = person("cust", kind=Kind.CUSTOMER)
    Subscription.objects.create(user=customer, product=article.product)  # internal article: not theirs to see
    inactive = person("gone")
    Subscription.objects.create(user=inactive, article=article)
    inactive.is_active = False
    inactive.save()
    with django_capture_on_commit_callbacks(execute=True):
        material_edit(article, by=kb_owner)
    assert told() == set()


def test_customers_are_told_about_public_articles_with_a_link_to_the_help_centre(
    public_article, kb_owner, django_capture_on_commit_callbacks
):
    customer = person("cust", kind=Kind.CUSTOMER)
    Subscription.objects.create(user=customer, article=public_article)
    with django_capture_on_commit_callbacks(execute=True):
        material_edit(public_article, by=kb_owner)
    assert Notification.objects.get(recipient=customer).url == f"/help/{public_article.slug}/"


def test_a_minor_edit_tells_nobody(article, kb_owner, django_capture_on_commit_callbacks):
    Subscription.objects.create(user=person("art"), article=article)
    with django_capture_on_commit_callbacks(execute=True):
        article.edit(by=kb_owner, base_version=article.version, changes={"cause": "Typo fixed."}, note="Typo", material=False)
    assert told() == set() and not ArticleUpdate.objects.exists()


def test_an_edit_of_a_draft_tells_nobody(contributor, kb_owner, product, django_capture_on_commit_callbacks):
    draft = make_article(author=contributor, product=product, state=State.NOT_VALIDATED, kb_owner=kb_owner)
    Subscription.objects.create(user=person("art"), article=draft)
    with django_capture_on_commit_callbacks(execute=True):
        material_edit(draft, by=kb_owner)
    assert told() == set()


def test_an_edit_that_rolls_back_tells_nobody(article, kb_owner, django_capture_on_commit_callbacks):
    Subscription.objects.create(user=person("art"), article=article)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        material_edit(article, by=kb_owner)
        raise RuntimeError("the request failed after the edit")
    assert callbacks == []
    assert told() == set() and not ArticleUpdate.objects.exists() and not OutgoingEmail.objects.exists()


def test_nothing_is_announced_before_the_edit_commits(article, kb_owner, django_capture_on_commit_callbacks):
    Subscription.objects.create(user=person("art"), article=article)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article.edit(by=kb_owner, base_version=article.version, changes={"cause": "Printer driver."}, note="n")
        assert told() == set()
    for callback in callbacks:  # the commit
        callback()
    assert told() == {"art"}


def test_email_follows_each_persons_preference(article, kb_owner, django_capture_on_commit_callbacks):
    right_away, digest, none = person("now"), person("later"), person("never")
    Preference.objects.create(user=digest, email=EmailChoice.DIGEST)
    Preference.objects.create(user=none, email=EmailChoice.NONE)
    for user in (right_away, digest, none):
        Subscription.objects.create(user=user, article=article)
    with django_capture_on_commit_callbacks(execute=True):
        material_edit(article, by=kb_owner)
    assert told() == {"now", "later", "never"}
    assert list(OutgoingEmail.objects.values_list("to", flat=True)) == ["now@example.com"]


def test_the_fan_out_takes_the_same_number_of_queries_for_many_recipients(
    contributor, kb_owner, product, django_assert_num_queries
):
    def queries_for(n: int, title: str) -> int:
        article = make_article(author=contributor, product=product, kb_owner=kb_owner, title=title)
        for i in range(n):
            Subscription.objects.create(user=person(f"{title[:5]}-{i}", licence=Licence.CONTRIBUTOR), article=article)
        reuse(article, person(f"{title[:5]}-reuser"))
        customer = person(f"{title[:5]}-cust", kind=Kind.CUSTOMER)
        Subscription.objects.create(user=customer, article=article)
        material_edit(article, by=kb_owner)
        update = ArticleUpdate.objects.get(article=article)
        Notification.objects.filter(article=article).delete()  # announced again by hand below
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            announce_update(update.pk)
        assert Notification.objects.filter(article=article).count() == n + 1
        return len(ctx.captured_queries)

    assert queries_for(2, "Few readers") == queries_for(25, "Many readers")


def test_an_article_made_public_shows_customers_only_the_updates_made_since(article, kb_owner):
    # An update made while the article was internal stays internal: its note was written for staff.
    material_edit(article, by=kb_owner)
    customer = person("cust", kind=Kind.CUSTOMER)
    assert not ArticleUpdate.objects.visible_to(customer).exists()
    article.edit(by=kb_owner, base_version=article.version, changes={"audience": Audience.PUBLIC}, note="Public", material=False)
    assert not ArticleUpdate.objects.visible_to(customer).exists()
    article.refresh_from_db()
    material_edit(article, by=kb_owner, resolution=article.resolution + "\n4. Call back.")
    assert ArticleUpdate.objects.visible_to(customer).count() == 1


def test_a_title_only_edit_of_a_public_article_is_news_for_customers(public_article, kb_owner):
    customer = person("cust", kind=Kind.CUSTOMER)
    material_edit(public_article, by=kb_owner, title="Confirmation email never arrives")
    record = public_article.events.first()
    assert record.changed_fields == ["title"] and record.outside_changed
    update = ArticleUpdate.objects.get(article=public_article)
    assert update.reader_visible
    assert list(ArticleUpdate.objects.visible_to(customer)) == [update]
