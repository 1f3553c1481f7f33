"""The template pages KB owners use, and the create page where authors pick a template."""

from __future__ import annotations

import pytest

from articles import structure
from articles.models import Article, ArticleTemplate, State
from conftest import client_for

from .htmlparse import form_fields
from .test_templates import TROUBLESHOOTING


@pytest.fixture
def troubleshooting(kb_owner):
    return structure.create_template(name="Troubleshooting", sections=TROUBLESHOOTING, by=kb_owner)


def sections_post(sections: list[dict], **extra) -> dict:
    data = {"sections-TOTAL_FORMS": str(len(sections)), "sections-INITIAL_FORMS": str(len(sections))}
    for n, section in enumerate(sections):
        for name in ("key", "label", "help", "format", "visibility", "role"):
            data[f"sections-{n}-{name}"] = section.get(name, {"format": "markdown", "visibility": "everyone"}.get(name, ""))
        if section.get("required"):
            data[f"sections-{n}-required"] = "on"
        data[f"sections-{n}-ORDER"] = str(section.get("ORDER", n + 1))
        if section.get("DELETE"):
            data[f"sections-{n}-DELETE"] = "on"
    return {**data, **extra}


# --- who may define templates ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/templates/", "/templates/new/"])
def test_a_contributor_may_not_manage_templates(contributor, url):
    response = client_for(contributor).get(url)
    assert response.status_code == 403
    assert "Only KB owners can define article templates." in response.content.decode()


def test_a_contributor_cannot_post_a_new_version(contributor, troubleshooting):
    response = client_for(contributor).post(f"/templates/{troubleshooting.pk}/", sections_post(TROUBLESHOOTING, name="X"))
    assert response.status_code == 403
    troubleshooting.refresh_from_db()
    assert troubleshooting.current.number == 1 and troubleshooting.name == "Troubleshooting"


def test_customers_do_not_learn_the_template_pages_exist(customer):
    assert client_for(customer).get("/templates/").status_code == 404


def test_a_kb_owner_sees_the_templates_and_a_link_to_them(kb_owner, troubleshooting, django_assert_max_num_queries):
    owner = client_for(kb_owner)
    with django_assert_max_num_queries(12):
        page = owner.get("/templates/").content.decode()
    assert "Troubleshooting" in page and "Standard" in page and "Site default" in page
    assert 'href="/templates/"' in owner.get("/dashboard/").content.decode()


# --- creating and editing ----------------------------------------------------------------------


def test_a_kb_owner_creates_a_template(kb_owner):
    sections = [
        {"key": "question", "label": "Question", "role": "issue"},
        {"key": "answer", "label": "Answer", "role": "resolution", "required": True},
    ]
    response = client_for(kb_owner).post("/templates/new/", sections_post(sections, name="FAQ", description="Short answers"))
    template = ArticleTemplate.objects.get(name="FAQ")
    assert response.status_code == 302 and response["Location"] == f"/templates/{template.pk}/"
    assert [s["key"] for s in template.current.sections] == ["question", "answer"]
    assert template.current.sections[1]["required"] is True and template.created_by == kb_owner


def test_editing_sections_saves_a_new_version_shown_in_the_history(kb_owner, troubleshooting):
    owner = client_for(kb_owner)
    moved = [dict(s, ORDER=n) for n, s in zip((2, 1, 3, 4), TROUBLESHOOTING, strict=True)]
    moved[3]["DELETE"] = True
    data = sections_post(moved, name="Troubleshooting", description="", opened=str(troubleshooting.current_id))
    response = owner.post(f"/templates/{troubleshooting.pk}/", data, follow=True)
    page = response.content.decode()
    troubleshooting.refresh_from_db()
    assert [s["key"] for s in troubleshooting.current.sections] == ["resolution", "symptom", "checklist"]
    assert troubleshooting.current.number == 2
    assert "Saved as version 2" in page and "Version 2</strong>" in page and "Version 1</strong>" in page
    assert troubleshooting.versions.get(number=1).sections[3]["key"] == "agent_tips"  # the old version as it was


def test_a_stale_editor_saves_nothing(kb_owner, troubleshooting):
    structure.save_sections(troubleshooting, [dict(TROUBLESHOOTING[0], label="Sym"), *TROUBLESHOOTING[1:]], by=kb_owner)
    data = sections_post(TROUBLESHOOTING, name="Troubleshooting", opened=str(troubleshooting.versions.get(number=1).pk))
    response = client_for(kb_owner).post(f"/templates/{troubleshooting.pk}/", data)
    assert response.status_code == 400
    assert "Someone saved a new version of this template" in response.content.decode()
    assert troubleshooting.versions.count() == 2


def test_a_section_once_staff_only_is_never_shown_to_everyone(kb_owner, troubleshooting):
    owner = client_for(kb_owner)
    opened = [dict(s, visibility="everyone") if s["key"] == "agent_tips" else s for s in TROUBLESHOOTING]
    data = sections_post(opened, name="Troubleshooting", opened=str(troubleshooting.current_id))
    response = owner.post(f"/templates/{troubleshooting.pk}/", data)
    assert response.status_code == 400
    assert "“Agent tips” was staff-only in an earlier version" in response.content.decode()
    # Dropped in version 2, then added back for everyone: refused the same way.
    structure.save_sections(troubleshooting, TROUBLESHOOTING[:3], by=kb_owner)
    with pytest.raises(structure.InvalidSections, match="existing staff-only text stays staff-only"):
        structure.save_sections(troubleshooting, opened, by=kb_owner)
    assert troubleshooting.versions.count() == 2
    renamed = [dict(s, key="tips_for_all") if s["key"] == "agent_tips" else s for s in opened]
    assert structure.save_sections(troubleshooting, renamed, by=kb_owner).number == 3


def test_bad_sections_are_explained_and_kept_in_the_form(kb_owner, troubleshooting):
    bad = [dict(TROUBLESHOOTING[0], key="symptom"), dict(TROUBLESHOOTING[1]), dict(TROUBLESHOOTING[2], key="symptom")]
    data = sections_post(bad, name="Troubleshooting", opened=str(troubleshooting.current_id))
    response = client_for(kb_owner).post(f"/templates/{troubleshooting.pk}/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "the key “symptom” is used twice" in page and 'value="Checklist"' in page
    assert troubleshooting.versions.count() == 1


def test_add_a_section_without_javascript_keeps_what_was_typed(kb_owner, troubleshooting):
    typed = [dict(TROUBLESHOOTING[0], label="Typed but unsaved"), *TROUBLESHOOTING[1:]]
    data = sections_post(typed, name="Troubleshooting", opened=str(troubleshooting.current_id), **{"add-section": "1"})
    response = client_for(kb_owner).post(f"/templates/{troubleshooting.pk}/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Typed but unsaved"' in page and 'name="sections-4-label"' in page
    assert troubleshooting.versions.count() == 1


def test_site_default_product_default_and_archive(kb_owner, troubleshooting, product):
    owner = client_for(kb_owner)
    owner.post(f"/templates/{troubleshooting.pk}/product/", {"product": product.pk})
    product.refresh_from_db()
    assert product.default_template == troubleshooting
    owner.post(f"/templates/{troubleshooting.pk}/default/")
    troubleshooting.refresh_from_db()
    assert troubleshooting.is_default and ArticleTemplate.objects.filter(is_default=True).count() == 1
    refused = owner.post(f"/templates/{troubleshooting.pk}/archive/", {"archived": "1"}, follow=True)
    assert "cannot be archived" in refused.content.decode()
    standard = ArticleTemplate.objects.get(name="Standard")
    owner.post(f"/templates/{standard.pk}/default/")
    owner.post(f"/templates/{troubleshooting.pk}/archive/", {"archived": "1"})
    troubleshooting.refresh_from_db()
    product.refresh_from_db()
    assert troubleshooting.archived and product.default_template is None


# --- the author picks a template ---------------------------------------------------------------


def create_post(template, product, **fields) -> dict:
    return {
        "title": "Plug blinks red",
        "product": product.pk,
        "template": template.pk,
        "shown_template": template.current_id,
        "tags": "",
        "audience": "internal",
        "state": State.WIP,
        "material": "1",
        "rules-TOTAL_FORMS": "0",
        "rules-INITIAL_FORMS": "0",
        **fields,
    }


def test_the_create_page_starts_from_the_products_default_template(contributor, troubleshooting, product):
    product.default_template = troubleshooting
    product.save()
    page = client_for(contributor).get(f"/articles/new/?template=&product={product.pk}").content.decode()
    assert "Symptom" in page and "Agent tips (staff only)" in page
    assert 'name="sections.checklist"' in page and "Required before the article leaves work in progress." in page
    assert "Plain text." in page and 'name="environment"' not in page


def test_an_author_writes_an_article_in_a_template(contributor, troubleshooting, product):
    data = create_post(
        troubleshooting,
        product,
        **{"sections.symptom": "Red light", "resolution": "Hold the button.", "sections.checklist": "Power on"},
    )
    response = client_for(contributor).post("/articles/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    article = Article.objects.get(title="Plug blinks red")
    assert article.template_version == troubleshooting.current
    assert article.sections == {"symptom": "Red light", "checklist": "Power on", "agent_tips": ""}
    assert article.resolution == "Hold the button."


def test_changing_template_on_the_create_page_keeps_what_was_typed(contributor, troubleshooting, product):
    standard = ArticleTemplate.objects.get(name="Standard")
    data = create_post(troubleshooting, product, **{"sections.symptom": "Red light", "resolution": "Hold it."})
    data.update({"template": standard.pk, "template-change": "1"})
    response = client_for(contributor).post("/articles/new/", data)
    page = response.content.decode()
    assert response.status_code == 200 and not Article.objects.exists()
    assert "The form now shows the sections of “Standard”" in page
    assert 'name="issue"' in page and "Hold it.</textarea>" in page
    # The symptom goes to the issue (the same role).
    fields = form_fields(page)
    assert fields["issue"] == "Red light" and "sections.symptom" not in fields
    # And back: the issue goes to the symptom.
    fields.update({"template": troubleshooting.pk, "template-change": "1"})
    again = form_fields(client_for(contributor).post("/articles/new/", fields).content.decode())
    assert again["sections.symptom"] == "Red light" and again["resolution"] == "Hold it."


def test_text_a_new_template_has_no_place_for_is_never_dropped_silently(contributor, troubleshooting, product):
    standard = ArticleTemplate.objects.get(name="Standard")
    data = create_post(troubleshooting, product, **{"sections.checklist": "Power on", "resolution": "Hold it."})
    data.update({"template": standard.pk, "template-change": "1"})
    staff = client_for(contributor)
    fields = form_fields(staff.post("/articles/new/", data).content.decode())
    assert fields["sections.checklist"] == "Power on"  # no "other" section in Standard: carried along
    response = staff.post("/articles/new/", fields)
    page = response.content.decode()
    assert response.status_code == 400 and not Article.objects.exists()
    assert "Text typed for “checklist”, which this template does not have, would be lost" in page
    assert '<textarea id="carried-1" name="sections.checklist" rows="4" dir="auto">Power on</textarea>' in page
    fields = form_fields(page)
    fields.update({"sections.checklist": "", "cause": "Power on"})
    assert staff.post("/articles/new/", fields).status_code == 302
    assert Article.objects.get().cause == "Power on"


def test_saving_with_a_template_the_page_did_not_show_shows_its_sections_first(contributor, troubleshooting, product):
    standard = ArticleTemplate.objects.get(name="Standard")
    data = create_post(troubleshooting, product, shown_template=standard.current_id, issue="Red light")
    response = client_for(contributor).post("/articles/new/", data)
    assert response.status_code == 200 and not Article.objects.exists()
    assert "The form now shows the sections of “Troubleshooting”" in response.content.decode()


def test_a_required_section_is_asked_for_when_saving_as_not_validated(contributor, troubleshooting, product):
    data = create_post(troubleshooting, product, state=State.NOT_VALIDATED, resolution="Hold it.")
    response = client_for(contributor).post("/articles/new/", data)
    assert response.status_code == 400
    assert "The template requires “Checklist” before the article leaves work in progress" in response.content.decode()


def test_editing_an_article_in_a_template_changes_its_sections(contributor, troubleshooting, product):
    client_for(contributor).post("/articles/new/", create_post(troubleshooting, product, resolution="Hold it."))
    article = Article.objects.get()
    staff = client_for(contributor)
    form = staff.get(f"/articles/{article.slug}/edit/").content.decode()
    assert "Written in the “Troubleshooting” template." in form and 'name="sections.symptom"' in form
    data = {
        "title": article.title,
        "product": product.pk,
        "tags": "",
        "audience": "internal",
        "resolution": "Hold it.",
        "sections.symptom": "Now red",
        "version": article.version,
        "note": "Symptom",
        "material": "1",
        "rules-TOTAL_FORMS": "0",
        "rules-INITIAL_FORMS": "0",
    }
    assert staff.post(f"/articles/{article.slug}/edit/", data).status_code == 302
    article.refresh_from_db()
    assert article.sections["symptom"] == "Now red" and article.version == 2
    assert article.events.first().changed_fields == ["sections.symptom"]


def test_an_edit_page_opened_before_the_template_changed_comes_back_with_the_new_sections(
    kb_owner, contributor, product, troubleshooting
):
    from .htmlparse import form_fields
    from .test_templates import write

    article = write(contributor, product, troubleshooting, symptom="Red", resolution="Reset it.", checklist="Plug")
    staff = client_for(contributor)
    data = form_fields(staff.get(f"/articles/{article.slug}/edit/").content.decode())
    assert data["shown_template"] == str(troubleshooting.current_id)
    extra = {"key": "parts", "label": "Spare parts", "role": "other"}
    structure.save_sections(troubleshooting, [*TROUBLESHOOTING, extra], by=kb_owner)
    data.update({"sections.symptom": "Red blinking", "note": "Clearer symptom"})
    response = staff.post(f"/articles/{article.slug}/edit/", data)
    page = response.content.decode()
    article.refresh_from_db()
    assert article.version == 1 and article.sections["symptom"] == "Red"  # nothing saved
    assert "template changed since this page was opened" in page
    assert "Spare parts" in page and "Red blinking" in page
    again = form_fields(page)
    assert again["shown_template"] == str(troubleshooting.current_id)
    staff.post(f"/articles/{article.slug}/edit/", again)
    article.refresh_from_db()
    assert article.version == 2 and article.sections["symptom"] == "Red blinking"
