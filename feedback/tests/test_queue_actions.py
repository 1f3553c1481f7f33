"""Working through the flag queue: sort by priority or age, "Fix it", resolve by naming a
version from a list, and coming back to the queue as it was left."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import client_for, make_article, make_contributor, unchanged_database
from feedback.models import Flag, FlagState

from .helpers import bump, flag, text_of

pytestmark = pytest.mark.django_db

QUEUE = reverse("feedback:queue")


def aged(raised: Flag, days: int) -> Flag:
    Flag.objects.filter(pk=raised.pk).update(created_at=timezone.now() - datetime.timedelta(days=days))
    return raised


def order_on_page(response, comments: list[str]) -> list[str]:
    page = text_of(response)
    return sorted(comments, key=page.index)


def test_priority_puts_authority_first_then_wrong_then_the_most_flagged_then_the_oldest(article, candidate, kb_owner, product):
    other = make_article(author=kb_owner, product=product, kb_owner=kb_owner, title="Late check-out fee")
    third = make_article(author=kb_owner, product=product, kb_owner=kb_owner, title="Lost key card")
    aged(flag(other, candidate, reason="unclear", comment="Old and unclear"), 30)
    flag(third, candidate, reason="unclear", comment="New and unclear")
    flag(third, make_contributor("agent2"), reason="duplicate", comment="Crowded article")
    flag(third, make_contributor("agent3"), reason="duplicate", comment="Third on it")
    flag(other, candidate, reason="incorrect", comment="Wrong fee")
    flag(article, candidate, reason="authority_unclear", comment="Who approves 80 EUR?")
    response = client_for(kb_owner).get(QUEUE + "?sort=priority")
    assert order_on_page(
        response, ["Old and unclear", "New and unclear", "Crowded article", "Wrong fee", "Who approves 80 EUR?"]
    ) == ["Who approves 80 EUR?", "Wrong fee", "New and unclear", "Crowded article", "Old and unclear"]
    assert "How priority is worked out" in text_of(response)
    assert "3 open flags on it" in text_of(response)


def test_priority_is_the_default_and_age_sorts_both_ways(article, candidate, kb_owner):
    aged(flag(article, candidate, reason="unclear", comment="c-oldest"), 10)
    aged(flag(article, candidate, reason="outdated", comment="c-middle"), 5)
    flag(article, candidate, reason="duplicate", comment="c-newest")
    client = client_for(kb_owner)
    oldest = order_on_page(client.get(QUEUE + "?sort=oldest"), ["c-newest", "c-middle", "c-oldest"])
    newest = order_on_page(client.get(QUEUE + "?sort=newest"), ["c-newest", "c-middle", "c-oldest"])
    assert oldest == ["c-oldest", "c-middle", "c-newest"] and newest == ["c-newest", "c-middle", "c-oldest"]
    default = client.get(QUEUE + "?sort=nonsense")
    assert default.status_code == 200 and 'value="priority" selected' in default.content.decode()
    assert order_on_page(default, ["c-newest", "c-middle", "c-oldest"]) == ["c-middle", "c-oldest", "c-newest"]


def test_authority_flags_carry_a_badge_not_only_a_colour(article, candidate, kb_owner):
    flag(article, candidate, reason="authority_unclear")
    page = client_for(kb_owner).get(QUEUE).content.decode()
    assert 'class="flag-authority"' in page
    assert re.search(
        r'class="badge badge-authority-flag"><span class="mark" aria-hidden="true">!</span> Decision authority unclear</strong>',
        page,
    )


def test_the_queue_stays_a_few_queries_sorted_by_priority(candidate, kb_owner, product, django_assert_max_num_queries):
    for i in range(6):
        target = make_article(author=kb_owner, product=product, kb_owner=kb_owner, title=f"Article {i}")
        flag(target, candidate, comment=f"Comment {i}", reason="authority_unclear" if i % 2 else "unclear")
        flag(target, make_contributor(f"agent{i}"), reason="outdated")
    client = client_for(kb_owner)
    with django_assert_max_num_queries(10):
        response = client.get(QUEUE + "?sort=priority&state=all")
    assert response.status_code == 200 and response.content.decode().count("?resolves=") == 12


def test_the_queue_is_paginated_and_pages_keep_filters_and_sort(article, candidate, kb_owner, settings):
    settings.KCS_PAGE_SIZE = 2
    for reason in ("unclear", "outdated", "incorrect"):
        flag(article, candidate, reason=reason)
    page = client_for(kb_owner).get(QUEUE + "?sort=oldest&reason=")
    assert "Page 1 of 2" in text_of(page)
    assert "sort=oldest" in re.search(r'href="(\?[^"]*page=2)"', page.content.decode()).group(1)


# --- Fix it ------------------------------------------------------------------------------------


def test_fix_it_opens_the_editor_with_that_flag_ticked(article, candidate, contributor, publisher):
    wanted = flag(article, candidate, reason="unclear")
    other = flag(article, publisher, reason="outdated")
    client = client_for(contributor)
    queue = client.get(QUEUE).content.decode()
    fix_url = reverse("articles:edit", args=[article.slug]) + f"?resolves={wanted.pk}"
    assert f'href="{fix_url}"' in queue
    editor = client.get(fix_url).content.decode()
    assert re.search(rf'name="addresses_flag" value="{wanted.pk}" checked', editor)
    assert re.search(rf'name="addresses_flag" value="{other.pk}">', editor)


def test_fix_it_shows_on_the_flag_page_and_the_article_box_only_for_who_may_edit(article, candidate, contributor):
    raised = flag(article, candidate, reason="unclear")
    fix_url = reverse("articles:edit", args=[article.slug]) + f"?resolves={raised.pk}"
    assert fix_url in client_for(contributor).get(reverse("feedback:flag", args=[raised.pk])).content.decode()
    assert fix_url in client_for(contributor).get(article.get_absolute_url()).content.decode()
    # The candidate may not edit this validated article: no Fix it, anywhere.
    assert fix_url not in client_for(candidate).get(reverse("feedback:flag", args=[raised.pk])).content.decode()
    assert fix_url not in client_for(candidate).get(article.get_absolute_url()).content.decode()


def test_no_fix_it_on_an_authority_flag_for_who_may_not_change_the_authority(article, candidate, contributor, kb_owner):
    raised = flag(article, candidate, reason="authority_unclear")
    fix_url = reverse("articles:edit", args=[article.slug]) + f"?resolves={raised.pk}"
    assert fix_url not in client_for(contributor).get(article.get_absolute_url()).content.decode()
    assert fix_url in client_for(kb_owner).get(QUEUE).content.decode()


# --- resolve: a version from a list, or no change needed ------------------------------------------


def test_resolve_offers_the_versions_since_the_flag_newest_ticked(article, candidate, contributor):
    raised = flag(article, candidate)
    flagged_on = article.version
    bump(article, contributor, text="1. Check the booking.\n2. Offer a voucher.")
    page = client_for(contributor).get(reverse("feedback:flag", args=[raised.pk])).content.decode()
    text = re.sub(r"\s+", " ", page)
    assert f"Version {article.version} — Fix (colin," in text
    assert f"Version {flagged_on} — " in text and "the version it was flagged on" in text
    assert f"Version {flagged_on - 1} —" not in text  # nothing from before the flag
    assert re.search(rf'value="{article.version}"[^>]*checked', page)
    assert "No change was needed" in text


def test_resolving_by_a_listed_version_records_it(article, candidate, contributor):
    raised = flag(article, candidate)
    flagged_on = article.version
    bump(article, contributor)
    bump(article, contributor, text="Another change")
    client_for(contributor).post(reverse("feedback:resolve", args=[raised.pk]), {"version": str(flagged_on + 1), "note": ""})
    raised.refresh_from_db()
    assert (raised.state, raised.resolved_version) == (FlagState.RESOLVED, flagged_on + 1)


def test_a_version_not_offered_is_refused_keeping_the_note(article, candidate, contributor):
    raised = flag(article, candidate)
    client = client_for(contributor)
    with unchanged_database():
        response = client.post(
            reverse("feedback:resolve", args=[raised.pk]), {"version": str(article.version + 5), "note": "Kept words"}
        )
    assert response.status_code == 400
    assert "Choose one of the versions saved since the flag was raised" in text_of(response) and "Kept words" in text_of(response)


def test_no_change_needed_dismisses_with_the_reason_and_needs_one(article, candidate, contributor):
    raised = flag(article, candidate)
    url = reverse("feedback:resolve", args=[raised.pk])
    client = client_for(contributor)
    with unchanged_database():
        refused = client.post(url, {"version": "no_change", "note": " "})
    assert refused.status_code == 400 and "Say why no change was needed" in text_of(refused)
    client.post(url, {"version": "no_change", "note": "Step 2 is right as written."})
    raised.refresh_from_db()
    assert (raised.state, raised.resolved_version) == (FlagState.DISMISSED, None)
    assert raised.outcome_note == "No change needed: Step 2 is right as written."


# --- back where the user came from ---------------------------------------------------------------


def test_dismiss_from_the_queue_returns_to_the_queue_as_it_was_with_a_message(article, candidate, contributor):
    raised = flag(article, candidate)
    here = QUEUE + "?state=open&source=&reason=unclear&sort=oldest"
    client = client_for(contributor)
    queue = client.get(here).content.decode()
    detail_href = re.search(rf'href="({reverse("feedback:flag", args=[raised.pk])}\?next=[^"]+)"', queue).group(1)
    detail = client.get(detail_href.replace("&amp;", "&")).content.decode()
    assert f'name="next" value="{here.replace("&", "&amp;")}"' in detail
    response = client.post(reverse("feedback:dismiss", args=[raised.pk]), {"reason": "Not an issue", "next": here}, follow=True)
    assert response.redirect_chain[-1][0] == here
    assert "dismissed; whoever raised it has been told why" in text_of(response)


def test_resolve_from_the_article_box_returns_to_the_article(article, candidate, contributor):
    raised = flag(article, candidate)
    page = client_for(contributor).get(article.get_absolute_url()).content.decode()
    assert f"{reverse('feedback:flag', args=[raised.pk])}?next={article.get_absolute_url()}" in page
    response = client_for(contributor).post(
        reverse("feedback:resolve", args=[raised.pk]), {"version": "", "next": article.get_absolute_url()}
    )
    assert response.url == article.get_absolute_url()


def test_a_foreign_next_on_the_flag_page_is_not_carried_into_its_forms(article, candidate, contributor):
    raised = flag(article, candidate)
    page = client_for(contributor).get(reverse("feedback:flag", args=[raised.pk]) + "?next=//evil.example/").content.decode()
    assert "evil.example" not in page


def test_the_editor_opened_from_fix_it_says_which_flag_it_fixes(article, candidate, contributor):
    raised = flag(article, candidate, reason="unclear", comment="Which form is the usual form?")
    client = client_for(contributor)
    page = text_of(client.get(reverse("articles:edit", args=[article.slug]) + f"?resolves={raised.pk}"))
    assert re.search(r"Fixing: Staff flag Unclear — “\s*Which form is the usual form\?\s*”", page)
    assert "Fixing:" not in text_of(client.get(reverse("articles:edit", args=[article.slug])))
    # An id that is no open flag of this article shows nothing and ticks nothing.
    other = text_of(client.get(reverse("articles:edit", args=[article.slug]) + "?resolves=999999&resolves=x"))
    assert "Fixing:" not in other
