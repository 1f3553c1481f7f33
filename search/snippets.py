"""Search result snippets: a few whole sentences of what the reader would see, the query's words marked.

Both backends share this cutter, so a snippet reads the same on Whoosh and PostgreSQL; a backend
only says how its index reduces words (its stemmer and stop words, see Highlight.build), so that
the words marked are the words it matched.

- The text is the article's Markdown as rendered for a reader (articles.rendering.plain_text):
  no asterisks, link syntax, code fences or table pipes. Search gives the cutter only what the
  caller may read (search.service.readable_articles: public text alone for outside readers).
- The snippet starts at the start of the sentence holding the best match (the sentence with
  the most query concepts, then the most matches; earlier fields and sentences win ties) and
  runs on for about BUDGET characters, ending at a sentence, clause or word boundary with "…".
  Only a sentence longer than the budget is entered in its middle, at a clause boundary
  (", ", "; ", ": ") before the match, marked with a leading "…".
- A multi-word query word or synonym ("money back") is marked only where its words stand
  together, in order, as the backends match it; a lone "back" is not marked.
- The result is safe HTML: escaped text with <mark> around the matches, entities decoded once
  (by plain_text) and escaped once (here).

Cost (a page is at most ten hits): plain text is cached by a hash of the Markdown (in the
process's memory, then Django's cache), so an article is rendered once per cache, not once per
search, and only its first SOURCE_CHARS are read; matches are found by a substring search per query word, and only the
words found are stemmed. Measured on the 10 longest articles of a real support KB (48-146 KB):
about 30 ms of CPU uncached, 3-5 ms cached; on 10 typical ones (5 KB): 4 ms and under 1 ms
(whoosh.highlight, used before, took 80-90 ms and 11-16 ms, every search).
"""

from __future__ import annotations

import bisect
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from django.core.cache import cache
from django.utils.html import escape

from articles.rendering import plain_text

from .query import ParsedQuery, searchable_alternatives

BUDGET = 240  # characters of text a snippet shows (about two lines of a results page)
# Markdown read per field: a field may hold 150,000 characters, which take up to 30 ms to render
# and search; the first 50,000 take a third of that, and hold nearly every article whole.
SOURCE_CHARS = 50_000
MAX_MATCHES = 1000  # spans looked at per field (a common word in a long text)
# Article text → snippet, in order of preference when sentences match equally well.
FIELDS = ("issue", "resolution", "authority", "environment", "cause")
LEAD_FIELDS = ("issue", "resolution", "environment", "cause")  # shown from the start when nothing matches
CACHE_VERSION = "snippet-text-1"  # part of the cache key: change it when plain_text's output changes
CACHE_SECONDS = 7 * 24 * 3600
# Plain text kept in each process's own memory as well (the texts of some thousands of hits).
RECENT_CHARS = 16_000_000
ELLIPSIS = "…"

WORD_RE = re.compile(r"[^\W_]+")
# A sentence ends at . ! ? or … (and any closing quote or bracket) followed by a space and a capital
# letter, a digit or an opening quote: "e.g. the" and "v1.2" do not end one.
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[^\W_a-z])")
CLAUSE_END = re.compile(r"[,;:–—·][\"'”’)\]]*\s+")
TERMINAL = tuple(".!?:;…")
UMLAUTS = str.maketrans("äöü", "aou")


@dataclass(frozen=True)
class Highlight:
    """What to mark: per query concept (a clause and its synonyms), the stem sequences of its
    variants; and the typed prefixes ("refun*")."""

    concepts: tuple[tuple[tuple[str, ...], ...], ...]
    prefixes: tuple[str, ...]
    stem: Callable[[str], str]
    stop_words: frozenset[str]

    @classmethod
    def build(cls, parsed: ParsedQuery, *, stem: Callable[[str], str], stop_words: Iterable[str]) -> Highlight:
        """The words of `parsed`'s positive clauses, reduced as the backend's index reduces them."""
        stop = frozenset(stop_words)
        stem = lru_cache(maxsize=20000)(stem)
        concepts, prefixes = [], []
        for clause in parsed.positive:
            if clause.kind == "prefix":
                prefixes.append(clause.text.lower())
                continue
            variants = []
            for text in [clause.text, *searchable_alternatives(clause.alternatives, stop)]:
                words = WORD_RE.findall(text.lower())
                content = [w for w in words if w not in stop] or words  # "how do I" alone: its own words
                if content:
                    variants.append(tuple(stem(w) for w in content))
            if variants:
                concepts.append(tuple(dict.fromkeys(variants)))
        return cls(tuple(concepts), tuple(dict.fromkeys(prefixes)), stem, stop)

    @property
    def starts(self) -> tuple[str, ...]:
        """How the words that may match start: as a stem does ("happi" is "happy" with its y
        changed, "rate" is "rating" without its e), or as a typed prefix."""
        starts = {s.rstrip("ie") or s for variants in self.concepts for v in variants for s in v}
        # German stems spell "ß" as "ss" (Snowball: "Straße" → "strass"): the text may have either.
        starts |= {s.replace("ss", "ß") for s in starts if "ss" in s}
        return tuple(sorted(starts | set(self.prefixes)))


def cut_snippets(highlight: Highlight | None, texts: dict[int, dict[str, str]]) -> dict[int, str]:
    """article id → snippet (safe HTML), cut from `texts` (field name → Markdown the caller may read)."""
    return {article_id: snippet(fields, highlight) for article_id, fields in texts.items()}


def snippet(fields: dict[str, str], highlight: Highlight | None) -> str:
    """One hit's snippet: from the sentence holding the most of the query's concepts (the earlier
    field, then the earlier sentence, on a tie), or else the start of its issue or resolution."""
    wanted = len(highlight.concepts) + len(highlight.prefixes) if highlight else 0
    best = None  # ((-concepts, field order, sentence start), text, matches, first match)
    for order, name in enumerate(FIELDS if highlight is not None and highlight.starts else ()):
        markdown = fields.get(name) or ""
        if not markdown.strip():
            continue
        text = readable(markdown)
        matches = find_matches(text, highlight)
        for concepts, start, first in _sentences(text, matches):
            key = (-concepts, order, start)
            if best is None or key < best[0]:
                best = (key, text, matches, first)
        if best is not None and -best[0][0] == wanted:
            break  # every concept in one sentence: no later field can do better
    if best is not None:
        (_, _, start), text, matches, first = best
        return _window(text, matches, start, first)
    for name in LEAD_FIELDS:
        markdown = fields.get(name) or ""
        text = readable(markdown) if markdown.strip() else ""
        if text:
            return _window(text, [], 0, 0)
    return ""


def readable(markdown: str) -> str:
    """The text of `markdown` as a reader sees it, blocks as lines; cached by a hash of the text.

    The Markdown holds only what the caller may read (search.service.readable_articles gives
    outside readers public text alone), so the text of any `:::internal` passage left in it is
    staff text for a staff reader: kept, without its fences. Only the first SOURCE_CHARS are read
    (up to a line break): a match further into a longer text is not shown.
    """
    if len(markdown) > SOURCE_CHARS:
        cut = markdown.rfind("\n", 0, SOURCE_CHARS)
        markdown = markdown[: cut if cut > 0 else SOURCE_CHARS]
    key = f"{CACHE_VERSION}:{hashlib.sha256(markdown.encode(errors='replace')).hexdigest()}"
    text = _recent.get(key)
    if text is None:
        text = cache.get(key)
        if text is None:
            text = plain_text(markdown, internal=True)
            cache.set(key, text, CACHE_SECONDS)
        _recent.put(key, text)
    return text


class _Recent:
    """The plain texts used last in this process, up to `chars` characters in all (thread-safe).

    In front of Django's cache, whose default (a per-process memory cache of 300 entries) keeps
    only some thirty results pages' worth of texts. Keyed like it, by a hash of the Markdown: an
    edited text is a new key, so nothing is ever stale."""

    def __init__(self, chars: int):
        self.chars, self.held = chars, 0
        self._texts: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            text = self._texts.get(key)
            if text is not None:
                self._texts.move_to_end(key)
            return text

    def put(self, key: str, text: str) -> None:
        if len(text) > self.chars // 10:
            return
        with self._lock:
            if key in self._texts:
                return
            self._texts[key] = text
            self.held += len(text)
            while self.held > self.chars:
                _, dropped = self._texts.popitem(last=False)
                self.held -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._texts.clear()
            self.held = 0


_recent = _Recent(RECENT_CHARS)


def _words_starting(text: str, starts: tuple[str, ...]):
    """The words of `text` that start with one of `starts` (lowercase), in order, as matches.

    A substring search per start (str.find runs at memory speed; a regular expression of
    alternatives reads one character at a time, ten times slower on long texts)."""
    # Umlauts as their base letters (the same length, so offsets hold): Snowball's German stems drop
    # them ("Passwörter" → "passwort"), so a stem's start is found in the folded text.
    low = text.lower().translate(UMLAUTS)
    if len(low) != len(text):  # a letter whose lowercase is longer ("İ"): offsets would shift
        pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, starts)) + r")[^\W_]*", re.IGNORECASE)
        yield from pattern.finditer(text)
        return
    found = []
    for start in starts:
        pos = low.find(start)
        while pos >= 0:
            if pos == 0 or not low[pos - 1].isalnum():
                found.append(pos)
            pos = low.find(start, pos + 1)
    for pos in sorted(set(found)):
        yield WORD_RE.match(text, pos)


def find_matches(text: str, highlight: Highlight) -> list[tuple[int, int, int]]:
    """(start, end, concept number) of each span of `text` to mark, in order, not overlapping.

    Prefixes are numbered after the concepts. At most MAX_MATCHES are looked at.
    """
    stem, stop, concepts = highlight.stem, highlight.stop_words, highlight.concepts
    found: list[tuple[int, int, int]] = []
    taken = 0
    for match in _words_starting(text, highlight.starts):
        if match is None or match.start() < taken:
            continue
        word = match.group(0).lower()
        reduced = stem(word)
        span = None
        for number, variants in enumerate(concepts):
            for variant in variants:
                if reduced != variant[0]:
                    continue
                end = _phrase_end(text, match.end(), variant[1:], stem, stop)
                if end is not None and (span is None or end > span[1]):
                    span = (match.start(), end, number)
        if span is None:
            for number, prefix in enumerate(highlight.prefixes, start=len(concepts)):
                if word.startswith(prefix):
                    span = (match.start(), match.end(), number)
                    break
        if span is not None:
            found.append(span)
            taken = span[1]
            if len(found) >= MAX_MATCHES:
                break
    return found


def _phrase_end(text: str, pos: int, rest: tuple[str, ...], stem, stop) -> int | None:
    """Where the phrase ends if the words after `pos` are `rest` (stop words between them are
    skipped, as the indexes skip them), or None. Never crosses a line (a block boundary)."""
    end = pos
    for wanted in rest:
        while True:
            nxt = WORD_RE.search(text, end, end + 200)
            if nxt is None or "\n" in text[end : nxt.start()]:
                return None
            word = nxt.group(0).lower()
            end = nxt.end()
            if word in stop and word != wanted:
                continue
            if stem(word) != wanted:
                return None
            break
    return end


def _sentences(text: str, matches):
    """(concepts matched, sentence start, first match's number) for each sentence holding a match."""
    lines: dict[int, list[int]] = {}  # line start → the sentence starts in that line
    found: dict[int, tuple[set, int]] = {}
    for n, (start, _, concept) in enumerate(matches):
        line = text.rfind("\n", 0, start) + 1
        if line not in lines:
            end = text.find("\n", line)
            lines[line] = [line, *(m.end() for m in SENTENCE_END.finditer(text, line, end if end >= 0 else len(text)))]
        starts = lines[line]
        sentence = starts[bisect.bisect_right(starts, start) - 1]
        concepts, first = found.setdefault(sentence, (set(), n))
        concepts.add(concept)
    for sentence, (concepts, first) in found.items():
        yield len(concepts), sentence, first


def _window(text: str, matches, start: int, first: int) -> str:
    """The snippet: from `start` (a sentence start) for about BUDGET characters, the matches marked."""
    if matches and matches[first][1] - start > BUDGET - 40 and _next_start(text, start) - start > BUDGET:
        # A sentence longer than the budget, its match far in: enter it at a clause boundary.
        start = _clause_start(text, start, matches[first][0])
    lead = "" if _is_sentence_start(text, start) else ELLIPSIS
    end, trail = _end(text, start, matches[first][1] if matches else start)
    if not trail and end == len(text) and not _ends_sentence(text):
        trail = "."  # the last block, a sentence like the others (a heading, a list item)
    return lead + _marked(text, start, end, matches) + trail


def _is_sentence_start(text: str, pos: int) -> bool:
    if pos == 0 or text[pos - 1] == "\n":
        return True
    return any(m.end() == pos for m in SENTENCE_END.finditer(text, max(0, pos - 8), pos + 2))


def _next_start(text: str, start: int) -> int:
    """Where the sentence after the one at `start` starts (len(text) for the last one)."""
    nxt = SENTENCE_END.search(text, start)
    line = text.find("\n", start)
    ends = [p for p in (nxt.end() if nxt else -1, line + 1 if line >= 0 else -1) if p > start]
    return min(ends) if ends else len(text)


def _clause_start(text: str, sentence_start: int, match_start: int) -> int:
    """The last clause boundary before the match that leaves room for the match and what follows;
    failing one within half the budget, a word boundary a little before the match."""
    floor = max(sentence_start, match_start - BUDGET // 2)
    best = None
    for clause in CLAUSE_END.finditer(text, floor, match_start):
        best = clause.end()
    if best is not None:
        return best
    space = text.rfind(" ", floor, max(floor, match_start - 30))
    return space + 1 if space >= floor else match_start


def _end(text: str, start: int, need: int) -> tuple[int, str]:
    """Where the snippet ends and what marks a cut: whole sentences that fit; else the last clause
    or word boundary within the budget, with "…"; never before `need` (the best match's end)."""
    limit = max(start + BUDGET, need)
    if len(text) <= limit:
        return len(text), ""
    # Whole sentences (and lines) that fit, if they fill most of the budget.
    last = None
    pos = start
    while True:
        nxt = _next_start(text, pos)
        if nxt > limit or nxt <= pos:
            break
        last, pos = nxt, nxt
    enough = max(start + BUDGET * 0.6, need)
    if last is not None and last >= enough:
        return last, ""
    clause = None
    for found in CLAUSE_END.finditer(text, start, limit):
        clause = found.start()  # the cut before the comma: "…, and" reads as a stutter
    if clause is not None and clause >= enough:
        return clause, ELLIPSIS
    cut = max(text.rfind(" ", need, limit), text.rfind("\n", need, limit))
    return (cut if cut > start else limit), ELLIPSIS


def _marked(text: str, start: int, end: int, matches) -> str:
    """text[start:end] as safe HTML: escaped, matches inside in <mark>, lines joined as sentences."""
    out, pos = [], start
    for m_start, m_end, _ in matches:
        if m_end <= start or m_start < pos:
            continue
        if m_start >= end or m_end > end:
            break
        out += [_joined(text[pos:m_start]), "<mark>", _joined(text[m_start:m_end]), "</mark>"]
        pos = m_end
    out.append(_joined(text[pos:end]))
    return "".join(out).strip()


def _joined(part: str) -> str:
    """Escaped text, each line break (a block boundary) read as the end of a sentence."""
    if "\n" not in part:
        return str(escape(part))
    pieces = part.split("\n")
    out = []
    for n, piece in enumerate(pieces):
        out.append(str(escape(piece)))
        if n < len(pieces) - 1:
            out.append(" " if not piece or _ends_sentence(piece) else ". ")
    return "".join(out)


def _ends_sentence(text: str) -> bool:
    return text.rstrip().rstrip("\"'”’)]").endswith(TERMINAL)
