"""`manage.py export_articles`: the whole KB in the import's formats, and back through import.

The round trip: the demo KB exported, every article deleted, the export imported, exported again;
the two exports are equal but for the fields listed in LEGITIMATE_DIFFERENCES, each with its reason.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db.models import ProtectedError
from reversion.models import Version

from accounts.models import ApiToken, User
from articles import structure, translations
from articles.management.commands.import_articles import _parse_markdown
from articles.models import Article, AuthorityRule, EscalationContact, Governance, State
from articles.tests.assertions import assert_versions
from conftest import REFUND_RULES, make_article, make_customer, make_kb_owner

pytestmark = pytest.mark.django_db

# What a second export legitimately says otherwise than the first, and why.
LEGITIMATE_DIFFERENCES = {
    # History cannot be rewritten: the import starts each article's history with one version,
    # whose note names the version exported (test_reimported_history_names_the_exported_version).
    "versions": "an import starts a new history",
    "version": "an import starts a new history (version 1)",
    "created_at": "the article is created again by the import",
    "updated_at": "the article is created again by the import",
    "created_by": "the import's owner creates it",
    # The source was imported too, so its versions start again at 1: the translation translates
    # version 1 of it here, and its out-of-date mark (translation_outdated) is kept as it was.
    "source_version": "the source's versions are numbered again",
    # An article saved before templates existed reads with the standard sections; imported, it is
    # saved with the site's default template, whose sections are the standard ones.
    "template": "no template (standard sections) becomes the default template",
    # Counted from the reuse records and case links of the site the article was used on.
    "reuse_count": "reuse happened on the other site",
}
# The Markdown format ends the body at the file's last non-blank line: line breaks after the
# last line (which change nothing when rendered) are not kept.
MARKDOWN_DIFFERENCES = {"body": "trailing line breaks of the body"}

EXPORTED_FIELDS = {
    "slug",
    "page_slug",
    "title",
    "summary",
    "body",
    "template",
    "sections",
    "internal_notes",
    "product",
    "tags",
    "source_url",
    "language",
    "translation_of",
    "source_version",
    "translation_outdated",
    "state",
    "audience",
    "governance",
    "owner",
    "review_by",
    "rules",
    "escalation",
    "authority_note",
    "relations",
    "version",
    "created_at",
    "created_by",
    "updated_at",
    "merged_into",
    "reuse_count",
    "versions",
}


def export(*args) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("export_articles", *[str(a) for a in args], stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue() + str(error), error.returncode
    return out.getvalue(), err.getvalue(), 0


def run_import(path, *args) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_articles", str(path), *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error.returncode
    return out.getvalue(), err.getvalue(), 0


def read_jsonl(path: Path) -> dict[str, dict]:
    return {r["slug"]: r for r in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())}


def read_folder(folder: Path) -> dict[str, dict]:
    return {r["slug"]: r for r in (_parse_markdown(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.md")))}


def write_jsonl(tmp_path, *records, name="kb.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def delete_every_article() -> None:
    """An empty knowledge base on the same site (users, products, templates and contacts stay)."""
    while Article.objects.exists():
        try:
            Article.objects.exclude(translation_of=None).delete()
            Article.objects.all().delete()
        except ProtectedError as error:  # what other apps keep of an article (training records)
            for row in error.protected_objects:
                type(row).objects.filter(pk=row.pk).delete()
    Version.objects.filter(content_type__in=ContentType.objects.get_for_models(Article, AuthorityRule).values()).delete()


def differences(first: dict[str, dict], second: dict[str, dict]) -> dict[str, set[str]]:
    """{field: keys of the articles whose field differs}, and the articles one export lacks."""
    assert set(first) == set(second), f"articles only in one export: {set(first) ^ set(second)}"
    out: dict[str, set[str]] = {}
    for key, record in first.items():
        assert set(record) == set(second[key]), key
        for name, value in record.items():
            if second[key][name] != value:
                out.setdefault(name, set()).add(key)
    return out


# --- the round trip ------------------------------------------------------------------------------


def round_trip(tmp_path, demo, *, markdown: bool) -> tuple[dict, dict, dict, str]:
    """Export the demo, delete every article, import the export, export again.
    Returns (first export, second export, first as JSON Lines, the import's output)."""
    before = read_jsonl(_jsonl(tmp_path / "before.jsonl"))
    first_path = tmp_path / ("first" if markdown else "first.jsonl")
    second_path = tmp_path / ("second" if markdown else "second.jsonl")
    out, err, status = export(first_path, *(["--format", "markdown"] if markdown else []))
    assert (status, err) == (0, ""), err
    delete_every_article()

    out, err, status = run_import(first_path, "--owner", "admin")

    assert (status, err) == (0, ""), err
    out_two, err, status = export(second_path, *(["--format", "markdown"] if markdown else []))
    assert status == 0, err
    read = read_folder if markdown else read_jsonl
    return read(first_path), read(second_path), before, out


def _jsonl(path: Path) -> Path:
    assert export(path)[2] == 0
    return path


def test_the_demo_kb_round_trips_through_json_lines(tmp_path, demo):
    first, second, _, out = round_trip(tmp_path, demo, markdown=False)

    assert f"Imported {len(first)}: {len(first)} created, 0 updated, 0 unchanged, 0 failed" in out
    assert len(first) == Article.objects.count() > 40
    differ = differences(first, second)
    assert set(differ) <= set(LEGITIMATE_DIFFERENCES), {name: differ[name] for name in set(differ) - set(LEGITIMATE_DIFFERENCES)}
    # The demo has what the round trip must carry: translations with rules, internal notes,
    # archived and work-in-progress articles, governed ones, a template with its own sections.
    records = first.values()
    assert any(r["translation_of"] and r["rules"] for r in records)
    assert any(r["translation_outdated"] for r in records)
    assert {r["state"] for r in records} == set(State.values)
    assert any(r["governance"] == Governance.GOVERNED for r in records)
    assert any(r["relations"] for r in records)
    assert any(r["template"] and set(r["sections"]) - set(structure.STANDARD_KEYS) for r in records)
    # Only the demo's articles saved before templates differ in their template.
    assert all(first[key]["template"] is None for key in differ.get("template", ()))


def test_the_demo_kb_round_trips_through_markdown(tmp_path, demo):
    first, second, as_jsonl, out = round_trip(tmp_path, demo, markdown=True)

    assert f"Imported {len(first)}: {len(first)} created" in out
    differ = differences(first, second)
    assert set(differ) <= set(LEGITIMATE_DIFFERENCES), differ
    # Against the JSON Lines export of the KB before: the Markdown format loses nothing more
    # than the trailing line breaks of the body.
    again = read_jsonl(_jsonl(tmp_path / "after.jsonl"))
    differ = differences(as_jsonl, again)
    allowed = set(LEGITIMATE_DIFFERENCES) | set(MARKDOWN_DIFFERENCES)
    assert set(differ) <= allowed, differ
    for key in differ.get("body", ()):
        assert as_jsonl[key]["body"].rstrip() == again[key]["body"]


def test_a_reimported_article_names_the_version_exported_in_its_first_note(tmp_path, demo):
    first, second, _, _ = round_trip(tmp_path, demo, markdown=False)

    admin = User.objects.get(username="admin")
    for key, record in first.items():
        (only,) = second[key]["versions"]
        assert only["number"] == 1
        assert only["author"] == admin.username
        assert only["note"] == f"Imported from first.jsonl (exported at version {record['version']})"
        assert only["material"] is True
        assert only["state"] == record["state"]
        # The history exported: every version's metadata, oldest first, ending at the version exported.
        assert [v["number"] for v in record["versions"]] == list(range(1, record["version"] + 1))
    article = Article.objects.get(external_id="billing-charged-twice")
    assert_versions(article, 1)


def test_a_translation_keeps_its_source_rules_and_out_of_date_mark(tmp_path, demo):
    first, _, _, _ = round_trip(tmp_path, demo, markdown=False)

    outdated = [key for key, r in first.items() if r["translation_outdated"]]
    assert outdated
    for key in outdated:
        article = Article.objects.get(external_id=key)
        assert article.is_outdated_translation and article.source_version == 1
    for key, record in first.items():
        if record["translation_of"] and record["rules"]:
            article = Article.objects.get(external_id=key)
            source = article.translation_of
            assert source.external_id == record["translation_of"]
            assert translations.rule_structure(article.rule_dicts()) == translations.rule_structure(source.rule_dicts())
            assert [r["action"] for r in article.rule_dicts()] == [r["action"] for r in record["rules"]]


# --- what is exported ----------------------------------------------------------------------------


@pytest.fixture
def full_article(contributor, kb_owner, product, contact):
    article = make_article(
        author=contributor,
        product=product,
        rules=[{**REFUND_RULES[0], "notes": "Once per booking."}, REFUND_RULES[1]],
        contact=contact,
        kb_owner=kb_owner,
        governed=True,
    )
    article.edit(
        by=kb_owner,
        base_version=article.version,
        changes={"internal_notes": "Reason code `NRF-EXC`.", "source_url": "https://help.example.com/refunds"},
        note="Notes for staff",
        material=False,
    )
    return article


def test_every_field_of_an_article_is_exported(tmp_path, full_article, kb_owner, contact):
    export(tmp_path / "kb.jsonl")

    (record,) = read_jsonl(tmp_path / "kb.jsonl").values()
    assert set(record) == EXPORTED_FIELDS
    article = full_article
    assert record["slug"] == record["page_slug"] == article.slug
    assert (record["title"], record["summary"], record["body"]) == (article.title, article.issue, article.resolution)
    assert record["sections"] == {"environment": article.environment, "cause": article.cause}
    assert record["internal_notes"] == "Reason code `NRF-EXC`."
    assert (record["product"], record["tags"], record["source_url"]) == (
        "Hotel Bookings",
        ["booking", "refund"],
        "https://help.example.com/refunds",
    )
    assert (record["state"], record["audience"], record["governance"]) == ("validated", "internal", "governed")
    assert (record["owner"], record["review_by"]) == (article.owner.username, article.review_by.isoformat())
    assert record["rules"] == [
        {
            "action": "refund the booking",
            "limit_amount": "50.00",
            "limit_unit": "EUR",
            "decider": "agent",
            "notes": "Once per booking.",
        },
        {"action": "refund the booking", "limit_amount": "150.00", "limit_unit": "EUR", "decider": "team_lead", "notes": ""},
    ]
    assert record["escalation"] == {
        "team": "Billing Escalations",
        "channel": "#billing-escalations",
        "hours": "08:00-20:00 CET",
        "response_time": "15 minutes",
        "notes": "",
    }
    assert record["authority_note"] == "Ask Billing Escalations."
    assert record["version"] == article.version
    history = record["versions"]
    assert [v["number"] for v in history] == list(range(1, article.version + 1))
    assert history[-1] == {
        "number": article.version,
        "date": history[-1]["date"],
        "author": kb_owner.username,
        "note": "Notes for staff",
        "material": False,
        "state": "validated",
    }
    assert history[0]["state"] == "not_validated" and history[0]["author"] == article.created_by.username


def test_an_internal_articles_internal_notes_are_exported_without_secrets(tmp_path, full_article, kb_owner):
    kb_owner.email = "olga@example.com"
    kb_owner.save()
    token, key = ApiToken.issue(user=kb_owner)
    export(tmp_path / "kb.jsonl")

    text = (tmp_path / "kb.jsonl").read_text(encoding="utf-8")
    assert full_article.audience == "internal"
    assert "Reason code `NRF-EXC`." in text
    for user in User.objects.all():
        assert user.password and user.password not in text
        assert not user.email or user.email not in text
    assert key not in text and token.digest not in text and token.prefix not in text
    assert "password" not in text and "md5$" not in text


def test_an_empty_kb_exports_an_empty_file_and_an_empty_folder(tmp_path, db):
    out, err, status = export(tmp_path / "kb.jsonl")

    assert (status, err) == (0, "")
    assert "Exported 0 articles" in out
    assert (tmp_path / "kb.jsonl").read_text() == ""
    out, err, status = export(f"{tmp_path}/kb/")  # a folder by its trailing "/"
    assert status == 0 and "Exported 0 articles" in out
    assert (tmp_path / "kb").is_dir() and not any((tmp_path / "kb").iterdir())


def test_json_lines_can_go_to_standard_output(tmp_path, full_article):
    out, err, status = export("-")

    assert status == 0
    (line,) = out.splitlines()
    assert json.loads(line)["title"] == full_article.title
    assert "Exported 1 article to -" in err


def test_an_export_does_not_overwrite_a_file_or_fill_a_folder_in_use(tmp_path, full_article):
    (tmp_path / "kb.jsonl").write_text("keep me")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "stale.md").write_text("---\ntitle: Stale\n---\n")

    assert export(tmp_path / "kb.jsonl")[2] != 0
    assert (tmp_path / "kb.jsonl").read_text() == "keep me"
    _, err, status = export(tmp_path / "old")
    assert status != 0 and "not empty" in err
    assert export(tmp_path / "kb.jsonl", "--force")[2] == 0
    assert json.loads((tmp_path / "kb.jsonl").read_text())["title"] == full_article.title


def test_help_says_internal_content_is_exported_and_secrets_are_not():
    parser = load_command_class("articles", "export_articles").create_parser("manage.py", "export_articles")
    text = " ".join(parser.format_help().split())

    assert "internal notes included" in text
    assert "operator" in text
    assert "no passwords" in text
    assert "--format {jsonl,markdown}" in text


# --- importing what an export adds ---------------------------------------------------------------

RECORD = {
    "slug": "refund-exception",
    "title": "Refund a non-refundable booking",
    "summary": "The customer wants their money back.",
    "body": "1. Check the booking.",
    "product": "Hotel Bookings",
}


def test_a_record_sets_state_audience_governance_owner_and_review_date_of_a_new_article(tmp_path, kb_owner, publisher):
    record = {
        **RECORD,
        "state": "not_validated",
        "audience": "partner",
        "governance": "governed",
        "owner": publisher.username,
        "review_by": "2030-01-31",
    }
    out, err, status = run_import(write_jsonl(tmp_path, record), "--state", "validated", "--audience", "internal")

    assert (status, err) == (0, "")
    article = Article.objects.get(external_id="refund-exception")
    assert (article.state, article.audience, article.governance) == ("not_validated", "partner", "governed")
    assert article.owner == publisher and article.created_by == kb_owner
    assert article.review_by.isoformat() == "2030-01-31"

    # Re-imported, the article keeps what its people have given it since.
    article.transition(by=kb_owner, to=State.VALIDATED)
    changed = {**record, "state": "wip", "audience": "public", "owner": kb_owner.username, "body": "1. Check it twice."}
    out, err, status = run_import(write_jsonl(tmp_path, changed, name="again.jsonl"))
    article.refresh_from_db()
    assert status == 0 and "1 updated" in out
    assert (article.state, article.audience, article.owner) == ("validated", "partner", publisher)


def test_an_archived_record_without_a_resolution_is_imported_archived(tmp_path, kb_owner):
    out, err, status = run_import(write_jsonl(tmp_path, {**RECORD, "body": "", "state": "archived"}))

    assert (status, err) == (0, "")
    assert Article.objects.get(external_id="refund-exception").state == State.ARCHIVED


def test_an_unknown_owner_falls_back_to_the_commands_owner_with_a_warning(tmp_path, kb_owner):
    make_customer("chris")
    records = [{**RECORD, "owner": "nobody"}, {**RECORD, "slug": "second", "owner": "chris"}]

    out, err, status = run_import(write_jsonl(tmp_path, *records))

    assert status == 0 and "2 created" in out
    assert "kb.jsonl line 1: warning: owner 'nobody' is not a user here: owned by 'olga' instead" in err
    assert "kb.jsonl line 2: warning: owner 'chris' cannot own articles" in err
    assert {a.owner for a in Article.objects.all()} == {kb_owner}


def test_rules_and_authority_are_imported_and_a_missing_contact_is_created(tmp_path, kb_owner):
    rules = [
        {"action": "refund the booking", "limit_amount": "50.00", "limit_unit": "EUR", "decider": "agent", "notes": "Once."},
        {"action": "refund more", "limit_amount": 150, "limit_unit": "EUR", "decider": "team_lead", "notes": ""},
        {"action": "waive the fee", "limit_amount": None, "limit_unit": "", "decider": "escalate", "notes": ""},
    ]
    contact = {
        "team": "Hotel Desk",
        "channel": "#hotel-desk",
        "hours": "24/7",
        "response_time": "1 hour",
        "notes": "Say the booking.",
    }
    record = {**RECORD, "rules": rules, "escalation": contact, "authority_note": "Anything else: ask the Hotel Desk."}

    out, err, status = run_import(write_jsonl(tmp_path, record))

    assert (status, err) == (0, "")
    article = Article.objects.get(external_id="refund-exception")
    assert [(r["action"], r["limit_amount"], r["decider"]) for r in article.rule_dicts()] == [
        ("refund the booking", Decimal("50.00"), "agent"),
        ("refund more", Decimal("150.00"), "team_lead"),
        ("waive the fee", None, "escalate"),
    ]
    assert article.rule_dicts()[0]["notes"] == "Once."
    assert article.escalation.team == "Hotel Desk"
    assert EscalationContact.objects.get(team="Hotel Desk").response_time == "1 hour"
    assert article.authority_note == "Anything else: ask the Hotel Desk."
    assert_versions(article, 1)
    assert len(versions_rules(article)) == 3  # the rules are in the first stored version


def versions_rules(article: Article) -> list[dict]:
    from articles import versions

    return versions.rules_of_version(versions.history(article)[0].version)


def test_an_existing_contact_is_used_as_it_is_never_changed_by_an_import(tmp_path, kb_owner, contact):
    record = {**RECORD, "escalation": {"team": contact.team, "channel": "#somewhere-else", "hours": "never"}}

    out, err, status = run_import(write_jsonl(tmp_path, record))

    assert status == 0
    contact.refresh_from_db()
    assert (contact.channel, contact.hours) == ("#billing-escalations", "08:00-20:00 CET")
    assert Article.objects.get(external_id="refund-exception").escalation == contact


def test_a_reimport_changes_the_rules_as_a_new_version(tmp_path, kb_owner):
    rule = {"action": "refund the booking", "limit_amount": "50", "limit_unit": "EUR", "decider": "agent"}
    run_import(write_jsonl(tmp_path, {**RECORD, "rules": [rule]}))
    out, _, _ = run_import(write_jsonl(tmp_path, {**RECORD, "rules": [rule]}, name="same.jsonl"))
    assert "1 unchanged" in out

    out, err, status = run_import(write_jsonl(tmp_path, {**RECORD, "rules": [{**rule, "limit_amount": "80"}]}, name="v2.jsonl"))

    assert (status, err) == (0, "")
    article = Article.objects.get(external_id="refund-exception")
    assert article.rule_dicts()[0]["limit_amount"] == Decimal("80.00")
    assert_versions(article, 2)
    assert article.events.filter(rules_changed=True).exists()


def test_a_translation_cannot_change_the_limits_its_source_sets(tmp_path, kb_owner):
    rule = {"action": "refund the booking", "limit_amount": "50", "limit_unit": "EUR", "decider": "agent"}
    source = {**RECORD, "rules": [rule]}
    german = {
        **RECORD,
        "slug": "erstattung",
        "title": "Erstattung einer nicht erstattbaren Buchung",
        "language": "de",
        "translation_of": RECORD["slug"],
        "rules": [{**rule, "action": "die Buchung erstatten", "limit_amount": "500"}],
    }

    out, err, status = run_import(write_jsonl(tmp_path, source, german))

    assert status == 1
    assert "kb.jsonl line 2: its rules differ from those of its source 'refund-exception'" in err
    assert not Article.objects.filter(external_id="erstattung").exists()

    # Its own words with the source's limits: imported, and linked as a translation.
    german["rules"] = [{**rule, "action": "die Buchung erstatten"}]
    out, err, status = run_import(write_jsonl(tmp_path, source, german, name="again.jsonl"))
    assert (status, err) == (0, "")
    translation = Article.objects.get(external_id="erstattung")
    assert translation.translation_of.external_id == "refund-exception"
    assert translation.rule_dicts()[0]["action"] == "die Buchung erstatten"
    assert translation.rule_dicts()[0]["limit_amount"] == Decimal("50.00")


def test_a_translation_before_its_source_follows_the_sources_limits_when_linked(tmp_path, kb_owner):
    rule = {"action": "refund the booking", "limit_amount": "50", "limit_unit": "EUR", "decider": "agent"}
    german = {
        **RECORD,
        "slug": "erstattung",
        "language": "de",
        "translation_of": RECORD["slug"],
        "rules": [{**rule, "action": "die Buchung erstatten", "limit_amount": "500"}],
    }

    out, err, status = run_import(write_jsonl(tmp_path, german, {**RECORD, "rules": [rule]}))

    assert status == 0, err
    translation = Article.objects.get(external_id="erstattung")
    assert translation.rule_dicts()[0]["limit_amount"] == Decimal("50.00")
    assert translation.rule_dicts()[0]["action"] == "die Buchung erstatten"


BAD = [
    ({"state": "approved"}, "'state' must be one of wip, not_validated, validated, archived, not 'approved'"),
    ({"audience": 3}, "'audience' must be one of internal, partner, customer, public, not 3"),
    ({"governance": "strict"}, "'governance' must be one of experience, governed"),
    ({"owner": ["olga"]}, "'owner' must be a username"),
    ({"review_by": "31.01.2030"}, "'review_by' must be a date as YYYY-MM-DD, not '31.01.2030'"),
    ({"translation_outdated": "yes"}, "'translation_outdated' must be true or false"),
    ({"authority_note": 5}, "'authority_note' must be a string, not int"),
    ({"rules": {"action": "refund"}}, "'rules' must be a list of {action, limit_amount, limit_unit, decider, notes}"),
    ({"rules": ["refund"]}, "rule 1 must be an object"),
    ({"rules": [{"action": "refund", "decider": "agent", "limit": "50"}]}, "rule 1 has unknown fields limit"),
    ({"rules": [{"action": "refund", "limit_amount": "50"}]}, "rule 1: 'decider' is missing"),
    ({"rules": [{"action": "refund", "decider": "boss"}]}, "rule 1: 'decider': Select a valid choice. boss is not one of"),
    ({"rules": [{"action": "refund", "decider": "agent", "limit_amount": "-5"}]}, "rule 1: 'limit_amount': Ensure this value"),
    ({"rules": [{"action": "a", "decider": "agent", "limit_amount": "12345678901"}]}, "rule 1: 'limit_amount': Ensure that"),
    ({"rules": [{"action": "x" * 201, "decider": "agent"}]}, "rule 1: 'action': Ensure this value has at most 200"),
    ({"rules": [{"action": "", "decider": "agent"}]}, "rule 1: 'action' is missing"),
    ({"rules": [{"action": "refund", "decider": "agent", "limit_amount": True}]}, "rule 1: 'limit_amount' must be a string"),
    ({"rules": [{"action": "a", "decider": "agent"}] * 31}, "'rules' has 31 rules; an article has at most 30"),
    ({"escalation": ["Desk"]}, "'escalation' must be an object"),
    ({"escalation": {"team": "Desk", "phone": "1"}}, "'escalation' has unknown fields phone"),
    ({"escalation": {"channel": "#desk"}}, "'escalation' needs its 'team'"),
    ({"escalation": {"team": "New Desk"}}, "escalation contact 'New Desk' is not here, and the record does not say"),
    ({"escalation": {"team": "New Desk", "channel": "c" * 201}}, "escalation contact 'New Desk': 'channel': Ensure"),
    ({"page_slug": "a/b"}, "'page_slug' must be letters, digits, '-' and '_' only"),
    ({"relations": [{"kind": "cites", "to": "good-one"}]}, "relation 1: 'kind' must be one of related, supersedes, dupli"),
    ({"relations": [{"kind": "related", "to": ""}]}, "relation 1: 'to' must be the key or slug of another article"),
    ({"relations": [{"kind": "related", "to": "good-one", "why": "x"}]}, "relation 1 has unknown fields why"),
    ({"relations": "good-one"}, "'relations' must be a list of {kind, to, note}"),
]


@pytest.mark.parametrize(("fields", "message"), BAD, ids=[message[:40] for _, message in BAD])
def test_a_bad_exported_field_is_reported_with_its_line_and_the_rest_imported(tmp_path, kb_owner, fields, message):
    lines = [{**RECORD, "slug": "good-one"}, {**RECORD, **fields}, {**RECORD, "slug": "good-two"}]

    out, err, status = run_import(write_jsonl(tmp_path, *lines))

    assert status == 1
    assert f"kb.jsonl line 2: {message}" in err
    assert "2 created" in out and "1 failed" in out
    assert not Article.objects.filter(external_id="refund-exception").exists()
    assert not EscalationContact.objects.filter(team="New Desk").exists()


@pytest.mark.parametrize("history", [{"versions": ["fpt", "ghec"], "version": "3.12"}, {"versions": [{"number": 0}]}])
def test_a_version_field_of_another_source_is_ignored_like_any_field_import_does_not_know(tmp_path, kb_owner, history):
    # A docs site lists the product versions a page is for; that is not an export's history.
    out, err, status = run_import(write_jsonl(tmp_path, {**RECORD, **history}))

    assert (status, err) == (0, "")
    article = Article.objects.get(external_id=RECORD["slug"])
    assert_versions(article, 1)
    assert article.events.get().note == "Imported from kb.jsonl"


def test_a_new_article_keeps_its_exported_address_when_it_is_free(tmp_path, kb_owner, product):
    taken = make_article(author=kb_owner, product=product, title="Taken")
    records = [
        {**RECORD, "slug": "billing/refunds/exception", "page_slug": "refund-exception-2019"},
        {**RECORD, "slug": "other", "page_slug": taken.slug},
    ]

    out, err, status = run_import(write_jsonl(tmp_path, *records))

    assert status == 0
    assert Article.objects.get(external_id="billing/refunds/exception").slug == "refund-exception-2019"
    assert f"kb.jsonl line 2: warning: the address '{taken.slug}' is taken here" in err
    assert Article.objects.get(external_id="other").slug != taken.slug


def test_an_inactive_owner_falls_back_to_the_commands_owner(tmp_path, kb_owner):
    make_kb_owner("inactive-ivan")
    User.objects.filter(username="inactive-ivan").update(is_active=False)

    out, err, status = run_import(write_jsonl(tmp_path, {**RECORD, "owner": "inactive-ivan"}))

    assert status == 0
    assert "warning: owner 'inactive-ivan' cannot own articles (the account is inactive)" in err
    assert Article.objects.get(external_id="refund-exception").owner == kb_owner


def test_reimporting_an_export_into_its_own_site_copies_nothing(tmp_path, full_article, kb_owner):
    imported = {**RECORD, "slug": "came-in-by-import"}
    run_import(write_jsonl(tmp_path, imported, name="first.jsonl"))
    export(tmp_path / "kb.jsonl")

    out, err, status = run_import(tmp_path / "kb.jsonl")

    assert status == 1
    assert "0 created, 0 updated, 1 unchanged, 1 failed" in out
    assert "was written here, not imported: an import does not update it" in err
    assert Article.objects.count() == 2


def test_only_a_kb_owner_imports_decision_authority_and_governed_articles(tmp_path, kb_owner, publisher):
    rule = {"action": "refund the booking", "limit_amount": "50", "limit_unit": "EUR", "decider": "agent"}
    records = [{**RECORD, "rules": [rule]}, {**RECORD, "slug": "governed", "governance": "governed"}, {**RECORD, "slug": "plain"}]

    out, err, status = run_import(write_jsonl(tmp_path, *records), "--owner", publisher.username)

    assert status == 1 and "1 created" in out
    assert "kb.jsonl line 1: 'paula' may not import decision authority: The decision-authority section is governed" in err
    assert "kb.jsonl line 2: 'paula' may not import a governed article: Only a KB owner" in err
    assert Article.objects.get().owner == publisher


def test_relations_are_made_once_every_article_is_in_and_problems_reported(tmp_path, kb_owner):
    records = [
        {**RECORD, "relations": [{"kind": "supersedes", "to": "older", "note": "Since 2024"}, {"kind": "related", "to": "gone"}]},
        {**RECORD, "slug": "older", "title": "The older refund article"},
    ]

    out, err, status = run_import(write_jsonl(tmp_path, *records))

    assert status == 1 and "2 created" in out and "1 relation not made" in out
    assert "kb.jsonl line 1: imported, but not related: related 'gone': no such article in this import or already here" in err
    article = Article.objects.get(external_id="refund-exception")
    (relation,) = article.relations_out.all()
    assert (relation.kind, relation.to_article.external_id, relation.note) == ("supersedes", "older", "Since 2024")

    # Imported again, the relation it has is kept, not made twice.
    out, err, status = run_import(write_jsonl(tmp_path, records[0], records[1], name="again.jsonl"))
    assert article.relations_out.count() == 1
    assert "supersedes" not in err and "1 relation not made" in out
