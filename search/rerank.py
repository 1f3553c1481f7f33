"""Re-rank an engine's best candidates by how well their titles answer the query.

Full-text engines score a title match by the words it shares with the query, not by how
much of the title those words account for: for "webhooks", "Creating webhooks" and "About
webhooks" score alike, though the second is the page about the thing asked for. A title is
what the article is about (KCS asks for it in the customer's words), so this module blends
the engine's score with a few cheap title features:

- fit: how much of the title the query accounts for ("About webhooks" is all query, "Setting
  up webhooks for your account" a quarter), balanced (harmonic mean) against how much of the
  query the title contains, so that a short title naming one word of a long query does not
  count as a perfect fit;
- recall: how many of the query's clauses the title contains (synonyms count);
- phrase: the query's words appear in the title one after another, in order;
- reuse (optional): how often agents used the article on cases (KCS reuse), as a small,
  log-scaled bonus that breaks near-ties and can never outweigh a clearly better text match.

It knows nothing of any engine: both backends call `rerank()` on their ranked candidates
before cutting the page. Titles are compared as stemmed words without stop words, with the
Snowball English stemmer that Whoosh ships (Whoosh is a requirement of the default install;
Snowball English is also what PostgreSQL's `english` configuration stems with).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from whoosh.lang.snowball.english import EnglishStemmer

from .backends.base import Hit
from .query import QUESTION_WORDS, ParsedQuery

# Candidates looked at: below this the engine's order stands (and the cost stays flat).
DEPTH = 50
# The engine's best match is never moved below this position (1 = first): the blend may
# promote better titles above it, never bury it.
KEEP_TOP = 3
# Blend weights. The engine's score is divided by the best candidate's, so 1.0 is "as good a
# text match as the best"; the title features are fractions in 0..1.
ENGINE_WEIGHT = 1.0
FIT_WEIGHT = 0.2
RECALL_WEIGHT = 0.1
PHRASE_WEIGHT = 0.1
# Reuse is a nudge, not a ranking: at most REUSE_WEIGHT (a twentieth of the best text match),
# reached at REUSE_SATURATION uses, growing with the logarithm (the 1st use counts most). With
# KEEP_TOP it cannot bury the engine's best match; a weaker match overtakes a better one only
# when their blended scores were already within REUSE_WEIGHT.
REUSE_WEIGHT = 0.05
REUSE_SATURATION = 100

# Words that say nothing about what a title is about: PostgreSQL's and Snowball's English stop
# list (what the engines drop too) and the question words the query parser drops.
STOP_WORDS = QUESTION_WORDS | {
    "about", "above", "after", "again", "against", "all", "any", "as", "because", "before", "being", "below",
    "between", "both", "but", "during", "each", "few", "further", "had", "has", "have", "having", "he", "her",
    "here", "hers", "him", "his", "into", "itself", "more", "most", "myself", "no", "nor", "not", "now", "off",
    "once", "only", "other", "ours", "out", "over", "own", "same", "she", "some", "such", "than", "their",
    "them", "then", "these", "they", "those", "through", "too", "under", "until", "up", "very", "were", "while",
    "whom", "will", "yours", "yourself",
}  # fmt: skip

WORD_RE = re.compile(r"[^\W_]+")
_stemmer = EnglishStemmer()


@lru_cache(maxsize=20000)
def stem(word: str) -> str:
    return _stemmer.stem(word)


def stems(text: str) -> list[str]:
    """Content words of `text`, stemmed, in order ("Re-running workflows" → ["re", "run", "workflow"])."""
    return [stem(w) for w in WORD_RE.findall(text.lower().replace("’", "'").replace("'", "")) if w not in STOP_WORDS]


@dataclass
class _Concept:
    """One positive query clause: its own words and each synonym's, as stem sequences."""

    variants: list[list[str]]
    prefix: bool = False

    def found_in(self, title: list[str]) -> bool:
        return any(_contains(title, v, self.prefix) for v in self.variants if v)

    def words_in(self, title: list[str]) -> set[str]:
        """The words of the variants `title` holds: "back" alone is no part of "money back"."""
        return {w for v in self.variants if v and _contains(title, v, self.prefix) for w in v}


def _contains(title: list[str], words: list[str], prefix: bool = False) -> bool:
    if prefix:
        return any(t.startswith(words[0]) for t in title)
    # A phrase (a multi-word synonym, "money back") counts only with its words together, in
    # order, as the engines match it.
    return _in_sequence(title, words) if len(words) > 1 else words[0] in title


def query_concepts(parsed: ParsedQuery) -> list[_Concept]:
    out = []
    for clause in parsed.positive:
        if clause.kind == "prefix":
            word = clause.text.lower()
            out.append(_Concept([[word]], prefix=True))
            continue
        variants = [stems(clause.text)] + [stems(alt) for alt in clause.alternatives]
        if any(variants):
            out.append(_Concept(variants))
    return out


def _in_sequence(title: list[str], words: list[str]) -> bool:
    n = len(words)
    return any(title[i : i + n] == words for i in range(len(title) - n + 1))


def title_features(parsed: ParsedQuery, title: str) -> tuple[float, float, float]:
    """(fit, recall, phrase) of `title` for `parsed`, each in 0..1 (see the module docstring)."""
    concepts = query_concepts(parsed)
    return _features(concepts, _query_sequence(parsed), stems(title))


def _query_sequence(parsed: ParsedQuery) -> list[str]:
    return [w for c in parsed.positive if c.kind != "prefix" for w in stems(c.text)]


def _features(concepts: list[_Concept], sequence: list[str], title: list[str]) -> tuple[float, float, float]:
    if not concepts or not title:
        return 0.0, 0.0, 0.0
    found = [c for c in concepts if c.found_in(title)]
    recall = len(found) / len(concepts)
    words = set().union(*(c.words_in(title) for c in found)) if found else set()
    prefixes = [c.variants[0][0] for c in found if c.prefix]
    covered = sum(1 for t in title if t in words or any(t.startswith(p) for p in prefixes))
    coverage = covered / len(title)
    fit = 2 * coverage * recall / (coverage + recall) if coverage + recall else 0.0
    phrase = 1.0 if len(sequence) >= 2 and _in_sequence(title, sequence) else 0.0
    return fit, recall, phrase


def reuse_bonus(count: int) -> float:
    """The blend's reuse term: 0 for an unused article, rising with log(1 + count) to REUSE_WEIGHT."""
    if count <= 0:
        return 0.0
    return REUSE_WEIGHT * min(1.0, math.log1p(count) / math.log1p(REUSE_SATURATION))


def rerank(
    parsed: ParsedQuery,
    hits: Sequence[Hit],
    *,
    depth: int = DEPTH,
    keep_top: int = KEEP_TOP,
    reuse: Mapping[int, int] | None = None,
) -> list[Hit]:
    """Return `hits` (an engine's candidates, best first) reordered by a blend of engine score and title fit.

    Only the first `depth` hits are reordered; the rest keep their places after them. Each
    hit's `score` is read, never changed, and only relative to the first hit's (any positive
    scale works; with no positive scores the engine's order is kept as the score). The
    engine's first hit ends at position `keep_top` or better. `reuse` maps article ids to
    their reuse counts (the index stores them); without it reuse plays no part. Pure: no
    database, no engine.
    """
    hits = list(hits)
    head, tail = hits[:depth], hits[depth:]
    concepts = query_concepts(parsed)
    if len(head) < 2 or not concepts:
        return hits
    top = max(h.score for h in head)
    sequence = _query_sequence(parsed)

    def engine(position: int, hit: Hit) -> float:
        if top > 0:
            return max(hit.score, 0.0) / top
        return 1.0 - position / len(head)

    blended = []
    for position, hit in enumerate(head):
        fit, recall, phrase = _features(concepts, sequence, stems(hit.title))
        value = ENGINE_WEIGHT * engine(position, hit) + FIT_WEIGHT * fit + RECALL_WEIGHT * recall + PHRASE_WEIGHT * phrase
        if reuse:
            value += reuse_bonus(reuse.get(hit.article_id, 0))
        blended.append((-value, position, hit))
    ordered = [hit for _, _, hit in sorted(blended, key=lambda b: (b[0], b[1]))]
    best = head[0]
    if keep_top >= 1 and ordered.index(best) >= keep_top:
        ordered.remove(best)
        ordered.insert(keep_top - 1, best)
    return ordered + tail
