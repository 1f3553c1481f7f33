"""Articles in several languages: translation sets, locked authority, out-of-date marks, the
translators' queue, import and API (docs/decisions/0016-translations.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from articles import translations
from articles.models import Audience, EventKind, InvalidChange, Refused, State
from articles.tests.assertions import assert_versions
from conftest import REFUND_RULES, make_article

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
