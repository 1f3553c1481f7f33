"""`manage.py import_articles`: JSON Lines and Markdown imports, re-imports, bad records."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from articles import versions
from articles.models import Article, ArticleEvent, EventKind, Product, State
from articles.tests.assertions import assert_last_event, assert_versions
from conftest import make_customer, make_publisher, make_user

pytestmark = pytest.mark.django_db

REFUND = {
    "slug": "billing/refunds/refund-a-non-refundable-booking",
    "title": "Refund a non-refundable booking",
    "summary": "The customer wants their money back for a **non-refundable** room.",
    "body": "1. Check the booking date.\n2. Offer a date change first.",
    "product": "Hotel Bookings",
    "tags": ["Refund", "booking"],
    "source_url": "https://help.example.com/billing/refunds/refund-a-non-refundable-booking",
    "license": "CC-BY-4.0",
    "word_count": 20,  # extra fields are ignored
}
PRINTER = {
    "slug": "devices/printer-offline",
    "title": "Printer shows as offline",
    "summary": "",
    "body": "Restart the print spooler.",
    "product": "Office Devices",
    "tags": [],
    "source_url": "",
    "license": "CC-BY-4.0",
}


def write_jsonl(tmp_path, *lines, name="kb.jsonl"):
    path = tmp_path / name
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines), encoding="utf-8")
    return path


def run_import(path, *args, stdout=None) -> tuple[str, str, int]:
    """Run the command as the shell would: (stdout, stderr, exit status)."""
    out, err = stdout or io.StringIO(), io.StringIO()
    try:
        call_command("import_articles", str(path), *args, stdout=out, stderr=err)
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error.returncode
    return out.getvalue(), err.getvalue(), 0


def imported(key: str) -> Article:
    return Article.objects.get(external_id=key)


# --- new articles ------------------------------------------------------------------------------


def test_import_keeps_the_source_key_and_gives_a_readable_url_safe_slug(tmp_path, kb_owner):
    out, err, status = run_import(write_jsonl(tmp_path, REFUND, PRINTER))

    assert (status, err) == (0, "")
    assert "Imported 2: 2 created, 0 updated, 0 unchanged, 0 failed" in out
    article = imported(REFUND["slug"])
    assert article.slug == "refund-a-non-refundable-booking"
    assert re.fullmatch(r"[a-z0-9-]+", article.slug)
    assert imported(PRINTER["slug"]).slug == "printer-offline"


def test_summary_becomes_the_issue_and_body_the_resolution(tmp_path, kb_owner):
    run_import(write_jsonl(tmp_path, REFUND))

    article = imported(REFUND["slug"])
    assert article.title == REFUND["title"]
    assert article.issue == REFUND["summary"]
    assert article.resolution == REFUND["body"]
    assert article.source_url == REFUND["source_url"]
    assert article.product == Product.objects.get(name="Hotel Bookings", slug="hotel-bookings")
    assert article.tag_names() == ["booking", "refund"]


def test_new_articles_are_validated_internal_and_owned_by_the_first_kb_owner_by_default(tmp_path, kb_owner):
    make_publisher()  # not a KB owner: not the default owner
    run_import(write_jsonl(tmp_path, REFUND))

    article = imported(REFUND["slug"])
    assert (article.state, article.audience) == (State.VALIDATED, "internal")
    assert article.owner == kb_owner
    assert article.created_by == kb_owner
    assert article.review_by is not None and article.review_by > timezone.localdate()


def test_each_new_article_has_one_material_version_and_one_created_event(tmp_path, kb_owner):
    run_import(write_jsonl(tmp_path, REFUND, PRINTER))

    for key in (REFUND["slug"], PRINTER["slug"]):
        article = imported(key)
        assert_versions(article, 1)
        assert ArticleEvent.objects.filter(article=article).count() == 1
        event = assert_last_event(article, kind=EventKind.CREATED, actor=kb_owner, to_value=State.VALIDATED)
        assert event.note == "Imported from kb.jsonl"
        (version,) = versions.history(article)
        assert (version.number, version.comment, version.material, version.user) == (1, "Imported from kb.jsonl", True, kb_owner)
    # The stored version holds the tags as well, not only the article row.
    (version,) = versions.history(imported(REFUND["slug"]))
    assert versions.snapshot_of_version(version.version)["tags"] == "booking, refund"


def test_records_without_a_product_go_to_the_default_product(tmp_path, kb_owner):
    run_import(write_jsonl(tmp_path, {**REFUND, "product": ""}, {**PRINTER, "product": None}))
    assert imported(REFUND["slug"]).product.name == "General"

    no_product = {**REFUND, "slug": "other", "product": "  "}
    run_import(write_jsonl(tmp_path, no_product, name="b.jsonl"), "--product-default", "Front Desk")
    assert imported("other").product == Product.objects.get(name="Front Desk", slug="front-desk")


def test_keys_sharing_their_last_segment_get_different_readable_slugs(tmp_path, kb_owner):
    run_import(
        write_jsonl(
            tmp_path,
            {**PRINTER, "slug": "actions/quickstart", "title": "Quickstart"},
            {**PRINTER, "slug": "codespaces/quickstart", "title": "Quickstart"},
            {**PRINTER, "slug": "pages/guides/new", "title": "New site"},
        )
    )

    assert imported("actions/quickstart").slug == "quickstart"
    assert imported("codespaces/quickstart").slug == "codespaces-quickstart"
    # "new" would be hidden behind the create page's address.
    assert imported("pages/guides/new").slug == "guides-new"


def test_options_set_state_audience_and_owner_of_new_articles(tmp_path, kb_owner):
    paula = make_publisher("paula")
    _, err, status = run_import(
        write_jsonl(tmp_path, REFUND), "--state", "not_validated", "--audience", "customer", "--owner", "paula"
    )

    assert (status, err) == (0, "")
    article = imported(REFUND["slug"])
    assert (article.state, article.audience, article.owner, article.review_by) == ("not_validated", "customer", paula, None)
    assert_last_event(article, kind=EventKind.CREATED, actor=paula, to_value="not_validated")


def test_work_in_progress_may_be_imported_without_a_body(tmp_path, kb_owner):
    _, err, status = run_import(write_jsonl(tmp_path, {**PRINTER, "body": ""}), "--state", "wip")

    assert (status, err) == (0, "")
    assert imported(PRINTER["slug"]).state == State.WIP


def test_public_validated_import_is_visible_to_anonymous_visitors(tmp_path, kb_owner):
    run_import(write_jsonl(tmp_path, REFUND), "--audience", "public")
    run_import(write_jsonl(tmp_path, PRINTER, name="internal.jsonl"))

    customer = make_customer()
    assert list(Article.objects.visible_to(AnonymousUser())) == [imported(REFUND["slug"])]
    assert list(Article.objects.visible_to(customer)) == [imported(REFUND["slug"])]
    assert Article.objects.visible_to(kb_owner).count() == 2


def test_public_import_that_is_not_validated_stays_hidden_from_outside(tmp_path, kb_owner):
    run_import(write_jsonl(tmp_path, REFUND), "--audience", "public", "--state", "not_validated")

    assert not Article.objects.visible_to(AnonymousUser()).exists()


# --- re-imports ----------------------------------------------------------------------------------


def test_reimporting_an_unchanged_record_changes_nothing(tmp_path, kb_owner):
    path = write_jsonl(tmp_path, REFUND, PRINTER)
    run_import(path)
    before = imported(REFUND["slug"])

    out, err, status = run_import(path)

    assert (status, err) == (0, "")
    assert "Imported 2: 0 created, 0 updated, 2 unchanged, 0 failed" in out
    after = imported(REFUND["slug"])
    assert (after.version, after.updated_at, after.slug) == (before.version, before.updated_at, before.slug)
    assert_versions(after, 1)
    assert ArticleEvent.objects.count() == 2
    assert Article.objects.count() == 2


def test_a_changed_record_becomes_a_new_material_version(tmp_path, kb_owner):
    run_import(write_jsonl(tmp_path, REFUND, PRINTER))
    changed = {
        **REFUND,
        "title": "Refund a non-refundable hotel booking",
        "body": REFUND["body"] + "\n3. Ask a team lead above 50 EUR.",
        "product": "Billing",
        "tags": ["refund"],
        "source_url": "https://help.example.com/refunds",
    }

    out, _, status = run_import(write_jsonl(tmp_path, changed, PRINTER, name="kb-v2.jsonl"), "--state", "wip")

    assert status == 0
    assert "Imported 2: 0 created, 1 updated, 1 unchanged, 0 failed" in out
    article = imported(REFUND["slug"])
    assert article.title == changed["title"]
    assert article.resolution.endswith("3. Ask a team lead above 50 EUR.")
    assert (article.product.name, article.tag_names(), article.source_url) == ("Billing", ["refund"], changed["source_url"])
    # Its address, confidence and audience stay as they were: --state is for new articles.
    assert (article.slug, article.state) == ("refund-a-non-refundable-booking", State.VALIDATED)
    assert_versions(article, 2)
    newest = versions.history(article)[0]
    assert (newest.comment, newest.material) == ("Re-imported from kb-v2.jsonl", True)
    assert_last_event(article, kind=EventKind.EDITED, actor=kb_owner)
    assert_versions(imported(PRINTER["slug"]), 1)


def test_a_reimport_the_article_cannot_take_is_reported_and_leaves_it_alone(tmp_path, kb_owner):
    run_import(write_jsonl(tmp_path, REFUND))

    # A validated article needs a resolution: the record's empty body is refused.
    _, err, status = run_import(write_jsonl(tmp_path, {**REFUND, "body": ""}, name="v2.jsonl"), "--state", "wip")

    assert status == 1
    assert "v2.jsonl line 1: A validated article needs a resolution" in err
    assert imported(REFUND["slug"]).resolution == REFUND["body"]
    assert_versions(imported(REFUND["slug"]), 1)


# --- bad records ----------------------------------------------------------------------------------


def test_bad_lines_are_reported_with_their_line_numbers_and_good_ones_imported(tmp_path, kb_owner):
    path = write_jsonl(
        tmp_path,
        REFUND,
        '{"slug": "broken", "title": ',
        '["not", "an", "object"]',
        {**PRINTER, "slug": ""},
        {**PRINTER, "slug": "no-title", "title": "  "},
        {**PRINTER, "slug": "long-title", "title": "x" * 201},
        {**PRINTER, "slug": "bad-tags", "tags": "printer, offline"},
        {**PRINTER, "slug": "bad-body", "body": ["Restart"]},
        {**PRINTER, "slug": "empty-body", "body": "  "},
        "",  # blank lines are skipped
        PRINTER,
        {**PRINTER, "title": "Printer offline again"},
        {**PRINTER, "slug": "bad-url", "source_url": "javascript:alert(1)"},
    )

    out, err, status = run_import(path)

    assert status == 1
    assert "Imported 12: 2 created, 0 updated, 0 unchanged, 10 failed" in out
    messages = err.splitlines()
    assert len(messages) == 10
    expected = [
        "kb.jsonl line 2: invalid JSON",
        "kb.jsonl line 3: expected an object",
        "kb.jsonl line 4: missing 'slug'",
        "kb.jsonl line 5: missing 'title'",
        "kb.jsonl line 6: 'title' is 201 characters long",
        "kb.jsonl line 7: 'tags' must be a list of strings",
        "kb.jsonl line 8: 'body' must be a string",
        "kb.jsonl line 9: the body is empty",
        "kb.jsonl line 12: slug 'devices/printer-offline' appears twice (first at kb.jsonl line 11)",
        "kb.jsonl line 13: 'source_url' is not a web address",
    ]
    for message, start in zip(messages, expected, strict=True):
        assert message.startswith(start), message
    assert set(Article.objects.values_list("external_id", flat=True)) == {REFUND["slug"], PRINTER["slug"]}
    assert imported(PRINTER["slug"]).title == PRINTER["title"]


def test_a_missing_path_is_a_clear_error(tmp_path, kb_owner):
    _, _, status = run_import(tmp_path / "nowhere.jsonl")
    assert status == 2
    with pytest.raises(CommandError, match=r"nowhere\.jsonl does not exist"):
        call_command("import_articles", str(tmp_path / "nowhere.jsonl"))


def test_an_unknown_owner_is_an_error_and_imports_nothing(tmp_path, kb_owner):
    path = write_jsonl(tmp_path, REFUND)

    with pytest.raises(CommandError, match="Unknown user 'nobody'") as error:
        call_command("import_articles", str(path), "--owner", "nobody", stdout=io.StringIO())

    assert error.value.returncode == 2
    assert not Article.objects.exists()


def test_without_a_kb_owner_or_superuser_the_owner_must_be_named(tmp_path, db):
    make_publisher()
    _, _, status = run_import(write_jsonl(tmp_path, REFUND))
    assert status == 2

    admin = make_user("root", superuser=True)
    run_import(write_jsonl(tmp_path, REFUND))
    assert imported(REFUND["slug"]).owner == admin


def test_a_customer_cannot_own_imported_articles(tmp_path, kb_owner):
    make_customer("chris")
    with pytest.raises(CommandError, match="'chris' cannot own imported articles") as error:
        call_command("import_articles", str(write_jsonl(tmp_path, REFUND)), "--owner", "chris")
    assert error.value.returncode == 2


# --- Markdown folders ---------------------------------------------------------------------------


def test_a_markdown_folder_with_front_matter_is_imported_recursively(tmp_path, kb_owner):
    kb = tmp_path / "kb"
    (kb / "billing" / "refunds").mkdir(parents=True)
    (kb / "billing" / "refunds" / "non-refundable.md").write_text(
        "---\n"
        "title: Refund a non-refundable booking\n"
        "summary: The customer wants their money back.\n"
        "product: Hotel Bookings\n"
        "tags: [refund, booking]\n"
        "source_url: https://help.example.com/refunds\n"
        "---\n"
        "\n"
        "    indented code stays indented\n"
        "\n"
        "1. Check the booking date.\n",
        encoding="utf-8",
    )
    (kb / "printer.md").write_text(
        "---\nslug: devices/printer-offline\ntitle: Printer shows as offline\n---\nRestart the spooler.\n", encoding="utf-8"
    )
    (kb / "untitled.md").write_text("---\nsummary: no title here\n---\nBody\n", encoding="utf-8")
    (kb / "notes.txt").write_text("not an article", encoding="utf-8")

    out, err, status = run_import(kb)

    assert status == 1
    assert err.strip() == "untitled.md: missing 'title'"
    assert "Imported 3: 2 created, 0 updated, 0 unchanged, 1 failed" in out
    refund = imported("billing/refunds/non-refundable")  # no slug: the path in the folder
    assert refund.slug == "non-refundable"
    assert refund.issue == "The customer wants their money back."
    assert refund.resolution == "    indented code stays indented\n\n1. Check the booking date."
    assert (refund.product.name, refund.tag_names(), refund.source_url) == (
        "Hotel Bookings",
        ["booking", "refund"],
        "https://help.example.com/refunds",
    )
    assert versions.history(refund)[0].comment == "Imported from kb/billing/refunds/non-refundable.md"
    printer = imported("devices/printer-offline")
    assert (printer.resolution, printer.product.name) == ("Restart the spooler.", "General")

    out, _, _ = run_import(kb)
    assert "0 created, 0 updated, 2 unchanged, 1 failed" in out


def test_bad_markdown_files_are_reported_by_path(tmp_path, kb_owner):
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "unclosed.md").write_text("---\ntitle: Never closed\n\nBody\n", encoding="utf-8")
    (kb / "bad-yaml.md").write_text("---\ntitle: [unclosed\n---\nBody\n", encoding="utf-8")
    (kb / "list.md").write_text("---\n- a\n- b\n---\nBody\n", encoding="utf-8")

    _, err, status = run_import(kb)

    assert status == 1
    assert err.splitlines() == [
        "bad-yaml.md: invalid YAML front matter (while parsing a flow sequence)",
        "list.md: the front matter is not a set of 'name: value' fields",
        "unclosed.md: the front matter has no closing '---' line",
    ]


def test_an_empty_folder_is_a_clear_error(tmp_path, kb_owner):
    _, _, status = run_import(tmp_path)
    assert status == 2


# --- output -------------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_shown_on_a_terminal_only(tmp_path, kb_owner):
    path = write_jsonl(tmp_path, REFUND, PRINTER)
    plain, _, _ = run_import(path)
    terminal, _, _ = run_import(path, stdout=Terminal())

    assert "\r" not in plain
    # With the rate and the time left (test_import_batches has them exact).
    assert re.search(r"\r  1/2 articles \(50%\), [\d,]+/s, \d+:\d\d left", terminal)
    assert re.search(r"\r  2/2 articles \(100%\), [\d,]+/s, \d+:\d\d in all\n", terminal)
    assert terminal.rstrip().endswith("Imported 2: 0 created, 0 updated, 2 unchanged, 0 failed")


def test_a_line_nested_too_deep_or_holding_nul_fails_alone(tmp_path, kb_owner):
    deep = '{"slug": "deep", "title": "Deep", "body": "x", "extra": ' + "[" * 50_000 + "]" * 50_000 + "}"
    path = write_jsonl(tmp_path, deep, {**PRINTER, "slug": "nul", "title": "Printer\u0000 offline"}, PRINTER)

    out, err, status = run_import(path)

    assert status == 1
    assert err.splitlines()[0].startswith("kb.jsonl line 1: invalid JSON (JSON nested more than")
    assert err.splitlines()[1].startswith("kb.jsonl line 2: invalid JSON (Text may not contain NUL")
    assert list(Article.objects.values_list("external_id", flat=True)) == [PRINTER["slug"]]


def test_internal_notes_are_imported_and_kept_by_a_reimport_without_them(tmp_path, kb_owner):
    with_notes = {**REFUND, "internal_notes": "Reason code `NRF-EXC`; goodwill above 50 EUR needs a team lead."}
    run_import(write_jsonl(tmp_path, with_notes))
    article = imported(REFUND["slug"])
    assert article.internal_notes == with_notes["internal_notes"]

    # A source that knows nothing of internal notes leaves the ones staff keep here alone.
    changed = {**REFUND, "body": REFUND["body"] + "\n3. Confirm by email."}
    out, _, status = run_import(write_jsonl(tmp_path, changed, name="kb-v2.jsonl"))

    assert status == 0 and "1 updated" in out
    article = imported(REFUND["slug"])
    assert article.resolution.endswith("3. Confirm by email.")
    assert article.internal_notes == with_notes["internal_notes"]
    assert_versions(article, 2)
