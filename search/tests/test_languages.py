"""Search per language, on each backend: an article is indexed with its own language's stemming and
stop words; a reader searches in their language, with the source language as a fallback; an article
and its translation appear once; synonyms, corrections and snippets follow the query's language.

The German corpus and its judged queries (search/tests/data/german_articles.json) are written for
these tests: each query needs German stemming or stop words to find its article ("Rechnungen
herunterladen" → "Rechnung … herunterladen").
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from articles.models import Article, Audience, Product, State
from conftest import make_customer, make_kb_owner
from search import indexing
from search.backends import get_backend
from search.backends.base import SearchRequest
from search.models import Synonym
from search.query import parse as parse_query
from search.service import FALLBACK_BELOW, search

DATA = json.loads((Path(__file__).parent / "data" / "german_articles.json").read_text(encoding="utf-8"))
# MRR@10 of the judged German queries (keyword analysis alone: no spelling correction, no ranking by
# meaning), measured: with German analysis 1.0 on Whoosh (every expected article first) and 0.97 on
# PostgreSQL ("sechsstellige Codes" second); 0.78 on both when the same articles are analysed as
# English (the any-word fallback still finds an article by the one word a query spells as the
# article does, but single inflected words find nothing). The bars leave room for small ranking changes.
GERMAN_MRR = 0.9
ENGLISH_ANALYSIS_BELOW = 0.85


VPN_RESOLUTION = "Turn off power saving for the VPN."


def write(owner, product, title, *, language="de", audience=Audience.PUBLIC, translation_of=None, tags=(), **fields):
    article = Article.create(
        by=owner,
        title=title,
        product=product,
        tags=list(tags),
        audience=audience,
        state=State.NOT_VALIDATED,
        language=language,
        translation_of=translation_of,
        **fields,
    )
    article.validate(by=owner)
    article.refresh_from_db()
    return article


def german_corpus(owner, product, language="de") -> dict[str, Article]:
    return {
        a["key"]: write(
            owner, product, a["title"], language=language, tags=a["tags"], issue=a["issue"], resolution=a["resolution"]
        )
        for a in DATA["articles"]
    }


def mrr(owner, articles: dict[str, Article], language: str) -> tuple[float, list[str]]:
    total, misses = 0.0, []
    for judged in DATA["queries"]:
        # The analysis alone: no spelling correction (it would "correct" an unstemmed plural to its singular).
        request = SearchRequest(text=judged["query"], user=owner, language=language, per_page=10, autocorrect=False)
        results = search(request)
        slugs = [h.slug for h in results.hits]
        wanted = articles[judged["expected"]].slug
        rank = slugs.index(wanted) + 1 if wanted in slugs else 0
        total += 1 / rank if rank else 0
        if rank != 1:
            misses.append(f"{judged['query']!r}: {rank}")
    return total / len(DATA["queries"]), misses


@pytest.fixture
def owner(backend):
    return make_kb_owner("olga")


@pytest.fixture
def product(backend):
    return Product.objects.create(name="Konto", slug="konto")


def test_german_queries_find_their_articles_with_german_analysis(owner, product, settings):
    settings.KCS_SEMANTIC = False  # the keyword analysis alone (the ranking by meaning is measured elsewhere)
    articles = german_corpus(owner, product, "de")
    indexing.rebuild()
    score, misses = mrr(owner, articles, "de")
    assert score >= GERMAN_MRR, misses


def test_the_same_queries_do_worse_when_the_articles_are_analysed_as_english(owner, product, settings):
    settings.KCS_SEMANTIC = False
    articles = german_corpus(owner, product, "en")
    indexing.rebuild()
    score, misses = mrr(owner, articles, "en")
    assert score < ENGLISH_ANALYSIS_BELOW, score
    assert {"'Erstattungen': 0", "'Kreditkarten': 0"} <= set(misses)


def test_plural_and_umlaut_forms_match_and_are_marked_in_the_snippet(owner, product):
    german_corpus(owner, product)
    indexing.rebuild()
    results = search(SearchRequest(text="Rechnungen herunterladen", user=owner, language="de"))
    assert results.hits[0].title == "Rechnung als PDF herunterladen"
    assert "<mark>Rechnung</mark>" in results.hits[0].snippet
    results = search(SearchRequest(text="weiße Seiten", user=owner, language="de"))
    assert results.hits[0].title == "Drucker druckt nur leere Seiten"
    assert "<mark>weiß</mark>" in results.hits[0].snippet


def test_a_search_in_one_language_finds_only_articles_in_that_language(owner, product):
    write(owner, product, "VPN disconnects after a few minutes", language="en", resolution="Turn off power saving.")
    german = write(owner, product, "VPN-Verbindung bricht ab", resolution="Energiesparmodus ausschalten.")
    write(owner, product, "VPN erbjuder", language="sv", resolution="Stäng av energisparläget.")
    indexing.rebuild()
    results = search(SearchRequest(text="vpn", user=owner, language="de", per_page=10))
    # One German hit: fewer than FALLBACK_BELOW, so the English one follows; the Swedish one never.
    assert [h.language for h in results.hits] == ["de", "en"]
    assert results.hits[0].slug == german.slug
    everything = search(SearchRequest(text="vpn", user=owner, language="", per_page=10))
    assert sorted(h.language for h in everything.hits) == ["de", "en", "sv"]


def test_too_few_hits_in_the_readers_language_add_the_source_language_with_a_note(owner, product, client):
    write(owner, product, "Refund a cancelled booking", language="en", resolution="Open the booking and choose Refund.")
    indexing.rebuild()
    results = search(SearchRequest(text="refund", user=owner, language="de"))
    assert results.fallback_from == "de" and results.fallback_to == "en"
    assert [h.title for h in results.hits] == ["Refund a cancelled booking"]
    client.force_login(owner)
    page = client.get(reverse("search:results"), {"q": "refund", "language": "de"}).content.decode()
    assert "No articles in German matched your search; showing articles in English." in page
    # Enough German hits: no fallback.
    for n in range(FALLBACK_BELOW):
        write(owner, product, f"Rückerstattung Fall {n}", resolution="Refund im Kundenkonto auslösen.")
    indexing.rebuild()
    results = search(SearchRequest(text="refund", user=owner, language="de"))
    assert not results.fallback_from and {h.language for h in results.hits} == {"de"}


def test_an_article_and_its_translation_appear_once_in_the_readers_language(owner, product):
    source = write(owner, product, "VPN disconnects after a few minutes", language="en", resolution=VPN_RESOLUTION)
    german = write(
        owner,
        product,
        "VPN-Verbindung bricht nach wenigen Minuten ab",
        translation_of=source,
        resolution="Energiesparen für das VPN ausschalten.",
    )
    indexing.rebuild()
    # German reader: the German hit alone is too little, the English source follows, and is folded in.
    results = search(SearchRequest(text="vpn", user=owner, language="de"))
    assert [h.slug for h in results.hits] == [german.slug]
    assert results.hits[0].also_in == [("en", source.slug, source.title)]
    assert results.total == 1
    # Every language, read by an English reader: the English version, the German one as a link.
    results = search(SearchRequest(text="vpn", user=owner, language=""))
    assert [h.slug for h in results.hits] == [source.slug]
    assert results.hits[0].also_in == [("de", german.slug, german.title)]


def test_an_internal_german_translation_never_reaches_a_customer(owner, product):
    customer = make_customer("chris")
    source = write(owner, product, "VPN disconnects after a few minutes", language="en", resolution=VPN_RESOLUTION)
    internal = write(
        owner,
        product,
        "VPN-Verbindung bricht ab (intern)",
        translation_of=source,
        audience=Audience.INTERNAL,
        resolution="Energiesparen für das VPN ausschalten; Ticket an das Netzwerkteam.",
    )
    indexing.rebuild()
    for language in ("de", ""):
        results = search(SearchRequest(text="vpn", user=customer, language=language))
        assert [h.slug for h in results.hits] == [source.slug]
        assert results.hits[0].also_in == []
    page = Client().get(reverse("search:results"), {"q": "vpn netzwerkteam", "language": "de"}).content.decode()
    assert internal.slug not in page and "Netzwerkteam" not in page
    staff = search(SearchRequest(text="vpn", user=owner, language="de"))
    assert [h.slug for h in staff.hits] == [internal.slug]


def test_synonyms_expand_only_queries_in_their_language(owner, product):
    Synonym.objects.all().delete()
    Synonym.objects.create(terms="beleg, rechnung", language="de")
    german_corpus(owner, product)
    english = write(owner, product, "Download a beleg", language="en", resolution="A beleg is a rechnung.")
    indexing.rebuild()
    results = search(SearchRequest(text="beleg", user=owner, language="de"))
    assert results.hits[0].title == "Rechnung als PDF herunterladen"
    results = search(SearchRequest(text="rechnung", user=owner, language="en"))
    assert [h.slug for h in results.hits] == [english.slug]  # found by its own word, not through "beleg"


def test_a_german_word_is_never_corrected_into_english(owner, product, settings):
    write(owner, product, "Reset your password", language="en", resolution="Choose Forgot password on the sign-in page.")
    indexing.rebuild()
    backend_name = settings.KCS_SEARCH_BACKEND
    if backend_name == "postgres":
        from search.backends import get_backend

        if not (get_backend().has_extension("pg_trgm") or get_backend().has_extension("fuzzystrmatch")):
            pytest.skip("spelling corrections on PostgreSQL need pg_trgm or fuzzystrmatch")
    english = search(SearchRequest(text="passwort", user=owner, language="en"))
    assert english.corrected_to == "password"  # what English does with an unknown word
    german = search(SearchRequest(text="passwort", user=owner, language="de"))
    assert not german.corrected_to and not german.suggestion and not german.hits


def test_a_german_misspelling_is_corrected_from_german_articles(owner, product, settings):
    if settings.KCS_SEARCH_BACKEND == "postgres":
        from search.backends import get_backend

        if not (get_backend().has_extension("pg_trgm") or get_backend().has_extension("fuzzystrmatch")):
            pytest.skip("spelling corrections on PostgreSQL need pg_trgm or fuzzystrmatch")
    german_corpus(owner, product)
    indexing.rebuild()
    results = search(SearchRequest(text="Rechnug herunterladen", user=owner, language="de"))
    assert results.corrected_to == "rechnung herunterladen" or results.suggestion == "rechnung herunterladen"


def test_title_suggestions_follow_the_interface_language(owner, product, client):
    german_corpus(owner, product)
    write(owner, product, "Printer prints blank pages", language="en", resolution="Check the toner.")
    indexing.rebuild()
    client.force_login(owner)
    english = client.get(reverse("search:suggest"), {"q": "print"}).json()["results"]
    assert [r["title"] for r in english] == ["Printer prints blank pages"]
    client.cookies["kcs_language"] = "de"
    german = client.get(reverse("search:suggest"), {"q": "druck"}).json()["results"]
    assert {r["title"] for r in german} == {"Drucker druckt nur leere Seiten", "Druckertreiber unter Windows installieren"}


def test_the_api_takes_a_language(owner, product, client):
    german_corpus(owner, product)
    indexing.rebuild()
    client.force_login(owner)
    body = client.get("/api/v1/search/", {"q": "Rechnungen", "language": "de"}).json()
    assert body["results"][0]["title"] == "Rechnung als PDF herunterladen"
    assert body["results"][0]["language"] == "de"


def test_kb_owners_give_a_synonym_group_its_language(db, client):
    owner = make_kb_owner("olga")
    client.force_login(owner)
    page = client.get(reverse("search:synonyms")).content.decode()
    assert '<select name="language">' in page and '<option value="de" lang="de">German</option>' in page
    client.post(reverse("search:synonyms"), {"terms": "Handy, Smartphone, Mobiltelefon", "language": "de"})
    assert Synonym.objects.get(terms="handy, smartphone, mobiltelefon").language == "de"
    client.post(reverse("search:synonyms"), {"terms": "mobile, cell phone", "language": "xx"})
    assert Synonym.objects.get(terms="mobile, cell phone").language == "en"


def test_staff_filter_results_by_language_and_readers_do_not_see_the_filter(owner, product, client):
    german_corpus(owner, product)
    write(owner, product, "Printer prints blank pages", language="en", resolution="Check the toner.")
    indexing.rebuild()
    client.force_login(owner)
    page = client.get(reverse("search:results"), {"q": "drucker"}).content.decode()
    assert "All languages" in page and 'lang="de">German</a>' in page
    page = client.get(reverse("search:results"), {"q": "drucker", "language": "all"}).content.decode()
    assert "<strong>All languages</strong>" in page and "Drucker druckt nur leere Seiten" in page
    assert '<input type="hidden" name="language" value="all">' in page
    client.force_login(make_customer("chris"))
    assert "All languages" not in client.get(reverse("search:results"), {"q": "drucker"}).content.decode()


def test_a_whoosh_index_written_before_languages_gets_its_fields_and_keeps_answering(db, tmp_path, settings):
    from whoosh import index as whoosh_index

    from search.backends import whoosh_backend
    from search.documents import document

    owner = make_kb_owner("olga")
    product = Product.objects.create(name="Konto", slug="konto")
    english = write(owner, product, "Refund a cancelled booking", language="en", resolution="Open the booking.")
    german = write(owner, product, "Rechnung als PDF herunterladen", resolution="Unter Abrechnung herunterladen.")
    old = whoosh_backend.schema()
    for name in list(old.names()):
        if name in ("language", "title_text") or any(
            name.endswith(f"_{code}") for code in ("de", "da", "nl", "fr", "es", "it", "pt", "sv", "no", "fi")
        ):
            old.remove(name)
    old["title"].stored = True  # titles were stored in their text field then
    (tmp_path / "gen-1").mkdir()
    ix = whoosh_index.create_in(str(tmp_path / "gen-1"), old)
    writer = ix.writer()
    doc = {k: v for k, v in whoosh_backend._whoosh_doc(document(english)).items() if k in old.names()}
    writer.add_document(**doc)
    writer.commit()
    (tmp_path / "CURRENT").write_text("gen-1")
    backend = whoosh_backend.WhooshBackend(tmp_path)
    try:
        found = backend.search(SearchRequest(text="refunds", user=owner, language="en"), parse_query("refunds"))
        assert [h.title for h in found.hits] == ["Refund a cancelled booking"]
        backend.index([document(german)])
        found = backend.search(SearchRequest(text="Rechnungen", user=owner, language="de"), parse_query("Rechnungen"))
        assert [h.title for h in found.hits] == ["Rechnung als PDF herunterladen"]
    finally:
        backend.close_all()


def test_a_translation_leaves_outside_readers_search_with_its_source(owner, product):
    # A translation is never shown to readers its source is not shown to: its indexed audience
    # follows the source's state, audience and merge, reindexed when the source changes.
    customer = make_customer("chris")
    source = write(owner, product, "VPN disconnects after a few minutes", language="en", resolution=VPN_RESOLUTION)
    german = write(owner, product, "VPN-Verbindung bricht ab", translation_of=source, resolution="Energiesparen ausschalten.")
    indexing.process_pending()

    def found(user):
        return [h.slug for h in search(SearchRequest(text="VPN Energiesparen", user=user, language="de")).hits]

    assert german.slug in found(customer)
    source.reopen(by=owner, note="Check again")
    indexing.process_pending()
    assert german.slug not in found(customer) and german.slug not in found(None)
    # Inside the backend's query too (its totals and facets), not only in the database check after it.
    backend = get_backend()
    raw = backend.search(SearchRequest(text="Energiesparen", user=customer, language="de"), parse_query("Energiesparen"))
    assert raw.total == 0
    assert german.slug in found(owner)
    source.validate(by=owner)
    indexing.process_pending()
    assert german.slug in found(customer)
    source.archive(by=owner, note="Obsolete")
    indexing.process_pending()
    assert german.slug not in found(customer) and german.slug not in found(None)
    assert german.slug in found(owner)
