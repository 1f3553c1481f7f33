"""Flag it from the article page; the owners' queue; resolve or dismiss; who hears what."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import client_for, make_article, make_contributor, unchanged_database
from feedback.models import Flag, FlagState
from notifications.models import Notification

from .helpers import bump, customer_article, flag, text_of

pytestmark = pytest.mark.django_db


def flag_url(article) -> str:
    return reverse("feedback:flag-article", args=[article.slug])


def test_staff_flag_an_article_from_its_page(article, candidate):
    page = client_for(candidate).get(article.get_absolute_url())
    assert "Flag it" in text_of(page) and flag_url(article) in page.content.decode()
    response = client_for(candidate).post(
        flag_url(article), {"reason": "outdated", "comment": "The fee changed in May.", "case_ref": "CASE-7"}
    )
    assert response.status_code == 302 and response.url == article.get_absolute_url()
    raised = Flag.objects.get()
    assert (raised.reason, raised.comment, raised.case_ref, raised.state) == (
        "outdated",
        "The fee changed in May.",
        "CASE-7",
        "open",
    )
    assert (raised.created_by, raised.article_version) == (candidate, article.version)


def test_the_owner_is_told_about_a_new_flag(article, candidate, contributor):
    flag(article, candidate, reason="incorrect")
    told = Notification.objects.get(recipient=contributor)
    assert told.kind == "flag_raised" and article.title in told.title


def test_open_flags_show_on_the_article_page_to_staff_escaped(article, candidate, publisher):
    flag(article, candidate, comment="<script>alert(1)</script>")
    page = client_for(publisher).get(article.get_absolute_url()).content.decode()
    assert "Open flags (1)" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_customers_never_see_staff_flags(contributor, kb_owner, product, candidate, customer):
    shown = customer_article(author=contributor, product=product, kb_owner=kb_owner)
    flag(shown, candidate, comment="Internal: the refund policy is under legal review.")
    page = client_for(customer).get(shown.get_help_url(), follow=True)
    assert page.status_code == 200
    assert "legal review" not in text_of(page) and "Open flags" not in text_of(page)
    assert client_for(customer).get(reverse("feedback:queue")).status_code == 404
    assert client_for(customer).get(reverse("feedback:flag", args=[Flag.objects.get().pk])).status_code == 404


def test_customers_cannot_post_a_flag(article, customer):
    client = client_for(customer)
    with unchanged_database():
        response = client.post(flag_url(article), {"reason": "incorrect"})
    assert response.status_code == 404
    assert not Flag.objects.exists()


def test_a_bad_flag_form_keeps_what_was_typed(article, candidate):
    client = client_for(candidate)
    with unchanged_database():
        response = client.post(flag_url(article), {"reason": "", "comment": "Keep my words", "case_ref": "C-9"})
    assert response.status_code == 400
    assert "Keep my words" in response.content.decode() and 'value="C-9"' in response.content.decode()
    assert not Flag.objects.exists()


def test_the_same_person_cannot_flag_the_same_reason_twice_while_open(article, candidate):
    flag(article, candidate, reason="unclear")
    client = client_for(candidate)
    with unchanged_database():
        response = client.post(flag_url(article), {"reason": "unclear", "comment": "Again"})
    assert response.status_code == 400 and "already flagged" in text_of(response)
    assert Flag.objects.count() == 1


def test_who_may_edit_the_authority_is_not_offered_an_authority_flag(article, kb_owner):
    client = client_for(kb_owner)
    page = client.get(flag_url(article)).content.decode()
    assert 'value="authority_unclear"' not in page
    with unchanged_database():
        response = client.post(flag_url(article), {"reason": "authority_unclear"})
    assert response.status_code == 400 and not Flag.objects.exists()


def test_who_may_change_governed_content_fixes_it_instead_of_flagging(contributor, kb_owner, product):
    governed = make_article(author=contributor, product=product, kb_owner=kb_owner, governed=True)
    owner = client_for(kb_owner)
    assert "Flag it" not in text_of(owner.get(governed.get_absolute_url()))
    with unchanged_database():
        assert owner.post(flag_url(governed), {"reason": "incorrect"}).status_code == 403
    assert not Flag.objects.filter(article=governed).exists()
    assert client_for(make_contributor("agent")).post(flag_url(governed), {"reason": "incorrect"}).status_code == 302


def test_queue_lists_open_flags_for_kb_owners_and_article_owners(article, candidate, contributor, kb_owner, product):
    other = make_article(author=kb_owner, product=product, kb_owner=kb_owner, title="Late check-out fee")
    flag(article, candidate, comment="About refunds")
    flag(other, candidate, comment="About check-out")
    kb_view = text_of(client_for(kb_owner).get(reverse("feedback:queue")))
    assert "About refunds" in kb_view and "About check-out" in kb_view
    owner_view = text_of(client_for(contributor).get(reverse("feedback:queue")))
    assert "About refunds" in owner_view and "About check-out" not in owner_view
    candidate_view = client_for(candidate).get(reverse("feedback:queue"))
    assert "No flags here." in text_of(candidate_view)
    assert "Late check-out fee : Unclear — Open" in text_of(candidate_view)  # under "Flags I raised"


def test_queue_query_count_does_not_grow_with_flags(article, candidate, kb_owner, product, django_assert_max_num_queries):
    for i in range(3):
        target = make_article(author=kb_owner, product=product, kb_owner=kb_owner, title=f"Article {i}")
        flag(target, candidate, comment=f"Comment {i}")
        flag(target, make_contributor(f"agent{i}"), reason="outdated")
    client = client_for(kb_owner)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("feedback:queue") + "?state=all")
    assert response.status_code == 200 and all(f"Comment {i}" in text_of(response) for i in range(3))


def test_dashboard_shows_open_counts(article, candidate, contributor, kb_owner):
    flag(article, candidate)
    flag(article, candidate, reason="outdated")
    owner_dash = text_of(client_for(contributor).get(reverse("articles:dashboard")))
    assert "2 open flags waiting for you" in owner_dash
    assert "1 of your own" not in owner_dash
    candidate_dash = text_of(client_for(candidate).get(reverse("articles:dashboard")))
    assert "0 open flags waiting for you" in candidate_dash and "2 of your own flags still open" in candidate_dash


def test_owner_resolves_pointing_to_the_fixing_version_and_the_flagger_hears_it(article, candidate, contributor):
    raised = flag(article, candidate)
    flagged_on = article.version
    bump(article, contributor)
    response = client_for(contributor).post(reverse("feedback:resolve", args=[raised.pk]), {"version": "", "note": "Reworded"})
    assert response.status_code == 302
    raised.refresh_from_db()
    assert (raised.state, raised.resolved_version, raised.closed_by) == ("resolved", article.version, contributor)
    told = Notification.objects.get(recipient=candidate)
    assert told.kind == "flag_resolved" and "Reworded" in told.body
    assert told.url == reverse("articles:diff", args=[article.slug]) + f"?from={flagged_on}&to={article.version}"


def test_resolving_with_a_version_before_the_flag_is_refused_and_nothing_lost(article, candidate, contributor):
    raised = flag(article, candidate)
    client = client_for(contributor)
    with unchanged_database():
        response = client.post(reverse("feedback:resolve", args=[raised.pk]), {"version": "1", "note": "My note"})
    page = text_of(response)
    assert response.status_code == 400 and "Choose one of the versions saved since the flag was raised" in page
    assert "My note" in page
    raised.refresh_from_db()
    assert raised.state == FlagState.OPEN


def test_dismiss_needs_a_reason_and_the_flagger_reads_it(article, candidate, contributor):
    raised = flag(article, candidate)
    url = reverse("feedback:dismiss", args=[raised.pk])
    client = client_for(contributor)
    with unchanged_database():
        response = client.post(url, {"reason": "  "})
    assert response.status_code == 400 and "Say why" in text_of(response)
    raised.refresh_from_db()
    assert raised.state == FlagState.OPEN
    assert client.post(url, {"reason": "Duplicate of the fee article."}).status_code == 302
    raised.refresh_from_db()
    assert (raised.state, raised.outcome_note) == ("dismissed", "Duplicate of the fee article.")
    told = Notification.objects.get(recipient=candidate)
    assert told.kind == "flag_dismissed" and "Duplicate of the fee article." in told.body


def test_candidate_cannot_resolve_or_dismiss(article, candidate, publisher):
    raised = flag(article, publisher)
    client = client_for(candidate)
    with unchanged_database():
        assert client.post(reverse("feedback:resolve", args=[raised.pk]), {}).status_code == 403
        assert client.post(reverse("feedback:dismiss", args=[raised.pk]), {"reason": "no"}).status_code == 403
    assert "can resolve or dismiss" in text_of(client.get(reverse("feedback:flag", args=[raised.pk])))
    raised.refresh_from_db()
    assert raised.state == FlagState.OPEN


def test_a_closed_flag_cannot_be_closed_again(article, candidate, contributor, kb_owner):
    raised = flag(article, candidate)
    client_for(contributor).post(reverse("feedback:dismiss", args=[raised.pk]), {"reason": "Not an issue"})
    response = client_for(kb_owner).post(reverse("feedback:resolve", args=[raised.pk]), {}, follow=True)
    assert "This flag is already dismissed" in text_of(response)
    raised.refresh_from_db()
    assert (raised.state, raised.closed_by) == ("dismissed", contributor)


def test_next_only_redirects_within_the_site(article, candidate, contributor):
    raised = flag(article, candidate)
    response = client_for(contributor).post(
        reverse("feedback:dismiss", args=[raised.pk]), {"reason": "x", "next": "https://evil.example/"}
    )
    assert response.url == reverse("feedback:queue")
