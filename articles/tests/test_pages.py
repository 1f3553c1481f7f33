"""The server-rendered web UI, through the test client: what each role sees and may do."""

from __future__ import annotations

import html
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Licence
from articles import policy, versions
from articles.models import Article, ArticleEvent, Audience, EscalationContact, EventKind, Governance, Product, State
from conftest import REFUND_RULES, client_for, make_article, make_candidate, make_user, unchanged_database

from .assertions import assert_last_event, assert_versions
from .htmlparse import form_fields

RULE_SENTENCE = "You may refund the booking up to 50 EUR without approval."


def text_of(response) -> str:
    """The page's words as a reader sees them: tags dropped, entities decoded, spaces collapsed."""
    words = re.sub(r"<[^>]+>", "", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(words))


def section(response, heading: str) -> str:
    """The body of the dashboard section whose <h2> is `heading`."""
    match = re.search(rf"<section><h2>{re.escape(heading)}</h2>(.*?)</section>", response.content.decode(), re.S)
    assert match, f"no section {heading!r} on the page"
    return match.group(1)


def filters_form(page: str) -> str:
    match = re.search(r'<form method="get" class="filters">.*?</form>', page, re.S)
    assert match, "the page has no filters form"
    return match.group(0)


def version_in(response) -> int:
    match = re.search(r'name="version" value="(\d+)"', response.content.decode())
    assert match, "the page carries no version field"
    return int(match.group(1))


def quick_article(title, *, by, product, state=State.VALIDATED, audience=Audience.INTERNAL, tags=(), owner=None) -> Article:
    """An article in `state`, created and moved along by `by` (a KB owner for the wider audiences)."""
    article = Article.create(
        by=by,
        title=title,
        product=product,
        issue=f"Issue of {title}.",
        resolution="" if state == State.WIP else f"Resolution of {title}.",
        state=State.WIP if state == State.WIP else State.NOT_VALIDATED,
        audience=audience,
        tags=list(tags),
        owner=owner,
    )
    if state in (State.VALIDATED, State.ARCHIVED):
        article.validate(by=by)
    if state == State.ARCHIVED:
        article.archive(by=by)
    return article


def rule_rows(rules: list[dict], *, extra: int = 2) -> dict[str, str]:
    """POST data for the rules formset: one row per rule, then `extra` empty rows."""
    data = {
        "rules-TOTAL_FORMS": str(len(rules) + extra),
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for i, rule in enumerate(rules):
        for key in ("action", "limit_amount", "limit_unit", "decider", "notes"):
            data[f"rules-{i}-{key}"] = "" if rule.get(key) is None else str(rule[key])
    for i in range(len(rules), len(rules) + extra):
        data[f"rules-{i}-decider"] = "agent"
    return data


# --- signing in and out ------------------------------------------------------------------------


def test_login_page_signs_in_a_demo_style_user_and_lands_on_the_dashboard(db):
    owner = make_user("owner", licence=Licence.PUBLISHER, kb_owner=True)
    owner.set_password("kcs-demo")
    owner.save()
    client = Client()

    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'name="username"' in page.content.decode() and 'name="password"' in page.content.decode()

    dashboard = client.post(reverse("login"), {"username": "owner", "password": "kcs-demo"}, follow=True)
    assert dashboard.redirect_chain[-1] == (reverse("articles:dashboard"), 302)
    assert int(client.session["_auth_user_id"]) == owner.pk
    assert dashboard.status_code == 200
    assert "My work" in dashboard.content.decode()
    assert '<span class="account-name">owner</span> <small>(Publisher · KB owner)</small>' in dashboard.content.decode()


def test_login_with_a_wrong_password_stays_on_the_login_page_signed_out(db):
    make_user("owner", licence=Licence.PUBLISHER, kb_owner=True)
    client = Client()
    response = client.post(reverse("login"), {"username": "owner", "password": "not-the-password"})
    assert response.status_code == 200
    assert "Your username and password didn't match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_customer_who_logs_in_lands_in_the_help_centre_not_on_a_staff_404(customer):
    customer.set_password("kcs-demo")
    customer.save()
    client = Client()
    response = client.post(reverse("login"), {"username": customer.username, "password": "kcs-demo"}, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1] == (reverse("help:index"), 302)
    assert int(client.session["_auth_user_id"]) == customer.pk


def test_login_returns_to_the_page_that_asked_for_it(contributor, article):
    contributor.set_password("kcs-demo")
    contributor.save()
    client = Client()
    asked = client.get(article.get_absolute_url())
    assert asked.url == f"{reverse('login')}?next={article.get_absolute_url()}"
    response = client.post(asked.url, {"username": "colin", "password": "kcs-demo", "next": article.get_absolute_url()})
    assert response.url == article.get_absolute_url()


def test_logout_is_a_post_and_a_get_leaves_the_user_signed_in(contributor):
    client = client_for(contributor)
    assert client.get(reverse("logout")).status_code == 405
    assert client.get(reverse("articles:dashboard")).status_code == 200

    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url == reverse("help:index")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("articles:dashboard")).url.startswith(reverse("login"))


def test_every_staff_page_offers_logout_as_a_post_form(contributor):
    page = client_for(contributor).get(reverse("articles:dashboard")).content.decode()
    assert re.search(rf'<form method="post" action="{reverse("logout")}"', page)


# --- dashboard ---------------------------------------------------------------------------------


def test_dashboard_shows_my_drafts_and_not_other_peoples(contributor, publisher, product):
    quick_article("Colin's own draft about routers", by=contributor, product=product, state=State.WIP)
    quick_article("Paula's draft about invoices", by=publisher, product=product, state=State.WIP)
    drafts = section(client_for(contributor).get(reverse("articles:dashboard")), "My drafts")
    assert "draft about routers" in drafts
    assert "draft about invoices" not in drafts


def test_coach_sees_a_candidates_unvalidated_article_awaiting_review(coach, product):
    cara = make_candidate()
    make_article(author=cara, product=product, state=State.NOT_VALIDATED, title="Cara asks for a review")

    coach_page = client_for(coach).get(reverse("articles:dashboard"))
    assert "Cara asks for a review" in section(coach_page, "Waiting for my review")

    candidate_page = client_for(cara).get(reverse("articles:dashboard"))
    assert "Nothing waiting for your review." in section(candidate_page, "Waiting for my review")
    assert "Cara asks for a review" in section(candidate_page, "My drafts")


def test_dashboard_lists_recently_changed_articles_but_not_archived_ones(contributor, kb_owner, product):
    quick_article("Freshly validated answer", by=kb_owner, product=product)
    quick_article("Long archived answer", by=kb_owner, product=product, state=State.ARCHIVED)
    recent = section(client_for(contributor).get(reverse("articles:dashboard")), "Recently changed")
    assert "Freshly validated answer" in recent
    assert "Long archived answer" not in recent


# --- article list ------------------------------------------------------------------------------


@pytest.fixture
def catalogue(db, kb_owner, contributor, product):
    toys = Product.objects.create(name="Bricks & Toys", slug="bricks-toys")
    return {
        "Apricot": quick_article("Apricot validated", by=kb_owner, product=product, tags=["refund"], owner=contributor),
        "Blueberry": quick_article("Blueberry draft", by=kb_owner, product=product, state=State.WIP, tags=["wifi"]),
        "Cherry": quick_article("Cherry public", by=kb_owner, product=toys, audience=Audience.PUBLIC, tags=["refund"]),
        "Damson": quick_article("Damson archived", by=kb_owner, product=toys, state=State.ARCHIVED),
        "Elder": quick_article("Elder review", by=kb_owner, product=toys, state=State.NOT_VALIDATED, tags=["wifi"]),
    }


@pytest.mark.parametrize("query", ["tag=%00", "owner=%00", "product=a%00", "product=bricks-toys%00", "state=wip%00", "page=%00"])
def test_article_list_refuses_nul_characters_in_filters(catalogue, contributor, query):
    # PostgreSQL refuses NUL in text (a 500): kcs_site.middleware answers 400 before any view runs.
    response = client_for(contributor).get(reverse("articles:list") + "?" + query)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_article_list_paginates_by_25_and_keeps_filters_in_page_links(contributor, product):
    for n in range(1, 31):
        Article.create(by=contributor, title=f"Numbered article {n:02d}", product=product)
    client = client_for(contributor)

    first = client.get(reverse("articles:list") + "?state=wip").content.decode()
    assert "30 articles" in first
    assert "Page 1 of 2" in first
    assert first.count('href="/articles/numbered-article-') == 25
    assert "Numbered article 30" in first and "Numbered article 05" not in first
    assert 'href="?state=wip&page=2"' in first

    second = client.get(reverse("articles:list") + "?state=wip&page=2").content.decode()
    assert "Page 2 of 2" in second
    assert second.count('href="/articles/numbered-article-') == 5
    assert "Numbered article 01" in second and "Numbered article 30" not in second


# --- article page ------------------------------------------------------------------------------


def test_article_page_shows_decision_authority_before_the_resolution(article, contributor):
    page = client_for(contributor).get(article.get_absolute_url()).content.decode()
    authority = page.index("Your decision authority")
    assert authority < page.index("<h2>Issue</h2>") < page.index("<h2>Resolution</h2>")
    assert authority < page.index("Offer a date change first.")


def test_article_page_states_authority_and_escalation_in_plain_words(article, contributor):
    text = text_of(client_for(contributor).get(article.get_absolute_url()))
    assert RULE_SENTENCE in text
    assert "With your team lead's approval you may refund the booking up to 150 EUR." in text
    assert "Beyond this authority:" in text
    assert "Ask Billing Escalations." in text  # the article's note for cases outside the rules
    assert "Ask Billing Escalations, #billing-escalations, 08:00-20:00 CET, answer within 15 minutes." in text


def test_changing_an_escalation_contact_changes_every_article_that_names_it(article, contributor, contact):
    EscalationContact.objects.filter(pk=contact.pk).update(hours="07:00-22:00 CET")
    text = text_of(client_for(contributor).get(article.get_absolute_url()))
    assert "07:00-22:00 CET" in text
    assert "08:00-20:00 CET" not in text


def test_article_without_rules_says_to_ask_before_committing(contributor, product):
    article = make_article(author=contributor, product=product)
    page = client_for(contributor).get(article.get_absolute_url()).content.decode()
    assert "No decision-authority rules for this article" in page


# --- transitions -------------------------------------------------------------------------------


@pytest.fixture
def candidates_draft(db, product, kb_owner):
    return make_article(author=make_candidate(), product=product, state=State.NOT_VALIDATED, title="Cara's draft")


def test_candidate_sees_no_validate_button_but_the_coach_does(candidates_draft, coach):
    candidate_page = client_for(candidates_draft.created_by).get(candidates_draft.get_absolute_url()).content.decode()
    assert 'name="to" value="validated"' not in candidate_page
    assert ">Validate</button>" not in candidate_page
    assert ">Back to work in progress</button>" in candidate_page  # what she may do is still offered

    coach_page = client_for(coach).get(candidates_draft.get_absolute_url()).content.decode()
    assert 'name="to" value="validated"' in coach_page
    assert ">Validate</button>" in coach_page


def test_kb_owner_sees_archive_and_contributor_does_not(article, kb_owner, contributor):
    confirm = reverse("articles:confirm-transition", args=[article.slug])
    owner_page = client_for(kb_owner).get(article.get_absolute_url()).content.decode()
    assert f'href="{confirm}?to=archived">Archive…</a>' in owner_page

    contributor_page = client_for(contributor).get(article.get_absolute_url()).content.decode()
    assert f"{confirm}?to=archived" not in contributor_page
    assert f'href="{confirm}?to=not_validated">Reopen (not validated)…</a>' in contributor_page


def test_refused_validation_is_403_with_the_reason_and_changes_nothing(candidates_draft):
    before = candidates_draft.version
    response = client_for(candidates_draft.created_by).post(
        reverse("articles:transition", args=[candidates_draft.slug]), {"to": "validated"}
    )
    assert response.status_code == 403
    assert "Candidates cannot validate articles" in text_of(response)
    candidates_draft.refresh_from_db()
    assert (candidates_draft.state, candidates_draft.version) == (State.NOT_VALIDATED, before)
    assert_versions(candidates_draft, before)
    assert not ArticleEvent.objects.filter(article=candidates_draft, to_value=State.VALIDATED).exists()


def test_refused_archive_is_403_with_the_reason_and_changes_nothing(article, contributor):
    before = article.version
    response = client_for(contributor).post(reverse("articles:transition", args=[article.slug]), {"to": "archived"})
    assert response.status_code == 403
    assert "Only a KB owner can archive an article." in text_of(response)
    article.refresh_from_db()
    assert (article.state, article.version) == (State.VALIDATED, before)


def test_coach_validates_a_candidates_draft_with_the_button(candidates_draft, coach):
    response = client_for(coach).post(
        reverse("articles:transition", args=[candidates_draft.slug]), {"to": "validated", "note": "Good work"}
    )
    assert response.status_code == 302 and response.url == candidates_draft.get_absolute_url()
    before = candidates_draft.version
    candidates_draft.refresh_from_db()
    assert (candidates_draft.state, candidates_draft.version) == (State.VALIDATED, before + 1)
    assert_last_event(candidates_draft, kind=EventKind.STATE, actor=coach, from_value="not_validated", to_value="validated")


def test_transition_to_an_unknown_state_changes_nothing(article, kb_owner):
    before = article.version
    response = client_for(kb_owner).post(reverse("articles:transition", args=[article.slug]), {"to": "published"}, follow=True)
    assert "Choose a valid state." in text_of(response)
    article.refresh_from_db()
    assert (article.state, article.version) == (State.VALIDATED, before)


def test_article_without_resolution_offers_no_validate_button_but_a_hint(contributor, kb_owner, product):
    draft = make_article(author=contributor, product=product, state=State.WIP, title="Framed, no resolution yet")
    assert policy.available_transitions(contributor, draft)  # the policy alone would offer buttons
    for user in (contributor, kb_owner):
        page = client_for(user).get(draft.get_absolute_url()).content.decode()
        assert 'name="to" value="not_validated"' not in page
        assert 'name="to" value="validated"' not in page
        assert "Write a resolution before validating." in page
    assert "transition/confirm/?to=archived" in page  # what needs no resolution is still offered to the KB owner


def test_article_with_a_resolution_offers_validation_without_the_hint(contributor, product):
    draft = make_article(author=contributor, product=product, state=State.WIP, title="Framed")
    draft.edit(by=contributor, base_version=draft.version, changes={"resolution": "Restart the router."})
    page = client_for(contributor).get(draft.get_absolute_url()).content.decode()
    assert 'name="to" value="not_validated"' in page
    assert "Write a resolution before validating." not in page


def test_activity_shows_state_and_audience_labels_not_raw_values(article, kb_owner, contributor):
    article.edit(by=kb_owner, base_version=article.version, changes={"audience": Audience.PUBLIC}, note="For everyone")
    client = client_for(contributor)
    for url in (article.get_absolute_url(), reverse("articles:history", args=[article.slug])):
        text = text_of(client.get(url))
        assert "(Not validated → Validated)" in text
        assert "(Internal → Public)" in text
        assert "(– → Not validated)" in text  # created
        assert "not_validated" not in text and "internal →" not in text


def test_transition_is_post_only(article, kb_owner):
    assert client_for(kb_owner).get(reverse("articles:transition", args=[article.slug]) + "?to=archived").status_code == 405
    article.refresh_from_db()
    assert article.state == State.VALIDATED


# --- creating and editing through the form -------------------------------------------------------


def test_kb_owner_creates_an_article_with_authority_rules_through_the_form(kb_owner, product, contact):
    client = client_for(kb_owner)
    page = client.get(reverse("articles:create"))
    assert "rules-TOTAL_FORMS" in page.content.decode()
    data = form_fields(page.content.decode())
    data.update(
        title="Guest wants a late checkout refund",
        product=str(product.pk),
        tags="checkout, refund",
        issue="The guest left early and wants the last night back.",
        resolution="1. Check the checkout time.\n2. Refund the night if the hotel agrees.",
        state=State.NOT_VALIDATED,
        audience=Audience.CUSTOMER,
        escalation=str(contact.pk),
        authority_note="Ask Billing Escalations for anything above the limits.",
        note="From case 4711",
    )
    data.update(rule_rows([{"action": "refund one night", "limit_amount": "120", "limit_unit": "EUR", "decider": "agent"}]))

    response = client.post(reverse("articles:create"), data)

    article = Article.objects.get(title="Guest wants a late checkout refund")
    assert response.status_code == 302 and response.url == article.get_absolute_url()
    assert (article.state, article.audience, article.created_by, article.owner) == (
        State.NOT_VALIDATED,
        Audience.CUSTOMER,
        kb_owner,
        kb_owner,
    )
    assert article.tag_names() == ["checkout", "refund"]
    assert [r.plain_words() for r in article.rules.all()] == ["You may refund one night up to 120 EUR without approval."]
    assert (article.escalation, article.authority_note) == (contact, "Ask Billing Escalations for anything above the limits.")
    assert_versions(article, 1)
    assert_last_event(article, kind=EventKind.CREATED, actor=kb_owner, to_value=State.NOT_VALIDATED)
    assert "You may refund one night up to 120 EUR without approval." in text_of(client.get(response.url))


def test_contributor_creates_an_article_but_posted_authority_fields_are_ignored(contributor, product, contact):
    client = client_for(contributor)
    page = client.get(reverse("articles:create")).content.decode()
    assert "rules-TOTAL_FORMS" not in page
    assert "only a KB owner may change it" in page
    data = form_fields(page)
    data.update(
        title="Router blinks orange", product=str(product.pk), escalation=str(contact.pk), authority_note="Refund anything"
    )
    data.update(rule_rows([{"action": "refund everything", "limit_amount": "9999", "limit_unit": "EUR", "decider": "agent"}]))

    response = client.post(reverse("articles:create"), data)

    article = Article.objects.get(title="Router blinks orange")
    assert response.status_code == 302
    assert (article.state, article.audience) == (State.WIP, Audience.INTERNAL)
    assert list(article.rules.all()) == []
    assert (article.escalation, article.authority_note) == (None, "")


def test_creating_a_not_validated_article_without_resolution_shows_a_form_error(contributor, product):
    client = client_for(contributor)
    data = form_fields(client.get(reverse("articles:create")).content.decode())
    data.update(title="Half an answer", product=str(product.pk), state=State.NOT_VALIDATED, resolution="")
    response = client.post(reverse("articles:create"), data)
    assert response.status_code == 400
    assert "Write the resolution, or save the article as work in progress." in response.content.decode()
    assert not Article.objects.filter(title="Half an answer").exists()


def test_editing_through_the_form_saves_a_new_version(article, contributor):
    client = client_for(contributor)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    assert data["version"] == str(article.version)
    assert data["resolution"] == article.resolution
    data.update(resolution="1. Check the booking.\n2. Offer a voucher first.", note="Voucher before refund", material="0")

    response = client.post(reverse("articles:edit", args=[article.slug]), data)

    assert response.status_code == 302 and response.url == article.get_absolute_url()
    before = article.version
    article.refresh_from_db()
    assert article.resolution == "1. Check the booking.\n2. Offer a voucher first."
    assert article.version == before + 1
    assert_versions(article, before + 1)
    newest = versions.history(article)[0]
    assert (newest.comment, newest.material, newest.user) == ("Voucher before refund", False, contributor)
    assert [r.plain_words() for r in article.rules.all()][0] == RULE_SENTENCE  # rules untouched
    assert f"Saved as version {article.version}." in text_of(client.get(response.url))


def browser_posts(page: str) -> dict[str, str]:
    """What a browser sends from the article form: a date input whose value is not YYYY-MM-DD shows blank and posts ""."""
    data = form_fields(page)
    for name in re.findall(r'<input type="date" name="([^"]+)"', page):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", data.get(name, "")):
            data[name] = ""
    return data


def test_edit_form_renders_the_review_date_as_iso_and_an_edit_keeps_it(article, contributor):
    review_by = article.review_by
    assert review_by is not None
    client = client_for(contributor)
    page = client.get(reverse("articles:edit", args=[article.slug])).content.decode()
    assert f'<input type="date" name="review_by" value="{review_by.isoformat()}"' in page

    data = browser_posts(page)
    data.update(cause="Non-refundable rate, sold at a discount.", note="Why the rate is non-refundable")
    assert client.post(reverse("articles:edit", args=[article.slug]), data).status_code == 302

    article.refresh_from_db()
    assert article.cause == "Non-refundable rate, sold at a discount."
    assert article.review_by == review_by


def test_the_change_note_is_on_the_edit_page_and_lands_in_the_history(article, contributor):
    client = client_for(contributor)
    page = client.get(reverse("articles:edit", args=[article.slug])).content.decode()
    assert re.search(r'<input type="text" name="note"', page)
    data = form_fields(page)
    assert data["note"] == ""  # a browser posts it: the field is on the page
    data.update(cause="Rate sold at a discount.", note="Cause from case 4711")
    assert client.post(reverse("articles:edit", args=[article.slug]), data).status_code == 302
    article.refresh_from_db()
    assert article.cause == "Rate sold at a discount."
    assert versions.history(article)[0].comment == "Cause from case 4711"
    assert assert_last_event(article, kind=EventKind.EDITED, actor=contributor).note == "Cause from case 4711"


def test_the_change_note_is_on_the_create_page_and_lands_in_the_history(contributor, product):
    client = client_for(contributor)
    data = form_fields(client.get(reverse("articles:create")).content.decode())
    assert "note" in data
    data.update(title="Printer offline", product=str(product.pk), note="From case 815")
    assert client.post(reverse("articles:create"), data).status_code == 302
    article = Article.objects.get(title="Printer offline")
    assert versions.history(article)[0].comment == "From case 815"


@pytest.mark.parametrize("version", ["abc", "", None])
def test_an_edit_with_a_missing_or_garbled_version_says_so_and_saves_nothing(article, contributor, version):
    client = client_for(contributor)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data["cause"] = "Typed into a broken form."
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    before = article.version

    response = client.post(reverse("articles:edit", args=[article.slug]), data)

    assert response.status_code == 400
    assert "This form is out of date; reload the article and edit again." in text_of(response)
    article.refresh_from_db()
    assert (article.cause, article.version) == ("Non-refundable rate.", before)
    assert_versions(article, before)


def test_errors_in_the_authority_fields_are_shown_next_to_them(article, kb_owner):
    client = client_for(kb_owner)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data.update(escalation="999999", authority_note="Ask Billing.", cause="Changed too.")
    before = article.version

    response = client.post(reverse("articles:edit", args=[article.slug]), data)

    assert response.status_code == 400
    page = response.content.decode()
    fieldset = page[page.index('<fieldset class="authority-edit">') :]
    escalation = re.search(r'<div class="field has-error">\s*<label for="id_escalation">.*?</div>', fieldset, re.S)
    assert escalation and "Select a valid choice." in escalation.group(0)
    assert 'name="authority_note"' in fieldset and "Ask Billing." in fieldset  # kept as typed
    article.refresh_from_db()
    assert (article.cause, article.version) == ("Non-refundable rate.", before)


def test_contributor_edit_form_does_not_offer_the_authority_fields(article, contributor):
    page = client_for(contributor).get(reverse("articles:edit", args=[article.slug])).content.decode()
    assert "rules-TOTAL_FORMS" not in page
    assert re.search(r'<select name="escalation"[^>]*disabled', page)
    assert re.search(r'<textarea name="authority_note"[^>]*disabled', page)
    assert RULE_SENTENCE in html.unescape(page)  # shown read-only


def test_contributor_posting_authority_fields_changes_nothing_of_the_authority(article, contributor):
    other = EscalationContact.objects.create(team="Anyone Desk", channel="#anyone")
    client = client_for(contributor)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data.update(escalation=str(other.pk), authority_note="Refund whatever they ask.")
    data.update(rule_rows([{"action": "refund anything", "limit_amount": "10000", "limit_unit": "EUR", "decider": "agent"}]))
    rules_before, version_before = article.rule_dicts(), article.version

    authority_only = client.post(reverse("articles:edit", args=[article.slug]), data)
    assert authority_only.status_code == 302
    article.refresh_from_db()
    assert article.version == version_before  # nothing the contributor may change was changed
    assert_versions(article, version_before)

    data.update(cause="Non-refundable rate, sold at a discount.", note="Why the rate is non-refundable")
    with_content = client.post(reverse("articles:edit", args=[article.slug]), data)
    assert with_content.status_code == 302
    article.refresh_from_db()
    assert article.cause == "Non-refundable rate, sold at a discount."  # the content change went through…
    assert article.version == version_before + 1
    assert article.rule_dicts() == rules_before  # …and the authority stayed as the KB owner wrote it
    assert article.escalation.team == "Billing Escalations"
    assert article.authority_note == "Ask Billing Escalations."


def test_kb_owner_changes_authority_rules_through_the_edit_form(article, kb_owner):
    client = client_for(kb_owner)
    page = client.get(reverse("articles:edit", args=[article.slug])).content.decode()
    data = form_fields(page)
    assert data["rules-0-action"] == "refund the booking" and data["rules-0-limit_amount"] == "50.00"
    data["rules-0-limit_amount"] = "60"
    data["rules-1-DELETE"] = "on"
    data["note"] = "Raised the agent limit"

    response = client.post(reverse("articles:edit", args=[article.slug]), data)

    assert response.status_code == 302
    article.refresh_from_db()
    assert [r.plain_words() for r in article.rules.all()] == ["You may refund the booking up to 60 EUR without approval."]


def test_candidate_cannot_open_the_edit_page_of_a_validated_article(article):
    cara = make_candidate()
    client = client_for(cara)
    response = client.get(reverse("articles:edit", args=[article.slug]))
    assert response.status_code == 403
    assert "As a candidate you can edit your own unvalidated articles." in text_of(response)

    data = {"title": "Hijacked", "product": str(article.product_id), "version": str(article.version), "material": "1"}
    assert client.post(reverse("articles:edit", args=[article.slug]), data).status_code == 403
    before = article.version
    article.refresh_from_db()
    assert (article.title, article.version) == ("Refund for a non-refundable booking", before)


def test_candidate_edits_her_own_draft(candidates_draft):
    client = client_for(candidates_draft.created_by)
    data = form_fields(client.get(reverse("articles:edit", args=[candidates_draft.slug])).content.decode())
    data.update(title="Cara's clearer draft", note="Clearer title")
    assert client.post(reverse("articles:edit", args=[candidates_draft.slug]), data).status_code == 302
    candidates_draft.refresh_from_db()
    assert candidates_draft.title == "Cara's clearer draft"


# --- optimistic locking --------------------------------------------------------------------------


def test_second_editor_gets_a_conflict_with_a_diff_and_can_save_a_merge(article, contributor, publisher):
    url = reverse("articles:edit", args=[article.slug])
    first, second = client_for(contributor), client_for(publisher)
    first_form = form_fields(first.get(url).content.decode())
    second_form = form_fields(second.get(url).content.decode())
    opened = article.version
    assert first_form["version"] == second_form["version"] == str(opened)

    first_form.update(resolution="Offer a voucher before any refund.", note="Voucher first")
    assert first.post(url, first_form).status_code == 302

    second_form.update(resolution="Call the hotel before any refund.", note="Hotel first")
    conflict = second.post(url, second_form)

    assert conflict.status_code == 409
    page = conflict.content.decode()
    assert "Someone saved this article while you were editing" in page
    assert f"Version {opened + 1} was saved after you opened version {opened}." in text_of(conflict)
    assert "Your changes have not been saved." in page
    assert re.search(r"<del>[^<]*voucher[^<]*</del>", page), "the saved text is shown as removed"
    assert re.search(r"<ins>[^<]*hotel[^<]*</ins>", page), "the editor's own text is shown as added"
    article.refresh_from_db()
    assert article.resolution == "Offer a voucher before any refund."
    assert article.version == opened + 1
    assert version_in(conflict) == opened + 1

    merge = form_fields(page)
    assert merge["resolution"] == "Call the hotel before any refund."  # their work is still in the form
    merge["resolution"] = "Call the hotel, then offer a voucher before any refund."
    saved = second.post(url, merge)

    assert saved.status_code == 302
    article.refresh_from_db()
    assert article.resolution == "Call the hotel, then offer a voucher before any refund."
    assert article.version == opened + 2
    assert_versions(article, opened + 2)


def test_a_stale_save_without_the_conflict_page_never_overwrites(article, contributor):
    data = form_fields(client_for(contributor).get(reverse("articles:edit", args=[article.slug])).content.decode())
    article.edit(by=contributor, base_version=article.version, changes={"cause": "Saved elsewhere."})
    data.update(cause="Typed here.", version=str(article.version - 1), note="Cause")
    assert client_for(contributor).post(reverse("articles:edit", args=[article.slug]), data).status_code == 409
    article.refresh_from_db()
    assert article.cause == "Saved elsewhere."


# --- history, diff and revert --------------------------------------------------------------------


@pytest.fixture
def edited(article, contributor):
    """The refund article after a contributor's minor edit of its resolution (version 4)."""
    article.edit(
        by=contributor,
        base_version=article.version,
        changes={"resolution": "1. Check the booking.\n2. Offer a voucher first."},
        note="Voucher instead of date change",
        material=False,
    )
    return article


def history_row(page: str, comment: str) -> str:
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) if comment in row]
    assert len(rows) == 1, f"expected one history row with {comment!r}"
    return rows[0]


def test_history_lists_every_version_with_its_note_and_kind(edited, contributor):
    page = client_for(contributor).get(reverse("articles:history", args=[edited.slug])).content.decode()
    assert edited.version == 4
    for number in (1, 2, 3, 4):
        assert re.search(rf"<td>{number}( <small>\(current\)</small>)?</td>", page)
    assert "<td>4 <small>(current)</small></td>" in page
    assert 'badge minor">Minor' in history_row(page, "Voucher instead of date change")
    assert 'badge material">Material' in history_row(page, '<td dir="auto">Authority</td>')
    assert "colin" in history_row(page, "Voucher instead of date change")


def test_diff_page_shows_word_level_changes(edited, contributor):
    url = reverse("articles:diff", args=[edited.slug]) + "?from=3&to=4"
    page = client_for(contributor).get(url).content.decode()
    assert "Version 3 → version 4" in page
    assert "<h2>Resolution</h2>" in page
    assert "<del>date change</del><ins>voucher</ins>" in page
    assert "<h2>Title</h2>" not in page  # unchanged fields are left out


def test_diff_page_shows_a_change_to_authority_rules(article, kb_owner, contributor):
    rules = [dict(REFUND_RULES[0], limit_amount="60"), REFUND_RULES[1]]
    article.edit(by=kb_owner, base_version=article.version, changes={}, rules=rules, note="Raised the agent limit")
    page = client_for(contributor).get(reverse("articles:diff", args=[article.slug])).content.decode()
    assert "<h2>Decision authority</h2>" in page
    assert "<del>50</del><ins>60</ins>" in page
    assert "You may refund the booking up to" in page


def test_diff_page_404s_for_a_version_that_does_not_exist(article, contributor):
    client = client_for(contributor)
    assert client.get(reverse("articles:diff", args=[article.slug]) + "?from=1&to=99").status_code == 404
    assert client.get(reverse("articles:diff", args=[article.slug]) + "?from=x").status_code == 404


def test_revert_creates_a_new_version_with_the_old_content(edited, contributor):
    client = client_for(contributor)
    history_page = client.get(reverse("articles:history", args=[edited.slug])).content.decode()
    assert f'action="{reverse("articles:revert", args=[edited.slug, 3])}"' in history_page

    response = client.post(reverse("articles:revert", args=[edited.slug, 3]), {"version": "4"})

    assert response.status_code == 302 and response.url == edited.get_absolute_url()
    edited.refresh_from_db()
    assert edited.version == 5
    assert edited.resolution == "1. Check the booking.\n2. Offer a date change first."
    assert_versions(edited, 5)
    reverted_away = versions.snapshot_of_version(versions.version_by_number(edited, 4).version)
    assert reverted_away["resolution"] == "1. Check the booking.\n2. Offer a voucher first."  # nothing lost
    assert_last_event(edited, kind=EventKind.REVERTED, actor=contributor)
    assert versions.history(edited)[0].comment == "Reverted to version 3"


def test_contributor_cannot_revert_a_change_to_authority_rules(edited, contributor):
    rules_before = edited.rule_dicts()
    response = client_for(contributor).post(reverse("articles:revert", args=[edited.slug, 1]), {"version": "4"})
    assert response.status_code == 403
    assert "only a KB owner may change it" in text_of(response)
    edited.refresh_from_db()
    assert edited.version == 4
    assert edited.rule_dicts() == rules_before
    assert edited.escalation is not None
    assert_versions(edited, 4)


def test_kb_owner_may_revert_a_change_to_authority_rules(edited, kb_owner):
    response = client_for(kb_owner).post(reverse("articles:revert", args=[edited.slug, 1]), {"version": "4"})
    assert response.status_code == 302
    edited.refresh_from_db()
    assert (edited.version, edited.rule_dicts(), edited.escalation) == (5, [], None)


def test_stale_revert_changes_nothing(edited, contributor):
    response = client_for(contributor).post(reverse("articles:revert", args=[edited.slug, 2]), {"version": "3"}, follow=True)
    assert "The article changed while you were looking at it." in text_of(response)
    edited.refresh_from_db()
    assert edited.version == 4
    assert edited.resolution == "1. Check the booking.\n2. Offer a voucher first."
    assert_versions(edited, 4)


def test_revert_to_a_version_that_does_not_exist_is_404(edited, contributor):
    client = client_for(contributor)
    with unchanged_database():
        response = client.post(reverse("articles:revert", args=[edited.slug, 999]), {"version": "4"})
    assert response.status_code == 404
    edited.refresh_from_db()
    assert edited.version == 4
    assert_versions(edited, 4)


def test_history_and_diff_offer_no_revert_to_someone_the_policy_refuses(edited):
    cara = make_candidate()
    assert not policy.can_revert(cara, edited)
    client = client_for(cara)
    history_page = client.get(reverse("articles:history", args=[edited.slug])).content.decode()
    assert "Revert to this" not in history_page
    assert reverse("articles:revert", args=[edited.slug, 3]) not in history_page
    diff_page = client.get(reverse("articles:diff", args=[edited.slug]) + "?from=3&to=4").content.decode()
    assert "Revert to version" not in diff_page


def test_revert_is_post_only(edited, contributor):
    assert client_for(contributor).get(reverse("articles:revert", args=[edited.slug, 3])).status_code == 405
    edited.refresh_from_db()
    assert edited.version == 4


# --- governance button ----------------------------------------------------------------------------


def test_kb_owner_makes_an_article_governed_and_a_contributor_then_cannot_edit_it(article, kb_owner, publisher):
    response = client_for(kb_owner).post(reverse("articles:governance", args=[article.slug]), {"to": "governed"})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.governance == Governance.GOVERNED
    assert client_for(publisher).get(reverse("articles:edit", args=[article.slug])).status_code == 403


def test_contributor_cannot_change_governance(article, contributor):
    client = client_for(contributor)
    with unchanged_database():
        response = client.post(reverse("articles:governance", args=[article.slug]), {"to": "governed"})
    assert response.status_code == 403
    assert "Only a KB owner can change whether an article is governed." in text_of(response)
    article.refresh_from_db()
    assert article.governance == Governance.EXPERIENCE


# --- help centre and who may open what ------------------------------------------------------------


@pytest.fixture
def audiences(db, kb_owner, product, contact):
    """One article per audience and state a reader could stumble on, each with decision authority."""

    def build(title, state, audience):
        draft = State.WIP if state == State.WIP else State.NOT_VALIDATED
        article = quick_article(title, by=kb_owner, product=product, state=draft, audience=audience)
        article.edit(
            by=kb_owner,
            base_version=article.version,
            changes={"escalation": contact, "authority_note": "Secret staff guidance."},
            rules=REFUND_RULES,
        )
        if state in (State.VALIDATED, State.ARCHIVED):
            article.validate(by=kb_owner)
        if state == State.ARCHIVED:
            article.archive(by=kb_owner)
        return article

    return {
        "public": build("Plum public answer", State.VALIDATED, Audience.PUBLIC),
        "customer": build("Quince customer answer", State.VALIDATED, Audience.CUSTOMER),
        "partner": build("Raspberry partner answer", State.VALIDATED, Audience.PARTNER),
        "internal": build("Sloe internal answer", State.VALIDATED, Audience.INTERNAL),
        "wip": build("Tayberry public draft", State.WIP, Audience.PUBLIC),
        "not_validated": build("Ugli public unchecked", State.NOT_VALIDATED, Audience.PUBLIC),
        "archived": build("Vanilla public archived", State.ARCHIVED, Audience.PUBLIC),
    }


def help_titles(client, audiences) -> set[str]:
    page = client.get(reverse("help:index")).content.decode()
    return {key for key, a in audiences.items() if f">{a.title}</a>" in page}


@pytest.mark.parametrize(
    "reader, sees",
    [
        (None, {"public"}),
        ("customer", {"public", "customer"}),
        ("partner", {"public", "customer", "partner"}),
    ],
)
def test_help_centre_shows_each_reader_the_validated_articles_of_their_audience(audiences, request, reader, sees):
    client = client_for(request.getfixturevalue(reader) if reader else None)
    assert help_titles(client, audiences) == sees
    for key, article in audiences.items():
        response = client.get(article.get_help_url())
        if key in sees:
            assert response.status_code == 200
            assert article.title in response.content.decode()
        else:
            assert response.status_code == 404, f"{reader or 'anonymous'} must not open the {key} article"
            assert article.title not in response.content.decode()


def test_help_page_never_shows_decision_authority(audiences, customer, kb_owner):
    for client in (client_for(None), client_for(customer), client_for(kb_owner)):
        response = client.get(audiences["public"].get_help_url())
        text = text_of(response)
        assert "Resolution of Plum public answer." in text
        assert "decision authority" not in text.lower()
        assert "refund the booking up to" not in text
        assert "Billing Escalations" not in text
        assert "Secret staff guidance." not in text


@pytest.mark.parametrize("query", ["q=%00", "product=%00", "q=Plum%00", "page=%00"])
def test_help_centre_refuses_nul_characters_in_the_query(audiences, query):
    response = Client().get(reverse("help:index") + "?" + query)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()


def test_help_centre_links_anonymous_visitors_to_login_when_nothing_is_public(db):
    page = Client().get(reverse("help:index")).content.decode()
    assert "No articles found." in page
    assert reverse("login") in page


STAFF_PAGES = ["articles:list", "articles:dashboard", "articles:create"]
STAFF_ARTICLE_PAGES = ["articles:detail", "articles:edit", "articles:history", "articles:diff"]


def test_anonymous_visitors_are_sent_to_login_from_staff_pages(audiences):
    client = Client()
    slug = audiences["public"].slug
    urls = [reverse(name) for name in STAFF_PAGES] + [reverse(name, args=[slug]) for name in STAFF_ARTICLE_PAGES]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url == f"{reverse('login')}?next={url}"


def test_anonymous_post_to_a_transition_changes_nothing(audiences):
    article = audiences["not_validated"]
    response = Client().post(reverse("articles:transition", args=[article.slug]), {"to": "validated"})
    assert response.url.startswith(reverse("login"))
    article.refresh_from_db()
    assert article.state == State.NOT_VALIDATED


@pytest.mark.parametrize("reader", ["customer", "partner"])
def test_customers_and_partners_get_404_on_staff_pages(audiences, request, reader):
    client = client_for(request.getfixturevalue(reader))
    slug = audiences["public"].slug
    for url in [reverse(name) for name in STAFF_PAGES] + [
        reverse(name, args=[slug]) for name in ("articles:edit", "articles:history", "articles:diff")
    ]:
        assert client.get(url).status_code == 404, url
    before = audiences["public"].version
    with unchanged_database():
        assert client.post(reverse("articles:transition", args=[slug]), {"to": "archived"}).status_code == 404
    audiences["public"].refresh_from_db()
    assert (audiences["public"].state, audiences["public"].version) == (State.VALIDATED, before)


@pytest.mark.parametrize("reader, visible", [("customer", "customer"), ("partner", "partner")])
def test_staff_article_url_redirects_outside_readers_to_the_help_page_or_404s(audiences, request, reader, visible):
    client = client_for(request.getfixturevalue(reader))
    response = client.get(audiences[visible].get_absolute_url())
    assert response.status_code == 302
    assert response.url == audiences[visible].get_help_url()
    assert client.get(audiences["internal"].get_absolute_url()).status_code == 404
    assert client.get(audiences["wip"].get_absolute_url()).status_code == 404


def test_customer_cannot_reach_a_partner_article_by_its_staff_url(audiences, customer):
    assert client_for(customer).get(audiences["partner"].get_absolute_url()).status_code == 404


def test_unknown_article_is_404_for_staff(contributor):
    assert client_for(contributor).get(reverse("articles:detail", args=["no-such-article"])).status_code == 404


def test_home_sends_staff_to_the_dashboard_and_others_to_the_help_centre(contributor, customer):
    assert client_for(contributor).get("/").url == reverse("articles:dashboard")
    assert client_for(customer).get("/").url == reverse("help:index")
    assert Client().get("/").url == reverse("help:index")


# --- query counts ------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_article_page_queries_do_not_grow_with_rules_or_versions(contributor, kb_owner, product, contact):
    small = make_article(author=contributor, product=product, rules=REFUND_RULES[:1], contact=contact, title="Small")
    big = make_article(author=contributor, product=product, rules=REFUND_RULES * 3, contact=contact, title="Big")
    for n in range(5):
        big.edit(by=contributor, base_version=big.version, changes={"cause": f"Cause, take {n}."})
    assert big.rules.count() == 6
    client = client_for(contributor)
    client.get(small.get_absolute_url())  # warm up per-process caches (content types, sessions)
    client.get(big.get_absolute_url())  # and make today's view counter rows (their first view inserts one)

    assert count_queries(client, big.get_absolute_url()) == count_queries(client, small.get_absolute_url())


def test_article_page_renders_in_a_bounded_number_of_queries(article, contributor, django_assert_max_num_queries):
    # The article with its rules, tags and versions, then one or two queries per panel: open
    # flags, review status, reuse and review confirmation, subscriptions, the notification bell.
    client = client_for(contributor)
    client.get(article.get_absolute_url())
    # 14: the last use is read from reuse links and from reuse without a case (one query each);
    # 15: the linked cases, the latest few with their count (one query, cases.panels);
    # 16: the view counter's UPDATE (insights.counting);
    # 17-18: related articles: vectors changed since the last search (search.semantic), and the
    # nearest articles the reader may open (one query);
    # 19: linked articles and the "Superseded by" banner (one query, articles.relations);
    # 20: the translation set (one query, articles.translation_views.panel).
    with django_assert_max_num_queries(20):
        assert client.get(article.get_absolute_url()).status_code == 200


def test_article_page_queries_do_not_grow_with_flags_reuse_or_subscriptions(article, contributor, kb_owner):
    from feedback.services import raise_flag
    from health.services import record_reuse
    from notifications.models import Subscription

    client = client_for(contributor)
    client.get(article.get_absolute_url())
    before = count_queries(client, article.get_absolute_url())
    for n in range(4):
        agent = make_user(f"agent{n}", licence=Licence.CONTRIBUTOR)
        raise_flag(by=agent, article=article, reason="unclear", comment=f"Step {n} is vague.")
        record_reuse(article=article, by=agent, case_ref=f"CASE-{n}", solved=True)
        Subscription.objects.create(user=agent, article=article)
    Subscription.objects.create(user=contributor, product=article.product)
    assert count_queries(client, article.get_absolute_url()) == before


def test_article_list_queries_do_not_grow_with_the_number_of_articles(contributor, kb_owner, django_assert_max_num_queries):
    product = Product.objects.create(name="Few", slug="few")
    many = Product.objects.create(name="Many", slug="many")
    for n in range(3):
        Article.create(by=kb_owner, title=f"Few {n}", product=product, tags=[f"few-{n}", "shared"], owner=contributor)
    for n in range(30):
        Article.create(by=kb_owner, title=f"Many {n}", product=many, tags=[f"many-{n}", "shared"], owner=contributor)
    client = client_for(contributor)
    client.get(reverse("articles:list"))

    few = count_queries(client, reverse("articles:list") + "?product=few")
    assert count_queries(client, reverse("articles:list") + "?product=many") == few
    with django_assert_max_num_queries(10):
        client.get(reverse("articles:list"))


def test_dashboard_and_help_centre_queries_do_not_grow_with_the_number_of_articles(contributor, kb_owner, product):
    def counts():
        client = client_for(contributor)
        client.get(reverse("articles:dashboard"))
        return count_queries(client, reverse("articles:dashboard")), count_queries(client, reverse("help:index"))

    def add(n, prefix):
        # One of each thing the pages list: a validated public answer, my draft, someone's work to review.
        for i in range(n):
            quick_article(f"{prefix} {i}", by=kb_owner, product=product, audience=Audience.PUBLIC, tags=[f"{prefix}-{i}"])
            quick_article(f"{prefix} draft {i}", by=contributor, product=product, state=State.WIP, tags=[f"{prefix}-{i}"])
            quick_article(f"{prefix} review {i}", by=kb_owner, product=product, state=State.NOT_VALIDATED)

    add(1, "early")
    before = counts()
    add(12, "later")
    assert counts() == before


def test_an_edit_posted_with_browser_line_ends_changes_only_what_was_typed(article, contributor):
    # Browsers post textareas with "\r\n": that alone is no change, and an edit diffs line by line.
    Article.objects.filter(pk=article.pk).update(resolution="Step one.\nStep two.\nStep three.")
    article.refresh_from_db()
    client = client_for(contributor)
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    data["resolution"] = "Step one.\r\nStep two.\r\nStep three.\r\nStep four."
    data["note"] = "Added step four."
    assert client.post(reverse("articles:edit", args=[article.slug]), data).status_code == 302
    article.refresh_from_db()
    assert article.resolution == "Step one.\nStep two.\nStep three.\nStep four."
    created = Article.create(by=contributor, title="Line ends", product=article.product, cause="a\r\nb")
    assert created.cause == "a\nb"
