"""The most-used drafts queue (cases/drafts_queue.py): not-validated articles linked to at least
KCS_QUEUE_MIN_CASES cases now, most linked first; who sees it; the count on a KB owner's My work."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from articles.models import State
from cases import drafts_queue, services
from cases.models import Case
from conftest import client_for, make_article, make_candidate, make_contributor

pytestmark = pytest.mark.django_db

URL = "/cases/most-used-drafts/"


def link_cases(article, n, by, *, start=0):
    links = []
    for i in range(start, start + n):
        case, _ = Case.objects.get_or_create(source="zendesk", external_id=f"{article.pk}-{i}")
        links.append(services.link(case=case, article=article, kind="solved", by=by)[0])
    return links


@pytest.fixture
def drafts(contributor, kb_owner, product):
    """Drafts and others, each linked to some cases by an agent."""
    agent = make_contributor("agent")

    def make(title, state, n):
        article = make_article(author=contributor, product=product, title=title, state=state, kb_owner=kb_owner)
        if n:
            link_cases(article, n, agent)
        return article

    return {
        "five": make("Draft on five cases", State.NOT_VALIDATED, 5),
        "three": make("Draft on three cases", State.NOT_VALIDATED, 3),
        "two": make("Draft on two cases", State.NOT_VALIDATED, 2),
        "validated": make("Validated on nine cases", State.VALIDATED, 9),
        "wip": make("Framed on four cases", State.WIP, 4),
        "agent": agent,
    }


def titles(html: str) -> list[str]:
    body = html.split('<table class="drafts-queue">', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/articles/[^"]+/" dir="auto">([^<]+)</a>', body)


def test_the_queue_lists_drafts_on_enough_cases_most_linked_first(drafts, settings):
    settings.KCS_QUEUE_MIN_CASES = 3
    rows = list(drafts_queue.drafts())
    assert [(article.pk, article.live_links) for article in rows] == [(drafts["five"].pk, 5), (drafts["three"].pk, 3)]


def test_the_threshold_comes_from_the_setting(drafts, settings):
    settings.KCS_QUEUE_MIN_CASES = 2
    assert [a.pk for a in drafts_queue.drafts()] == [drafts["five"].pk, drafts["three"].pk, drafts["two"].pk]
    settings.KCS_QUEUE_MIN_CASES = 5
    assert [a.pk for a in drafts_queue.drafts()] == [drafts["five"].pk]
    settings.KCS_QUEUE_MIN_CASES = 6
    assert not drafts_queue.drafts().exists()


def test_validated_and_archived_articles_are_never_in_the_queue(drafts, kb_owner, settings):
    settings.KCS_QUEUE_MIN_CASES = 1
    drafts["three"].validate(by=kb_owner)
    drafts["five"].archive(by=kb_owner, note="Wrong product")
    assert [a.pk for a in drafts_queue.drafts()] == [drafts["two"].pk]


def test_removed_links_do_not_count(drafts, settings):
    settings.KCS_QUEUE_MIN_CASES = 3
    links = drafts["five"].case_links.order_by("id")
    for link in links[:3]:
        services.unlink(link=link, by=drafts["agent"], reason="Not the right article")
    assert [(a.pk, a.live_links) for a in drafts_queue.drafts()] == [(drafts["three"].pk, 3)]


def test_a_tie_goes_to_the_oldest_draft(drafts, settings):
    settings.KCS_QUEUE_MIN_CASES = 3
    link_cases(drafts["three"], 2, drafts["agent"], start=10)  # now five, like "five"
    assert [a.pk for a in drafts_queue.drafts()] == [drafts["five"].pk, drafts["three"].pk]
    drafts["three"].__class__.objects.filter(pk=drafts["three"].pk).update(
        created_at=drafts["five"].created_at - datetime.timedelta(days=1)
    )
    assert [a.pk for a in drafts_queue.drafts()] == [drafts["three"].pk, drafts["five"].pk]


def test_work_in_progress_has_its_own_tab(drafts, kb_owner, settings):
    settings.KCS_QUEUE_MIN_CASES = 3
    client = client_for(kb_owner)
    html = client.get(URL).content.decode()
    assert titles(html) == ["Draft on five cases", "Draft on three cases"]
    wip = client.get(URL + "?state=wip").content.decode()
    assert titles(wip) == ["Framed on four cases"]
    assert "Write the resolution" in wip


def test_the_page_shows_count_last_linked_owner_product_and_a_review_action(drafts, kb_owner, contributor, settings):
    settings.KCS_QUEUE_MIN_CASES = 3
    html = client_for(kb_owner).get(URL).content.decode()
    assert "2 articles" in html
    row = html.split("Draft on five cases", 1)[1].split("</tr>", 1)[0]
    assert f'<a href="/cases/?article={drafts["five"].slug}">5</a>' in row
    assert timezone.localdate().strftime("%-d %b %Y") in row
    assert contributor.username in row and "Hotel Bookings" in row
    assert f'href="/articles/{drafts["five"].slug}/" aria-label="Review “Draft on five cases”">Review</a>' in row


def test_a_reader_who_may_not_validate_a_draft_gets_no_review_button(drafts, product, kb_owner, settings):
    settings.KCS_QUEUE_MIN_CASES = 3
    # Written for customers: validating publishes it, which needs a publisher.
    drafts["five"].edit(by=kb_owner, base_version=drafts["five"].version, changes={"audience": "customer"}, material=False)
    html = client_for(make_contributor("plain")).get(URL).content.decode()
    row = html.split("Draft on five cases", 1)[1].split("</tr>", 1)[0]
    assert "Review</a>" not in row and "Needs another reviewer" in row


def test_only_those_who_validate_see_the_queue(drafts, customer):
    assert client_for(make_candidate()).get(URL).status_code == 403
    assert client_for(customer).get(URL).status_code == 404
    assert client_for(None).get(URL).status_code == 302


def test_the_queue_costs_a_fixed_number_of_queries(
    drafts, kb_owner, product, contributor, settings, django_assert_max_num_queries
):
    settings.KCS_QUEUE_MIN_CASES = 1
    client = client_for(kb_owner)
    client.get(URL)
    for i in range(6):
        article = make_article(
            author=contributor, product=product, title=f"More {i}", state=State.NOT_VALIDATED, kb_owner=kb_owner
        )
        link_cases(article, 1, drafts["agent"])
    # Session and user, the count, the page of articles with owner and product, their last links,
    # and the notification bell of every page.
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert len(titles(response.content.decode())) == 9


def test_a_kb_owner_sees_the_count_on_my_work_with_a_link(drafts, kb_owner, settings):
    settings.KCS_QUEUE_MIN_CASES = 3
    html = client_for(kb_owner).get("/dashboard/").content.decode()
    assert f'<a href="{URL}">2 not-validated articles linked to 3 or more cases</a>' in html


def test_other_staff_do_not_get_the_count(drafts, contributor):
    html = client_for(contributor).get("/dashboard/").content.decode()
    assert "Most-used drafts" not in html
