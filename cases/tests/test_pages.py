"""The staff case pages: the list with its filters, one case with its links, linking and removing
a link with a reason, the history of removed links, and the article page's "Linked cases"."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Audience
from articles.tests.test_pages import text_of
from cases import services
from cases.models import Case, CaseLink
from conftest import client_for, make_article, make_contributor, unchanged_database

pytestmark = pytest.mark.django_db


def make_case(external_id="48213", *, source="zendesk", **data) -> Case:
    data = {"subject": "No room on arrival", **data}
    return services.upsert_case(source=source, external_id=external_id, data=data).case


def case_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.source, case.external_id])


def post_link(user, case, **data):
    return client_for(user).post(reverse("cases:link", args=[case.source, case.external_id]), data, follow=True)


# --- who sees the pages ------------------------------------------------------------------------


def test_customers_and_partners_get_404_on_every_case_page(customer, partner, contributor, article):
    case = make_case(agent=contributor.username)
    link, _ = services.link(case=case, article=article, kind="solved", by=contributor)
    for user in (customer, partner):
        client = client_for(user)
        assert client.get(reverse("cases:list")).status_code == 404
        assert client.get(case_url(case)).status_code == 404
        with unchanged_database():
            assert (
                client.post(reverse("cases:link", args=[case.source, case.external_id]), {"article": article.slug}).status_code
                == 404
            )
            assert client.post(reverse("cases:unlink", args=[link.pk]), {"reason": "x"}).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("cases:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_unknown_case_is_404(contributor):
    assert client_for(contributor).get(reverse("cases:detail", args=["zendesk", "nope"])).status_code == 404


# --- the list ----------------------------------------------------------------------------------


def test_the_list_shows_label_subject_status_agent_links_and_opened(contributor, publisher, article):
    case = make_case(subject="Hotel full at midnight", agent=contributor.username, team="Hotel desk")
    services.link(case=case, article=article, kind="solved", by=contributor)
    page = text_of(client_for(publisher).get(reverse("cases:list")))
    assert "Zendesk #48213" in page and "Hotel full at midnight" in page
    assert "Open" in page and contributor.username in page and "Hotel desk" in page
    assert "Live links: 1" in page
    assert case_url(case) in client_for(publisher).get(reverse("cases:list")).content.decode()


def test_the_list_filters_by_status_source_outcome_agent_and_text(contributor, publisher, article):
    solved = make_case("1", subject="Charged twice", agent=contributor.username)
    services.link(case=solved, article=article, kind="solved", by=contributor)
    services.upsert_case(source="zendesk", external_id="1", data={"status": "solved"})
    make_case("2", source="freshdesk", subject="Router red light", agent=publisher.username)
    make_case("3", subject="City tax", status="solved")  # solved with no link
    client = client_for(contributor)

    def shown(query: str) -> set[str]:
        page = client.get(reverse("cases:list") + query).content.decode()
        return {s for s in ("Charged twice", "Router red light", "City tax") if s in page}

    assert shown("") == {"Charged twice", "Router red light", "City tax"}
    assert shown("?status=open") == {"Router red light"}
    assert shown("?source=freshdesk") == {"Router red light"}
    assert shown("?outcome=known") == {"Charged twice"}
    assert shown("?outcome=none") == {"City tax"}
    assert shown("?outcome=undecided") == {"Router red light"}
    assert shown("?agent=mine") == {"Charged twice"}
    assert shown("?q=router") == {"Router red light"}
    assert shown("?q=%233") == {"City tax"}  # "#3", the way the label writes it
    assert shown(f"?article={article.slug}") == {"Charged twice"}
    assert shown("?status=bogus&source=bogus") == {"Charged twice", "Router red light", "City tax"}


def test_the_list_is_paginated_with_the_site_page_size(contributor, settings):
    settings.KCS_PAGE_SIZE = 2
    for n in range(5):
        make_case(str(n), subject=f"Case subject {n}")
    client = client_for(contributor)
    page = text_of(client.get(reverse("cases:list") + "?source=zendesk"))
    assert "Page 1 of 3" in page and page.count("Case subject") == 2
    html = client.get(reverse("cases:list") + "?source=zendesk&page=2").content.decode()
    assert "source=zendesk&amp;page=3" in html


def test_the_list_makes_a_bounded_number_of_queries(contributor, publisher, kb_owner, product, django_assert_max_num_queries):
    articles = [make_article(author=contributor, product=product, title=f"Article {n}", kb_owner=kb_owner) for n in range(3)]
    for n in range(8):
        case = make_case(str(n), subject=f"Subject {n}", agent=publisher.username, product=product.name)
        for a in articles:
            services.link(case=case, article=a, kind="reference", by=contributor)
    client = client_for(contributor)
    client.get(reverse("cases:list"))
    with django_assert_max_num_queries(6):
        response = client.get(reverse("cases:list") + f"?article={articles[0].slug}")
    assert text_of(response).count("Live links: 3") == 8


def test_the_old_lookup_address_still_finds_articles_used_on_a_case(contributor, article):
    services.link(case=services.manual_case("CASE-7"), article=article, kind="solved", by=contributor)
    response = client_for(contributor).get(reverse("cases:list") + "?case=CASE-7", follow=True)
    assert response.redirect_chain[-1][0] == reverse("health:cases") + "?case=CASE-7"
    page = text_of(response)
    assert article.title in page and "Case CASE-7" in page
    assert reverse("cases:detail", args=["manual", "CASE-7"]) in response.content.decode()


# --- one case ----------------------------------------------------------------------------------


def test_the_case_page_shows_details_and_a_safe_link_to_the_system_of_record(contributor):
    case = make_case(
        url="https://example.zendesk.com/agent/tickets/48213",
        description="We are in the lobby <script>alert(1)</script>",
        requester_name="Marta",
        requester_email="marta@example.com",
        agent=contributor.username,
    )
    response = client_for(contributor).get(case_url(case))
    html = response.content.decode()
    assert 'href="https://example.zendesk.com/agent/tickets/48213" rel="noopener noreferrer"' in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Marta" in text_of(response) and "No article is linked to this case." in text_of(response)


def test_a_case_link_that_is_not_http_is_not_offered(contributor):
    case = make_case()
    Case.objects.filter(pk=case.pk).update(url="javascript:alert(1)")
    assert "javascript:" not in client_for(contributor).get(case_url(case)).content.decode()


def test_the_case_page_shows_the_requesters_searches_and_viewed_articles(contributor, article):
    case = make_case("HC-1", source="help-centre")
    trail = {
        "searches": [{"q": "refund non refundable", "results": 0, "at": "2026-05-01T09:30:00Z"}, "hotel refund"],
        "viewed": [{"slug": article.slug, "title": "old title"}, "gone-article", 5],
    }
    Case.objects.filter(pk=case.pk).update(trail=trail)
    response = client_for(contributor).get(case_url(case))
    page = text_of(response)
    assert "Before asking for help" in page
    assert "refund non refundable" in page and "0 results" in page and "hotel refund" in page
    assert article.title in page and article.get_absolute_url() in response.content.decode()
    assert "gone-article (no longer available)" in page


def test_an_agent_links_an_article_by_its_address_and_sees_it_with_the_version(contributor, article):
    case = make_case()
    response = post_link(contributor, case, article=f"http://testserver{article.get_absolute_url()}", kind="solved")
    assert response.redirect_chain[-1][0] == case_url(case)
    page = text_of(response)
    assert f"Linked “{article.title}” to this case: Solved it." in page
    assert f"version {article.version} (current)" in page
    link = CaseLink.objects.live().get()
    assert (link.case, link.article, link.kind, link.linked_by) == (case, article, "solved", contributor)


def test_an_agent_links_by_slug_or_title(contributor, publisher, product, kb_owner, article):
    other = make_article(author=contributor, product=product, title="Overbooked on arrival", kb_owner=kb_owner)
    case = make_case()
    post_link(contributor, case, article=article.slug, kind="reference")
    post_link(publisher, case, article="overbooked on ARRIVAL", kind="solved")
    assert set(CaseLink.objects.live().values_list("article", "kind")) == {(article.pk, "reference"), (other.pk, "solved")}


def test_linking_an_unknown_or_archived_article_keeps_what_was_typed(contributor, kb_owner, product):
    archived = make_article(author=contributor, product=product, state="archived", kb_owner=kb_owner, title="Old voucher")
    case = make_case()
    response = post_link(contributor, case, article="no-such-article", kind="solved")
    assert response.status_code == 400
    assert "No single article matches “no-such-article”" in text_of(response)
    assert 'value="no-such-article"' in response.content.decode()
    response = post_link(contributor, case, article=archived.slug, kind="solved")
    assert response.status_code == 400 and "This article is archived" in text_of(response)
    response = post_link(contributor, case, article="http://[::1", kind="solved")  # no address at all
    assert response.status_code == 400 and "No single article matches" in text_of(response)
    assert not CaseLink.objects.exists()


def test_link_and_unlink_are_post_only_with_csrf(contributor, article):
    case = make_case()
    link, _ = services.link(case=case, article=article, kind="solved", by=contributor)
    client = client_for(contributor)
    assert client.get(reverse("cases:link", args=[case.source, case.external_id])).status_code == 405
    assert client.get(reverse("cases:unlink", args=[link.pk])).status_code == 405
    assert "csrfmiddlewaretoken" in client.get(case_url(case)).content.decode()


def test_removing_a_link_needs_a_reason_and_keeps_it_in_the_history(contributor, article):
    case = make_case()
    link, _ = services.link(case=case, article=article, kind="solved", by=contributor)
    client = client_for(contributor)
    response = client.post(reverse("cases:unlink", args=[link.pk]), {"reason": "   "})
    assert response.status_code == 400
    assert "Say why the link is removed" in text_of(response)
    assert CaseLink.objects.live().count() == 1

    response = client.post(reverse("cases:unlink", args=[link.pk]), {"reason": "Wrong case: it was 48214."}, follow=True)
    assert response.redirect_chain[-1][0] == case_url(case)
    page = text_of(response)
    assert f"Removed the link to “{article.title}”." in page
    assert "Removed links" in page and f"removed by {contributor.username}" in page and "“Wrong case: it was 48214.”" in page
    assert "No article is linked to this case." in page
    link.refresh_from_db()
    assert (link.unlinked_by, link.unlink_reason) == (contributor, "Wrong case: it was 48214.")
    article.refresh_from_db()
    assert article.reuse_count == 0


def test_only_the_linker_a_coach_or_a_kb_owner_may_remove_a_link(contributor, publisher, coach, kb_owner, article):
    case = make_case()
    link, _ = services.link(case=case, article=article, kind="solved", by=contributor)
    assert "Remove link" not in text_of(client_for(publisher).get(case_url(case)))
    response = client_for(publisher).post(reverse("cases:unlink", args=[link.pk]), {"reason": "Not mine"}, follow=True)
    assert "Link not removed. Only the agent who linked it" in text_of(response)
    assert CaseLink.objects.live().count() == 1
    assert "Remove link" in text_of(client_for(kb_owner).get(case_url(case)))
    response = client_for(coach).post(reverse("cases:unlink", args=[link.pk]), {"reason": "Duplicate"}, follow=True)
    assert not CaseLink.objects.live().exists()


def test_an_old_version_used_links_to_what_changed_since(contributor, article):
    case = make_case()
    used = article.version
    services.link(case=case, article=article, kind="solved", by=contributor)
    article.edit(by=contributor, base_version=article.version, changes={"cause": "Rate rules changed."})
    html = client_for(contributor).get(case_url(case)).content.decode()
    assert f'href="{reverse("articles:diff", args=[article.slug])}?from={used}&amp;to={article.version}"' in html
    assert f">version {used}</a>" in html


def test_the_outcome_shows_once_the_case_is_decided(contributor, article):
    case = make_case()
    services.link(case=case, article=article, kind="created", by=contributor, searches=["no room tonight"])
    assert "New — an article was created from it" not in text_of(client_for(contributor).get(case_url(case)))
    services.upsert_case(source="zendesk", external_id="48213", data={"status": "solved"})
    page = text_of(client_for(contributor).get(case_url(case)))
    assert "New — an article was created from it" in page and "Searched first: no room tonight" in page


def test_the_case_page_makes_a_bounded_number_of_queries(contributor, kb_owner, product, django_assert_max_num_queries):
    case = make_case()
    for n in range(6):
        a = make_article(author=contributor, product=product, title=f"Article {n}", kb_owner=kb_owner)
        link, _ = services.link(case=case, article=a, kind="reference", by=contributor)
        if n % 2:
            services.unlink(link=link, by=contributor, reason=f"Reason {n}")
    client = client_for(contributor)
    client.get(case_url(case))
    with django_assert_max_num_queries(6):
        response = client.get(case_url(case))
    assert text_of(response).count("Reason ") == 3


# --- the article page --------------------------------------------------------------------------


def test_the_article_page_shows_the_latest_linked_cases_to_staff(contributor, publisher, article):
    for n in range(7):
        services.link(case=make_case(f"C{n}"), article=article, kind="solved" if n else "created", by=publisher)
    response = client_for(contributor).get(article.get_absolute_url())
    page = text_of(response)
    assert "Linked cases (7)" in page and "Zendesk #C6" in page and "Zendesk #C0" not in page  # the latest five
    assert "All 7 linked cases" in page and f"{reverse('cases:list')}?article={article.slug}" in response.content.decode()
    assert f"version {article.version} (current)" in page and publisher.username in page
    article.refresh_from_db()
    assert "Used on cases 6 times" in page and article.reuse_count == 6  # reuse counts solved and reference only


def test_linked_cases_cost_one_query_whatever_their_number(contributor, article):
    client = client_for(contributor)
    client.get(article.get_absolute_url())
    with pytest.MonkeyPatch.context():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as before:
            client.get(article.get_absolute_url())
        for n in range(4):
            services.link(case=make_case(f"Q{n}"), article=article, kind="solved", by=make_contributor(f"agent{n}"))
        with CaptureQueriesContext(connection) as after:
            client.get(article.get_absolute_url())
    assert len(after.captured_queries) == len(before.captured_queries)


def test_customers_partners_and_the_help_centre_never_show_linked_cases(customer, partner, contributor, kb_owner, product):
    public = make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner)
    services.link(case=make_case("SECRET-9", subject="Private subject"), article=public, kind="solved", by=contributor)
    for client in (client_for(customer), client_for(partner), client_for(None), client_for(contributor)):
        html = client.get(public.get_help_url()).content.decode()
        assert "SECRET-9" not in html and "Linked cases" not in html and "Private subject" not in html
    response = client_for(customer).get(public.get_absolute_url(), follow=True)
    assert "SECRET-9" not in response.content.decode()


def test_links_at_older_times_are_listed_newest_first(contributor, article):
    old = make_case("OLD")
    link, _ = services.link(case=old, article=article, kind="solved", by=contributor)
    CaseLink.objects.filter(pk=link.pk).update(linked_at=timezone.now() - datetime.timedelta(days=3))
    services.link(case=make_case("NEW"), article=article, kind="solved", by=contributor)
    page = text_of(client_for(contributor).get(article.get_absolute_url()))
    assert page.index("Zendesk #NEW") < page.index("Zendesk #OLD")
