"""Articles in several languages: translation sets, locked authority, out-of-date marks, the
translators' queue, import and API (docs/decisions/0016-translations.md)."""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles import translations
from articles.models import Article, Audience, EventKind, InvalidChange, Refused, State
from articles.tests.assertions import assert_versions
from conftest import REFUND_RULES, client_for, make_article

GERMAN_WORDS = [
    {"action": "die Buchung erstatten", "notes": ""},
    {"action": "die Buchung erstatten", "notes": "Nur mit Freigabe"},
]


def translate(source, by, language="de", audience=None, **extra):
    return translations.create(
        source,
        by=by,
        language=language,
        title="Erstattung für eine nicht erstattbare Buchung",
        texts={"issue": "Der Kunde möchte sein Geld zurück.", "resolution": "1. Buchung prüfen.", **extra},
        rule_words=GERMAN_WORDS,
        audience=audience,
    )


@pytest.fixture
def public_source(db, contributor, kb_owner, product, contact):
    return make_article(
        author=contributor, product=product, rules=REFUND_RULES, contact=contact, kb_owner=kb_owner, audience=Audience.PUBLIC
    )


# --- the set --------------------------------------------------------------------------------------


def test_translation_is_an_article_of_its_own_in_the_sources_set(article, contributor):
    german = translate(article, contributor)
    assert german.translation_of == article and german.language == "de"
    assert german.source_version == article.version and not german.translation_outdated
    assert german.state == State.WIP and german.owner == contributor
    assert german.product == article.product and german.template_version_id == article.template_version_id
    assert german.audience == article.audience
    assert_versions(german, 1)
    assert [t.pk for t in article.translations.all()] == [german.pk]


def test_translating_a_translation_translates_its_source(article, contributor):
    german = translate(article, contributor)
    french = translate(german, contributor, language="fr")
    assert french.translation_of == article


def test_one_translation_per_language(article, contributor, publisher):
    translate(article, contributor)
    with pytest.raises(InvalidChange, match="German|Deutsch"):
        translate(article, publisher)
    assert article.translations.count() == 1


def test_the_sources_own_language_is_refused(article, contributor):
    with pytest.raises(InvalidChange):
        translate(article, contributor, language="en")


def test_audience_defaults_to_the_sources_and_is_never_wider(db, contributor, kb_owner, publisher, product):
    source = make_article(author=contributor, product=product, kb_owner=kb_owner, audience=Audience.CUSTOMER)
    assert translate(source, publisher).audience == Audience.CUSTOMER
    with pytest.raises(InvalidChange, match="never shown to more readers"):
        translate(source, publisher, language="fr", audience=Audience.PUBLIC)
    narrower = translate(source, publisher, language="nl", audience=Audience.INTERNAL)
    with pytest.raises(InvalidChange, match="never shown to more readers"):
        narrower.edit(by=publisher, base_version=narrower.version, changes={"audience": Audience.PUBLIC})


def test_a_contributor_cannot_widen_a_translation_beyond_internal(public_source, contributor):
    with pytest.raises(Refused):
        translate(public_source, contributor)
    assert translate(public_source, contributor, audience=Audience.INTERNAL).audience == Audience.INTERNAL


def test_archived_source_cannot_be_translated(db, contributor, kb_owner, product):
    source = make_article(author=contributor, product=product, kb_owner=kb_owner, state=State.ARCHIVED)
    with pytest.raises(Refused):
        translate(source, contributor)


# --- decision authority stays the source's ---------------------------------------------------------


def test_translation_mirrors_the_sources_rules_with_its_own_words(article, contributor):
    german = translate(article, contributor)
    rules = german.rule_dicts()
    assert [(r["limit_amount"], r["limit_unit"], r["decider"]) for r in rules] == [
        (Decimal("50.00"), "EUR", "agent"),
        (Decimal("150.00"), "EUR", "team_lead"),
    ]
    assert [r["action"] for r in rules] == ["die Buchung erstatten", "die Buchung erstatten"]
    assert german.escalation_id == article.escalation_id


def test_structure_of_a_translations_rules_cannot_change(article, contributor, kb_owner):
    german = translate(article, contributor)
    wider_limit = [dict(r, limit_amount=Decimal("500")) for r in german.rule_dicts()]
    for by in (contributor, kb_owner):
        with pytest.raises(InvalidChange, match="follows its source"):
            german.edit(by=by, base_version=german.version, changes={}, rules=wider_limit)
        with pytest.raises(InvalidChange, match="follows its source"):
            german.edit(by=by, base_version=german.version, changes={}, rules=german.rule_dicts()[:1])
        with pytest.raises(InvalidChange, match="follows its source"):
            german.edit(by=by, base_version=german.version, changes={"escalation": None})
    assert_versions(german, 1)


def test_translator_changes_the_words_of_the_rules(article, contributor):
    german = translate(article, contributor)
    words = [dict(r, action="die Zimmerbuchung erstatten") for r in german.rule_dicts()]
    german.edit(by=contributor, base_version=german.version, rules=words, changes={"authority_note": "Billing fragen."})
    assert {r.action for r in german.rules.all()} == {"die Zimmerbuchung erstatten"}
    assert german.authority_note == "Billing fragen."


def test_sources_new_structure_is_copied_to_translations_and_marks_them_out_of_date(article, contributor, kb_owner):
    german = translate(article, contributor)
    rules = [*REFUND_RULES, {"action": "offer a voucher", "limit_amount": "20", "limit_unit": "EUR", "decider": "agent"}]
    rules[0] = dict(rules[0], limit_amount="60")
    article.edit(by=kb_owner, base_version=article.version, changes={}, rules=rules, note="Limits", material=False)
    german.refresh_from_db()
    assert german.translation_outdated
    got = german.rule_dicts()
    assert [r["limit_amount"] for r in got] == [Decimal("60.00"), Decimal("150.00"), Decimal("20.00")]
    assert [r["action"] for r in got] == ["die Buchung erstatten", "die Buchung erstatten", "offer a voucher"]
    assert_versions(german, 2)
    assert german.events.filter(kind=EventKind.OUTDATED).exists()


def test_source_narrowed_narrows_its_wider_translations(public_source, publisher, kb_owner):
    german = translate(public_source, publisher)
    public_source.edit(by=kb_owner, base_version=public_source.version, changes={"audience": Audience.INTERNAL}, note="Narrow")
    german.refresh_from_db()
    assert german.audience == Audience.INTERNAL


# --- out of date ---------------------------------------------------------------------------------


def test_material_update_of_the_source_marks_translations_out_of_date(article, contributor):
    german = translate(article, contributor)
    article.edit(by=contributor, base_version=article.version, changes={"resolution": "New steps."}, note="New", material=True)
    german.refresh_from_db()
    assert german.translation_outdated and german.source_version == article.version - 1
    event = german.events.get(kind=EventKind.OUTDATED)
    assert event.to_value == str(article.version)


def test_minor_update_of_the_source_does_not(article, contributor):
    german = translate(article, contributor)
    article.edit(by=contributor, base_version=article.version, changes={"resolution": "Typo."}, material=False)
    german.refresh_from_db()
    assert not german.translation_outdated


def test_saving_the_translation_brings_it_up_to_date(article, contributor):
    german = translate(article, contributor)
    article.edit(by=contributor, base_version=article.version, changes={"resolution": "New steps."}, note="New")
    german.refresh_from_db()
    german.edit(by=contributor, base_version=german.version, changes={"resolution": "Neue Schritte."}, note="Nachgezogen")
    assert not german.translation_outdated and german.source_version == article.version


def test_confirm_still_correct_clears_it_without_a_version(article, contributor):
    german = translate(article, contributor)
    article.edit(by=contributor, base_version=article.version, changes={"cause": "Other."}, note="Cause")
    german.refresh_from_db()
    translations.confirm(german, by=contributor)
    assert not german.translation_outdated and german.source_version == article.version
    assert_versions(german, 1)
    assert german.events.filter(kind=EventKind.CONFIRMED, to_value=str(article.version)).exists()


def test_confirm_refused_for_who_may_not_edit(article, contributor, candidate):
    german = translate(article, contributor)
    with pytest.raises(Refused):
        translations.confirm(german, by=candidate)


# --- pages ---------------------------------------------------------------------------------------


def _editor_post(source, **extra):
    data = {
        "language": "de",
        "title": "Erstattung",
        "issue": "Kunde möchte Geld zurück.",
        "environment": "",
        "resolution": "1. Prüfen.",
        "cause": "",
        "internal_notes": "",
        "authority_note": "Billing fragen.",
        "audience": source.audience,
        "seen_version": source.version,
        "note": "",
    }
    for n in range(source.rules.count()):
        data[f"rule_{n}_action"] = f"Regel {n + 1}"
        data[f"rule_{n}_notes"] = ""
    data.update(extra)
    return data


def test_source_page_shows_language_and_the_translations_panel(article, contributor):
    german = translate(article, contributor)
    article.edit(by=contributor, base_version=article.version, changes={"cause": "Other."}, note="Cause")
    page = client_for(contributor).get(article.get_absolute_url()).content.decode()
    assert "Translations" in page and german.get_absolute_url() in page and "Deutsch" in page
    assert "Out of date" in page
    assert reverse("articles:translate", args=[article.slug]) in page


def test_side_by_side_editor_creates_the_translation(article, contributor):
    client = client_for(contributor)
    url = reverse("articles:translate", args=[article.slug])
    page = client.get(url).content.decode()
    assert "Check the booking." in page and "rule_1_action" in page and "Billing Escalations" in page
    response = client.post(url, _editor_post(article))
    german = article.translations.get()
    assert response.status_code == 302 and response["Location"] == german.get_absolute_url()
    assert german.title == "Erstattung" and german.owner == contributor and german.state == State.WIP
    assert [r.action for r in german.rules.all()] == ["Regel 1", "Regel 2"]
    assert [r.limit_amount for r in german.rules.all()] == [Decimal("50.00"), Decimal("150.00")]


def test_second_translation_into_a_language_is_a_form_error(article, contributor, publisher):
    translate(article, contributor)
    response = client_for(publisher).post(reverse("articles:translate", args=[article.slug]), _editor_post(article))
    assert response.status_code == 400
    assert article.translations.count() == 1


def test_the_race_for_one_language_is_a_clear_error(article, contributor, monkeypatch):
    translate(article, contributor)
    monkeypatch.setattr(translations, "_one_per_language", lambda language: "one per language")
    # The check before saving misses the other translation (saved a moment ago): the constraint catches it.
    original = Article.translations.related_manager_cls.filter

    def blind(self, *args, **kwargs):
        return self.none() if kwargs.get("language") == "de" else original(self, *args, **kwargs)

    monkeypatch.setattr(Article.translations.related_manager_cls, "filter", blind)
    with pytest.raises(InvalidChange, match="one per language") as caught:
        translate(article, contributor)
    assert caught.value is not None


def test_editing_a_translation_opens_the_translation_editor(article, contributor):
    german = translate(article, contributor)
    client = client_for(contributor)
    assert client.get(reverse("articles:edit", args=[german.slug]))["Location"] == reverse(
        "articles:translation-edit", args=[german.slug]
    )
    data = _editor_post(article, title="Erstattung neu", version=german.version, material="1", note="Neu")
    del data["language"]
    assert client.post(reverse("articles:translation-edit", args=[german.slug]), data).status_code == 302
    german.refresh_from_db()
    assert german.title == "Erstattung neu" and german.version == 2


def test_out_of_date_translation_page_shows_the_source_diff_and_confirm_clears_it(article, contributor):
    german = translate(article, contributor)
    old = article.version
    article.edit(by=contributor, base_version=article.version, changes={"resolution": "Brand new steps."}, note="New")
    client = client_for(contributor)
    page = client.get(german.get_absolute_url()).content.decode()
    assert f"Out of date: the source changed since version {old}." in page
    assert "Brand new steps." in page
    assert article.get_diff_url(old, article.version).replace("&", "&amp;") in page
    response = client.post(reverse("articles:translation-confirm", args=[german.slug]))
    assert response.status_code == 302
    german.refresh_from_db()
    assert not german.translation_outdated
    assert "Out of date:" not in client.get(german.get_absolute_url()).content.decode()


def test_language_on_the_create_and_edit_forms(contributor, product):
    client = client_for(contributor)
    data = {
        "title": "Drucker offline",
        "product": product.pk,
        "language": "de",
        "state": "wip",
        "audience": "internal",
        "material": "1",
    }
    response = client.post(reverse("articles:create"), data)
    assert response.status_code == 302, response.context["form"].errors
    assert Article.objects.get(title="Drucker offline").language == "de"


def test_customers_and_visitors_never_reach_translation_pages(public_source, publisher, customer):
    german = translate(public_source, publisher, audience=Audience.INTERNAL)
    for user in (customer, None):
        client = client_for(user)
        for url in (
            reverse("articles:translate", args=[public_source.slug]),
            reverse("articles:translation-edit", args=[german.slug]),
            reverse("articles:translation-queue"),
        ):
            assert client.get(url).status_code in (302, 404)


# --- the queue -------------------------------------------------------------------------------------


def _validated_sources(n, author, kb_owner, product):
    return [
        make_article(author=author, product=product, kb_owner=kb_owner, title=f"Source {i}", audience=Audience.INTERNAL)
        for i in range(n)
    ]


def test_queue_lists_missing_and_out_of_date_most_reused_first(db, contributor, kb_owner, product):
    a, b, c = _validated_sources(3, contributor, kb_owner, product)
    Article.objects.filter(pk=b.pk).update(reuse_count=9)
    Article.objects.filter(pk=a.pk).update(reuse_count=3)
    german = translate(c, contributor)
    c.edit(by=contributor, base_version=c.version, changes={"cause": "Other."}, note="Cause")
    response = client_for(kb_owner).get(reverse("articles:translation-queue") + "?language=de")
    missing = [x.pk for x in response.context["missing"]]
    assert missing == [b.pk, a.pk]
    assert [x.pk for x in response.context["outdated"]] == [german.pk]


def test_queue_shows_others_out_of_date_translations_to_kb_owners_only(article, contributor, publisher, kb_owner):
    german = translate(article, publisher)
    article.edit(by=contributor, base_version=article.version, changes={"cause": "Other."}, note="Cause")
    url = reverse("articles:translation-queue") + "?language=de"
    assert [x.pk for x in client_for(kb_owner).get(url).context["outdated"]] == [german.pk]
    assert list(client_for(contributor).get(url).context["outdated"]) == []
    assert [x.pk for x in client_for(publisher).get(url).context["outdated"]] == [german.pk]


def test_queue_needs_a_licence(db, customer):
    from conftest import make_user

    unlicensed = make_user("nolicence")
    assert client_for(unlicensed).get(reverse("articles:translation-queue")).status_code == 403
    assert client_for(customer).get(reverse("articles:translation-queue")).status_code == 404


def test_queue_query_count_stays_flat(db, contributor, kb_owner, product, django_assert_max_num_queries):
    sources = _validated_sources(3, contributor, kb_owner, product)
    for source in sources[1:]:
        translate(source, contributor, language="fr")
    client = client_for(kb_owner)
    url = reverse("articles:translation-queue") + "?language=fr"

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    Article.objects.filter(language="fr").update(translation_outdated=True)
    few = count()
    more = _validated_sources(6, contributor, kb_owner, product)
    for source in more:
        translate(source, contributor, language="fr")
    _validated_sources(5, contributor, kb_owner, product)
    Article.objects.filter(language="fr").update(translation_outdated=True)
    assert count() == few


# --- API -----------------------------------------------------------------------------------------


def test_api_detail_carries_language_source_and_the_set(article, contributor):
    german = translate(article, contributor)
    client = client_for(contributor)
    data = client.get(reverse("api:article-detail", args=[german.slug])).json()
    assert data["language"] == "de" and data["translation_of"] == article.slug
    assert [t["slug"] for t in data["translations"]] == [article.slug]
    source = client.get(reverse("api:article-detail", args=[article.slug])).json()
    assert source["translation_of"] is None
    assert [(t["slug"], t["language"], t["is_source"]) for t in source["translations"]] == [(german.slug, "de", False)]


def test_api_create_and_update_with_language(contributor, product):
    client = client_for(contributor)
    body = {"title": "Drucker offline", "product": product.slug, "language": "de"}
    created = client.post(reverse("api:article-list"), body, content_type="application/json")
    assert created.status_code == 201 and created.json()["language"] == "de"
    slug = created.json()["slug"]
    patched = client.patch(
        reverse("api:article-detail", args=[slug]), {"language": "fr", "version": 1}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["language"] == "fr"


def test_api_refuses_a_new_structure_on_a_translation(article, contributor, kb_owner):
    german = translate(article, contributor)
    rules = [{"action": "erstatten", "limit_amount": "999", "limit_unit": "EUR", "decider": "agent"}]
    response = client_for(kb_owner).patch(
        reverse("api:article-detail", args=[german.slug]),
        {"authority": {"rules": rules}, "version": german.version},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert german.rules.filter(limit_amount=999).count() == 0


def test_internal_translation_of_a_public_source_never_reaches_customers(public_source, publisher, customer):
    german = translate(public_source, publisher, audience=Audience.INTERNAL)
    german.validate(by=publisher)
    for user in (customer, None):
        client = client_for(user)
        data = client.get(reverse("api:article-detail", args=[public_source.slug])).json()
        assert data["translations"] == [] and "Erstattung" not in json.dumps(data)
        assert client.get(reverse("api:article-detail", args=[german.slug])).status_code == 404
        assert client.get(german.get_help_url()).status_code == 404
        assert german.slug not in client.get(reverse("api:article-list")).content.decode()


def test_customer_sees_a_validated_public_translation(public_source, publisher, customer):
    german = translate(public_source, publisher)
    german.validate(by=publisher)
    data = client_for(customer).get(reverse("api:article-detail", args=[public_source.slug])).json()
    assert [(t["slug"], t["language"]) for t in data["translations"]] == [(german.slug, "de")]
    assert set(data["translations"][0]) == {"slug", "language", "title", "html_url"}


# --- import --------------------------------------------------------------------------------------


def _import(tmp_path, lines, **options):
    path = tmp_path / "kb.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    out, err = StringIO(), StringIO()
    with contextlib.suppress(CommandError):  # some records failed: reported on stderr
        call_command("import_articles", str(path), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_import_links_translations_in_any_order(db, kb_owner, tmp_path):
    lines = [
        {"slug": "de/printer", "title": "Drucker", "body": "Neu starten.", "language": "de", "translation_of": "en/printer"},
        {"slug": "en/printer", "title": "Printer offline", "body": "Restart it."},
        {"slug": "fr/printer", "title": "Imprimante", "body": "Redémarrer.", "language": "fr", "translation_of": "en/printer",
         "source_version": 1},
        {"slug": "xx/printer", "title": "Bad", "body": "x", "language": "klingon"},
    ]  # fmt: skip
    out, err = _import(tmp_path, lines)
    source = Article.objects.get(external_id="en/printer")
    german = Article.objects.get(external_id="de/printer")
    assert source.language == "en" and german.language == "de" and german.translation_of == source
    assert german.source_version == source.version
    assert Article.objects.get(external_id="fr/printer").translation_of == source
    assert "kb.jsonl line 4" in err and "'language'" in err
    assert not Article.objects.filter(external_id="xx/printer").exists()


def test_import_reports_a_translation_without_its_source(db, kb_owner, tmp_path):
    lines = [{"slug": "de/x", "title": "X", "body": "x", "language": "de", "translation_of": "missing"}]
    _, err = _import(tmp_path, lines)
    assert "kb.jsonl line 1" in err and "missing" in err
    assert Article.objects.get(external_id="de/x").translation_of is None


# --- demo --------------------------------------------------------------------------------------


def test_demo_has_german_translations_one_out_of_date_one_internal(demo, customer):
    german = Article.objects.filter(language="de", translation_of__isnull=False)
    assert german.count() >= 5
    assert german.filter(state=State.VALIDATED, audience__in=[Audience.PUBLIC, Audience.CUSTOMER]).count() >= 4
    assert german.filter(translation_outdated=True).count() == 1
    assert german.filter(rules__isnull=False).distinct().exists()
    internal = german.get(audience=Audience.INTERNAL)
    assert internal.translation_of.audience == Audience.PUBLIC
    assert not Article.objects.visible_to(customer).filter(pk=internal.pk).exists()
    for t in german.select_related("translation_of"):
        assert translations.rule_structure(t.rule_dicts()) == translations.rule_structure(t.translation_of.rule_dicts())


# --- shared identity ---------------------------------------------------------------------------


def test_a_sources_reuse_count_includes_its_translations_reuse(article, contributor):
    from articles.models import Reuse
    from cases.services import link as link_case
    from cases.services import manual_case, recount_reuse

    german = translate(article, contributor)
    Reuse.objects.create(article=german, user=contributor, article_version=german.version)
    link_case(case=manual_case("T-1"), article=german, kind="solved", by=contributor)
    Reuse.objects.create(article=article, user=contributor, article_version=article.version)
    recount_reuse([german.pk])
    article.refresh_from_db()
    german.refresh_from_db()
    assert (article.reuse_count, german.reuse_count) == (3, 2)
