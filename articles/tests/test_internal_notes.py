"""Internal notes and `:::internal` passages: staff text versioned with the article.

What outside readers must never see of them is in test_internal_leaks.py; this file is about
writing, versioning and showing them to staff.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from articles import versions
from articles.models import Article, Audience, EventKind
from articles.rendering import has_internal, internal_text, public_text, render_markdown, split_internal
from conftest import client_for, make_article

from .assertions import assert_last_event, assert_versions
from .htmlparse import form_fields
from .test_edit_merge import both_changed, open_editor, post
from .test_pages import text_of

pytestmark = pytest.mark.django_db

RESOLUTION = """1. Send the customer the missing part.

:::internal
Order tool: **Order > Replacement parts**, reason code `MP-01`.
:::

2. It arrives within five days."""


# --- the fence ---------------------------------------------------------------------------------


def test_a_fenced_passage_is_left_out_of_the_public_text_and_kept_in_the_internal_text():
    assert public_text(RESOLUTION) == "1. Send the customer the missing part.\n\n2. It arrives within five days."
    assert internal_text(RESOLUTION) == "Order tool: **Order > Replacement parts**, reason code `MP-01`."
    assert has_internal(RESOLUTION) and not has_internal("Plain text ::: with colons")


def test_a_passage_never_closed_runs_to_the_end_so_a_slip_hides_rather_than_shows():
    text = "Public step.\n:::internal\nGoodwill: a 5 EUR voucher.\n\nStill internal."
    assert public_text(text) == "Public step."
    assert "Still internal." in internal_text(text)


def test_a_closing_fence_inside_a_code_block_of_the_passage_does_not_end_it():
    text = "Public.\n\n:::internal\n```\n:::\nsecret after the fence\n```\nmore secret\n:::\n\nPublic again."
    assert public_text(text) == "Public.\n\nPublic again."
    assert "secret after the fence" in internal_text(text) and "more secret" in internal_text(text)


def test_an_opening_fence_counts_even_inside_a_code_block():
    # Fail closed: a writer's unclosed code fence above must not publish the passage as code.
    text = "```\ncode\n:::internal\nreason code XR-9\n:::\n```"
    assert "XR-9" not in public_text(text)


def test_fences_are_lines_of_their_own_case_and_spacing_aside():
    assert split_internal("a\n  ::: Internal  \nb\n   :::\nc") == [(False, "a\n"), (True, "b\n"), (False, "c")]
    assert public_text("    :::internal\nb") == "    :::internal\nb"  # four spaces: an indented code line


def test_outside_rendering_leaves_the_passage_out_and_staff_rendering_marks_it():
    public = render_markdown(RESOLUTION, id_prefix="resolution")
    staff = render_markdown(RESOLUTION, id_prefix="resolution", internal=True)
    assert "MP-01" not in public and "Internal" not in public and ":::" not in public
    assert "five days" in public
    assert 'class="internal-box"' in staff and "Internal — staff only" in staff
    assert "<code>MP-01</code>" in staff and ":::" not in staff


def test_a_passage_is_sanitized_like_the_rest():
    staff = render_markdown(":::internal\n<script>alert(1)</script><a href='javascript:x()'>x</a>\n:::", internal=True)
    assert "<script" not in staff and "javascript:" not in staff and "internal-box" in staff


# --- versions --------------------------------------------------------------------------------


@pytest.fixture
def public_article(contributor, kb_owner, product):
    return make_article(author=contributor, product=product, audience=Audience.PUBLIC, kb_owner=kb_owner)


def test_internal_notes_are_a_versioned_field_with_history_diff_and_revert(public_article, contributor):
    article, before = public_article, public_article.version
    article.edit(
        by=contributor,
        base_version=before,
        changes={"internal_notes": "Goodwill: a bonus minifigure, with team-lead approval."},
        note="Goodwill rule for agents",
    )
    article.refresh_from_db()
    assert article.version == before + 1
    assert_versions(article, before + 1)
    event = assert_last_event(article, kind=EventKind.EDITED, actor=contributor)
    assert event.changed_fields == ["internal_notes"]

    old = versions.snapshot_of_version(versions.version_by_number(article, before).version)
    new = versions.snapshot_of_version(versions.version_by_number(article, before + 1).version)
    changes = versions.diff(old, new)
    assert [(c.label, c.new) for c in changes] == [("Internal notes", article.internal_notes)]

    article.revert(by=contributor, to_number=before, base_version=article.version)
    article.refresh_from_db()
    assert article.internal_notes == "" and article.version == before + 2


def test_a_contributor_writes_internal_notes_in_the_editor_and_staff_see_them_marked(public_article, contributor):
    client = client_for(contributor)
    form = open_editor(client, public_article)
    assert form["internal_notes"] == ""
    form["internal_notes"] = "Reason code `MP-01`; tool path **Order > Replacement parts**."
    assert post(client, public_article, form).status_code == 302
    public_article.refresh_from_db()
    assert public_article.internal_notes == form["internal_notes"]

    page = client.get(public_article.get_absolute_url())
    html = page.content.decode()
    assert "Internal notes — staff only" in text_of(page)
    assert "<code>MP-01</code>" in html and 'class="internal-box"' in html


def test_an_over_long_internal_note_is_refused_on_the_form_keeping_the_text(public_article, contributor, settings):
    client = client_for(contributor)
    form = open_editor(client, public_article)
    form["internal_notes"] = "x" * 150_001
    response = post(client, public_article, form)
    assert response.status_code == 400
    assert "at most 150,000 are allowed" in text_of(response)
    assert form_fields(response.content.decode())["internal_notes"] == form["internal_notes"]
    public_article.refresh_from_db()
    assert public_article.internal_notes == ""


def test_internal_notes_changed_by_both_editors_are_reported_in_the_conflict(public_article, contributor, publisher):
    first, second = client_for(contributor), client_for(publisher)
    a_form, b_form = open_editor(first, public_article), open_editor(second, public_article)
    a_form["internal_notes"] = "Reason code MP-01."
    assert post(first, public_article, a_form).status_code == 302
    b_form["internal_notes"] = "Reason code MP-02."
    conflict = post(second, public_article, b_form)
    assert conflict.status_code == 409
    assert both_changed(conflict) == ["Internal notes"]
    assert form_fields(conflict.content.decode())["internal_notes"] == "Reason code MP-02."


def test_internal_notes_only_the_other_editor_changed_are_taken_into_my_form(public_article, contributor, publisher):
    first, second = client_for(contributor), client_for(publisher)
    a_form, b_form = open_editor(first, public_article), open_editor(second, public_article)
    a_form["internal_notes"] = "Reason code MP-01."
    assert post(first, public_article, a_form).status_code == 302
    b_form["cause"] = "A packing error at the warehouse."
    conflict = post(second, public_article, b_form)
    assert "Their changes, now in the form: Internal notes." in text_of(conflict)
    assert form_fields(conflict.content.decode())["internal_notes"] == "Reason code MP-01."


# --- API ---------------------------------------------------------------------------------------


def test_staff_read_and_write_internal_notes_through_the_api(public_article, contributor):
    client = client_for(contributor)
    url = f"/api/v1/articles/{public_article.slug}/"
    response = client.patch(
        url,
        {"version": public_article.version, "internal_notes": "Reason code `MP-01`.", "note": "Notes"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["internal_notes"] == "Reason code `MP-01`."
    assert client.get(url).json()["internal_notes"] == "Reason code `MP-01`."
    assert Article.objects.get(pk=public_article.pk).internal_notes == "Reason code `MP-01`."


def test_the_api_refuses_an_over_long_internal_note(public_article, contributor):
    response = client_for(contributor).patch(
        f"/api/v1/articles/{public_article.slug}/",
        {"version": public_article.version, "internal_notes": "x" * 150_001},
        content_type="application/json",
    )
    assert response.status_code == 400 and "internal_notes" in response.json()


def test_the_staff_page_shows_internal_passages_of_every_field_in_the_marked_box(public_article, contributor):
    public_article.edit(
        by=contributor,
        base_version=public_article.version,
        changes={"resolution": RESOLUTION},
        note="Steps",
    )
    html = client_for(contributor).get(reverse("articles:detail", args=[public_article.slug])).content.decode()
    assert html.count('class="internal-box"') == 1 and "<code>MP-01</code>" in html


def test_headings_keep_unique_ids_across_the_parts_of_a_staff_page():
    staff = render_markdown("## Steps\n\n:::internal\n## Steps\n:::\n\n## Steps", id_prefix="resolution", internal=True)
    ids = re.findall(r'id="([^"]+)"', staff)
    assert len(ids) == 3 and len(set(ids)) == 3 and ids[0] == "resolution-steps"
