"""Every change is a version; edits are optimistically locked; diffs and reverts lose nothing."""

from __future__ import annotations

import pytest

from articles import versions
from articles.models import Article, EscalationContact, EventKind, InvalidChange, Refused, StaleVersion
from conftest import REFUND_RULES, make_article

from .assertions import assert_last_event, assert_versions


def test_edit_saves_a_version_with_author_note_and_material_mark(article, contributor):
    n = len(versions.history(article))
    article.edit(by=contributor, base_version=article.version, changes={"cause": "Rate plan."}, note="Typo", material=False)
    assert_versions(article, n + 1)
    newest = versions.history(article)[0]
    assert (newest.user, newest.comment, newest.material) == (contributor, "Typo", False)
    assert_last_event(article, kind=EventKind.EDITED, actor=contributor)


def test_stale_edit_changes_nothing(article, contributor, publisher):
    base = article.version
    article.edit(by=publisher, base_version=base, changes={"resolution": "Publisher's text"}, note="first")
    with pytest.raises(StaleVersion) as excinfo:
        Article.objects.get(pk=article.pk).edit(by=contributor, base_version=base, changes={"resolution": "Mine"})
    assert excinfo.value.current.resolution == "Publisher's text"
    article.refresh_from_db()
    assert article.resolution == "Publisher's text" and article.version == base + 1


def test_edit_that_changes_nothing_saves_no_version(article, contributor):
    n = len(versions.history(article))
    article.edit(by=contributor, base_version=article.version, changes={"title": article.title}, tags=["booking", "refund"])
    assert_versions(article, n)


def test_unknown_fields_are_refused(article, contributor):
    with pytest.raises(InvalidChange, match="state"):
        article.edit(by=contributor, base_version=article.version, changes={"state": "validated"})


def test_contributor_cannot_change_authority_rules(article, contributor):
    with pytest.raises(Refused, match="KB owner"):
        article.edit(by=contributor, base_version=article.version, changes={}, rules=[{"action": "refund", "limit_amount": 500}])
    assert [r["limit_amount"] for r in article.rule_dicts()] == [50, 150]


def test_diff_shows_authority_rule_changes_in_plain_words(article, kb_owner):
    old = versions.snapshot_of_article(article)
    rules = [dict(REFUND_RULES[0], limit_amount="80"), REFUND_RULES[1]]
    article.edit(by=kb_owner, base_version=article.version, changes={}, rules=rules, note="Raise agent limit")
    history = versions.history(article)
    changes = versions.diff(versions.snapshot_of_version(history[1].version), versions.snapshot_of_version(history[0].version))
    assert [c.name for c in changes] == ["rules"]
    html = str(changes[0].html)
    assert "<del>50" in html and "<ins>80" in html
    assert "You may refund the booking up to" in html
    assert versions.snapshot_of_article(article)["rules"] != old["rules"]


def test_revert_restores_old_content_as_a_new_version(article, contributor, kb_owner):
    original = article.resolution
    first = article.version
    article.edit(by=contributor, base_version=article.version, changes={"resolution": "Wrong steps"}, note="oops")
    n = len(versions.history(article))
    article.revert(to_number=first, by=contributor, base_version=article.version)
    article.refresh_from_db()
    assert article.resolution == original
    assert_versions(article, n + 1)
    assert versions.history(article)[0].comment == f"Reverted to version {first}"
    assert_last_event(article, kind=EventKind.REVERTED, actor=contributor)
    # Nothing lost: the reverted-away text is still in the history.
    assert any(v.version.field_dict["resolution"] == "Wrong steps" for v in versions.history(article))


def test_revert_of_authority_rules_needs_a_kb_owner(article, contributor, kb_owner):
    before = article.version
    article.edit(by=kb_owner, base_version=article.version, changes={}, rules=REFUND_RULES[:1], note="One rule")
    with pytest.raises(Refused):
        article.revert(to_number=before, by=contributor, base_version=article.version)
    assert len(article.rule_dicts()) == 1
    article.revert(to_number=before, by=kb_owner, base_version=article.version)
    assert len(article.rule_dicts()) == 2


def test_stale_revert_changes_nothing(article, contributor):
    first = article.version
    article.edit(by=contributor, base_version=article.version, changes={"cause": "New cause"})
    with pytest.raises(StaleVersion):
        article.revert(to_number=first, by=contributor, base_version=first)
    article.refresh_from_db()
    assert article.cause == "New cause"


def test_escalation_contact_change_shows_on_every_article_naming_it(article, contact, contributor, product, kb_owner):
    other = make_article(author=contributor, product=product, contact=contact, kb_owner=kb_owner, title="Other")
    EscalationContact.objects.filter(pk=contact.pk).update(hours="07:00-22:00 CET")
    for a in (article, other):
        a.refresh_from_db()
        assert (
            a.escalation.plain_words() == "Billing Escalations, #billing-escalations, 07:00-22:00 CET, answer within 15 minutes"
        )


def test_rule_reads_in_plain_words(article):
    words = [r.plain_words() for r in article.rules.all()]
    assert words == [
        "You may refund the booking up to 50 EUR without approval.",
        "With your team lead's approval you may refund the booking up to 150 EUR.",
    ]


def test_revert_keeps_the_review_date(article, contributor):
    import datetime

    first = article.version
    article.edit(by=contributor, base_version=article.version, changes={"cause": "Other"})
    review_by = datetime.date(2031, 1, 2)
    article.edit(by=contributor, base_version=article.version, changes={"review_by": review_by})
    article.revert(to_number=first, by=contributor, base_version=article.version)
    article.refresh_from_db()
    assert article.review_by == review_by and article.cause == "Non-refundable rate."


def test_revert_to_a_version_that_does_not_exist_says_so(article, contributor):
    with pytest.raises(versions.NoSuchVersion):
        article.revert(to_number=999, by=contributor, base_version=article.version)
