"""Searching as agents, customers and visitors meet it: parse, search, correct, log."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import Counter

from articles import policy, structure
from articles.choices import State
from articles.http import query_param
from articles.models import Article
from articles.rendering import public_text
from kcs_site.languages import CONTENT_LANGUAGES, DEFAULT_CONTENT_LANGUAGE, current_content_language

from . import semantic, spelling
from .backends import get_backend
from .backends.base import SearchRequest, SearchResults, chosen_filters, hides_archived
from .models import SearchLog, Synonym
from .query import ParsedQuery, parse

WORD = re.compile(r"[^\W\d_]+")  # the letters-only words backends correct

# What a results page or API call may ask for in its query string.
FILTER_NAMES = ("state", "audience", "product", "tag")
SORTS = ("relevance", "recent")
# `nocorrect=1`: search exactly what was typed ("Search instead for …" after a correction).
NO_CORRECTION = "nocorrect"
# Confidence and audience are KCS workflow: an outside reader sees only validated articles
# written for them anyway, so the results page and the API offer them no filter that names these.
STAFF_FACETS = ("state", "audience")
# `language=<code>`: articles in that content language (default: the interface language's);
# `language=all`: every language, each article matched through its own language's analysis.
LANGUAGE = "language"
ALL_LANGUAGES = "all"
# Fewer hits than this in the reader's language (when that is not the source language): the
# source language's hits follow them, with a note saying so. Two or fewer hits is the point where
# a reader would otherwise meet "nothing useful" and start again in English; three or more in
# their own language are worth reading first without a longer, mixed list.
FALLBACK_BELOW = 3


def language_from(request) -> str:
    """The content language a results page or API call searches: `language` if it names one
    (`all`: "", every language), else the interface language's."""
    asked = param(request, LANGUAGE).lower()
    if asked == ALL_LANGUAGES:
        return ""
    return asked if asked in CONTENT_LANGUAGES else current_content_language()


def facets_for(user, results: SearchResults) -> dict[str, list[tuple[str, int]]]:
    """The facets `user` is shown: staff get all; outside readers not STAFF_FACETS."""
    if policy.is_staff(user):
        return results.facets
    return {name: values for name, values in results.facets.items() if name not in STAFF_FACETS}


def param(request, name: str, default: str = "") -> str:
    """A query-string value as search takes it: trimmed, at most 500 characters."""
    return query_param(request, name).strip()[:500] or default


def request_from(request) -> SearchRequest:
    """What a results page or an API call asks for, from its query string (bad values fall back)."""
    try:
        page = max(1, min(1000, int(param(request, "page", "1") or 1)))
    except ValueError:
        page = 1
    sort = param(request, "sort", "relevance")
    return SearchRequest(
        text=param(request, "q"),
        user=request.user,
        filters={name: param(request, name) for name in FILTER_NAMES if param(request, name)},
        page=page,
        per_page=10,
        sort=sort if sort in SORTS else "relevance",
        autocorrect=param(request, NO_CORRECTION) != "1",
        language=language_from(request),
    )


def synonym_groups(language: str = "") -> list[list[str]]:
    """The synonym groups of `language` (those of every language for ""), as the table holds them now.

    Each search reads the groups' text (one light query: a KB owner's edit counts at the next
    search in every process); turning it into groups is done once per distinct table content."""
    rows = Synonym.objects.filter(language=language) if language else Synonym.objects.all()
    return [list(group) for group in _groups(tuple(rows.values_list("terms", flat=True)))]


@functools.lru_cache(maxsize=32)
def _groups(terms: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(Synonym(terms=text).members()) for text in terms)


def search(request: SearchRequest, *, log: bool = False) -> SearchResults:
    """Search in the request's language (search.service.language_from sets the reader's); when that
    finds fewer than FALLBACK_BELOW articles, the source language's hits follow (fallback)."""
    groups = synonym_groups(request.language)
    parsed = parse(request.text, groups)
    backend = get_backend()
    results = _run(backend, request, parsed)
    if request.autocorrect:
        results = spell(backend, request, parsed, results, groups)
    if request.language and request.language != DEFAULT_CONTENT_LANGUAGE and results.total < FALLBACK_BELOW:
        results = with_fallback(backend, request, results)
    one_per_translation_set(results, request.language or current_content_language())
    number_hits(results)
    if log:
        results.log_id = record(request, results).pk
    return results


def with_fallback(backend, request: SearchRequest, own: SearchResults) -> SearchResults:
    """`own` (the reader's language found next to nothing), then the source language's hits for the
    same words, searched as that language (its synonyms and stemming; no spelling correction: a
    German word is not an English misspelling). Unchanged when the source language finds nothing.

    The source language's pages follow the page of the reader's own hits: page 1 holds both (at most
    FALLBACK_BELOW - 1 more than a page), later pages the source language's."""
    text = own.corrected_to or request.text
    source = dataclasses.replace(request, text=text, language=DEFAULT_CONTENT_LANGUAGE, autocorrect=False)
    found = _run(backend, source, parse(text, synonym_groups(DEFAULT_CONTENT_LANGUAGE)))
    if not found.total:
        return own
    merged = dataclasses.replace(
        found,
        hits=(own.hits if request.page == 1 else []) + found.hits,
        total=own.total + found.total,
        page=request.page,
        corrected_to=own.corrected_to,
        suggestion=own.suggestion,
        partial=own.partial and found.partial,
        estimated=own.estimated or found.estimated,
        fallback_from=request.language,
        fallback_to=DEFAULT_CONTENT_LANGUAGE,
    )
    merged.facets = _summed(own.facets, found.facets)
    return merged


def _summed(a: dict, b: dict) -> dict:
    out = {}
    for name in dict.fromkeys([*a, *b]):
        counts = Counter(dict(a.get(name, []))) + Counter(dict(b.get(name, [])))
        out[name] = sorted(((str(k), n) for k, n in counts.items() if k), key=lambda kv: (-kv[1], kv[0]))[:20]
    return out


def one_per_translation_set(results: SearchResults, preferred: str) -> SearchResults:
    """An article and its translations once in a list: the version in `preferred` (the reader's
    language) where the list has it, else the first found, at the place of the best-placed one; the
    others become its `also_in` links. Only hits the caller may read are involved (they were
    checked), so no link leads to an article hidden from them. The total is lowered by the hits
    folded in (on this page: a translation set spread over two pages is not known here)."""
    groups: dict[int, list] = {}
    for hit in results.hits:
        groups.setdefault(hit.source_id or hit.article_id, []).append(hit)
    if all(len(group) == 1 for group in groups.values()):
        return results
    kept = []
    for hit in results.hits:
        group = groups[hit.source_id or hit.article_id]
        if hit is not group[0]:
            continue
        chosen = next((h for h in group if h.language == preferred), group[0])
        chosen.also_in = [(h.language, h.slug, h.title) for h in group if h is not chosen]
        kept.append(chosen)
    results.total = max(len(kept), results.total - (len(results.hits) - len(kept)))
    results.hits = kept
    return results


def spell(backend, request: SearchRequest, parsed: ParsedQuery, typed: SearchResults, groups) -> SearchResults:
    """Correct the words no article the caller may see uses, and apply or offer the correction.

    Which words may be corrected, and to what, is search.spelling's rule (the backends ask it).
    The corrected query is searched: a correction that finds no article the database lets the
    caller open is neither applied nor offered (the hits are checked in _run, so an index lagging
    behind the database cannot suggest a word only a newly hidden article uses). It replaces the
    hits for what was typed only when those were next to nothing and it clearly finds more
    (spelling.applies); otherwise it is offered over them. Returns the results to show: `typed`,
    or the corrected ones.
    """
    words = [c.text for c in parsed.positive if c.kind == "term" and not c.alternatives]
    corrections = backend.correct(words, request.user, request.language or current_content_language())
    corrected_text = _apply(request.text, corrections) if corrections else ""
    if not corrected_text or corrected_text.lower() == request.text.lower():
        return typed
    corrected = _run(backend, request, parse(corrected_text, groups))
    if not corrected.total:
        return typed
    if not policy.is_staff(request.user) and not _words_shown(corrections.values(), corrected, request.user):
        return typed
    nonword = any(spelling.zipf(word, request.language or None) == 0 for word in corrections)
    if spelling.applies(typed, corrected, nonword=nonword):
        corrected.corrected_to = corrected_text
        return corrected
    typed.suggestion = corrected_text
    return typed


def _words_shown(words, results: SearchResults, user) -> bool:
    """Whether each corrected word stands as itself (not only its stem) in the text of a hit the
    caller may read. Backends find candidates by stem ("securit" → "security" because a visible
    article says "Secure"): for outside readers a correction must not reveal a word form that only
    hidden articles use. One query, on the rare path of a correction shown outside."""
    rows = readable_articles([h.article_id for h in results.hits], user)
    text = " ".join(" ".join([row["title"], *row["texts"].values()]) for row in rows.values()).lower()
    return all(re.search(rf"\b{re.escape(word.lower())}\b", text) for word in words)


def number_hits(results: SearchResults) -> SearchResults:
    """Each hit's place in the whole list (1-based, counting the pages before), for the click-position measure."""
    first = (results.page - 1) * results.per_page
    for n, hit in enumerate(results.hits, start=1):
        hit.position = first + n
    return results


def _run(backend, request: SearchRequest, parsed: ParsedQuery) -> SearchResults:
    if parsed.is_empty:
        return SearchResults(hits=[], total=0, page=request.page, per_page=request.per_page)
    results = semantic.search(backend, request, parsed)  # the keyword ranking, meaning fused in
    rows = readable_articles(
        [h.article_id for h in results.hits],
        request.user,
        chosen_filters(request, parsed),
        include_archived=request.include_archived,
        language=request.language,
    )
    checked(results, rows)
    # Each article's snippet marks the query's words as its own language reduces them.
    by_language: dict[str, dict] = {}
    for pk, row in rows.items():
        by_language.setdefault(row["language"], {})[pk] = row["texts"]
    snippets = {}
    for language, texts in by_language.items():
        same = language == request.language or results.highlight is None
        highlight = results.highlight if same else backend.highlight(parsed, language)
        snippets.update(backend.snippets(highlight, texts))
    for hit in results.hits:
        hit.snippet = snippets.get(hit.article_id, "")
    return results


def checked(results: SearchResults, rows: dict[int, dict]) -> SearchResults:
    """Keep only the hits the database still lets the caller see, shown as the database holds them.

    The index may lag behind the database (an update waiting for a retry, a process that died
    between its commit and the index update), so a page of hits is checked against
    readable_articles (one query) before anyone sees it. A dropped hit is taken off the total and
    off the state, audience and product facets it was counted in (the tags it was indexed with
    are not known here, so tag counts may stay one too high until the index catches up); the
    page may then hold fewer hits than per_page. A kept hit's title, slug and metadata come from
    the database row, whatever version the index holds.
    """
    dropped = [h for h in results.hits if h.article_id not in rows]
    results.hits = [h for h in results.hits if h.article_id in rows]
    for hit in results.hits:
        row = rows[hit.article_id]
        hit.slug, hit.title, hit.external_id = row["slug"], row["title"], row["external_id"] or ""
        hit.state, hit.audience, hit.product = row["state"], row["audience"], row["product__slug"]
        hit.updated_at, hit.version = row["updated_at"], row["version"]
        hit.language, hit.source_id = row["language"], row["translation_of"]
    if dropped:
        results.total = max(len(results.hits), results.total - len(dropped))
        for name in ("state", "audience", "product"):
            if name in results.facets:
                gone = Counter(getattr(h, name) for h in dropped)
                counts = [(value, n - gone[value]) for value, n in results.facets[name]]
                results.facets[name] = [(value, n) for value, n in counts if n > 0]
    return results


def suggest(text: str, user, limit: int = 8) -> list[tuple[str, str]]:
    """Title suggestions as you type: (slug, title) of articles the caller may open now, titled as
    the database holds them (the same check as search results)."""
    found = get_backend().suggest(text, user, limit=limit, language=current_content_language())
    if not found:
        return []
    # Read by slug (its unique index), then the visibility rule (policy.can_view): on SQLite,
    # filtering by audience and state in the query made the planner walk that index instead,
    # every article of the reader's audiences (70 ms at 100,000 articles), for each keystroke.
    rows = Article.objects.filter(slug__in=[s for s, _ in found]).exclude(state=State.ARCHIVED).order_by()
    # A translation's source is read with it (policy.can_view asks whether its readers see the source).
    rows = rows.select_related("translation_of").only(
        "slug", "title", "state", "audience", "translation_of__state", "translation_of__audience", "translation_of__merged_into"
    )
    current = {row.slug: row.title for row in rows if policy.can_view(user, row)}
    return [(slug, current[slug]) for slug, _ in found if slug in current]


def suggest_queries(text: str, user, limit: int = 5) -> list[str]:
    """Popular past searches that match the typed words and found something for callers who see
    no more than `user` (search.suggest)."""
    from . import suggest as popular

    return popular.popular_queries(text, user, limit=limit)


def _apply(text: str, corrections: dict[str, str]) -> str:
    """`text` with its corrected words replaced, everything else (quotes, operators, filters) kept."""
    return WORD.sub(lambda m: corrections.get(m.group().lower(), m.group()), text)


def record(request: SearchRequest, results: SearchResults) -> SearchLog:
    return SearchLog.objects.create(
        query=request.text[:500],
        caller_kind=caller_kind(request.user),
        filters={k: v for k, v in request.filters.items() if v},
        result_count=results.total,
        corrected_to=results.corrected_to[:500],
        suggestion=results.suggestion[:500],
    )


# --- what the database says about the hits ----------------------------------------------------


def caller_kind(user) -> str:
    return policy.reader_kind(user)


SNIPPET_SOURCE_FIELDS = ("issue", "environment", "resolution", "cause", "authority_note", "internal_notes")
PUBLIC_SNIPPET_FIELDS = ("issue", "environment", "resolution", "cause")
SECTION_FIELDS = ("sections", "template_version__sections")
ROW_FIELDS = (
    "pk", "version", "slug", "title", "external_id", "state", "audience", "product__slug", "updated_at", "language",
    "translation_of",
)  # fmt: skip


def readable_articles(
    ids: list[int], user, chosen: dict[str, str] | None = None, *, include_archived: bool = False, language: str = ""
):
    """The articles among `ids` that `user` may read now and that still pass the chosen filters,
    as the database holds them (one query on the primary key): what search checks its hits
    against, and the only text snippets are cut from.

    The index can lag behind the database (an update not yet applied, a process that died after
    the commit); the database is the truth about who may see what.
    """
    chosen = chosen or {}
    rows = Article.objects.visible_to(user).filter(pk__in=ids)
    for name in ("state", "audience"):
        if chosen.get(name):
            rows = rows.filter(**{name: chosen[name]})
    if chosen.get("product"):
        rows = rows.filter(product__slug=chosen["product"])
    if hides_archived(chosen, include_archived):
        rows = rows.exclude(state=State.ARCHIVED)
    internals = bool(policy.can_view_internals(user))
    out = {}
    for row in rows.order_by().values(*ROW_FIELDS, *SNIPPET_SOURCE_FIELDS, *SECTION_FIELDS):
        # The language is checked here, not in the query: on SQLite a condition on it made the
        # planner walk the (language, state, audience) index, every article of the language
        # (30 ms at 100,000 articles), instead of reading the page's rows by primary key.
        if language and row["language"] != language:
            continue
        texts = {name: row.pop(name) for name in SNIPPET_SOURCE_FIELDS}
        # A template's own sections, by role (staff-only ones only for staff: role_texts).
        sections = structure.to_sections(row.pop("template_version__sections"))
        extra = structure.role_texts(sections, row.pop("sections") or {}, public=not internals)
        # Decision authority, internal notes and `:::internal` passages are staff guidance
        # (policy.can_view_internals): an outside snippet is cut from the public text alone.
        authority = texts.pop("authority_note")
        notes = texts.pop("internal_notes")
        if internals:
            texts["authority"] = "\n".join(part for part in (authority, notes) if part)
        else:
            texts = {name: public_text(texts[name]) for name in PUBLIC_SNIPPET_FIELDS}
        for name, text in extra.items():
            texts[name] = "\n".join(part for part in (texts.get(name), text) if part)
        row["texts"] = texts
        out[row["pk"]] = row
    return out
