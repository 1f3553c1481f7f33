"""Snippets as a reader meets them, cut by the one cutter every backend shares (search.snippets).

The contract suite (test_contract.py) checks snippets through whole searches on each backend;
these check the cutter's rules on texts too long or too odd to index for every test. Each runs
with each backend's Highlight (its stemmer and stop words).
"""

from __future__ import annotations

import re

import pytest

from articles.rendering import plain_text
from search.backends.postgres_backend import highlight_for as postgres_highlight
from search.backends.tantivy_backend import highlight_for as tantivy_highlight
from search.backends.whoosh_backend import highlight_for as whoosh_highlight
from search.query import parse
from search.snippets import BUDGET, snippet

GROUPS = [["refund", "money back"]]


@pytest.fixture(params=[whoosh_highlight, tantivy_highlight, postgres_highlight], ids=["whoosh", "tantivy", "postgres"])
def cut(request):
    def cut(query: str, **fields: str) -> str:
        return snippet(fields, request.param(parse(query, GROUPS)))

    return cut


def text_of(snippet_html: str) -> str:
    return re.sub(r"</?mark>", "", snippet_html)


def test_markdown_becomes_the_text_a_reader_sees():
    markdown = (
        "## Billing\n\n**Billing > Payment plan** shows [the plan](https://example.com/?a=1&b=2).\n\n"
        "- Open *Settings*\n- Choose `Plans & prices`\n\n| Plan | Price |\n|---|---|\n| Gold | 3 &euro; |\n\n"
        "```\nplans --list\n```\n\nA <b>bold</b> word.<script>alert(1)</script> AT&amp;T pays."
    )
    assert plain_text(markdown, internal=False).splitlines() == [
        "Billing",
        "Billing > Payment plan shows the plan.",
        "Open Settings",
        "Choose Plans & prices",
        "Plan · Price",
        "Gold · 3 €",
        "plans --list",
        "A bold word. AT&T pays.",
    ]


def test_internal_passages_are_text_for_staff_and_absent_otherwise():
    markdown = "Public line.\n\n:::internal\nStaff line.\n:::\n"
    assert plain_text(markdown, internal=True).splitlines() == ["Public line.", "Staff line."]
    assert plain_text(markdown, internal=False) == "Public line."


def test_blocks_read_as_sentences_and_entities_are_escaped_once(cut):
    out = cut("payment", issue="## Billing\n\n**Billing > Payment plan** for AT&amp;T & co\n\n- Open it")
    assert out == "Billing &gt; <mark>Payment</mark> plan for AT&amp;T &amp; co. Open it."


def test_a_multi_word_synonym_is_marked_only_where_its_words_stand_together(cut):
    out = cut("refund", resolution="The trace comes back lost. Our money back guarantee holds.")
    assert out == "Our <mark>money back</mark> guarantee holds."
    assert "<mark>" not in cut("refund", resolution="The trace comes back with money.")


def test_a_phrase_is_marked_across_the_stop_words_the_index_skips(cut):
    out = cut('"reset router"', resolution="First unplug it. Then reset the router and wait.")
    assert out == "Then <mark>reset the router</mark> and wait."


def test_the_sentence_with_most_of_the_query_wins_whatever_its_field(cut):
    out = cut("voucher breakfast", issue="A voucher is possible.", resolution="Mostly, offer a breakfast voucher at the desk.")
    assert out == "Mostly, offer a <mark>breakfast</mark> <mark>voucher</mark> at the desk."


def test_a_snippet_stops_at_a_sentence_end_within_the_budget(cut):
    sentence = "The night audit checks every voucher entry against the ledger."
    out = cut("voucher", resolution=" ".join([sentence] * 10))
    assert len(out) <= BUDGET + 40 and text_of(out).endswith("ledger.") and not out.endswith("…")


def test_a_long_sentence_is_cut_at_a_clause_or_word_boundary_with_an_ellipsis(cut):
    racks = ", ".join(f"rack {n} by the pool" for n in range(60))
    out = cut("rack", resolution=f"Check {racks}.")
    assert out.startswith("Check <mark>rack</mark> 0") and out.endswith("…")
    assert re.search(r"pool…$", out), out  # a whole clause, the comma dropped
    late = cut("quillfeather", resolution=f"Check {racks}, then the quillfeather hook by the door.")
    assert late.startswith("…") and "<mark>quillfeather</mark>" in late and len(text_of(late)) <= BUDGET + 2


def test_nothing_matched_shows_the_start_of_the_issue(cut):
    assert cut("zebra", issue="**Printer** jams.\n\nIt beeps.", resolution="Clear the tray.") == "Printer jams. It beeps."


def test_a_prefix_marks_every_word_it_starts(cut):
    assert cut("rout*", resolution="- Check the routing table\n- Restart the router") == (
        "Check the <mark>routing</mark> table. Restart the <mark>router</mark>."
    )
