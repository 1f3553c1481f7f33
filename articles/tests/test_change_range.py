"""Comparing two versions several steps apart: every change note in between, the range marked
material or authority-changing when any step was, and values in the words the pages use."""

from __future__ import annotations

import re

from articles import versions
from conftest import client_for


def _minor_edit(article, by):
    article.edit(
        by=by,
        base_version=article.version,
        changes={"resolution": "1. Check the booking.\n2. Offer a voucher first."},
        note="Voucher instead of date change",
        material=False,
    )


def test_range_lists_every_step_and_is_material_when_any_step_was(article, contributor):
    # v1 created, v2 authority rules added (material), v3 validated (minor), v4 a minor edit.
    _minor_edit(article, contributor)
    steps = versions.changes_between(article, 1, 4)
    assert [s.number for s in steps.steps] == [2, 3, 4]
    assert [s.material for s in steps.steps] == [True, False, False]
    assert steps.material and steps.authority_changed
    assert steps.steps[0].authority_changed and "Decision authority" in steps.steps[0].fields
    assert steps.steps[1].fields == ["Review by", "Confidence"]
    assert not versions.changes_between(article, 3, 4).material


def test_diff_page_across_versions_shows_each_note_and_the_authority_change(article, contributor):
    _minor_edit(article, contributor)
    page = client_for(contributor).get(article.get_diff_url(1, 4)).content.decode()
    steps = re.search(r'<ol class="change-steps">(.*?)</ol>', page, re.S).group(1)
    items = re.findall(r"<li>(.*?)</li>", steps, re.S)
    assert len(items) == 3
    assert "Version 2" in items[0] and "Authority" in items[0] and "Decision authority changed" in items[0]
    assert 'badge material">Material' in items[0]
    assert "Version 3" in items[1] and "Not validated → Validated" in items[1]
    assert "Version 4" in items[2] and "Voucher instead of date change" in items[2] and "Minor" in items[2]
    summary = re.search(r'<p class="range-summary">(.*?)</p>', page, re.S).group(1)
    assert "Material" in summary and "Decision authority changed" in summary


def test_diff_shows_labels_not_stored_values(article, contributor, kb_owner):
    article.set_governance(by=kb_owner, to="governed")
    page = client_for(contributor).get(article.get_diff_url(1, article.version)).content.decode()
    assert "<h2>Confidence</h2>" in page and "<h2>Governance</h2>" in page
    assert "Not validated" in page and "Experience-based" in page and "Governed" in page
    diffs = "".join(re.findall(r'<pre class="diff">(.*?)</pre>', page, re.S))
    assert "not_validated" not in diffs and "experience" not in diffs.replace("Experience-based", "")


def test_a_minor_range_says_so_without_an_authority_badge(article, contributor):
    _minor_edit(article, contributor)
    page = client_for(contributor).get(article.get_diff_url(3, 4)).content.decode()
    summary = re.search(r'<p class="range-summary">(.*?)</p>', page, re.S).group(1)
    assert "Minor" in summary and "Material" not in summary
    assert "Decision authority changed" not in page


def test_diff_page_reads_a_longer_range_in_no_more_queries(article, contributor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(contributor)

    def queries_for_whole_history() -> int:
        client.get(article.get_diff_url(1, article.version))
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(article.get_diff_url(1, article.version)).status_code == 200
        return len(ctx.captured_queries)

    short = queries_for_whole_history()
    for n in range(6):
        article.edit(by=contributor, base_version=article.version, changes={"cause": f"Rate plan {n}."}, material=False)
    assert queries_for_whole_history() == short
