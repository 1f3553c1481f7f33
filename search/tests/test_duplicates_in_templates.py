"""The duplicate check reads an article written in a template of its own by its sections' roles:
the text of an issue-like section counts as the issue, whatever the section is called."""

from __future__ import annotations

import pytest

from articles import structure
from articles.models import Article, State
from articles.tests.htmlparse import form_fields
from conftest import client_for, make_contributor, make_kb_owner
from search.tests.test_duplicates import kb  # noqa: F401 — the articles a draft may duplicate

SYMPTOM_FIRST = [
    {"key": "symptom", "label": "What the guest says", "role": "issue"},
    {"key": "resolution", "label": "Fix", "role": "resolution"},
]


@pytest.fixture
def symptom_template(db):
    template = structure.create_template(name="Guest voice", sections=SYMPTOM_FIRST, by=make_kb_owner("kim"))
    structure.make_default(template)
    return template


def test_the_article_form_marks_each_section_with_its_role(symptom_template):
    page = client_for(make_contributor()).get("/articles/new/").content.decode()
    assert 'name="sections.symptom"' in page
    assert 'data-role="issue"' in page and 'data-role="resolution"' in page


def test_an_issue_like_section_finds_the_duplicate_on_save(backend, kb, symptom_template):  # noqa: F811
    _, hotel, _, _ = kb
    client = client_for(make_contributor())
    data = form_fields(client.get("/articles/new/").content.decode())
    data.update(
        {
            "title": "Guest message",
            "product": str(hotel.pk),
            "sections.symptom": "Guest booked a non-refundable hotel room and wants a refund, the money back",
            "state": State.WIP,
        }
    )
    response = client.post("/articles/new/", data)
    created = Article.objects.get(title="Guest message")
    assert created.sections == {"symptom": data["sections.symptom"]}
    assert response.status_code == 302
    assert response["Location"] == f"{created.get_absolute_url()}?similar=1#similar-articles"
    assert "Refund for a non-refundable hotel booking" in client.get(response["Location"]).content.decode()
