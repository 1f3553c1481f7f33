"""Searching as agents, customers and visitors meet it: parse, search, correct, log."""

from __future__ import annotations

from .backends import get_backend
from .backends.base import ParsedQuery, SearchRequest, SearchResults, caller_kind, parse
from .models import SearchLog, Synonym


def synonym_groups() -> list[list[str]]:
    return [s.members() for s in Synonym.objects.all()]


def search(request: SearchRequest, *, log: bool = False) -> SearchResults:
    groups = synonym_groups()
    parsed = parse(request.text, groups)
    backend = get_backend()
    # Words the index has never seen cannot help the search: when they have a close known
    # spelling, search the corrected words first and say so ("Showing results for …"); the
    # words as typed are searched only if the correction finds nothing.
    words = [c.text for c in parsed.positive if c.kind == "term" and not c.alternatives]
    corrections = backend.correct(words, request.user)
    results = None
    if corrections:
        suggestion = _apply(request.text, corrections)
        corrected = _run(backend, request, parse(suggestion, groups))
        if corrected.total:
            corrected.corrected = True
            results = corrected
        results = results or _run(backend, request, parsed)
        results.suggestion = suggestion
    else:
        results = _run(backend, request, parsed)
    if log:
        results.log_id = record(request, results).pk
    return results


def _run(backend, request: SearchRequest, parsed: ParsedQuery) -> SearchResults:
    if parsed.is_empty:
        return SearchResults(hits=[], total=0, page=request.page, per_page=request.per_page)
    return backend.search(request, parsed)


def _apply(text: str, corrections: dict[str, str]) -> str:
    words = text.split()
    return " ".join(corrections.get(w.lower(), w) for w in words)


def record(request: SearchRequest, results: SearchResults) -> SearchLog:
    return SearchLog.objects.create(
        query=request.text[:500],
        caller_kind=caller_kind(request.user),
        filters={k: v for k, v in request.filters.items() if v},
        result_count=results.total,
        corrected_to=results.suggestion if results.corrected else "",
    )
