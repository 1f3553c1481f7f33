"""The query language every backend shares: what a person typed, parsed once into clauses.

Terms, phrases, prefixes, exclusions and field filters, with synonyms attached; each backend
(search.backends) compiles the clauses into its own engine's query. That keeps the behaviour
agents see the same on Whoosh and PostgreSQL.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

# Words that carry no meaning in a support question ("how do I reset my password"):
# dropped from queries so questions work as well as keywords. Engine stop lists cover
# articles and prepositions; these are the question words they miss.
QUESTION_WORDS = {
    "how", "do", "does", "did", "i", "me", "my", "what", "whats", "why", "where", "when", "which", "who",
    "can", "could", "should", "would", "is", "are", "was", "am", "there", "get", "got", "want", "need",
    "please", "help", "a", "an", "the", "to", "of", "in", "on", "for", "with", "it", "its", "im", "we",
    "our", "you", "your", "be", "been", "this", "that", "and", "or", "from", "at", "by", "so", "if",
}  # fmt: skip

# Field filters a user may type into the box: "product:billing tag:refund".
FIELD_FILTERS = {"product", "tag", "state", "audience"}
MIN_PREFIX = 3  # "re*" would expand to half the vocabulary


@dataclass
class Clause:
    kind: str  # "term", "phrase" or "prefix"
    text: str
    negated: bool = False
    alternatives: list[str] = field(default_factory=list)  # synonyms (words or phrases)


@dataclass
class ParsedQuery:
    clauses: list[Clause]
    filters: dict[str, str]

    @property
    def positive(self) -> list[Clause]:
        return [c for c in self.clauses if not c.negated]

    @property
    def is_empty(self) -> bool:
        return not self.positive


TOKEN_RE = re.compile(r'(-?)(?:(\w+):)?(?:"([^"]*)"?|(\S+))')


def parse(text: str, synonyms: list[list[str]] | None = None) -> ParsedQuery:
    """Turn what a person typed into clauses and filters.

    Supports "exact phrases", prefix* (at least MIN_PREFIX characters), -exclusions and
    field:value filters; drops question words; attaches synonym groups to the words
    and phrases they contain.
    """
    clauses: list[Clause] = []
    filters: dict[str, str] = {}
    for match in TOKEN_RE.finditer(text or ""):
        minus, fieldname, phrase, word = match.groups()
        negated = minus == "-"
        if fieldname and fieldname.lower() in FIELD_FILTERS and (phrase or word):
            filters[fieldname.lower()] = (phrase or word).strip().lower()
            continue
        if fieldname and not phrase:
            word = f"{fieldname}:{word}" if word else fieldname
        if phrase is not None:
            words = _words(phrase)
            if len(words) == 1:
                clauses.append(Clause("term", words[0], negated))
            elif words:
                clauses.append(Clause("phrase", " ".join(words), negated))
            continue
        raw = word or ""
        if raw.endswith("*"):
            stem = _words(raw.rstrip("*"))
            if len(stem) == 1 and len(stem[0]) >= MIN_PREFIX:
                clauses.append(Clause("prefix", stem[0], negated))
                continue
            raw = raw.rstrip("*")
        for w in _words(raw):
            if not negated and w in QUESTION_WORDS:
                continue
            clauses.append(Clause("term", w, negated))
    if not [c for c in clauses if not c.negated] and text:
        # A query made only of question words ("how do I"): keep its words rather than nothing.
        clauses = [Clause("term", w) for w in _words(text)[:5]]
    parsed = ParsedQuery(clauses, filters)
    if synonyms:
        attach_synonyms(parsed, synonyms)
    return parsed


def attach_synonyms(parsed: ParsedQuery, groups: list[list[str]]) -> None:
    """Give each clause the other members of any synonym group it belongs to.

    Multi-word members ("two-factor authentication") are matched against consecutive
    term clauses, which are then merged into one phrase clause carrying the group.
    """
    index, longest = _synonym_index(tuple(tuple(group) for group in groups))
    if not index:
        return
    out: list[Clause] = []
    i = 0
    clauses = parsed.clauses
    while i < len(clauses):
        merged = False
        for size in range(min(longest, len(clauses) - i), 1, -1):
            window = clauses[i : i + size]
            if all(c.kind == "term" and not c.negated for c in window):
                key = " ".join(c.text for c in window)
                if key in index:
                    out.append(Clause("phrase", key, alternatives=list(index[key])))
                    i += size
                    merged = True
                    break
        if merged:
            continue
        clause = clauses[i]
        if clause.kind in ("term", "phrase") and clause.text in index:
            clause.alternatives = list(index[clause.text])
        out.append(clause)
        i += 1
    parsed.clauses = out


@functools.lru_cache(maxsize=32)
def _synonym_index(groups: tuple[tuple[str, ...], ...]) -> tuple[dict[str, tuple[str, ...]], int]:
    """Each member of `groups` (normalised) → the other members of its group; and the most words a member has.
    Kept per distinct set of groups (search.service reads them for each search); never changed."""
    index: dict[str, tuple[str, ...]] = {}
    for group in groups:
        normalised = [" ".join(_words(m)) for m in group]
        normalised = [m for m in normalised if m]
        for member in normalised:
            index[member] = tuple(m for m in normalised if m != member)
    return index, max((len(k.split()) for k in index), default=0)


def searchable_alternatives(alternatives: list[str], stop_words) -> list[str]:
    """The synonyms a backend can search as their words mean them: single words, and phrases
    with at least two words its index keeps (`stop_words` are the ones it drops).

    A multi-word synonym must match as a phrase. "log in" or "sign in" lose "in" to the stop
    list, and what is left, "log" or "sign", would find every log file and signature: such a
    synonym is not searched (the group's other forms, "login", "signin", still are).
    """
    out = []
    for alternative in alternatives:
        words = re.findall(r"[^\W_]+", alternative.lower())
        if len(words) < 2 or sum(w not in stop_words for w in words) >= 2:
            out.append(alternative)
    return out


def _words(text: str) -> list[str]:
    return re.findall(r"[\w][\w'.]*[\w]|[\w]", text.lower().replace("’", "'"))


# Punctuation around a typed word that is query syntax or noise, not part of the customer's words.
_EDGE_PUNCTUATION = re.compile(r"^[^\w]+|[^\w+#]+$")
TITLE_MAX = 200  # Article.title


def customer_words(text: str) -> str:
    """What a person typed, without the query syntax: the title offered for a new article when
    nothing fits ("printer shows E-42" stays as typed; `"refund" product:billing -wifi` is "refund").

    Exclusions, field filters, quotes, parentheses and "*" go; the case and order of the words stay.
    "" when no letter or digit is left (`*"():-`): there is nothing to start an article about.
    """
    words = []
    for match in TOKEN_RE.finditer(text or ""):
        minus, fieldname, phrase, word = match.groups()
        if minus or (fieldname and fieldname.lower() in FIELD_FILTERS):
            continue
        typed = phrase if phrase is not None else (f"{fieldname}:{word}" if fieldname else word or "")
        for part in typed.replace("(", " ").replace(")", " ").replace("*", " ").split():
            part = _EDGE_PUNCTUATION.sub("", part)
            if part:
                words.append(part)
    title = " ".join(words)
    if len(title) > TITLE_MAX:
        title = title[:TITLE_MAX].rsplit(" ", 1)[0]
    return title
