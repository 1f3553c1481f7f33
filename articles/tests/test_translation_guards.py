"""What a translation set must never let through (docs/decisions/0016-translations.md): a
translation shown where its source is not, a governed source translated or its translation edited
by whoever may not change the source, translated rule words on the wrong rule, out-of-date marks
cleared by a re-import or a revert, a set merged into itself or a translation moved to another source."""

from __future__ import annotations

import contextlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from articles import merging, policy, translations
from articles.models import Article, Audience, Governance, InvalidChange, Refused, State
from conftest import REFUND_RULES, client_for, make_article, make_contributor

GERMAN_WORDS = [
    {"action": "bis 50 EUR erstatten", "notes": ""},
    {"action": "bis 150 EUR erstatten", "notes": "Teamleitung fragen"},
]


def translate(source, by, language="de", words=GERMAN_WORDS, **extra):
    return translations.create(
        source,
        by=by,
        language=language,
        title="Erstattung für eine nicht erstattbare Buchung",
        texts={"issue": "Der Kunde möchte sein Geld zurück.", "resolution": "1. Buchung prüfen.", **extra},
        rule_words=words,
    )


@pytest.fixture
def public_set(db, contributor, publisher, kb_owner, product, contact):
    """A validated public source and its validated public German translation."""
    source = make_article(
        author=contributor, product=product, rules=REFUND_RULES, contact=contact, kb_owner=kb_owner, audience=Audience.PUBLIC
    )
    german = translate(source, publisher)
    german.validate(by=publisher)
    german.refresh_from_db()
    return source, german


def _hidden_from_outside(german, customer, staff):
    for user in (customer, None):
        client = client_for(user)
        assert client.get(german.get_help_url()).status_code == 404
        assert client.get(reverse("api:article-detail", args=[german.slug])).status_code == 404
        assert not Article.objects.visible_to(user).filter(pk=german.pk).exists()
        assert not policy.can_view(user, Article.objects.get(pk=german.pk))
    assert Article.objects.visible_to(staff).filter(pk=german.pk).exists()
    assert client_for(staff).get(german.get_absolute_url()).status_code == 200


# --- 1. never shown where the source is not ---------------------------------------------------------


def test_validated_translation_is_shown_while_its_source_is(public_set, customer):
    _, german = public_set
    assert client_for(customer).get(german.get_help_url()).status_code == 200
    assert policy.can_view(None, german)


def test_source_archived_hides_its_translation(public_set, customer, kb_owner):
    source, german = public_set
    source.archive(by=kb_owner, note="Obsolete")
    _hidden_from_outside(german, customer, kb_owner)


def test_source_reopened_hides_its_translation(public_set, customer, kb_owner):
    source, german = public_set
    source.reopen(by=kb_owner, note="Check the limits again")
    _hidden_from_outside(german, customer, kb_owner)


def test_source_never_validated_hides_its_translation(db, contributor, publisher, kb_owner, customer, product):
    source = make_article(author=contributor, product=product, kb_owner=kb_owner, state=State.NOT_VALIDATED)
    source.edit(by=kb_owner, base_version=source.version, changes={"audience": Audience.PUBLIC}, material=False)
    german = translate(source, publisher, words=[])
    german.edit(by=kb_owner, base_version=german.version, changes={"audience": Audience.PUBLIC}, material=False)
    german.validate(by=publisher)
    _hidden_from_outside(german, customer, kb_owner)


def test_source_merged_away_hides_its_translation(public_set, customer, kb_owner, contributor, product):
    source, german = public_set
    other = make_article(author=contributor, product=product, kb_owner=kb_owner, title="Refunds", audience=Audience.PUBLIC)
    merging.merge(source=source, target=other, by=kb_owner, base_versions=(other.version, source.version), changes={})
    _hidden_from_outside(german, customer, kb_owner)


# --- 2, 3. governed sources ---------------------------------------------------------------------------


@pytest.fixture
def governed(db, contributor, kb_owner, product, contact):
    return make_article(author=kb_owner, product=product, rules=REFUND_RULES, contact=contact, kb_owner=kb_owner, governed=True)


def test_only_who_may_change_a_governed_source_translates_it(governed, contributor, kb_owner):
    assert not policy.can_translate(contributor, governed)
    with pytest.raises(Refused, match="governed"):
        translate(governed, contributor)
    german = translate(governed, kb_owner)
    assert german.governance == Governance.GOVERNED


def test_article_create_never_makes_a_governed_translation_for_a_non_owner(governed, contributor, product):
    with pytest.raises(Refused):
        Article.create(
            by=contributor, title="Erstattung", product=product, language="de", translation_of=governed,
            governance=Governance.GOVERNED,
        )  # fmt: skip
    with pytest.raises(Refused):
        Article.create(by=contributor, title="Erstattung", product=product, language="de", translation_of=governed)
    assert not governed.translations.exists()


def test_source_made_governed_governs_its_translations(article, kb_owner):
    translator = make_contributor("otto")  # not the source's owner
    german = translate(article, translator)
    assert policy.can_edit(translator, german)
    article.set_governance(by=kb_owner, to=Governance.GOVERNED, note="Legal text")
    german.refresh_from_db()
    assert german.governance == Governance.GOVERNED
    assert german.events.filter(kind="governance", to_value=Governance.GOVERNED).exists()
    assert not policy.can_edit(translator, german)
    with pytest.raises(Refused, match="governed"):
        german.edit(by=translator, base_version=german.version, changes={"resolution": "Anders."})
    # Even set back on the translation alone, the source's governance decides.
    german.set_governance(by=kb_owner, to=Governance.EXPERIENCE)
    german.refresh_from_db()
    assert not policy.can_edit(translator, german)
    assert policy.can_edit(kb_owner, german) and policy.can_edit(article.owner, german)


# --- 4. rule words follow their rule -----------------------------------------------------------------


def _words(article):
    return [(r["action"], r["limit_amount"] and int(r["limit_amount"])) for r in article.rule_dicts()]


def test_a_rule_inserted_on_the_source_keeps_the_translated_words_on_their_rules(article, contributor, kb_owner):
    german = translate(article, contributor)
    new = {"action": "offer a voucher", "limit_amount": "20", "limit_unit": "EUR", "decider": "agent"}
    article.edit(by=kb_owner, base_version=article.version, changes={}, rules=[new, *REFUND_RULES], note="Voucher")
    german.refresh_from_db()
    assert _words(german) == [("offer a voucher", 20), ("bis 50 EUR erstatten", 50), ("bis 150 EUR erstatten", 150)]
    assert german.rule_dicts()[2]["notes"] == "Teamleitung fragen"


def test_a_rule_deleted_on_the_source_removes_exactly_its_translation(article, contributor, kb_owner):
    german = translate(article, contributor)
    article.edit(by=kb_owner, base_version=article.version, changes={}, rules=REFUND_RULES[1:], note="No agent refunds")
    german.refresh_from_db()
    assert _words(german) == [("bis 150 EUR erstatten", 150)]


def test_rules_reordered_on_the_source_take_their_words_along(article, contributor, kb_owner):
    german = translate(article, contributor)
    same = [dict(r, limit_amount="50", decider="agent") for r in REFUND_RULES]
    same[1]["action"] = "rebook the room"
    article.edit(by=kb_owner, base_version=article.version, changes={}, rules=same, note="Same structure")
    german.refresh_from_db()
    words = [dict(r, action=a) for r, a in zip(german.rule_dicts(), ["erstatten", "umbuchen"], strict=True)]
    german.edit(by=contributor, base_version=german.version, changes={}, rules=words)
    article.edit(by=kb_owner, base_version=article.version, changes={}, rules=same[::-1], note="Swap")
    german.refresh_from_db()
    assert [r["action"] for r in german.rule_dicts()] == ["umbuchen", "erstatten"]


# --- 5. out-of-date marks ------------------------------------------------------------------------------


def _import(tmp_path, lines):
    path = tmp_path / "kb.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines), encoding="utf-8")
    out, err = StringIO(), StringIO()
    with contextlib.suppress(CommandError):
        call_command("import_articles", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


SOURCE = {"slug": "en/printer", "title": "Printer offline", "body": "Restart it."}
GERMAN = {"slug": "de/printer", "title": "Drucker", "body": "Neu starten.", "language": "de", "translation_of": "en/printer"}


def test_reimporting_an_unchanged_translation_keeps_it_out_of_date(db, kb_owner, tmp_path):
    _import(tmp_path, [SOURCE, GERMAN])
    source = Article.objects.get(external_id="en/printer")
    source.edit(by=kb_owner, base_version=source.version, changes={"resolution": "Restart it twice."}, material=True)
    german = Article.objects.get(external_id="de/printer")
    assert german.translation_outdated
    before = german.source_version
    _import(tmp_path, [SOURCE | {"body": "Restart it twice."}, GERMAN])
    german.refresh_from_db()
    assert german.translation_outdated and german.source_version == before
    # A record that names the source version it translates is taken at its word.
    source.refresh_from_db()
    _import(tmp_path, [GERMAN | {"source_version": source.version}])
    german.refresh_from_db()
    assert not german.translation_outdated and german.source_version == source.version


def test_reverting_a_translation_keeps_it_out_of_date(article, contributor):
    german = translate(article, contributor)
    german.edit(by=contributor, base_version=german.version, changes={"cause": "Tarif."})
    article.edit(by=contributor, base_version=article.version, changes={"resolution": "New steps."}, material=True)
    german.refresh_from_db()
    assert german.translation_outdated
    german.revert(by=contributor, to_number=1, base_version=german.version)
    german.refresh_from_db()
    assert german.translation_outdated and german.source_version == article.version - 1


def test_reverting_to_a_version_that_matched_the_current_source_is_up_to_date(article, contributor):
    german = translate(article, contributor)
    german.edit(by=contributor, base_version=german.version, changes={"cause": "Tarif."})
    german.revert(by=contributor, to_number=1, base_version=german.version)
    german.refresh_from_db()
    assert not german.translation_outdated and german.source_version == article.version


# --- 6, 7. merging and re-linking ---------------------------------------------------------------------


def test_a_translation_set_is_never_merged_into_itself(article, contributor, kb_owner):
    german = translate(article, contributor)
    for source, target in ((german, article), (article, german)):
        assert "same article in two languages" in merging.problem(source=source, target=target)
        with pytest.raises(InvalidChange, match="same article in two languages"):
            merging.merge(source=source, target=target, by=kb_owner, base_versions=(target.version, source.version), changes={})
    french = translate(article, contributor, language="fr")
    assert merging.problem(source=german, target=french)


def test_import_never_links_a_translation_to_an_archived_source(db, kb_owner, tmp_path):
    _import(tmp_path, [SOURCE])
    Article.objects.get(external_id="en/printer").archive(by=kb_owner, note="Gone")
    _, err = _import(tmp_path, [GERMAN])
    assert "archived" in err
    assert Article.objects.get(external_id="de/printer").translation_of is None


def test_reimport_naming_another_source_is_a_bad_record(db, kb_owner, tmp_path):
    other = {"slug": "en/scanner", "title": "Scanner offline", "body": "Restart the scanner."}
    second = {"slug": "de/scanner", "title": "Scanner", "body": "x", "language": "de", "translation_of": "en/scanner"}
    _import(tmp_path, [SOURCE, other, GERMAN])
    _, err = _import(tmp_path, [GERMAN | {"translation_of": "en/scanner"}, second])
    assert "already a translation of" in err
    assert Article.objects.get(external_id="de/printer").translation_of.external_id == "en/printer"
    assert Article.objects.get(external_id="de/scanner").translation_of.external_id == "en/scanner"
