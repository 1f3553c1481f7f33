"""Article templates: the section schema, template versions, articles written in a template, and
old versions that keep reading with the sections they had."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest

from articles import structure
from articles.models import Article, ArticleEvent, ArticleTemplate, Audience, InvalidChange, State
from articles.services import BadRecord, ImportRecord, import_record
from conftest import client_for, make_article

TROUBLESHOOTING = [
    {"key": "symptom", "label": "Symptom", "help": "What the customer sees.", "role": "issue"},
    {"key": "resolution", "label": "Fix", "help": "", "required": True, "role": "resolution"},
    {"key": "checklist", "label": "Checklist", "format": "plain", "required": True, "role": "other"},
    {"key": "agent_tips", "label": "Agent tips", "visibility": "staff", "role": "other"},
]


@pytest.fixture
def troubleshooting(kb_owner):
    return structure.create_template(name="Troubleshooting", sections=TROUBLESHOOTING, by=kb_owner)


def write(author, product, template, *, state=State.WIP, **texts):
    sections = {k: v for k, v in texts.items() if k not in structure.STANDARD_KEYS}
    standard = {k: v for k, v in texts.items() if k in structure.STANDARD_KEYS}
    return Article.create(
        by=author,
        title="Smart plug keeps blinking red",
        product=product,
        state=state,
        template_version=template.current,
        sections=sections,
        **standard,
    )


def section_block(html: str) -> str:
    """The article's text on a version page (everything inside <article class="kb review-article">)."""
    return re.search(r'<article class="kb review-article".*?</article>', html, re.S).group(0)


# --- the schema ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sections, says",
    [
        ([{"key": "Bad Key", "label": "X", "role": "resolution"}], "the key must start with a letter"),
        ([{"key": "fix", "label": "Fix", "role": "resolution"}, {"key": "fix", "label": "Again"}], "used twice"),
        ([{"key": "fix", "label": "", "role": "resolution"}], "give the section a label"),
        ([{"key": "title", "label": "Title", "role": "resolution"}], "already a field of every article"),
        ([{"key": "resolution", "label": "Fix", "visibility": "staff"}], "Use another key"),
        ([{"key": "notes", "label": "Notes", "role": "other"}], "needs a resolution-like section"),
        ([{"key": "fix", "label": "Fix", "role": "resolution", "format": "html"}], "unknown format"),
        ([], "at least one section"),
    ],
)
def test_a_template_with_bad_sections_is_refused_with_a_reason(sections, says):
    with pytest.raises(structure.InvalidSections) as refused:
        structure.check_sections(sections)
    assert says in str(refused.value)


def test_the_standard_template_is_the_default_and_reads_like_every_article_before_templates(db):
    standard = ArticleTemplate.objects.get(is_default=True)
    assert standard.name == "Standard"
    assert standard.current.sections == structure.STANDARD_SECTIONS
    assert [s.key for s in structure.sections_of(None)] == ["issue", "environment", "resolution", "cause"]


def test_saving_changed_sections_makes_a_new_version_and_leaves_the_old_one_alone(troubleshooting, kb_owner):
    first = troubleshooting.current
    unchanged = structure.save_sections(troubleshooting, TROUBLESHOOTING, by=kb_owner)
    assert unchanged.pk == first.pk
    renamed = [dict(TROUBLESHOOTING[0], label="What the customer sees"), *TROUBLESHOOTING[1:]]
    second = structure.save_sections(troubleshooting, renamed, by=kb_owner)
    first.refresh_from_db()
    troubleshooting.refresh_from_db()
    assert (first.number, second.number, troubleshooting.current_id) == (1, 2, second.pk)
    assert first.sections[0]["label"] == "Symptom"


def test_a_product_default_template_is_where_new_articles_start(troubleshooting, product):
    assert structure.template_for_new(product).name == "Standard"
    product.default_template = troubleshooting
    product.save()
    assert structure.template_for_new(product) == troubleshooting
    structure.set_archived(troubleshooting, True)
    product.refresh_from_db()
    assert structure.template_for_new(product).name == "Standard"


# --- articles in a template ------------------------------------------------------------------


def test_section_text_is_stored_by_key_and_standard_keys_in_their_columns(troubleshooting, contributor, product):
    article = write(contributor, product, troubleshooting, symptom="Red blinking", resolution="Reset it.", checklist="a\nb")
    article.refresh_from_db()
    assert article.resolution == "Reset it."
    assert article.sections == {"symptom": "Red blinking", "checklist": "a\nb"}
    assert [(s.key, text) for s, text in structure.section_values(article)] == [
        ("symptom", "Red blinking"),
        ("resolution", "Reset it."),
        ("checklist", "a\nb"),
        ("agent_tips", ""),
    ]


def test_a_section_the_template_has_not_is_refused(troubleshooting, contributor, product):
    with pytest.raises(InvalidChange, match="no section “steps”"):
        write(contributor, product, troubleshooting, steps="1. Unplug")


def test_required_sections_keep_an_article_in_work_in_progress_with_a_clear_message(troubleshooting, contributor, product):
    article = write(contributor, product, troubleshooting, symptom="Red blinking", resolution="Reset it.")
    with pytest.raises(InvalidChange, match="Write “Checklist” before moving this article out of work in progress"):
        article.submit(by=contributor)
    article.edit(by=contributor, base_version=article.version, changes={"sections": {"checklist": "Plug in"}}, note="x")
    article.submit(by=contributor)
    assert article.state == State.NOT_VALIDATED
    with pytest.raises(InvalidChange, match="needs “Checklist”"):
        article.edit(by=contributor, base_version=article.version, changes={"sections": {"checklist": " "}}, note="x")


def test_the_page_says_why_a_required_section_blocks_submitting(troubleshooting, contributor, product):
    article = write(contributor, product, troubleshooting, symptom="Red blinking", resolution="Reset it.")
    response = client_for(contributor).post(f"/articles/{article.slug}/transition/", {"to": "not_validated"}, follow=True)
    assert "Write “Checklist” before moving this article out of work in progress" in response.content.decode()
    article.refresh_from_db()
    assert article.state == State.WIP


def test_the_change_record_names_the_sections_an_edit_changed(troubleshooting, contributor, product):
    article = write(contributor, product, troubleshooting, symptom="Red", resolution="Reset it.")
    article.edit(by=contributor, base_version=article.version, changes={"sections": {"checklist": "Plug in"}}, note="x")
    record = ArticleEvent.objects.filter(article=article).first()
    assert record.changed_fields == ["sections.checklist"]
    assert record.outside_changed


def test_a_staff_only_section_change_is_not_news_for_outside_readers(troubleshooting, contributor, product):
    article = write(contributor, product, troubleshooting, resolution="Reset it.")
    article.edit(by=contributor, base_version=article.version, changes={"sections": {"agent_tips": "Offer a plug"}}, note="x")
    record = ArticleEvent.objects.filter(article=article).first()
    assert record.changed_fields == ["sections.agent_tips"]
    assert not record.outside_changed


def test_a_plain_section_never_shows_internal_passages_outside(troubleshooting, contributor, product):
    secret = "Plug in\n\n:::internal\nBypass the fuse\n:::\n"
    with pytest.raises(InvalidChange, match="A plain-text section cannot hold “:::internal” passages"):
        write(contributor, product, troubleshooting, checklist=secret)
    # Text stored before the rule (or by any other path) still stays in: outside readers never see it.
    article = write(contributor, product, troubleshooting, checklist="Plug in", resolution="Reset it.")
    Article.objects.filter(pk=article.pk).update(sections={**article.sections, "checklist": secret})
    article.refresh_from_db()
    outside = dict((s.key, text) for s, text in structure.outside_values(article))
    assert outside["checklist"] == "Plug in"
    public = structure.role_texts(structure.sections_of(article), article.sections, public=True)
    assert "Bypass" not in public["cause"] and "Plug in" in public["cause"]


def test_section_text_has_the_markdown_limits(troubleshooting, contributor, product, settings):
    with pytest.raises(InvalidChange, match="symptom"):
        write(contributor, product, troubleshooting, symptom=">" * 50 + " deep")


# --- versions render with the template version they had --------------------------------------


def test_old_versions_keep_rendering_with_their_template_version_after_the_template_changes(
    troubleshooting, contributor, kb_owner, product
):
    article = write(
        contributor,
        product,
        troubleshooting,
        symptom="Red *blinking*",
        resolution="Reset it.",
        checklist="Plug in\n<b>not bold</b>",
        agent_tips="Offer a spare plug",
    )
    staff = client_for(contributor)
    before = section_block(staff.get(f"/articles/{article.slug}/versions/1/").content.decode())
    assert "<h3>Symptom</h3>" in before and "<em>blinking</em>" in before
    assert "Plug in<br>&lt;b&gt;not bold&lt;/b&gt;" in before  # plain text: escaped, line breaks kept

    # The owner renames a section and drops another: version 2 of the template.
    changed = [dict(TROUBLESHOOTING[0], label="What the customer sees"), TROUBLESHOOTING[1], TROUBLESHOOTING[3]]
    structure.save_sections(troubleshooting, changed, by=kb_owner)
    article.edit(by=contributor, base_version=article.version, changes={"title": "Smart plug blinks red"}, note="title")
    article.edit(
        by=contributor,
        base_version=article.version,
        changes={"template_version": structure.version_for_edit(article), "sections": {}},
        note="new template",
    )
    article.refresh_from_db()
    assert article.template_version.number == 2

    after = section_block(staff.get(f"/articles/{article.slug}/versions/1/").content.decode())
    assert after == before
    current = staff.get(article.get_absolute_url()).content.decode()
    assert "What the customer sees" in current and "Checklist" not in current
    # Nothing is lost: the dropped section's text stays with the article and its versions.
    assert article.sections["checklist"] == "Plug in\n<b>not bold</b>"


def test_versions_stored_before_templates_read_as_standard(article, contributor):
    # A version stored before the fields existed has neither; it reads with the standard sections.
    from reversion.models import Version

    stored = Version.objects.get_for_object(article).order_by("pk").first()
    data = stored.field_dict
    rows = json.loads(stored.serialized_data)
    for name in ("template_version", "sections"):
        del rows[0]["fields"][name]
    stored.serialized_data = json.dumps(rows)
    stored.save()
    assert Version.objects.get(pk=stored.pk).field_dict["template_version_id"] is None
    page = client_for(contributor).get(f"/articles/{article.slug}/versions/1/").content.decode()
    assert "<h3>Issue</h3>" in page and data["issue"].split()[0] in page


def test_the_diff_of_two_versions_names_a_changed_section_by_its_label(troubleshooting, contributor, product):
    article = write(contributor, product, troubleshooting, symptom="Red", resolution="Reset it.")
    article.edit(by=contributor, base_version=article.version, changes={"sections": {"symptom": "Red blinking"}}, note="x")
    page = client_for(contributor).get(article.get_diff_url(1, 2)).content.decode()
    assert "<h2>Symptom</h2>" in page and "<ins>Red blinking</ins>" in page


def test_a_revert_brings_back_the_sections_of_that_version(troubleshooting, contributor, product):
    article = write(contributor, product, troubleshooting, symptom="Red", resolution="Reset it.")
    article.edit(by=contributor, base_version=article.version, changes={"sections": {"checklist": "Plug in"}}, note="x")
    article.revert(by=contributor, to_number=1, base_version=article.version)
    article.refresh_from_db()
    assert article.sections.get("checklist", "") == "" and article.sections["symptom"] == "Red"


def test_a_revert_to_an_earlier_template_version_reads_as_that_version(troubleshooting, kb_owner, contributor, product):
    article = write(contributor, product, troubleshooting, symptom="Red", resolution="Reset it.", checklist="Plug in")
    extra = {"key": "parts", "label": "Spare parts", "role": "other"}
    second = structure.save_sections(troubleshooting, [*TROUBLESHOOTING, extra], by=kb_owner)
    changes = {"template_version": second, "sections": {"parts": "A new plug"}}
    article.edit(by=contributor, base_version=article.version, changes=changes, note="x")
    article.revert(by=contributor, to_number=1, base_version=article.version)
    article.refresh_from_db()
    assert article.version == 3 and article.template_version == troubleshooting.versions.get(number=1)
    assert article.sections["parts"] == "A new plug"  # kept, hidden: the restored version has no such section
    page = client_for(contributor).get(article.get_absolute_url()).content.decode()
    assert "<h2>Symptom</h2>" in page and "Spare parts" not in page and "A new plug" not in page


# --- existing articles -----------------------------------------------------------------------


def test_an_existing_standard_article_reads_and_saves_as_before(article, contributor):
    staff = client_for(contributor)
    page = staff.get(article.get_absolute_url()).content.decode()
    assert page.index("<h2>Issue</h2>") < page.index("<h2>Environment</h2>") < page.index("<h2>Resolution</h2>")
    assert page.index("<h2>Resolution</h2>") < page.index("<h2>Cause</h2>")
    form = staff.get(f"/articles/{article.slug}/edit/").content.decode()
    assert 'name="template"' not in form and "sections." not in form
    version = article.version
    data = {
        "title": article.title,
        "product": article.product_id,
        "tags": ", ".join(article.tag_names()),
        "issue": article.issue,
        "environment": article.environment,
        "resolution": article.resolution,
        "cause": article.cause,
        "internal_notes": article.internal_notes,
        "audience": article.audience,
        "escalation": article.escalation_id or "",
        "authority_note": article.authority_note,
        "version": version,
        "material": "0",
        "rules-TOTAL_FORMS": "0",
        "rules-INITIAL_FORMS": "0",
    }
    response = staff.post(f"/articles/{article.slug}/edit/", data)
    assert response.status_code in (302, 400), response.content.decode()[:500]
    before = (article.issue, article.environment, article.resolution, article.cause, article.template_version_id)
    article.refresh_from_db()
    assert (article.issue, article.environment, article.resolution, article.cause, article.template_version_id) == before
    assert article.sections == {}


# --- outside readers -------------------------------------------------------------------------


@pytest.fixture
def published(troubleshooting, contributor, kb_owner, product):
    article = write(
        contributor,
        product,
        troubleshooting,
        symptom="The plug blinks red",
        resolution="Hold the button for ten seconds.",
        checklist="Wi-Fi on\nApp updated",
        agent_tips="Goodwill: send quokkasecret voucher",
        state=State.NOT_VALIDATED,
    )
    article.edit(by=kb_owner, base_version=article.version, changes={"audience": Audience.CUSTOMER}, note="out")
    article.validate(by=kb_owner)
    article.refresh_from_db()
    return article


def test_staff_see_every_section_and_customers_never_the_staff_only_one(published, contributor, customer):
    staff = client_for(contributor).get(published.get_absolute_url()).content.decode()
    assert "<h2>Symptom</h2>" in staff and "Agent tips — staff only" in staff and "quokkasecret" in staff
    assert "Wi-Fi on<br>App updated" in staff
    outside = client_for(customer).get(published.get_help_url()).content.decode()
    assert "<h2>Symptom</h2>" in outside and "Hold the button" in outside and "Wi-Fi on<br>App updated" in outside
    assert "quokkasecret" not in outside and "Agent tips" not in outside


def test_the_public_api_leaves_out_staff_only_sections(published, customer, contributor):
    outside = client_for(customer).get(f"/api/v1/articles/{published.slug}/").json()
    assert outside["template"] == {"name": "Troubleshooting", "version": 1}
    assert [s["key"] for s in outside["sections"]] == ["symptom", "resolution", "checklist"]
    assert "quokkasecret" not in str(outside)
    staff = client_for(contributor).get(f"/api/v1/articles/{published.slug}/").json()
    assert staff["sections"][-1] == {
        "key": "agent_tips",
        "label": "Agent tips",
        "format": "markdown",
        "visibility": "staff",
        "text": "Goodwill: send quokkasecret voucher",
    }


# --- API and import --------------------------------------------------------------------------


def test_the_api_creates_and_updates_an_article_in_a_template(troubleshooting, contributor, product):
    api = client_for(contributor)
    body = {
        "title": "Plug offline",
        "product": product.slug,
        "template": "Troubleshooting",
        "sections": {"symptom": "Offline", "resolution": "Re-pair it.", "checklist": "Router on"},
    }
    created = api.post("/api/v1/articles/", body, content_type="application/json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["template"] == {"name": "Troubleshooting", "version": 1}
    assert data["resolution"] == "Re-pair it."
    assert {s["key"]: s["text"] for s in data["sections"]}["checklist"] == "Router on"
    patch = {"version": data["version"], "sections": {"agent_tips": "Check the LED colour"}}
    updated = api.patch(f"/api/v1/articles/{data['slug']}/", patch, content_type="application/json")
    assert updated.status_code == 200, updated.json()
    assert {s["key"]: s["text"] for s in updated.json()["sections"]}["agent_tips"] == "Check the LED colour"
    assert Article.objects.get(slug=data["slug"]).sections["checklist"] == "Router on"


def test_the_api_refuses_a_section_the_template_has_not(troubleshooting, contributor, product):
    body = {"title": "Plug", "product": product.slug, "template": "Troubleshooting", "sections": {"steps": "x"}}
    response = client_for(contributor).post("/api/v1/articles/", body, content_type="application/json")
    assert response.status_code == 400
    assert "no section “steps”" in response.json()["sections"]["steps"][0]
    unknown = client_for(contributor).post("/api/v1/articles/", {**body, "template": "Nope"}, content_type="application/json")
    assert unknown.status_code == 400 and "No template named" in str(unknown.json())
    assert not Article.objects.filter(title="Plug").exists()


def test_the_import_carries_template_and_sections(troubleshooting, kb_owner):
    record = ImportRecord.from_dict(
        {
            "slug": "kb/plug-red",
            "title": "Plug blinks red",
            "body": "Hold the button.",
            "template": "Troubleshooting",
            "sections": {"symptom": "Red light", "checklist": "Power on"},
        },
        default_product="Smart Home",
    )
    result = import_record(record=record, by=kb_owner, state=State.VALIDATED, audience=Audience.INTERNAL, source="test")
    article = result.article
    article.refresh_from_db()
    assert article.template_version == troubleshooting.current
    assert article.resolution == "Hold the button."
    assert article.sections == {"symptom": "Red light", "checklist": "Power on"}
    again = ImportRecord.from_dict(
        {"slug": "kb/plug-red", "title": "Plug blinks red", "body": "Hold the button.", "sections": {"checklist": "Power on!"}},
        default_product="Smart Home",
    )
    assert import_record(record=again, by=kb_owner, state=State.VALIDATED, audience="internal", source="t").status == "updated"
    article.refresh_from_db()
    assert article.sections["checklist"] == "Power on!" and article.sections["symptom"] == "Red light"


def test_a_reimport_without_sections_does_not_hide_a_summary_in_a_template_without_an_issue(troubleshooting, kb_owner):
    first = {"slug": "kb/plug-red", "title": "Plug blinks red", "body": "Hold the button.", "template": "Troubleshooting"}
    first["sections"] = {"symptom": "Red light", "checklist": "Power on"}
    article = import_record(
        record=ImportRecord.from_dict(first, default_product="Smart Home"),
        by=kb_owner,
        state=State.VALIDATED,
        audience="internal",
        source="t",
    ).article
    again = {"slug": "kb/plug-red", "title": "Plug blinks red", "summary": "Red light", "body": "Hold the button."}
    with pytest.raises(BadRecord, match="'summary' fills the issue, which template 'Troubleshooting' has not"):
        import_record(
            record=ImportRecord.from_dict(again, default_product="Smart Home"),
            by=kb_owner,
            state=State.VALIDATED,
            audience="internal",
            source="t",
        )
    article.refresh_from_db()
    assert article.version == 1 and article.issue == ""


def test_the_import_reports_a_bad_section_key_clearly(troubleshooting, kb_owner):
    record = ImportRecord.from_dict(
        {"slug": "x", "title": "X", "body": "y", "template": "Troubleshooting", "sections": {"stepz": "1"}},
        default_product="Smart Home",
    )
    with pytest.raises(BadRecord, match="section 'stepz': This template has no section “stepz”"):
        import_record(record=record, by=kb_owner, state=State.WIP, audience="internal", source="t")
    with pytest.raises(BadRecord, match="'sections' must be an object"):
        ImportRecord.from_dict({"slug": "x", "title": "X", "sections": ["a"]}, default_product="P")
    missing = ImportRecord.from_dict(
        {"slug": "y", "title": "Y", "body": "y", "template": "Troubleshooting"}, default_product="Smart Home"
    )
    with pytest.raises(BadRecord, match="the template requires 'checklist'"):
        import_record(record=missing, by=kb_owner, state=State.VALIDATED, audience="internal", source="t")


def test_a_standard_article_from_make_article_still_needs_only_a_resolution(contributor, product, kb_owner):
    article = make_article(author=contributor, product=product, state=State.WIP, kb_owner=kb_owner)
    with pytest.raises(InvalidChange, match="Write a resolution before moving this article out of work in progress"):
        article.submit(by=contributor)


def test_a_material_change_to_a_section_readers_see_is_news_for_them_and_a_staff_only_one_is_not(
    published, kb_owner, django_capture_on_commit_callbacks
):
    from notifications.models import ArticleUpdate

    with django_capture_on_commit_callbacks(execute=True):
        published.edit(by=kb_owner, base_version=published.version, changes={"sections": {"checklist": "Wi-Fi on"}}, note="a")
    with django_capture_on_commit_callbacks(execute=True):
        published.edit(by=kb_owner, base_version=published.version, changes={"sections": {"agent_tips": "No voucher"}}, note="b")
    updates = dict(ArticleUpdate.objects.filter(article=published).values_list("note", "reader_visible"))
    assert updates == {"a": True, "b": False}


def test_the_whole_articles_size_limit_counts_the_template_sections(troubleshooting, contributor, product):
    from articles.rendering import MAX_ARTICLE_CHARS

    half = "word " * (MAX_ARTICLE_CHARS // 10 + 1)
    with pytest.raises(InvalidChange, match="the template's other sections"):
        write(contributor, product, troubleshooting, resolution=half, symptom=half, checklist="x")


def test_a_nul_character_in_a_template_or_section_is_refused_not_a_server_error(troubleshooting, contributor, product):
    # PostgreSQL keeps no NUL in text or JSON: the API (a form-encoded body may carry one) and the
    # model say so instead of failing.
    client = client_for(contributor)
    article = write(contributor, product, troubleshooting, symptom="Blinks red")
    url = f"/api/v1/articles/{article.slug}/"
    form = urlencode({"version": article.version, "template": "Trouble\x00shooting"})
    patched = client.patch(url, form, content_type="application/x-www-form-urlencoded")
    assert patched.status_code == 400 and "template" in patched.json()
    with pytest.raises(InvalidChange, match="NUL"):
        article.edit(by=contributor, base_version=article.version, changes={"sections": {"checklist": "a\x00b"}})
    article.refresh_from_db()
    assert article.sections == {"symptom": "Blinks red"}


FIX_KEYED = [
    {"key": "symptom", "label": "Symptom", "role": "issue"},
    {"key": "fix", "label": "Fix", "required": True, "role": "resolution"},
    {"key": "staff_fix", "label": "Staff fix", "visibility": "staff", "role": "resolution"},
]


def test_a_resolution_section_with_another_key_lets_the_article_move_on_from_the_pages(kb_owner, contributor, product):
    from coaching import policy as coaching_policy

    template = structure.create_template(name="Fix keyed", sections=FIX_KEYED, by=kb_owner)
    article = write(contributor, product, template, symptom="Red", staff_fix="Only staff know this")
    assert not structure.has_resolution(article)
    assert not coaching_policy.can_request_review(contributor, article)
    page = client_for(contributor).get(f"/articles/{article.slug}/").content.decode()
    assert 'value="not_validated"' not in page and "Write a resolution before validating." in page
    article.edit(by=contributor, base_version=article.version, changes={"sections": {"fix": "Reset it."}}, note="x")
    assert structure.has_resolution(article)
    assert coaching_policy.can_request_review(contributor, article)
    page = client_for(contributor).get(f"/articles/{article.slug}/").content.decode()
    assert 'value="not_validated"' in page and "Write a resolution before validating." not in page
    client_for(contributor).post(f"/articles/{article.slug}/transition/", {"to": "not_validated"})
    article.refresh_from_db()
    assert article.state == State.NOT_VALIDATED


def test_moving_an_article_to_a_template_that_shows_its_staff_only_text_to_everyone_is_refused(
    troubleshooting, contributor, kb_owner, product, customer
):
    # "agent_tips" is staff-only in Troubleshooting; another template shows a section of that key to everyone.
    open_tips = [*TROUBLESHOOTING[:2], {"key": "agent_tips", "label": "Tips", "role": "other"}]
    structure.create_template(name="Open tips", sections=open_tips, by=kb_owner)
    article = write(contributor, product, troubleshooting, symptom="Blinks red", agent_tips="Goodwill code QK-7")
    api = client_for(contributor)
    response = api.patch(
        f"/api/v1/articles/{article.slug}/",
        {"version": article.version, "template": "Open tips"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "staff-only" in str(response.json())
    article.refresh_from_db()
    assert article.template_version == troubleshooting.current
