"""Search and the sections of article templates: a section's text is found where its role says
(issue-like weighs as the issue), and a staff-only section is found by staff alone."""

from __future__ import annotations

import pytest

from articles import structure
from articles.models import Audience
from conftest import make_customer, make_kb_owner
from search import indexing
from search.backends.base import SearchRequest
from search.service import search

from .test_contract import write

SECTIONS = [
    {"key": "symptom", "label": "Symptom", "role": "issue"},
    {"key": "resolution", "label": "Fix", "role": "resolution", "required": True},
    {"key": "background", "label": "Background", "role": "other"},
    {"key": "agent_tips", "label": "Agent tips", "visibility": "staff", "role": "other"},
]


@pytest.fixture
def kb(backend, product):
    owner = make_kb_owner("olga")
    template = structure.create_template(name="Troubleshooting", sections=SECTIONS, by=owner)
    common = {"template_version": template.current, "audience": Audience.PUBLIC}  # validated (write's default)
    issue_like = write(
        owner,
        product,
        "Plug keeps blinking",
        resolution="Hold the button for ten seconds.",
        sections={"symptom": "The zorbatron light flashes", "agent_tips": "Offer the quokkavoucher"},
        **common,
    )
    other = write(
        owner,
        product,
        "Socket replaced",
        resolution="Send a new socket.",
        sections={"background": "Older zorbatron sockets wear out"},
        **common,
    )
    indexing.rebuild()
    return issue_like, other


def find(text, user):
    return search(SearchRequest(text=text, user=user))


def test_text_in_an_issue_like_section_ranks_above_the_same_words_in_other_text(kb, contributor):
    issue_like, other = kb
    hits = [h.slug for h in find("zorbatron", contributor).hits]
    assert hits == [issue_like.slug, other.slug]


def test_a_customer_finds_section_text_shown_to_everyone_with_a_snippet_from_it(kb):
    issue_like, _ = kb
    results = find("zorbatron light", make_customer())
    assert results.hits[0].slug == issue_like.slug
    assert "zorbatron" in results.hits[0].snippet


def test_a_staff_only_section_is_found_by_staff_only(kb, contributor):
    issue_like, _ = kb
    staff = find("quokkavoucher", contributor)
    assert [h.slug for h in staff.hits] == [issue_like.slug]
    assert "quokkavoucher" in staff.hits[0].snippet
    outside = find("quokkavoucher", make_customer())
    assert outside.hits == [] and "quokkavoucher" not in str(outside.suggestion)


def test_changing_a_section_updates_the_index(kb, contributor, django_capture_on_commit_callbacks):
    issue_like, _ = kb
    owner = make_kb_owner("kbo2")
    with django_capture_on_commit_callbacks(execute=True):
        changes = {"sections": {"symptom": "A glimmerwick glow"}}
        issue_like.edit(by=owner, base_version=issue_like.version, changes=changes, note="x")
    assert [h.slug for h in find("glimmerwick", contributor).hits] == [issue_like.slug]
    assert issue_like.slug not in [h.slug for h in find("zorbatron", contributor).hits]
