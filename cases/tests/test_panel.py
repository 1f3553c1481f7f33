"""The agent panel a ticketing tool frames: who sees it, what it shows, and what the agent does in it."""

from __future__ import annotations

import pytest

from articles.models import Article, State
from cases import panel
from cases.choices import LinkKind
from cases.models import Case, CaseLink
from cases.services import link, upsert_case
from conftest import client_for, make_article, make_candidate, make_user, unchanged_database
from search import indexing
from search.models import SearchLog

PANEL = "/agent/panel/"
LAUNCH = {"source": "zendesk", "case": "12345"}
ORIGIN = "https://support.example.com"


@pytest.fixture
def indexed(article):
    indexing.rebuild()
    return article


@pytest.fixture
def case(db, kb_owner, product):
    return upsert_case(
        source="zendesk",
        external_id="12345",
        data={
            "subject": "Refund for my non-refundable booking",
            "description": "I was ill and could not travel.",
            "product": product.slug,
        },
    ).case


def post(client, path, **data):
    return client.post(PANEL + path, {**LAUNCH, **data})


# --- who may open it ------------------------------------------------------------------------


def test_signed_out_agent_is_offered_sign_in_in_the_frame_and_a_new_window(db):
    page = client_for(None).get(PANEL, LAUNCH)
    html = page.content.decode()
    assert page.status_code == 200
    assert "/accounts/login/?next=%2Fagent%2Fpanel%2F%3Fsource%3Dzendesk%26case%3D12345" in html
    assert 'target="_blank"' in html and "Open in a new window" in html


@pytest.mark.parametrize("persona", ["customer", "partner"])
def test_customers_and_partners_are_refused_and_see_no_case(persona, case, request):
    page = client_for(request.getfixturevalue(persona)).get(PANEL, LAUNCH)
    assert page.status_code == 403
    assert case.subject not in page.content.decode()
    assert post(client_for(request.getfixturevalue(persona)), "link/", article="1", kind="solved").status_code == 403


def test_an_unknown_source_is_a_clear_message(contributor):
    page = client_for(contributor).get(PANEL, {"source": "jira", "case": "1"})
    assert page.status_code == 400
    assert "Unknown case source “jira”" in page.content.decode()
    assert client_for(contributor).get(PANEL, {"source": "zendesk"}).status_code == 400


# --- what it shows --------------------------------------------------------------------------


def test_a_case_not_synced_yet_is_shown_from_the_launch_url_and_nothing_is_written(indexed, contributor):
    client = client_for(contributor)
    launch = {**LAUNCH, "subject": "Refund for a non-refundable booking", "description": "Please help"}
    with unchanged_database(ignore={"search_searchlog"}):
        page = client.get(PANEL, launch)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Not synced here yet" in html and "Please help" in html
    assert indexed.title in html  # its subject searched at once
    assert not Case.objects.exists()


def test_hits_show_state_authority_summary_and_contact_opening_in_a_new_tab(indexed, case, contributor):
    page = client_for(contributor).get(PANEL, LAUNCH)
    html = page.content.decode()
    assert case.subject in html and "Zendesk #12345" in html and "Hotel Bookings" in html
    hit = page.context["hits"][0]
    assert hit.article == indexed
    assert hit.alone == ["You may refund the booking up to 50 EUR without approval."]
    assert hit.ends == ["With your team lead's approval you may refund the booking up to 150 EUR."]
    assert "Billing Escalations, #billing-escalations, 08:00-20:00 CET, answer within 15 minutes" in html
    assert f'href="/articles/{indexed.slug}/" target="_blank" rel="noopener"' in html
    assert "Link — solved it" in html and "Link — reference" in html


def test_only_what_the_agent_typed_is_logged_as_a_search(indexed, case, contributor):
    client = client_for(contributor)
    client.get(PANEL, LAUNCH)
    assert not SearchLog.objects.exists()
    page = client.get(PANEL, {**LAUNCH, "q": "refund booking"})
    assert list(SearchLog.objects.values_list("query", flat=True)) == ["refund booking"]
    assert 'name="q" value="refund booking"' in page.content.decode()


def test_a_search_shows_only_articles_the_agent_may_see(indexed, case, contributor, kb_owner, product):
    someone = make_candidate()
    draft = make_article(author=someone, product=product, state=State.WIP, title="Refund quokka draft", kb_owner=kb_owner)
    indexing.rebuild()
    hits = client_for(contributor).get(PANEL, {**LAUNCH, "q": "refund"}).context["hits"]
    shown = {h.article.pk for h in hits}
    assert indexed.pk in shown
    assert (draft.pk in shown) == Article.objects.visible_to(contributor).filter(pk=draft.pk).exists()


def test_the_panel_costs_a_bounded_number_of_queries_with_several_hits(
    case, contributor, kb_owner, product, contact, django_assert_max_num_queries
):
    from conftest import REFUND_RULES

    for n in range(6):
        make_article(
            author=contributor,
            product=product,
            title=f"Refund booking case {n}",
            rules=REFUND_RULES,
            contact=contact,
            kb_owner=kb_owner,
        )
    indexing.rebuild()
    client = client_for(contributor)
    for article in Article.objects.all()[:3]:
        link(case=case, article=article, kind=LinkKind.REFERENCE, by=contributor)
    # The search reads the article vectors changed since the last one once (search.semantic).
    with django_assert_max_num_queries(15):
        page = client.get(PANEL, {**LAUNCH, "q": "refund booking"})
    assert len(page.context["hits"]) == panel.PANEL_HITS


# --- the agent acts -------------------------------------------------------------------------


def test_linking_as_solved_makes_the_case_from_the_launch_and_comes_back_to_the_panel(indexed, contributor):
    client = client_for(contributor)
    answer = post(client, "link/", article=str(indexed.pk), kind="solved", subject="Refund please", description="Ill")
    case = Case.objects.get(source="zendesk", external_id="12345")
    assert (case.subject, case.description) == ("Refund please", "Ill")
    assert answer.status_code == 302 and answer["Location"].startswith(PANEL + "?source=zendesk&case=12345")
    assert "subject" not in answer["Location"]  # saved now: the launch words are no longer needed
    made = CaseLink.objects.get(case=case)
    assert (made.kind, made.article, made.linked_by, made.article_version) == ("solved", indexed, contributor, indexed.version)
    page = client.get(answer["Location"])
    html = page.content.decode()
    assert "Linked “Refund for a non-refundable booking” to Zendesk #12345: solved it." in html
    assert "Linked — solved it" in html and "Remove link" in html
    assert "Link — reference" not in html


def test_a_link_from_the_panel_keeps_the_searches_run_for_that_case(indexed, contributor):
    client = client_for(contributor)
    client.get(PANEL, {**LAUNCH, "q": "refund booking"})
    client.get(PANEL, {**LAUNCH, "q": "non refundable"})
    post(client, "link/", article=str(indexed.pk), kind="reference")
    made = CaseLink.objects.get(case__external_id="12345")
    assert [s["q"] for s in made.searches] == ["refund booking", "non refundable"]


def test_acting_never_overwrites_what_the_ticketing_tool_synced(indexed, case, contributor):
    post(client_for(contributor), "link/", article=str(indexed.pk), kind="reference", subject="Other words", description="x")
    case.refresh_from_db()
    assert case.subject == "Refund for my non-refundable booking" and case.description == "I was ill and could not travel."
    assert case.links.get().kind == "reference"


def test_a_link_form_sent_twice_counts_once_and_bad_input_is_a_message(indexed, case, contributor):
    client = client_for(contributor)
    post(client, "link/", article=str(indexed.pk), kind="solved")
    again = post(client, "link/", article=str(indexed.pk), kind="solved")
    assert CaseLink.objects.count() == 1
    assert "was already linked" in client.get(again["Location"]).content.decode()
    wrong = post(client, "link/", article=str(indexed.pk), kind="created")
    assert "“solved it” or as a reference" in client.get(wrong["Location"]).content.decode()
    assert post(client, "link/", article="not-a-number", kind="solved").status_code == 400
    assert CaseLink.objects.count() == 1


def test_removing_a_link_asks_why_and_keeps_the_history(indexed, case, contributor):
    client = client_for(contributor)
    made, _ = link(case=case, article=indexed, kind=LinkKind.SOLVED, by=contributor)
    refused = post(client, "unlink/", link=str(made.pk), reason="  ")
    assert "Say why the link is removed" in client.get(refused["Location"]).content.decode()
    post(client, "unlink/", link=str(made.pk), reason="Wrong article")
    made.refresh_from_db()
    assert made.unlinked_by == contributor and made.unlink_reason == "Wrong article"
    assert "Link to “Refund for a non-refundable booking” removed" in client.get(PANEL, LAUNCH).content.decode()


def test_another_agent_cannot_remove_my_link(indexed, case, contributor, publisher):
    made, _ = link(case=case, article=indexed, kind=LinkKind.SOLVED, by=contributor)
    client = client_for(publisher)
    answer = post(client, "unlink/", link=str(made.pk), reason="mine now")
    assert "Only the agent who linked it" in client.get(answer["Location"]).content.decode()
    made.refresh_from_db()
    assert made.is_live


def test_new_article_from_the_case_is_a_wip_in_the_requesters_words_with_the_searches(indexed, case, contributor, product):
    client = client_for(contributor)
    client.get(PANEL, LAUNCH)  # the subject, searched at once
    client.get(PANEL, {**LAUNCH, "q": "refund illness"})
    client.get(PANEL, {**LAUNCH, "q": "refund illness"})  # a reload is not a new search
    answer = post(client, "new-article/")
    made = CaseLink.objects.get(case=case, kind=LinkKind.CREATED)
    article = made.article
    assert answer.status_code == 302 and answer["Location"] == f"/articles/{article.slug}/edit/"
    assert (article.state, article.title, article.product) == (State.WIP, case.subject, product)
    assert article.issue == "Refund for my non-refundable booking\n\nI was ill and could not travel."
    assert "Product: Hotel Bookings" in article.environment and "customer, through Zendesk" in article.environment
    assert [s["q"] for s in made.searches] == ["Refund for my non-refundable booking", "refund illness"]
    html = client.get(PANEL, LAUNCH).content.decode()
    assert "Created from this case" in html


def test_a_case_without_a_product_asks_the_agent_to_choose_one(indexed, contributor, product):
    client = client_for(contributor)
    page = client.get(PANEL, {**LAUNCH, "subject": "Printer offline"})
    assert page.context["products"] == [product] and 'name="product"' in page.content.decode()
    with unchanged_database():
        refused = post(client, "new-article/", subject="Printer offline")
    assert refused.status_code == 400 and "Choose the product" in refused.content.decode()
    post(client, "new-article/", subject="Printer offline", product=str(product.pk))
    created = CaseLink.objects.get(kind=LinkKind.CREATED).article
    assert created.product == product and created.title == "Printer offline"


def test_a_candidate_creates_from_a_case_and_staff_without_a_licence_are_told_why_not(case, db):
    candidate = make_candidate("newbie")
    assert post(client_for(candidate), "new-article/").status_code == 302
    assert Article.objects.filter(created_by=candidate, state=State.WIP).count() == 1
    unlicensed = client_for(make_user("temp"))
    assert "You need a KCS licence" in unlicensed.get(PANEL, LAUNCH).content.decode()
    with unchanged_database():
        refused = post(unlicensed, "new-article/", case="999")
    assert refused.status_code == 403 and "You need a KCS licence" in refused.content.decode()


def test_the_searches_remembered_per_case_are_capped(case, contributor):
    client = client_for(contributor)
    for n in range(panel.SEARCHES_PER_CASE + 3):
        client.get(PANEL, {**LAUNCH, "q": f"words {n}"})
    trail = client.session[panel.SESSION_KEY]["zendesk:12345"]
    assert len(trail) == panel.SEARCHES_PER_CASE and trail[-1]["q"] == f"words {panel.SEARCHES_PER_CASE + 2}"


# --- framing ----------------------------------------------------------------------------------


def _framing(response) -> tuple[str, str | None]:
    return response["Content-Security-Policy"], response.get("X-Frame-Options")


def test_without_the_setting_no_page_may_be_framed(case, contributor, settings):
    settings.KCS_PANEL_FRAME_ANCESTORS = []
    client = client_for(contributor)
    for response in (client.get(PANEL, LAUNCH), client.get("/")):
        csp, xfo = _framing(response)
        assert "frame-ancestors 'none'" in csp and xfo == "DENY"


def test_only_the_panel_may_be_framed_by_the_listed_origins(case, contributor, settings):
    settings.KCS_PANEL_FRAME_ANCESTORS = [ORIGIN]
    client = client_for(contributor)
    csp, xfo = _framing(client.get(PANEL, LAUNCH))
    assert f"frame-ancestors {ORIGIN}" in csp and xfo is None
    csp, xfo = _framing(client.get("/dashboard/"))
    assert "frame-ancestors 'none'" in csp and xfo == "DENY"
    # Its answers too: a message page, the sign-in offer.
    assert f"frame-ancestors {ORIGIN}" in client.get(PANEL, {"source": "jira", "case": "1"})["Content-Security-Policy"]
    assert f"frame-ancestors {ORIGIN}" in client_for(None).get(PANEL, LAUNCH)["Content-Security-Policy"]


def test_sign_in_may_be_framed_only_on_its_way_to_the_panel(db, contributor, settings):
    settings.KCS_PANEL_FRAME_ANCESTORS = [ORIGIN]
    anonymous = client_for(None)
    framed = anonymous.get("/accounts/login/", {"next": "/agent/panel/?source=zendesk&case=1"})
    assert f"frame-ancestors {ORIGIN}" in framed["Content-Security-Policy"]
    assert 'class="panel-top"' in framed.content.decode()  # the panel's compact frame, no site navigation
    plain = anonymous.get("/accounts/login/", {"next": "/dashboard/"})
    assert "frame-ancestors 'none'" in plain["Content-Security-Policy"] and plain["X-Frame-Options"] == "DENY"
    signed = anonymous.post(
        "/accounts/login/", {"username": contributor.username, "password": "pw", "next": "/agent/panel/?source=zendesk&case=1"}
    )
    assert signed.status_code == 302 and signed["Location"] == "/agent/panel/?source=zendesk&case=1"


# --- spelling in the panel --------------------------------------------------------------------


def test_an_applied_correction_says_so_and_searches_as_typed_on_request(indexed, contributor, case):
    # The conftest article is titled "Refund for a non-refundable booking".
    client = client_for(contributor)
    page = client.get(PANEL, {**LAUNCH, "q": "refnud booking"})
    html = page.content.decode()
    assert "Showing results for <strong" in html and ">refund booking</strong>" in html
    assert page.context["hits"], "the corrected words find the article"
    link = page.context["spelling_link"]
    assert "nocorrect=1" in link and "source=zendesk" in link and "case=12345" in link and "q=refnud+booking" in link
    as_typed = client.get(PANEL + "?" + link)
    assert "Showing results for" not in as_typed.content.decode()
    assert SearchLog.objects.filter(query="refnud booking", corrected_to="").exists()


def test_a_correction_over_hits_is_offered_in_the_panel(indexed, contributor, case):
    # "bookin" is a rare word of the language, and "refund room" found the article together: the
    # hits stand and the correction is only offered.
    client = client_for(contributor)
    page = client.get(PANEL, {**LAUNCH, "q": "refund room bookin"})
    html = page.content.decode()
    assert "Showing results for" not in html
    assert "Did you mean" in html and page.context["results"].suggestion == "refund room booking"
    assert "q=refund+room+booking" in page.context["spelling_link"]
