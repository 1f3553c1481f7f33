"""What every search backend promises, run against each one (Whoosh and tantivy always, PostgreSQL on PostgreSQL).

The corpus is small and built through the real article operations, so each test reads as a
sentence about search as agents, customers and visitors meet it (search.service.search).
Words like "zebraquartz" exist in one hidden article only: if any surface (hits, facets,
suggestions, corrections, snippets) shows them to a caller who may not see that article,
visibility leaked.
"""

from __future__ import annotations

import contextlib
import fcntl
import re
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.management import CommandError, call_command
from django.db import connection

from articles.models import Article, Audience, EscalationContact, Product, State
from conftest import (
    REFUND_RULES,
    make_candidate,
    make_contributor,
    make_customer,
    make_kb_owner,
    make_partner,
)
from search import indexing
from search.backends.base import SearchRequest
from search.documents import documents_for
from search.models import Synonym
from search.service import search


def write(owner, product, title, *, state=State.VALIDATED, audience=Audience.PUBLIC, tags=(), **fields) -> Article:
    """An article created and moved to `state` through the real operations, by a KB owner and publisher."""
    fields.setdefault("issue", "")
    fields.setdefault("resolution", "" if state == State.WIP else "See the steps.")
    article = Article.create(
        by=owner,
        title=title,
        product=product,
        tags=list(tags),
        audience=audience,
        state=State.WIP if state == State.WIP else State.NOT_VALIDATED,
        **fields,
    )
    if state in (State.VALIDATED, State.ARCHIVED):
        article.validate(by=owner)
    if state == State.ARCHIVED:
        article.archive(by=owner)
    article.refresh_from_db()
    return article


@pytest.fixture
def corrections(backend):
    if backend.name == "postgres" and not (backend.has_extension("pg_trgm") or backend.has_extension("fuzzystrmatch")):
        pytest.skip("spelling corrections on PostgreSQL need the pg_trgm or fuzzystrmatch extension")


@pytest.fixture
def kb(backend):
    owner = make_kb_owner("olga")
    hotel = Product.objects.create(name="Hotel Bookings", slug="hotel-bookings")
    home = Product.objects.create(name="Smart Home", slug="smart-home")
    desk = EscalationContact.objects.create(
        team="Revenue Desk", channel="#revenue-desk", hours="08:00-20:00 CET", response_time="15 minutes"
    )
    Synonym.objects.all().delete()  # the starter groups would blur what each test shows
    Synonym.objects.create(terms="2fa, two-factor authentication")
    a = SimpleNamespace(owner=owner, hotel=hotel, home=home)
    a.refund = write(
        owner,
        hotel,
        "Refund a cancelled booking",
        tags=["refund", "booking"],
        issue="The guest cancelled the room and wants the money back.",
        resolution="Open the booking, choose Refund and confirm. The refund reaches the card within five days.",
        rules=REFUND_RULES,
        escalation=desk,
        authority_note="Ask the duty manager about anything larger.",
    )
    a.voucher_title = write(
        owner,
        hotel,
        "Voucher for a delayed check-in",
        tags=["compensation"],
        issue="A guest waited two hours at reception.",
        resolution="Offer a breakfast credit.",
    )
    a.voucher_body = write(
        owner,
        hotel,
        "Compensation after a noisy room",
        tags=["compensation"],
        issue="A guest complains about noise at night.",
        resolution="Move the guest. If no room is free, send a voucher: the voucher covers one night. "
        "Write the voucher number in the booking.",
    )
    a.router = write(
        owner,
        home,
        "Router keeps dropping the connection",
        audience=Audience.CUSTOMER,
        tags=["wifi", "router"],
        issue="The router loses the wifi every evening.",
        resolution="Reset the router to factory settings, then update the firmware.",
    )
    a.weak_signal = write(
        owner,
        home,
        "Slow wifi in the bedroom",
        tags=["wifi"],
        issue="Weak signal far from the router.",
        resolution="Move the router higher. A factory reset rarely helps.",
    )
    a.two_factor = write(
        owner,
        home,
        "Turn on two-factor authentication",
        audience=Audience.CUSTOMER,
        tags=["security"],
        issue="The customer wants extra sign-in security.",
        resolution="Open Security, choose two-factor authentication and scan the code.",
    )
    a.script = write(
        owner,
        home,
        "Thermostat shows a blank page",
        tags=["thermostat"],
        issue="The display stays blank.",
        resolution="Ignore text like `<script>alert('thermostat')</script>` and <b>bold</b> pasted by guests; "
        "restart the thermostat. <script>alert('raw')</script>",
    )
    # Each hidden article holds one word no other article has.
    a.internal = write(
        owner,
        hotel,
        "Zebraquartz fraud check before refunds",
        audience=Audience.INTERNAL,
        tags=["fraud", "refund"],
        issue="A suspicious refund pattern.",
        resolution="Check the zebraquartz ledger before any refund.",
    )
    a.wip = write(
        owner,
        hotel,
        "Marmalade stain on linen",
        state=State.WIP,
        audience=Audience.INTERNAL,
        issue="A guest reports marmalade on the sheets of the room.",
    )
    a.not_validated = write(
        owner, hotel, "Pelican crossing near the hotel", state=State.NOT_VALIDATED, resolution="Walk around the pelican."
    )
    a.archived = write(owner, hotel, "Obsidian lounge closed", state=State.ARCHIVED, resolution="The obsidian lounge closed.")
    a.partner_only = write(
        owner, hotel, "Tangerine partner commission", audience=Audience.PARTNER, resolution="Partners earn tangerine tier."
    )
    indexing.rebuild()
    return a


def find(text: str, user, **kwargs):
    return search(SearchRequest(text=text, user=user, **kwargs))


def slugs(results) -> list[str]:
    return [h.slug for h in results.hits]


def spelling(results) -> str:
    """The correction a search applied or offered ("" when none)."""
    return results.corrected_to or results.suggestion


# --- matching and ranking ---------------------------------------------------------------------


def test_a_title_match_ranks_above_body_mentions(kb):
    results = find("voucher", kb.owner)
    assert slugs(results)[:2] == [kb.voucher_title.slug, kb.voucher_body.slug]
    assert results.hits[0].score > results.hits[1].score


def test_words_match_their_stems(kb):
    assert kb.refund.slug in slugs(find("refunds", None))
    assert kb.refund.slug in slugs(find("refunding", None))


def test_questions_work_as_well_as_keywords(kb):
    assert slugs(find("how do I get a refund", None))[0] == kb.refund.slug


def test_an_exact_phrase_needs_the_words_together(kb):
    assert slugs(find('"reset the router"', kb.owner)) == [kb.router.slug]
    assert set(slugs(find("reset router", kb.owner))) == {kb.router.slug, kb.weak_signal.slug}


def test_long_queries_put_articles_with_most_of_their_words_first(kb):
    # Three words or more: a stray word cannot hide the answer, and the articles holding most
    # of the words come before those holding one.
    staff = make_contributor()
    assert set(slugs(find("guest room zigzag", staff))[:3]) == {kb.refund.slug, kb.voucher_body.slug, kb.wip.slug}
    assert set(slugs(find("router zigzag quokka", staff))) == {kb.router.slug, kb.weak_signal.slug}


def test_a_prefix_finds_the_words_it_starts(kb):
    assert kb.refund.slug in slugs(find("refun*", None))
    assert set(slugs(find("rout*", kb.owner))) == {kb.router.slug, kb.weak_signal.slug}
    assert find("ro*", kb.owner).total == 0  # too short to expand


def test_a_minus_word_excludes_articles(kb):
    found = slugs(find("voucher -noise", kb.owner))
    assert kb.voucher_title.slug in found and kb.voucher_body.slug not in found


def test_field_filters_in_the_text_and_in_the_request(kb):
    assert set(slugs(find("wifi product:smart-home", kb.owner))) == {kb.router.slug, kb.weak_signal.slug}
    assert slugs(find("wifi tag:router", kb.owner)) == [kb.router.slug]
    assert slugs(find("wifi", kb.owner, filters={"tag": "router"})) == [kb.router.slug]
    assert find("voucher", kb.owner, filters={"product": "smart-home"}).total == 0
    assert find("guest", kb.owner, filters={"product": "hotel-bookings", "audience": "public"}).total == 3


def test_synonyms_find_the_other_words_of_a_group(kb):
    assert slugs(find("2fa", kb.owner)) == [kb.two_factor.slug]
    assert slugs(find("enable 2fa", make_customer())) == [kb.two_factor.slug]


def test_a_misspelled_word_is_corrected_and_searched(kb, corrections):
    results = find("refnud", None)
    assert results.corrected_to == "refund" and not results.suggestion
    assert results.corrected and slugs(results)[0] == kb.refund.slug


def test_reuse_on_cases_nudges_ranking_but_never_buries_the_best_text_match(kb):
    for _ in range(2):
        write(kb.owner, kb.home, "Gizmo calibration drifts", resolution="Recalibrate the gizmo.")
    indexing.rebuild()
    leader, runner_up = slugs(find("gizmo calibration", kb.owner))  # the same text: a tie
    Article.objects.filter(slug=runner_up).update(reuse_count=40)
    Article.objects.filter(pk=kb.voucher_body.pk).update(reuse_count=500)
    indexing.rebuild()
    assert slugs(find("gizmo calibration", kb.owner)) == [runner_up, leader]  # used more on cases, same text
    assert slugs(find("voucher", kb.owner))[0] == kb.voucher_title.slug  # the title match stays first


def test_a_word_an_article_uses_is_not_corrected(kb, corrections):
    # "firmware" is in no title, issue or tag, only in the router article's resolution.
    for user in (make_contributor(), make_customer()):
        results = find("firmware", user)
        assert not spelling(results) and slugs(results) == [kb.router.slug]


def test_corrections_offer_only_words_the_caller_may_see(kb, backend, corrections):
    staff = make_contributor()
    assert backend.correct(["zebraquarz"], user=staff) == {"zebraquarz": "zebraquartz"}
    corrected = find("zebraquarz", staff)
    assert corrected.corrected_to == "zebraquartz" and slugs(corrected) == [kb.internal.slug]
    for user in (make_customer(), make_partner(), AnonymousUser(), None):
        assert backend.correct(["zebraquarz"], user=user) == {}
        assert backend.correct(["refnud"], user=user) == {"refnud": "refund"}
    assert backend.correct(["tangerime"], user=make_partner("pia")) == {"tangerime": "tangerine"}
    assert backend.correct(["tangerime"], user=make_customer("cleo")) == {}


def test_a_word_only_hidden_articles_use_is_corrected_for_visitors_like_a_word_no_article_uses(kb, backend, corrections):
    # "vouchez" is in an internal article's title only; "vouchet" is in no article at all.
    write(kb.owner, kb.hotel, "Vouchez ledger for night managers", audience=Audience.INTERNAL, resolution="Internal.")
    indexing.rebuild()
    for user in (None, AnonymousUser(), make_customer(), make_partner()):
        assert backend.correct(["vouchet"], user=user) == {"vouchet": "voucher"}
        assert backend.correct(["vouchez"], user=user) == {"vouchez": "voucher"}  # was {} on PostgreSQL
        assert find("vouchez", user).corrected_to == find("vouchet", user).corrected_to == "voucher"
    staff = make_contributor()
    assert backend.correct(["vouchez"], user=staff) == {}  # staff may read the article that uses it


def test_decision_authority_and_the_escalation_contact_are_searchable_by_staff(kb):
    staff = make_contributor()
    assert slugs(find("revenue desk", staff)) == [kb.refund.slug]  # the escalation contact's team
    assert slugs(find("team lead approval", staff)) == [kb.refund.slug]  # a rule, in plain words
    assert slugs(find("duty manager", staff)) == [kb.refund.slug]  # what to do beyond authority


def test_decision_authority_is_never_found_or_shown_outside(kb):
    # An authority limit is staff guidance, not a customer promise (policy.can_view_internals).
    for user in (make_customer(), make_partner(), None):
        assert find("revenue desk", user).total == 0
        assert find("duty manager", user).total == 0
        assert find("refund -approval", user).total >= 1  # excluding an authority word hides nothing
        for hit in find("refund", user).hits:
            assert "duty manager" not in hit.snippet and "Revenue" not in hit.snippet


def test_internal_notes_and_passages_are_found_and_shown_by_staff_only(kb, backend):
    # Staff text inside a public article: neither matched, nor offered as a spelling, nor cut
    # into a snippet for an outside caller (search.documents puts it in the staff-only part).
    write(
        kb.owner,
        kb.hotel,
        "Flamingo pool towels",
        issue=":::internal\nCheck the yakboard first.\n:::\nThe guest asks for pool towels.",
        resolution="Towels are at the pool bar.\n\n:::internal\nCharge code quokkafee in the till.\n:::\n\nThey are free.",
        internal_notes="Goodwill: a gnuvoucher for regulars.",
    )
    indexing.rebuild()
    staff = make_contributor()
    for word in ("yakboard", "quokkafee", "gnuvoucher"):
        assert slugs(find(word, staff)) == ["flamingo-pool-towels"], word
    for user in (make_customer(), make_partner(), AnonymousUser(), None):
        for word in ("yakboard", "quokkafee", "gnuvoucher"):
            results = find(word, user)
            assert results.total == 0 and all(values == [] for values in results.facets.values()), word
            assert word not in spelling(results), word
            assert backend.correct([word[:-1]], user=user).get(word[:-1]) != word
        for query in ("towels", "flamingo"):  # a body match, and a title-only match (the issue's lead)
            (hit,) = [h for h in find(query, user).hits if h.slug == "flamingo-pool-towels"]
            assert not re.search("yakboard|quokkafee|gnuvoucher|:::", hit.snippet), (query, hit.snippet)


# --- snippets, facets, pages ------------------------------------------------------------------


def test_snippets_mark_the_words_and_escape_the_article_text(kb):
    results = find("thermostat", None)
    snippet = next(h.snippet for h in results.hits if h.slug == kb.script.slug)
    assert "<mark" in snippet and "thermostat</mark>" in snippet
    assert "&lt;script&gt;" in snippet  # code in the article, shown as text
    assert "and bold pasted" in snippet and "raw" not in snippet  # raw HTML as the page shows it: formatting, no script
    text = re.sub(r"</?mark>", "", snippet)
    assert "<" not in text and ">" not in text


def _snippet_of(results, slug: str) -> str:
    return next(h.snippet for h in results.hits if h.slug == slug)


def test_snippets_show_the_text_a_reader_sees_not_its_markdown(kb):
    article = write(
        kb.owner,
        kb.hotel,
        "Spread a stay over instalments",
        issue="**Billing > Payment plan** lists the instalments; see [the plan guide](https://example.com/plans?a=1&b=2).",
        resolution="| Plan | Instalments |\n|---|---|\n| Gold | 3 |\n\n"
        "```\ninstalments --show\n```\n\n- Open the *stay*\n- Split it",
    )
    indexing.rebuild()
    issue = _snippet_of(find("instalments", None), article.slug)
    assert issue.startswith("Billing &gt; Payment plan lists the <mark>instalments</mark>")
    assert "*" not in issue and "[" not in issue and "](" not in issue and "the plan guide" in issue
    assert "&amp;amp;" not in issue and "&gt;" in issue  # escaped once
    table = _snippet_of(find("gold split", None), article.slug)
    assert "|" not in table and "```" not in table and "- " not in table
    assert "<mark>Gold</mark> · 3" in table and "instalments --show" in table and "Open the stay. <mark>Split</mark> it" in table


def test_a_snippet_starts_at_the_sentence_holding_the_match(kb):
    filler = " ".join(f"Step {n} of the night audit checks the ledger entries again." for n in range(1, 12))
    article = write(
        kb.owner,
        kb.hotel,
        "Night audit",
        resolution=f"{filler} Then the pelicanbird report is printed for the manager. More text follows here.",
    )
    indexing.rebuild()
    snippet = _snippet_of(find("pelicanbird", None), article.slug)
    assert snippet.startswith("Then the <mark>pelicanbird</mark> report is printed")
    assert len(re.sub(r"</?mark>", "", snippet)) <= 260


def test_a_sentence_longer_than_a_snippet_is_entered_at_a_clause_boundary(kb):
    long = ", ".join(f"the {n}th towel rack in the spa" for n in range(1, 30))
    article = write(kb.owner, kb.hotel, "Spa racks", resolution=f"Check {long}, and the quillfeather hook by the door.")
    indexing.rebuild()
    snippet = _snippet_of(find("quillfeather", None), article.slug)
    assert snippet.startswith("…") and "<mark>quillfeather</mark> hook" in snippet
    assert re.match(r"…(the \d+th towel|and the)", snippet), snippet  # a whole clause, not half a word


def test_internal_text_never_appears_in_an_outside_snippet(kb):
    article = write(
        kb.owner,
        kb.hotel,
        "Late checkout towels",
        issue="Guests ask for late checkout towels.",
        resolution=":::internal\nLate checkout towels: waive the fee with code owlgate.\n:::\n\n"
        "Late checkout towels are at reception.",
        internal_notes="Late checkout towels for regulars: owlgate again.",
    )
    indexing.rebuild()
    staff = _snippet_of(find("late checkout towels fee", make_contributor()), article.slug)
    assert "owlgate" in staff and ":::" not in staff  # staff see the passage as text, without its fences
    for user in (make_customer(), AnonymousUser(), None):
        snippet = _snippet_of(find("late checkout towels fee", user), article.slug)
        assert "owlgate" not in snippet and "waive" not in snippet and ":::" not in snippet


# --- multi-word synonyms ------------------------------------------------------------------------


@pytest.fixture
def money_back(kb):
    Synonym.objects.create(terms="refund, money back")
    kb.guarantee = write(kb.owner, kb.hotel, "Satisfaction promise", resolution="Our money back guarantee covers thirty days.")
    kb.trace = write(
        kb.owner, kb.hotel, "Parcel trace", resolution="Sometimes the trace comes back lost, and the money follows later."
    )
    indexing.rebuild()
    return kb


def test_a_multi_word_synonym_matches_only_as_a_phrase(money_back):
    kb = money_back
    for user in (kb.owner, None):
        found = slugs(find("refund", user))
        assert kb.guarantee.slug in found and kb.refund.slug in found
        assert kb.trace.slug not in found  # "money" and "back" both there, not together


def test_a_typed_multi_word_synonym_is_a_phrase_and_finds_the_group(money_back):
    kb = money_back
    found = slugs(find("money back", None))
    assert kb.refund.slug in found and kb.guarantee.slug in found and kb.trace.slug not in found
    assert kb.trace.slug not in slugs(find("Money-Back", None))


def test_a_synonym_whose_second_word_is_a_stop_word_does_not_match_its_first_word_alone(kb):
    Synonym.objects.create(terms="login, log in")
    logfile = write(kb.owner, kb.home, "Router log file", resolution="Download the log from the router page.")
    login = write(kb.owner, kb.home, "Portal login", resolution="The login page asks for the router password.")
    indexing.rebuild()
    found = slugs(find("login", None))
    assert login.slug in found and logfile.slug not in found


def test_a_snippet_marks_a_multi_word_synonym_only_where_its_words_stand_together(money_back):
    kb = money_back
    results = find("refund trace", kb.owner)
    assert "<mark>money back</mark> guarantee" in _snippet_of(results, kb.guarantee.slug)
    trace = _snippet_of(results, kb.trace.slug)
    assert "<mark>trace</mark>" in trace and "<mark>back</mark>" not in trace and "<mark>money</mark>" not in trace


def test_facets_count_the_whole_visible_match_set(kb):
    results = find("refund", kb.owner)
    assert results.total == 2
    assert dict(results.facets["state"]) == {"validated": 2}
    assert dict(results.facets["audience"]) == {"internal": 1, "public": 1}
    assert dict(results.facets["product"]) == {"hotel-bookings": 2}
    assert dict(results.facets["tags"]) == {"refund": 2, "booking": 1, "fraud": 1}
    assert results.facets["tags"][0] == ("refund", 2)


def test_results_without_facets_have_the_same_hits_and_total(kb):
    with_facets, without = find("guest", kb.owner), find("guest", kb.owner, facets=False)
    assert without.facets == {} and without.total == with_facets.total == 5
    assert slugs(without) == slugs(with_facets)
    assert find("zigzag", kb.owner, facets=False).total == 0


def test_pages_cover_every_match_once(kb):
    staff = make_contributor()
    everything = find("guest", staff, per_page=10)
    pages = [find("guest", staff, per_page=2, page=n) for n in (1, 2, 3)]
    assert everything.total == 5 and all(p.total == 5 and p.pages == 3 for p in pages)
    assert [len(p.hits) for p in pages] == [2, 2, 1]
    assert sorted(s for p in pages for s in slugs(p)) == sorted(slugs(everything))
    assert slugs(pages[0]) == slugs(everything)[:2]


def test_recent_sort_puts_the_latest_change_first(kb, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        kb.voucher_title.edit(by=kb.owner, base_version=kb.voucher_title.version, changes={"cause": "Busy reception."})
    newest_first = slugs(find("guest", kb.owner, sort="recent"))
    assert newest_first[0] == kb.voucher_title.slug
    updated = {a.slug: a.updated_at for a in Article.objects.all()}
    assert [updated[s] for s in newest_first] == sorted((updated[s] for s in newest_first), reverse=True)


# --- visibility on every surface --------------------------------------------------------------

HIDDEN_WORDS = {
    # word: the callers (besides staff) who may see the article holding it
    "zebraquartz": set(),  # validated, internal
    "marmalade": set(),  # work in progress
    "pelican": set(),  # not validated, public
    "obsidian": set(),  # archived, public
    "tangerine": {"partner"},  # validated, for partners
}


def callers():
    return {
        "candidate": make_candidate(),
        "contributor": make_contributor(),
        "partner": make_partner(),
        "customer": make_customer(),
        "anonymous": AnonymousUser(),
    }


def test_every_caller_finds_exactly_what_they_may_see(kb, backend):
    for kind, user in callers().items():
        staff = kind in ("candidate", "contributor")
        for word, readers in HIDDEN_WORDS.items():
            visible = (staff and word != "obsidian") or kind in readers
            results = find(word, user)
            assert results.total == (1 if visible else 0), (kind, word)
            assert sum(n for _, n in results.facets["state"]) == results.total, (kind, word)
            if not visible:
                assert all(values == [] for values in results.facets.values()), (kind, word)
                assert word not in spelling(results), (kind, word)
            suggested = [slug for slug, _ in backend.suggest(word[:5], user)]
            assert (len(suggested) == 1) == visible, (kind, word, suggested)


def test_staff_see_archived_articles_only_when_they_ask(kb):
    staff = make_contributor()
    assert find("obsidian", staff).total == 0
    assert slugs(find("obsidian", staff, include_archived=True)) == [kb.archived.slug]
    assert slugs(find("obsidian state:archived", staff)) == [kb.archived.slug]
    assert slugs(find("obsidian", staff, filters={"state": "archived"})) == [kb.archived.slug]
    assert find("obsidian state:archived", make_customer()).total == 0


def test_outside_readers_facets_count_only_their_articles(kb):
    customer = make_customer()
    results = find("refund", customer)
    assert slugs(results) == [kb.refund.slug]
    assert dict(results.facets["audience"]) == {"public": 1}
    assert "fraud" not in dict(results.facets["tags"])
    wifi = find("wifi", AnonymousUser())
    assert slugs(wifi) == [kb.weak_signal.slug]  # the customer-only router article stays hidden
    assert dict(wifi.facets["tags"]) == {"wifi": 1}


def test_misspelling_a_hidden_word_reveals_nothing(kb):
    for user in (make_customer(), make_partner(), None):
        results = find("zebraquarz", user)
        assert results.total == 0 and "zebraquartz" not in spelling(results)
        assert all(n == 0 for values in results.facets.values() for _, n in values)


def test_suggestions_name_only_titles_the_caller_may_open(kb, backend):
    staff, customer = make_contributor(), make_customer()
    assert [s for s, _ in backend.suggest("zebraq", staff)] == [kb.internal.slug]
    assert backend.suggest("zebraq", customer) == []
    assert backend.suggest("obsid", staff) == []  # archived
    assert [s for s, _ in backend.suggest("refund canc", None)] == [kb.refund.slug]
    assert [s for s, _ in backend.suggest("rout", customer)] == [kb.router.slug]
    assert backend.suggest("rout", None) == []


def test_suggestions_match_every_typed_word_and_the_last_as_a_prefix(kb, backend):
    staff, customer = make_contributor(), make_customer()
    hotel_refund = write(kb.owner, kb.hotel, "Hotel refund for a non-refundable booking", resolution="Ask the hotel.")
    indexing.rebuild()

    def titles(text, user=None):
        return [s for s, _ in backend.suggest(text, user)]

    assert titles("hotel refund") == [hotel_refund.slug]
    assert titles("non refundable hot") == [hotel_refund.slug]
    assert titles("refund hotel") == [hotel_refund.slug]  # any order
    assert titles("hotel refunds") == [hotel_refund.slug]  # a stem of a title word
    assert titles("hotel bookin") == [hotel_refund.slug]  # half typed beyond the stem ("book")
    assert set(titles("refund canc")) == {kb.refund.slug}
    assert titles("how do i get a hotel ref") == [hotel_refund.slug]  # question words do not count
    assert titles("hotel refund the") == [hotel_refund.slug]  # nor a stop word being typed
    assert titles("hotel refund b") == [hotel_refund.slug]  # nor a single letter
    assert titles("hotel wifi") == []  # every word must be in the title
    assert titles("reset the rout", customer) == []  # "reset" is in no title
    assert titles("dropping the rout", customer) == [kb.router.slug]
    assert titles("zebraquartz ref", staff) == [kb.internal.slug]
    assert titles("zebraquartz ref", customer) == titles("fraud check ref", None) == []
    assert titles("marmalade sta", staff) == [kb.wip.slug]
    assert titles("marmalade sta", customer) == []  # work in progress, internal
    assert titles("pelican cross", staff) == [kb.not_validated.slug]
    assert titles("pelican cross", customer) == titles("pelican cross", None) == []  # a public draft
    assert titles("tangerine part", make_partner()) == [kb.partner_only.slug]
    assert titles("tangerine part", customer) == []
    assert titles("obsidian lou", staff) == []  # archived


# --- keeping the index in step -----------------------------------------------------------------


def test_an_edit_is_searchable_after_commit(kb, django_capture_on_commit_callbacks):
    article = kb.weak_signal
    with django_capture_on_commit_callbacks(execute=True):
        article.edit(by=kb.owner, base_version=article.version, changes={"title": "Kangaroo wifi in the bedroom"})
    assert slugs(find("kangaroo", None)) == [article.slug]
    assert article.slug not in slugs(find("slow", None))


def test_a_hidden_article_leaves_outside_results_when_narrowed(kb, django_capture_on_commit_callbacks):
    article = kb.weak_signal
    with django_capture_on_commit_callbacks(execute=True):
        article.edit(by=kb.owner, base_version=article.version, changes={"audience": Audience.INTERNAL}, note="Narrow")
    assert find("bedroom", None).total == 0
    assert slugs(find("bedroom", make_contributor())) == [article.slug]


def test_a_deleted_article_leaves_the_index(kb, backend, django_capture_on_commit_callbacks):
    article_id = kb.voucher_body.pk
    with django_capture_on_commit_callbacks(execute=True):
        kb.voucher_body.delete()
    assert slugs(find("noise", kb.owner)) == []
    assert article_id not in backend.indexed_versions()


def test_a_rebuild_replaces_the_index_and_keeps_it_whole(kb, backend):
    before = _index_names() if backend.name == "postgres" else None
    Article.objects.filter(pk=kb.router.pk).update(title="Router keeps dropping the wombat")  # no signal sent
    assert find("wombat", kb.owner).total == 0
    assert indexing.rebuild() == Article.objects.count()
    assert slugs(find("wombat", kb.owner)) == [kb.router.slug]
    assert indexing.check() == {"missing": [], "stale": [], "extra": []}
    if before is not None:
        assert _index_names() == before  # the swapped-in tables carry every index, under the same names


def _index_names() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename LIKE 'search_pg_%' ORDER BY 1")
        return [row[0] for row in cursor.fetchall()]


def test_check_index_reports_and_repairs_missing_stale_and_extra(kb, backend):
    versions = backend.indexed_versions()
    assert versions == dict(Article.objects.values_list("pk", "version"))
    backend.remove([kb.router.pk])  # missing
    Article.objects.filter(pk=kb.refund.pk).update(version=kb.refund.version + 1)  # stale: no signal sent
    ghost = dict(documents_for([kb.script.pk])[0][0], id=999_999, slug="ghost")
    backend.index([ghost])  # extra
    # The article vectors (search.semantic) are compared with the database too: the version bump is stale there.
    expected = {"missing": [kb.router.pk], "stale": [kb.refund.pk], "extra": [999_999], "vectors_stale": [kb.refund.pk]}
    assert indexing.check() == expected
    with pytest.raises(CommandError):
        call_command("check_index")
    call_command("check_index", "--repair")
    assert indexing.check() == {"missing": [], "stale": [], "extra": []}
    assert slugs(find("router", make_contributor()))[0] == kb.router.slug


# --- the index lagging behind the database never shows what the database no longer allows -------
# A process that dies between its commit and the index update leaves the index as it was: these
# edits run without their on-commit hooks (the test's transaction never commits), as after a crash.


def _narrow_without_index_update(kb):
    article = kb.weak_signal
    article.edit(
        by=kb.owner,
        base_version=article.version,
        changes={"audience": Audience.INTERNAL, "resolution": "Bedroom repeater key is KOALA-7731."},
        note="Narrow",
    )
    return article


def _assert_hidden_from_visitors(kb, article):
    for user in (None, make_customer()):
        for text in ("bedroom", "slow wifi", "koala"):
            results = find(text, user)
            assert article.slug not in slugs(results), (user, text)
            assert all("KOALA" not in h.snippet for h in results.hits)
        assert article.slug not in [slug for slug, _ in search_suggest("slow wi", user)]
        assert spelling(find("bedrom", user)) == ""  # no "Did you mean" a word only it uses
    assert find("bedroom", None).total == 0


def search_suggest(text, user):
    from search.service import suggest

    return suggest(text, user)


def test_a_narrowed_article_is_hidden_when_the_process_died_before_its_index_update(kb, backend):
    article = _narrow_without_index_update(kb)
    _assert_hidden_from_visitors(kb, article)
    staff = make_contributor()
    if backend.transactional:
        # PostgreSQL wrote the search document in the article's own transaction: no window at all.
        assert backend.indexed_versions()[article.pk] == Article.objects.get(pk=article.pk).version
        assert slugs(find("koala", staff)) == [article.slug]
    assert article.slug in slugs(find("bedroom", staff))  # staff may still read it


def test_on_postgresql_an_edit_and_its_search_document_commit_together(kb, backend):
    if not backend.transactional:
        pytest.skip("the Whoosh index lives outside the database: its updates follow the commit")
    from search.models import IndexTask

    article = kb.refund
    rules = [*REFUND_RULES, {"action": "waive the narwhal fee", "limit_amount": "", "limit_unit": "", "decider": "agent"}]
    article.edit(by=kb.owner, base_version=article.version, changes={"cause": "Octopus billing glitch."}, rules=rules)
    # No on-commit hook ran (as after a crash right after the commit): the document is current,
    # rules included (saved after the article row), and nothing waits in the queue.
    staff = make_contributor()
    assert slugs(find("octopus", staff)) == [article.slug]
    assert slugs(find("narwhal fee", staff)) == [article.slug]
    assert backend.indexed_versions()[article.pk] == Article.objects.get(pk=article.pk).version
    assert not IndexTask.objects.filter(processed_at=None).exists()


def test_a_narrowed_article_is_hidden_while_a_dead_process_holds_its_index_task(kb, backend):
    from django.utils import timezone

    from search.models import IndexTask

    article = _narrow_without_index_update(kb)
    IndexTask.objects.filter(article_id=article.pk).update(claimed_at=timezone.now(), claimed_by="died")
    assert indexing.process_pending() == 0  # the claim is not anyone else's to take for minutes
    _assert_hidden_from_visitors(kb, article)


def test_a_rebuild_that_read_the_article_before_it_was_narrowed_shows_nothing(kb, backend):
    before, _ = documents_for(list(Article.objects.values_list("pk", flat=True)))
    article = _narrow_without_index_update(kb)
    backend.rebuild([before])  # a concurrent rebuild_index swapped in what it read before the edit
    _assert_hidden_from_visitors(kb, article)


def test_hits_show_the_title_and_text_the_database_holds_not_what_was_indexed(kb, backend):
    article = kb.voucher_title
    Article.objects.filter(pk=article.pk).update(title="Breakfast voucher after a wait", version=article.version + 1)
    results = find("delayed", None)  # the index still holds the old title
    hit = next(h for h in results.hits if h.article_id == article.pk)
    assert hit.title == "Breakfast voucher after a wait" and hit.version == article.version + 1
    assert [title for slug, title in search_suggest("voucher for", None) if slug == article.slug] in (
        [],
        ["Breakfast voucher after a wait"],
    )


def test_a_page_of_hits_is_checked_against_the_database_in_one_query(kb):
    from django.test.utils import CaptureQueriesContext

    contributor = make_contributor()
    find("guest", contributor)  # the process's first search loads the article vectors (search.semantic)
    with CaptureQueriesContext(connection) as queries:
        results = find("guest", contributor)
    assert results.total == 5
    article_reads = [q["sql"] for q in queries.captured_queries if 'FROM "articles_article"' in q["sql"]]
    assert len(article_reads) == 1, article_reads


def test_dropped_hits_leave_the_total_and_facets(kb, backend):
    Article.objects.filter(pk=kb.voucher_body.pk).update(audience=Audience.INTERNAL)  # no signal: the index lags
    results = find("voucher", None)
    assert slugs(results) == [kb.voucher_title.slug]
    assert results.total == 1
    assert dict(results.facets["audience"]) == {"public": 1}
    assert dict(results.facets["state"]) == {"validated": 1}


# --- rebuilds -------------------------------------------------------------------------------------


@contextlib.contextmanager
def _rebuild_running_elsewhere(backend):
    """Hold the rebuild lock the way a rebuild_index in another process would."""
    if backend.name in ("whoosh", "tantivy"):  # an index folder: its REBUILD.lock
        backend.root.mkdir(parents=True, exist_ok=True)
        with open(backend.root / "REBUILD.lock", "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            yield
        return
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    other = psycopg.connect(**params, autocommit=True)
    try:
        other.execute("SELECT pg_advisory_lock(hashtext('search_pg_rebuild'))")
        yield
        other.execute("SELECT pg_advisory_unlock(hashtext('search_pg_rebuild'))")
    finally:
        other.close()


def test_a_second_rebuild_is_refused_with_a_clear_message_and_leaves_the_index_whole(kb, backend):
    with _rebuild_running_elsewhere(backend):
        with pytest.raises(CommandError, match="Another rebuild of the search index .*is running"):
            call_command("rebuild_index")
        assert slugs(find("voucher", kb.owner))[:2] == [kb.voucher_title.slug, kb.voucher_body.slug]
    call_command("rebuild_index")  # once the other one is done
    assert indexing.check() == {"missing": [], "stale": [], "extra": []}


# --- spelling corrections (search.spelling) ----------------------------------------------------


@pytest.fixture
def gadgets(kb):
    """Articles whose words are one or two letters from what a customer types about their own things:
    a corrector that only knew the KB's words would turn "parrot" into "part" and "lego" into "log"."""
    write(kb.owner, kb.home, "Replacement part for the smart plug cable", tags=["plug"], issue="The cable of the plug is worn.")
    write(kb.owner, kb.home, "Change the data plan", tags=["plan"], issue="The customer wants a bigger plan.")
    write(kb.owner, kb.home, "Log in after a login error", tags=["login"], issue="The login page shows an error.")
    write(kb.owner, kb.home, "Customers do not receive the confirmation", issue="No confirmation mail arrives.")
    write(kb.owner, kb.home, "Change a forgotten password", tags=["password"], issue="The customer forgot the password.")
    indexing.rebuild()


def test_words_of_the_language_are_never_corrected(kb, backend, gadgets, corrections):
    for user in (make_contributor(), make_customer(), None):
        assert backend.correct(["parrot", "chewed", "smart", "plug", "cable", "lego", "minifigure"], user=user) == {}
        chewed = find("parrot chewed the smart plug cable", user)
        assert spelling(chewed) == "" and slugs(chewed)[0] == "replacement-part-for-the-smart-plug-cable"
        lego = find("lego minifigure missing", user)
        assert spelling(lego) == "" and lego.total == 0  # no login articles instead


def test_common_misspellings_listed_as_words_are_still_corrected(kb, backend, gadgets, corrections):
    # wordfreq lists "recieve" (it is common on the web), but "receive" is a hundred times as common.
    assert backend.correct(["recieve"], user=None) == {"recieve": "receive"}
    assert find("recieve", None).corrected_to == "receive"


def test_a_misspelling_that_finds_nothing_is_searched_corrected(kb, gadgets, corrections):
    for user in (make_contributor(), None):
        results = find("forgoten pasword", user)  # no article says either
        assert results.corrected_to == "forgotten password" and not results.suggestion
        assert slugs(results) == ["change-a-forgotten-password"]


def test_a_misspelling_in_a_query_that_finds_something_is_only_offered(kb, gadgets, corrections):
    # "reset" alone finds the router articles: they stay, and the correction is offered above them.
    results = find("pasword reset", kb.owner, filters={"product": "smart-home"})
    typed = find("reset", kb.owner, filters={"product": "smart-home"})
    assert results.total == typed.total >= 2 and slugs(results) == slugs(typed)
    assert results.suggestion == "password reset" and not results.corrected


def test_a_misspelling_beside_a_word_found_elsewhere_is_corrected_when_the_correction_finds_both(kb, corrections):
    # "booking" alone finds several articles; none has "refnud" too: the typed words are not found
    # together, and the correction's are.
    assert find("booking", None).total >= 2
    results = find("refnud booking", None)
    assert results.corrected_to == "refund booking" and slugs(results)[0] == kb.refund.slug


def test_no_correction_when_asked_to_search_exactly_what_was_typed(kb, gadgets, corrections):
    assert spelling(find("pasword", None, autocorrect=False)) == "" and find("pasword", None, autocorrect=False).total == 0
    assert spelling(find("pasword reset", kb.owner, autocorrect=False)) == ""


def test_a_word_only_an_internal_article_uses_is_neither_applied_nor_offered_outside(kb, corrections):
    # "zebraquartz" is only in an internal article; "refund" finds public ones.
    staff = find("refund zebraquarz", make_contributor())
    assert spelling(staff) == "refund zebraquartz"  # applied: one article has both words
    for user in (make_customer(), make_partner(), None):
        results = find("refund zebraquarz", user)
        assert spelling(results) == "" and results.total >= 1
