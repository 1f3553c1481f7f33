"""Merging articles written in different templates: the merged article keeps A's sections, B's
text is offered beside the section of the same key or role, and what has no place is shown."""

from __future__ import annotations

from django.urls import reverse

from articles import structure
from articles.models import Article, Audience, State
from articles.tests.test_merge import _posted
from conftest import client_for

DEVICE = [
    {"key": "symptom", "label": "What the customer sees", "role": "issue"},
    {"key": "resolution", "label": "Fix", "required": True, "role": "resolution"},
    {"key": "checklist", "label": "Before you close the case", "format": "plain", "role": "other"},
    {"key": "agent_tips", "label": "Agent tips", "visibility": "staff", "role": "other"},
]


def pair(kb_owner, product):
    template = structure.create_template(name="Device", sections=DEVICE, by=kb_owner)
    a = Article.create(
        by=kb_owner,
        title="Thermostat screen stays blank",
        product=product,
        resolution="Tap the screen once.",
        template_version=template.current,
        sections={"symptom": "Nothing on the display.", "checklist": "Heating runs\nScreen shows the time"},
        state=State.NOT_VALIDATED,
        audience=Audience.CUSTOMER,
    )
    b = Article.create(
        by=kb_owner,
        title="Blank display on the thermostat",
        product=product,
        issue="The wall unit shows no numbers.",
        resolution="Replace the batteries.",
        cause="Flat batteries.",
        state=State.NOT_VALIDATED,
        audience=Audience.CUSTOMER,
    )
    return a, b


def test_the_page_shows_a_template_sections_with_b_text_by_key_or_role(kb_owner, product):
    a, b = pair(kb_owner, product)
    page = client_for(kb_owner).get(reverse("articles:merge", args=[a.slug, b.slug]))
    form = page.context["form"]
    rows = {row.name: row for row in form.rows}
    assert list(rows) == [
        "title",
        "sections.symptom",
        "resolution",
        "sections.checklist",
        "sections.agent_tips",
        "internal_notes",
    ]
    assert rows["sections.symptom"].b == "The wall unit shows no numbers."  # B's issue, by role
    assert rows["resolution"].b == "Replace the batteries."  # same key
    assert rows["sections.checklist"].markdown is False
    assert "issue" not in form.fields and "cause" not in form.fields
    html = page.content.decode()
    assert "Merged what the customer sees" in html and "Agent tips (staff only)" in html
    assert "Flat batteries." in html  # B's cause has no place in A's sections: shown to copy


def test_merging_saves_a_sections_and_leaves_its_template(kb_owner, product):
    a, b = pair(kb_owner, product)
    url = reverse("articles:merge", args=[a.slug, b.slug])
    client = client_for(kb_owner)
    page = client.get(url)
    both = client.post(url, _posted(page, use="sections.symptom:both"))
    assert both.context["form"]["sections.symptom"].value() == "Nothing on the display.\n\nThe wall unit shows no numbers."
    response = client.post(url, _posted(both, note="Same blank screen"))
    assert response.status_code == 302
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.sections["symptom"] == "Nothing on the display.\n\nThe wall unit shows no numbers."
    assert a.sections["checklist"] == "Heating runs\nScreen shows the time"
    assert a.template_version.template.name == "Device" and a.issue == ""
    assert b.merged_into == a and b.state == State.ARCHIVED
    assert "The wall unit shows no numbers." in client.get(a.get_absolute_url()).content.decode()


def test_staff_only_text_of_b_is_never_offered_for_a_section_everyone_reads(kb_owner, product):
    public_notes = [
        {"key": "symptom", "label": "Symptom", "role": "issue"},
        {"key": "resolution", "label": "Fix", "role": "resolution"},
        {"key": "background", "label": "Background", "role": "other"},
    ]
    staff_notes = [*DEVICE[:2], {"key": "agent_tips", "label": "Agent tips", "visibility": "staff", "role": "other"}]
    a_template = structure.create_template(name="Public notes", sections=public_notes, by=kb_owner)
    b_template = structure.create_template(name="Staff notes", sections=staff_notes, by=kb_owner)
    a = Article.create(by=kb_owner, title="A", product=product, template_version=a_template.current, sections={})
    b = Article.create(
        by=kb_owner,
        title="B",
        product=product,
        template_version=b_template.current,
        sections={"agent_tips": "Offer the quokka voucher code"},
    )
    page = client_for(kb_owner).get(reverse("articles:merge", args=[a.slug, b.slug]))
    rows = {row.name: row for row in page.context["form"].rows}
    assert rows["sections.background"].b == ""
    assert page.context["b_sections"] == {"Agent tips (staff only)": "Offer the quokka voucher code"}
