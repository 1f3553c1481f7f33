"""Matching by meaning (search.semantic): vectors kept with the index, found by meaning, never past visibility.

The real model (WordLlama's 256-dimension model shipped in the wordllama wheel) runs in every
test: "wifi keeps disconnecting" shares no word with "Router drops the wireless connection",
and the keyword engine alone finds nothing for it.
"""

from __future__ import annotations

import socket

import numpy as np
import pytest

from articles.models import Article, Audience, Product, State
from conftest import make_customer, make_kb_owner
from search import indexing, semantic
from search.backends.base import SearchRequest
from search.models import ArticleVector, IndexTask, Synonym
from search.query import parse
from search.service import search
from search.tests.test_contract import write

PARAPHRASE = "wifi keeps disconnecting"


@pytest.fixture
def owner(db):
    return make_kb_owner("olga")


@pytest.fixture
def product(db):
    return Product.objects.create(name="Smart Home", slug="smart-home")


def small_kb(owner, product, *, router_audience=Audience.PUBLIC, router_state=State.VALIDATED) -> dict[str, Article]:
    Synonym.objects.all().delete()  # the starter groups pair "wifi" with "wireless": keywords alone would find it
    articles = {
        "router": write(
            owner,
            product,
            "Router drops the wireless connection",
            issue="The wireless network goes away every evening.",
            audience=router_audience,
            state=router_state,
        ),
        "refund": write(owner, product, "Refund a cancelled booking", issue="The guest wants the money back."),
        "password": write(owner, product, "Changing your password", issue="Pick a new secret for signing in."),
        "repository": write(owner, product, "Creating a new repository", issue="Start a project with a README."),
    }
    indexing.rebuild()
    return articles


def find(text: str, user, **kwargs):
    return search(SearchRequest(text=text, user=user, **kwargs))


# --- the model --------------------------------------------------------------------------------


def test_the_model_loads_and_embeds_with_no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the semantic model tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr("requests.Session.request", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(semantic, "_encoders", {})  # load it afresh, here
    router = "Router drops the wireless connection. The wireless network goes away every evening."
    vectors = semantic.embed([router, PARAPHRASE, ""])
    assert vectors.shape == (3, 256) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert not vectors[2].any()  # an empty text is no direction at all
    assert float(vectors[0] @ vectors[1]) > semantic.FLOOR


def test_an_onnx_model_folder_without_onnxruntime_says_which_package_is_missing(settings, tmp_path, monkeypatch):
    try:
        import onnxruntime  # noqa: F401

        pytest.skip("onnxruntime is installed here")
    except ImportError:
        pass
    settings.KCS_SEMANTIC_MODEL = str(tmp_path)
    monkeypatch.setattr(semantic, "_encoders", {})
    with pytest.raises(semantic.SemanticUnavailable, match="onnxruntime"):
        semantic.encoder()


def test_an_onnx_sentence_model_is_mean_pooled_and_normalised(settings, tmp_path, monkeypatch):
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper, numpy_helper
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import Whitespace

    vocab = {"[PAD]": 0, "[UNK]": 1, "router": 2, "wireless": 3, "refund": 4}
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    tokenizer.save(str(tmp_path / "tokenizer.json"))
    table = np.random.default_rng(7).normal(size=(len(vocab), 8)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("Gather", ["table", "input_ids"], ["last_hidden_state"])],
        "tiny",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", 8])],
        [numpy_helper.from_array(table, "table")],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(tmp_path / "model.onnx"))
    settings.KCS_SEMANTIC_MODEL = str(tmp_path)
    monkeypatch.setattr(semantic, "_encoders", {})
    vectors = semantic.embed(["router wireless", "refund"])
    expected = table[[2, 3]].mean(axis=0)
    assert np.allclose(vectors[0], expected / np.linalg.norm(expected), atol=1e-5)
    assert semantic.encoder().name.startswith("onnx/")


# --- vectors kept with the index --------------------------------------------------------------


def test_vectors_are_written_on_create_and_edit_through_the_queue(owner, product, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        article = write(owner, product, "Router drops the wireless connection", issue="The network goes away.")
    row = ArticleVector.objects.get(article_id=article.pk)
    assert (row.version, row.model) == (article.version, semantic.encoder().name)
    first = semantic.from_bytes(row.vector)
    assert first.shape == (256,) and abs(float(np.linalg.norm(first)) - 1.0) < 1e-5
    with django_capture_on_commit_callbacks(execute=True):
        article.edit(by=owner, base_version=article.version, changes={"title": "Refund a cancelled booking"}, note="n")
    article.refresh_from_db()
    row.refresh_from_db()
    assert row.version == article.version
    assert float(semantic.from_bytes(row.vector) @ first) < 0.9  # it means something else now


def test_a_vector_that_cannot_be_written_is_retried(owner, product, monkeypatch, django_capture_on_commit_callbacks):
    def broken(texts):
        raise semantic.SemanticUnavailable("the model could not run")

    monkeypatch.setattr(semantic, "embed", broken)
    with django_capture_on_commit_callbacks(execute=True):
        article = write(owner, product, "Router drops the wireless connection", issue="The network goes away.")
    assert not ArticleVector.objects.filter(article_id=article.pk).exists()
    task = IndexTask.objects.filter(article_id=article.pk, processed_at=None).latest("id")
    assert "the model could not run" in task.last_error
    monkeypatch.undo()
    IndexTask.objects.filter(processed_at=None).update(next_attempt_at=task.created_at)  # due now
    indexing.process_pending()
    assert ArticleVector.objects.get(article_id=article.pk).version == article.version
    assert indexing.pending_count() == 0


def test_rebuild_writes_every_vector_and_drops_those_of_gone_articles(owner, product):
    kb = small_kb(owner, product)
    ArticleVector.objects.create(article_id=999_999, version=1, model="old", vector=b"")
    ArticleVector.objects.filter(article_id=kb["refund"].pk).delete()
    indexing.rebuild()
    assert set(ArticleVector.objects.values_list("article_id", flat=True)) == {a.pk for a in kb.values()}
    assert indexing.check() == {"missing": [], "stale": [], "extra": []}


def test_check_index_reports_vectors_of_another_model_as_stale_and_repairs_them(owner, product):
    kb = small_kb(owner, product)
    ArticleVector.objects.filter(article_id=kb["router"].pk).update(model="another-model")
    assert indexing.check()["vectors_stale"] == [kb["router"].pk]
    indexing.check(repair=True)
    assert ArticleVector.objects.get(article_id=kb["router"].pk).model == semantic.encoder().name
    assert "vectors_stale" not in indexing.check()


def test_check_index_still_checks_the_keyword_index_when_the_model_cannot_load(owner, product, settings, tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    small_kb(owner, product)
    settings.KCS_SEMANTIC_MODEL = str(tmp_path / "no-such-model")
    out = StringIO()
    with pytest.raises(CommandError, match="vectors could not be checked"):
        call_command("check_index", stdout=out)
    printed = out.getvalue()
    assert "missing: 0" in printed and "stale: 0" in printed
    assert "vectors: cannot be checked" in printed


# --- finding by meaning -----------------------------------------------------------------------


def test_a_paraphrase_finds_the_article_by_meaning(owner, product, backend, settings):
    kb = small_kb(owner, product)
    settings.KCS_SEMANTIC = False
    assert find(PARAPHRASE, None).total == 0  # no word in common: the keyword engine finds nothing
    settings.KCS_SEMANTIC = True
    results = find(PARAPHRASE, None)
    assert [h.slug for h in results.hits] == [kb["router"].slug]
    assert results.total == 1
    assert results.hits[0].title == "Router drops the wireless connection"
    assert results.hits[0].snippet  # the article's lead, cut from its public text


def test_unrelated_words_find_nothing_by_meaning(owner, product, backend):
    small_kb(owner, product)
    assert find("banana bread recipe", None).total == 0  # nothing is close enough to count as found


def test_a_keyword_match_keeps_its_place_and_meaning_adds_below(owner, product, backend):
    kb = small_kb(owner, product)
    results = find("refund", None)
    assert results.hits[0].slug == kb["refund"].slug


def test_a_customer_never_gets_an_internal_article_by_meaning(owner, product, backend):
    kb = small_kb(owner, product, router_audience=Audience.INTERNAL)
    staff = find(PARAPHRASE, owner)
    assert [h.slug for h in staff.hits] == [kb["router"].slug]
    for reader in (make_customer(), None):
        results = find(PARAPHRASE, reader)
        assert results.hits == [] and results.total == 0
        assert all(n == 0 for values in results.facets.values() for _, n in values)
        assert all(a.pk != kb["router"].pk for a, _ in semantic.similar(kb["password"], reader, limit=10))


def test_a_draft_is_found_by_meaning_for_staff_only(owner, product, backend):
    kb = small_kb(owner, product, router_state=State.WIP)
    assert [h.slug for h in find(PARAPHRASE, owner).hits] == [kb["router"].slug]
    assert find(PARAPHRASE, make_customer()).total == 0
    assert find(PARAPHRASE, owner, filters={"state": State.VALIDATED}).total == 0  # the filter holds too


def test_an_article_hidden_since_the_vectors_were_loaded_is_not_counted(owner, product, backend):
    kb = small_kb(owner, product)
    assert find(PARAPHRASE, None).total == 1  # the vectors are in memory now
    Article.objects.filter(pk=kb["router"].pk).update(audience=Audience.INTERNAL)  # no index update: a lag
    results = find(PARAPHRASE, None)
    assert results.total == 0 and results.hits == []


def test_added_hits_are_counted_in_the_facets(owner, product, backend):
    kb = small_kb(owner, product)
    results = find(PARAPHRASE, owner)
    assert results.hits[0].slug == kb["router"].slug
    assert dict(results.facets["product"]) == {"smart-home": 1}
    assert dict(results.facets["state"]) == {State.VALIDATED: 1}


def test_the_layer_can_be_turned_off(owner, product, settings, django_capture_on_commit_callbacks):
    Synonym.objects.all().delete()
    settings.KCS_SEMANTIC = False
    with django_capture_on_commit_callbacks(execute=True):
        article = write(owner, product, "Router drops the wireless connection", issue="The network goes away.")
    assert not ArticleVector.objects.filter(article_id=article.pk).exists()
    assert find(PARAPHRASE, owner).total == 0
    assert semantic.similar(article, owner) == []
    assert indexing.check() == {"missing": [], "stale": [], "extra": []}


def test_a_broken_model_leaves_the_keyword_results(owner, product, backend, monkeypatch):
    kb = small_kb(owner, product)

    def broken(texts):
        raise semantic.SemanticUnavailable("the model could not run")

    monkeypatch.setattr(semantic, "embed", broken)
    assert [h.slug for h in find("refund", None).hits] == [kb["refund"].slug]


@pytest.mark.parametrize(
    ("text", "applies"),
    [
        ("wifi keeps disconnecting", True),
        ("wifi product:smart-home", True),
        ("wifi -router", False),  # an excluded word must exclude: a vector cannot honour that
        ('"wireless connection"', False),
        ("wire*", False),
    ],
)
def test_meaning_is_matched_for_plain_words_only(text, applies, settings):
    settings.KCS_SEMANTIC = True
    assert semantic.applies(SearchRequest(text=text, user=None), parse(text)) is applies
    assert not semantic.applies(SearchRequest(text=text, user=None, sort="recent"), parse(text))


# --- related articles -------------------------------------------------------------------------


def test_similar_lists_the_nearest_visible_articles_without_the_article_itself(owner, product, backend):
    kb = small_kb(owner, product)
    laptop = write(owner, product, "Wifi adapter loses its signal", issue="The laptop disconnects from the network.")
    indexing.rebuild()
    found = semantic.similar(kb["router"], owner, limit=3)
    assert [a.pk for a, _ in found][0] == laptop.pk
    assert kb["router"].pk not in [a.pk for a, _ in found]
    assert len(found) == 3 and found[0][1] >= found[1][1] >= found[2][1]
    assert [a.pk for a, _ in semantic.similar_to_text("wireless keeps dropping", owner, limit=1)] == [kb["router"].pk]


def test_a_model_that_cannot_run_leaves_the_keyword_rebuild_alone(owner, product, monkeypatch):
    kb = small_kb(owner, product)
    ArticleVector.objects.all().delete()

    def broken(texts):
        raise semantic.SemanticUnavailable("the model could not run")

    monkeypatch.setattr(semantic, "embed", broken)
    assert indexing.rebuild() == len(kb)
    assert [h.slug for h in find("refund", None).hits] == [kb["refund"].slug]
    monkeypatch.undo()
    assert indexing.check()["vectors_missing"] == sorted(a.pk for a in kb.values())


def test_the_rows_a_reader_may_open_follow_an_audience_change_at_the_next_search(
    owner, product, backend, django_capture_on_commit_callbacks
):
    # Which rows a reader may open is kept per copy of the vectors: a change of audience writes
    # the article's vector again, and the next search must mask by the new audience.
    kb = small_kb(owner, product)
    vector = semantic.embed([PARAPHRASE])[0]
    closest, _ = semantic.index().nearest(vector, None, limit=1)
    assert [pk for pk, _ in closest] == [kb["router"].pk]
    router = kb["router"]
    with django_capture_on_commit_callbacks(execute=True):
        router.edit(by=owner, base_version=router.version, changes={"audience": Audience.INTERNAL}, note="Narrow")
    closest, _ = semantic.index().nearest(vector, None, limit=4)
    assert kb["router"].pk not in [pk for pk, _ in closest]
    assert [pk for pk, _ in semantic.index().nearest(vector, owner, limit=1)[0]] == [kb["router"].pk]


def test_the_copy_of_the_vectors_takes_new_and_edited_articles_and_leaves_the_old_copy_whole(
    owner, product, django_capture_on_commit_callbacks
):
    kb = small_kb(owner, product)
    before = semantic.index().current()
    router_row = before.vectors[before.rows[kb["router"].pk]].copy()
    with django_capture_on_commit_callbacks(execute=True):
        added = write(owner, product, "Printer jams on thick paper", issue="The tray jams with card stock.")
        router = kb["router"]
        router.edit(by=owner, base_version=router.version, changes={"title": "Refund a cancelled booking"}, note="n")
    after = semantic.index().current()
    assert len(after.ids) == len(before.ids) + 1
    for pk in [*(a.pk for a in kb.values()), added.pk]:
        stored = semantic.from_bytes(ArticleVector.objects.get(article_id=pk).vector)
        assert np.allclose(after.vectors[after.rows[pk]], stored)
    assert np.array_equal(before.vectors[before.rows[kb["router"].pk]], router_row)  # a search holding it is unaffected
    assert added.pk not in before.rows
    closest, _ = semantic.index().nearest(semantic.embed(["paper keeps jamming in the printer"])[0], None, limit=1)
    assert [pk for pk, _ in closest] == [added.pk]
