"""Saving after a conflict: a three-way merge keeps both people's changes, and says where they overlap."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from articles.models import State
from conftest import client_for, make_article, make_kb_owner

from .assertions import assert_versions
from .htmlparse import form_fields
from .test_pages import RULE_SENTENCE, text_of, version_in


def open_editor(client, article) -> dict[str, str]:
    data = form_fields(client.get(reverse("articles:edit", args=[article.slug])).content.decode())
    # A material update needs a change note (it is announced to subscribers); every editor here writes one.
    return {**data, "note": "Clearer steps"}


def post(client, article, data):
    return client.post(reverse("articles:edit", args=[article.slug]), data)


def both_changed(response) -> list[str]:
    """The labels the conflict box lists as changed by both."""
    return re.findall(r"<h3>([^<:]+): changed by both — check before saving</h3>", response.content.decode())


def test_save_my_merged_version_keeps_the_other_persons_change(article, contributor, publisher):
    first, second = client_for(contributor), client_for(publisher)
    a_form, b_form = open_editor(first, article), open_editor(second, article)
    opened = article.version

    a_form["resolution"] = "Offer a voucher before any refund."
    assert post(first, article, a_form).status_code == 302

    b_form["cause"] = "Non-refundable rate, sold at a discount."
    conflict = post(second, article, b_form)

    assert conflict.status_code == 409
    assert "Their changes, now in the form: Resolution." in text_of(conflict)
    assert "Your changes, kept in the form: Cause." in text_of(conflict)
    assert both_changed(conflict) == []
    merge = form_fields(conflict.content.decode())
    assert merge["resolution"] == "Offer a voucher before any refund."
    assert merge["cause"] == "Non-refundable rate, sold at a discount."
    assert version_in(conflict) == opened + 1
    article.refresh_from_db()
    assert (article.version, article.cause) == (opened + 1, "Non-refundable rate.")  # nothing of B's saved yet

    assert post(second, article, merge).status_code == 302

    article.refresh_from_db()
    assert article.resolution == "Offer a voucher before any refund."
    assert article.cause == "Non-refundable rate, sold at a discount."
    assert article.version == opened + 2
    assert_versions(article, opened + 2)


def test_a_field_changed_by_both_is_reported_and_keeps_my_text(article, contributor, publisher):
    first, second = client_for(contributor), client_for(publisher)
    a_form, b_form = open_editor(first, article), open_editor(second, article)
    opened = article.version

    a_form.update(cause="Rate sold at a discount.", title="Refund for a non-refundable hotel booking")
    assert post(first, article, a_form).status_code == 302

    b_form.update(cause="Non-refundable rate chosen at booking.", environment="Booking made in the app.")
    conflict = post(second, article, b_form)

    assert conflict.status_code == 409
    assert both_changed(conflict) == ["Cause"]
    page = conflict.content.decode()
    assert re.search(r"<del>[^<]*discount[^<]*</del>", page), "the saved text is shown as removed"
    assert re.search(r"<ins>[^<]*booking[^<]*</ins>", page), "my text is shown as added"
    merge = form_fields(page)
    assert merge["cause"] == "Non-refundable rate chosen at booking."  # mine, to check before saving
    assert merge["title"] == "Refund for a non-refundable hotel booking"  # theirs
    assert merge["environment"] == "Booking made in the app."  # mine

    assert post(second, article, merge).status_code == 302
    article.refresh_from_db()
    assert (article.title, article.environment, article.cause) == (
        "Refund for a non-refundable hotel booking",
        "Booking made in the app.",
        "Non-refundable rate chosen at booking.",
    )
    assert_versions(article, opened + 2)


def test_tags_added_by_the_other_person_survive_the_merge(article, contributor, publisher):
    first, second = client_for(contributor), client_for(publisher)
    a_form, b_form = open_editor(first, article), open_editor(second, article)
    a_form["tags"] = "booking, refund, voucher"
    assert post(first, article, a_form).status_code == 302
    b_form["cause"] = "Rate sold at a discount."

    merge = form_fields(post(second, article, b_form).content.decode())
    assert merge["tags"] == "booking, refund, voucher"
    assert post(second, article, merge).status_code == 302

    article.refresh_from_db()
    assert article.tag_names() == ["booking", "refund", "voucher"]
    assert article.cause == "Rate sold at a discount."


def test_a_kb_owners_merge_keeps_the_other_kb_owners_rule_change(article, kb_owner):
    first, second = client_for(kb_owner), client_for(make_kb_owner("otto"))
    a_form, b_form = open_editor(first, article), open_editor(second, article)
    a_form["rules-0-limit_amount"] = "60"
    assert post(first, article, a_form).status_code == 302
    b_form["cause"] = "Rate sold at a discount."

    conflict = post(second, article, b_form)
    assert conflict.status_code == 409
    assert "Their changes, now in the form: Decision authority." in text_of(conflict)
    merge = form_fields(conflict.content.decode())
    assert merge["rules-0-limit_amount"] == "60.00"
    assert post(second, article, merge).status_code == 302

    article.refresh_from_db()
    assert [r.plain_words() for r in article.rules.all()][0] == "You may refund the booking up to 60 EUR without approval."
    assert article.rules.count() == 2
    assert article.cause == "Rate sold at a discount."


def test_rules_changed_by_both_are_reported_and_mine_stay_in_the_form(article, kb_owner):
    first, second = client_for(kb_owner), client_for(make_kb_owner("otto"))
    a_form, b_form = open_editor(first, article), open_editor(second, article)
    a_form["rules-0-limit_amount"] = "60"
    assert post(first, article, a_form).status_code == 302
    b_form["rules-0-limit_amount"] = "75"

    conflict = post(second, article, b_form)

    assert both_changed(conflict) == ["Decision authority"]
    assert "<del>60</del><ins>75</ins>" in conflict.content.decode()
    assert form_fields(conflict.content.decode())["rules-0-limit_amount"] == "75"


def test_a_contributors_merge_leaves_the_authority_as_the_kb_owner_saved_it(article, kb_owner, contributor):
    owner_client, contributor_client = client_for(kb_owner), client_for(contributor)
    a_form, b_form = open_editor(owner_client, article), open_editor(contributor_client, article)
    a_form.update(authority_note="Ask Billing Escalations, then the team lead.")
    a_form["rules-1-DELETE"] = "on"
    assert post(owner_client, article, a_form).status_code == 302
    b_form["cause"] = "Rate sold at a discount."

    merge = form_fields(post(contributor_client, article, b_form).content.decode())
    assert post(contributor_client, article, merge).status_code == 302

    article.refresh_from_db()
    assert article.authority_note == "Ask Billing Escalations, then the team lead."
    assert [r.plain_words() for r in article.rules.all()] == [RULE_SENTENCE]  # the KB owner removed the other rule
    assert article.cause == "Rate sold at a discount."


def test_a_validation_while_i_edit_brings_its_review_date_into_my_form(contributor, publisher, product):
    draft = make_article(author=contributor, product=product, state=State.NOT_VALIDATED, title="Waiting for review")
    client = client_for(contributor)
    form = open_editor(client, draft)
    assert "review_by" not in form  # read-only on a draft: it has no review date to move
    draft.validate(by=publisher)
    draft.refresh_from_db()
    assert draft.review_by is not None
    form["cause"] = "Rate sold at a discount."

    conflict = post(client, draft, form)
    assert conflict.status_code == 409
    assert both_changed(conflict) == []
    merge = form_fields(conflict.content.decode())
    assert merge["review_by"] == draft.review_by.isoformat()
    assert post(client, draft, merge).status_code == 302

    draft.refresh_from_db()
    assert draft.review_by is not None
    assert draft.cause == "Rate sold at a discount."
    assert draft.state == State.VALIDATED


@pytest.mark.parametrize("version", ["0", "99"])
def test_a_version_nobody_opened_keeps_my_text_and_reports_every_difference(article, contributor, version):
    client = client_for(contributor)
    form = open_editor(client, article)
    article.edit(by=contributor, base_version=article.version, changes={"resolution": "Saved elsewhere."})
    form.update(cause="Typed here.", version=version)

    conflict = post(client, article, form)

    assert conflict.status_code == 409
    assert both_changed(conflict) == ["Resolution", "Cause"]
    merge = form_fields(conflict.content.decode())
    assert (merge["cause"], merge["resolution"]) == ("Typed here.", "1. Check the booking.\n2. Offer a date change first.")
    assert version_in(conflict) == article.version
    article.refresh_from_db()
    assert (article.cause, article.resolution) == ("Non-refundable rate.", "Saved elsewhere.")
