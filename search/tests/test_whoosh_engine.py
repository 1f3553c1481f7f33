"""The array evaluator over a Whoosh index agrees with Whoosh, segment by segment.

A small index, written in several commits (so several segments, with a deletion),
is searched both ways: what matches and how it ranks must be what Whoosh itself says, and
totals and facet counts must be exact over every segment.
"""

from __future__ import annotations

import pytest
from whoosh import fields, index, query, scoring

from search.backends import whoosh_engine as engine

DOCS = [
    ("1", "refund a cancelled booking", "validated", "public", "refund,booking"),
    ("2", "refund policy for a voucher and refund limits", "validated", "internal", "refund"),
    ("3", "voucher for a delayed check in", "wip", "internal", "voucher"),
    ("4", "router keeps dropping the connection", "validated", "customer", "wifi,router"),
    ("5", "reset the router to factory settings", "archived", "public", "router"),
    ("6", "slow wifi far from the router reset rarely helps", "validated", "public", "wifi"),
    ("7", "booking changes after a refund", "validated", "public", "booking"),
]


@pytest.fixture
def searcher(tmp_path):
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        body=fields.TEXT(phrase=True),
        state=fields.ID(stored=True, sortable=True),
        audience=fields.ID(stored=True, sortable=True),
        tags=fields.KEYWORD(commas=True, lowercase=True),
        updated=fields.NUMERIC(sortable=True),
    )
    ix = index.create_in(str(tmp_path), schema)  # (RamStorage's temporary files are shared between processes)
    for batch in (DOCS[:3], DOCS[3:5], DOCS[5:]):  # three segments
        writer = ix.writer()
        for n, (doc_id, body, state, audience, tags) in enumerate(batch):
            writer.add_document(id=doc_id, body=body, state=state, audience=audience, tags=tags, updated=int(doc_id) * 10 + n)
        writer.commit(merge=False)
    writer = ix.writer()
    writer.delete_by_term("id", "3")  # a deletion inside the first segment
    writer.commit(merge=False)
    engine.CACHE.clear()
    engine.postings_cache().clear()
    with ix.searcher(weighting=scoring.BM25F(B=engine.B, K1=engine.K1)) as s:
        assert len(s.leaf_searchers()) == 3
        yield s


NONE = {"columns": [], "terms": [], "hide_archived": False}


def matching(searcher, q, limits=NONE, excluded=()):
    evaluator = engine.Evaluator(searcher)
    return evaluator.segments(q, evaluator.allowed(limits, excluded))


def ids(searcher, ranked) -> list[str]:
    return [searcher.stored_fields(docnum)["id"] for docnum, _ in ranked]


def whoosh_says(searcher, q) -> dict[str, float]:
    return {hit["id"]: hit.score for hit in searcher.search(q, limit=None)}


@pytest.mark.parametrize(
    "q",
    [
        query.Term("body", "refund"),
        query.And([query.Term("body", "refund"), query.Term("body", "booking")]),
        query.Or([query.Term("body", "router"), query.Term("body", "wifi", boost=2.0)]),
        query.Phrase("body", ["router", "reset"]),
    ],
    ids=["term", "and", "or", "phrase"],
)
def test_matches_and_ranking_agree_with_whoosh(searcher, q):
    segments = matching(searcher, q)
    ranked = engine.top(segments, 10)
    expected = whoosh_says(searcher, q)
    assert set(ids(searcher, ranked)) == set(expected)
    assert engine.total(segments) == len(expected)
    if not isinstance(q, query.Phrase):  # phrases are scored as their words, not by Whoosh's phrase scorer
        for (_docnum, score), doc_id in zip(ranked, ids(searcher, ranked), strict=True):
            assert score == pytest.approx(expected[doc_id], rel=1e-4)
        assert [round(s, 4) for _, s in ranked] == sorted((round(s, 4) for s in expected.values()), reverse=True)


def test_deleted_documents_never_match(searcher):
    segments = matching(searcher, query.Term("body", "voucher"))
    assert "3" not in ids(searcher, engine.top(segments, 10))
    assert engine.total(segments) == 1  # only "refund policy for a voucher…"


def test_limits_hide_what_the_caller_may_not_see_from_total_and_facets(searcher):
    visible = {"columns": [("state", ["validated"]), ("audience", ["public", "customer"])], "terms": [], "hide_archived": True}
    segments = matching(searcher, query.Term("body", "router"), visible)
    assert sorted(ids(searcher, engine.top(segments, 10))) == ["4", "6"]
    assert engine.total(segments) == 2
    assert engine.facet_counts(segments, "audience") == {"customer": 1, "public": 1}
    assert engine.facet_counts(segments, "state") == {"validated": 2}
    assert engine.tag_counts(segments) == {"wifi": 2, "router": 1}


def test_tag_limit_and_exclusions(searcher):
    limits = {"columns": [], "terms": [("tags", "booking")], "hide_archived": True}
    excluded = [query.Term("body", "cancelled")]
    segments = matching(searcher, query.Term("body", "refund"), limits, excluded)
    assert ids(searcher, engine.top(segments, 10)) == ["7"]


def test_or_with_minmatch_wants_that_many_clauses_and_scale_rewards_coordination(searcher):
    clauses = [query.Term("body", "router"), query.Term("body", "reset"), query.Term("body", "wifi")]
    most = matching(searcher, query.Or(clauses, minmatch=2))
    assert sorted(ids(searcher, engine.top(most, 10))) == ["5", "6"]  # two of the three words or more
    coord = engine.top(matching(searcher, query.Or(clauses, scale=1.0)), 10)
    assert ids(searcher, coord)[0] == "6"  # the only one with all three words


def test_disjunction_max_scores_a_word_and_its_synonyms_once(searcher):
    forms = [query.Term("body", "refund"), query.Term("body", "booking")]
    dismax = engine.top(matching(searcher, query.DisjunctionMax(forms)), 10)
    single = dict(engine.top(matching(searcher, forms[0]), 10))
    other = dict(engine.top(matching(searcher, forms[1]), 10))
    for docnum, score in dismax:
        assert score == pytest.approx(max(single.get(docnum, 0.0), other.get(docnum, 0.0)), rel=1e-5)


def test_top_breaks_ties_by_document_and_sorts_by_update_time(searcher):
    q = query.Or([query.Term("body", "router"), query.Term("body", "refund"), query.Term("body", "voucher")])
    segments = matching(searcher, q)
    everything = engine.top(segments, 100)
    assert [ids(searcher, engine.top(segments, n)) for n in (1, 2, 3)] == [ids(searcher, everything)[:n] for n in (1, 2, 3)]
    recent = ids(searcher, engine.top(segments, 100, recent=True))
    assert recent == sorted(recent, key=int, reverse=True)  # updated grows with the id here


def test_decoded_postings_are_reused_within_a_memory_budget(searcher):
    leaf = searcher.leaf_searchers()[0][0]
    reader = leaf.reader()
    first = engine.postings(reader, "body", "refund")
    again = engine.postings(reader, "body", "refund")
    assert again[0] is first[0]  # decoded once
    assert not first[0].flags.writeable  # shared arrays cannot be changed by one search
    cache = engine.PostingsCache(budget_bytes=3 * (first[0].nbytes + first[1].nbytes + engine.ENTRY_OVERHEAD))
    for word in ("refund", "booking", "cancelled", "policy", "voucher", "limits"):
        cache.get(("seg", word), lambda w=word: engine._postings(reader, "body", w))
    assert cache.used <= cache.budget
    assert ("seg", "refund") not in cache._data  # the least recently used left first


def test_field_lengths_read_as_an_array_match_whooshs_own(searcher):
    for leaf, _ in searcher.leaf_searchers():
        reader = leaf.reader()
        engine.CACHE.clear()
        fast = engine.field_lengths(reader, "body")
        slow = [reader.doc_field_length(d, "body", 1) or 1 for d in range(reader.doc_count_all())]
        assert fast.tolist() == [float(x) for x in slow]
