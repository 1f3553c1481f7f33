"""Synonym candidates mined from the search log, offered to KB owners on the synonyms page.

Two sources:

- co-opened: different queries whose searches ended on the same article ("kick user out of org"
  and "remove user from org" both opening "Removing a member") propose the words that differ
  ("kick out" ~ "remove"), once shared words, question and stop words are set aside;
- accepted corrections: an applied correction the searcher kept and opened a result from, or a
  "Did you mean" they followed ("wifi" → "wi-fi"), where the typed word is a real word or a
  spelling variant, not a typo (a typo is the spelling corrector's job, not a synonym's).

Both read the log grouped in the database (one grouped query each, bounded by a row limit and
a minimum count), so the cost stays flat however long the log grows; the pairing is done in
Python on those few thousand rows. Candidates already in one synonym group, made of words that
stem alike, or dismissed by a KB owner (DismissedSynonymCandidate) are not offered.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, Count, F, Q, When
from django.db.models.functions import Lower, Trim
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wordfreq import zipf_frequency

from kcs_site.languages import DEFAULT_CONTENT_LANGUAGE

from .models import DismissedSynonymCandidate, SearchLog, Synonym
from .rerank import STOP_WORDS, stem

WINDOW_DAYS = 90
# A query must have led to the same article at least this often to count (one search is noise),
# and each side of a candidate needs this many searches in all.
MIN_SEARCHES = 2
# Bounds on what is read and paired: the most frequent (query, article) rows, the most frequent
# queries per article, and the words a side of a candidate may have (longer is a rewording, not
# a synonym).
MAX_ROWS = 5000
MAX_QUERIES_PER_ARTICLE = 25
MAX_PHRASE_WORDS = 3
MAX_CORRECTION_ROWS = 300
EXAMPLES = 3
# Mining that took longer than CACHE_AFTER seconds is kept for CACHE_SECONDS (see `mined`).
CACHE_AFTER = 0.1
CACHE_SECONDS = 15 * 60
KEEP = 300
# A typed word at least this frequent in English (wordfreq's Zipf scale: 1 = once per 100 million
# words) is a real word, so a correction from it is a variant, not a typo.
REAL_WORD_ZIPF = 2.0

# Particles that belong to the verb before them: "kick (user) out", "sign in", "turn off".
PARTICLES = {"out", "off", "up", "down", "back", "away", "in", "on"}
# "in" and "on" are particles only at the end or before a function word ("log in to wifi");
# before a content word they are prepositions ("error in excel").
WEAK_PARTICLES = {"in", "on"}
DROP = STOP_WORDS  # the question words included
# Kept in a differing phrase although stop words: "not working" is not "working".
NEGATIONS = {"not", "no", "nor", "cannot", "cant", "dont", "doesnt", "didnt", "wont", "isnt", "arent", "hasnt", "havent"}
WORD_RE = re.compile(r"[\w][\w.+#-]*[\w+#]|[\w]")

CO_OPENED = "co-opened"
CORRECTION = "correction"
SOURCE_LABELS = {
    CO_OPENED: gettext_lazy("Different searches opened the same article"),
    CORRECTION: gettext_lazy("People accepted the correction"),
}


@dataclass
class Side:
    """One side of a candidate: a phrase, and the forms of it people typed (stemmed alike)."""

    phrase: str
    searches: int = 0
    examples: dict[str, int] = field(default_factory=dict)  # query → its searches
    forms: dict[str, int] = field(default_factory=dict)  # "remove", "removing" → searches

    def add(self, query: str, searches: int, form: str) -> None:
        self.examples[query] = self.examples.get(query, 0) + searches
        self.searches += searches
        self.forms[form] = self.forms.get(form, 0) + searches
        # The side is shown in the form most searched for.
        self.phrase = min(self.forms, key=lambda f: (-self.forms[f], f))

    def example_queries(self) -> list[tuple[str, int]]:
        return sorted(self.examples.items(), key=lambda item: (-item[1], item[0]))[:EXAMPLES]


@dataclass
class Candidate:
    a: Side
    b: Side
    sources: set[str] = field(default_factory=set)
    # co-opened: slug → [searches on side a, on side b] that opened it
    articles: dict[str, list[int]] = field(default_factory=dict)
    corrections: int = 0  # corrections kept and suggestions taken, from a to b
    titles: list[tuple[str, str, int]] = field(default_factory=list)  # (slug, title, searches), set by `candidates`
    group: Synonym | None = None  # the existing group "Add" extends
    merge: Synonym | None = None  # a second group "Add" merges into it

    @property
    def key(self) -> str:
        return candidate_key([self.a.phrase, self.b.phrase])

    @property
    def sides(self) -> tuple[Side, Side]:
        return self.a, self.b

    @property
    def score(self) -> int:
        """Searches that back the pair: on each article, the fewer of its two sides' searches
        (an article opened 40 times from one phrase and once from the other is weak evidence),
        plus the corrections people kept."""
        return sum(min(a, b) for a, b in self.articles.values()) + self.corrections

    @property
    def source_labels(self) -> list[str]:
        return [SOURCE_LABELS[s] for s in (CO_OPENED, CORRECTION) if s in self.sources]

    @property
    def action(self) -> str:
        """What "Add as synonyms" will do, in words."""
        if self.group and self.merge:
            return _("Merges the groups “%(first)s” and “%(second)s”.") % {"first": self.group.terms, "second": self.merge.terms}
        if self.group:
            new = self.b.phrase if normalise(self.a.phrase) in self.group.members() else self.a.phrase
            return _("Adds “%(new)s” to the group “%(group)s”.") % {"new": new, "group": self.group.terms}
        return _("Creates a new group.")


def signature(terms: list[str]) -> str:
    """What makes two candidates the same: their phrases stemmed, sorted ("kick out, removing" is
    "kick out, remov", as is "kick out, remove")."""
    return ", ".join(sorted({s for s in map(_stemmed, terms) if s}))


@lru_cache(maxsize=20000)
def _stemmed(phrase: str) -> str:
    return " ".join(stem(w) for w in normalise(phrase).split())


def candidate_key(terms: list[str]) -> str:
    """A candidate's words as DismissedSynonymCandidate stores them: normalised, sorted, comma-separated."""
    return ", ".join(sorted({normalise(t) for t in terms if normalise(t)}))[:500]


def normalise(text: str) -> str:
    """Lowercase words; apostrophes dropped as the stop lists spell them ("it's" is "its")."""
    return " ".join(WORD_RE.findall((text or "").lower().replace("’", "").replace("'", "")))


def content_stems(text: str) -> list[str]:
    return [stem(w) for w in normalise(text).split() if w not in DROP]


# --- the synonym groups as a word lookup ----------------------------------------------------------


class Groups:
    """Synonym groups by member: words in one group count as the same word when queries are compared."""

    def __init__(self, synonyms: list[Synonym]):
        self.by_member: dict[str, Synonym] = {}
        self.signature = [s.terms for s in synonyms]
        for synonym in synonyms:
            for member in synonym.members():
                self.by_member.setdefault(normalise(member), synonym)
        self.longest = max((len(m.split()) for m in self.by_member), default=1)
        self._tokens: dict[str, list[tuple[str, str]]] = {}

    def same_group(self, a: str, b: str) -> bool:
        group = self.by_member.get(a)
        return group is not None and group is self.by_member.get(b)

    def tokens(self, query: str) -> list[tuple[str, str]]:
        """(shown words, comparison key) per word or synonym phrase of `query`, question words
        kept for now (they decide whether "in" is a particle). A synonym member, one word or
        several, becomes one token keyed by its group; other words are keyed by their stem."""
        if query not in self._tokens:
            self._tokens[query] = self._tokenise(query)
        return self._tokens[query]

    def _tokenise(self, query: str) -> list[tuple[str, str]]:
        words = normalise(query).split()
        out: list[tuple[str, str]] = []
        i = 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                phrase = " ".join(words[i : i + size])
                group = self.by_member.get(phrase)
                if group is not None and (size > 1 or phrase not in DROP):
                    out.append((phrase, f"#group{group.pk}"))
                    i += size
                    break
            else:
                out.append((words[i], stem(words[i])))
                i += 1
        return out


def _differing_phrase(tokens: list[tuple[str, str]], shared: set[str]) -> tuple[str, int] | None:
    """The words of a query that the other query lacks, in order, with their particles, and
    their slot (how many shared words come before them); None when they are not in one place."""
    kept: list[str] = []
    slots: set[int] = set()
    before = 0  # shared words so far
    for n, (word, key) in enumerate(tokens):
        if key in shared:
            before += word not in DROP
            continue
        if word in PARTICLES:
            following = tokens[n + 1][0] if n + 1 < len(tokens) else None
            particle = word not in WEAK_PARTICLES or following is None or following in DROP
            # A particle goes with a differing word before it: "kick user out" → "kick out".
            if particle and kept:
                kept.append(word)
            continue
        if word in DROP and word not in NEGATIONS:
            continue
        kept.append(word)
        slots.add(before)
    if len(slots) != 1:
        return None
    return " ".join(kept), slots.pop()


def differing_pair(query_a: str, query_b: str, groups: Groups) -> tuple[str, str] | None:
    """The phrases in which two queries for the same thing differ (query_a's first), or None when
    they offer no candidate (see below, and `checked_pair`)."""
    tokens_a, tokens_b = groups.tokens(query_a), groups.tokens(query_b)
    keys_a = {k for w, k in tokens_a if w not in DROP}
    keys_b = {k for w, k in tokens_b if w not in DROP}
    shared = keys_a & keys_b
    # A synonym takes the other's place among the same words: "remove X" and "delete X" differ
    # in one place. "remove X" and "X error" ask different things about X; "charged twice this
    # month" and "billed twice" differ in two places; and two queries with no word in common
    # ("still hasn't arrived", "toy order": pieces of one title typed apart) say nothing about
    # which of their words mean the same.
    if not shared:
        return None
    a, b = _differing_phrase(tokens_a, shared), _differing_phrase(tokens_b, shared)
    if a is None or b is None or a[1] != b[1]:
        return None
    a, b = a[0], b[0]
    if a == b or len(a.split()) > MAX_PHRASE_WORDS or len(b.split()) > MAX_PHRASE_WORDS:
        return None
    return checked_pair(a, b, groups)


def checked_pair(a: str, b: str, groups: Groups) -> tuple[str, str] | None:
    """(a, b) if they could be offered as synonyms: words on both sides, not alike once stemmed,
    not already in one group."""
    stems_a, stems_b = content_stems(a), content_stems(b)
    if not stems_a or not stems_b or set(stems_a) == set(stems_b):
        return None
    return None if groups.same_group(a, b) else (a, b)


# --- the two sources --------------------------------------------------------------------------------


def _window(days: int):
    return SearchLog.objects.filter(created_at__gte=timezone.now() - datetime.timedelta(days=days))


def _candidate(found: dict[str, Candidate], a: str, b: str, source: str) -> tuple[Candidate, Side, Side]:
    """The candidate for the pair (made on first sight), with its sides in the order (a, b)."""
    key = signature([a, b])
    candidate = found.get(key)
    if candidate is None:
        candidate = found[key] = Candidate(Side(a), Side(b))
    candidate.sources.add(source)
    if signature([candidate.a.phrase]) == signature([a]):
        return candidate, candidate.a, candidate.b
    return candidate, candidate.b, candidate.a


def co_opened(days: int, groups: Groups, found: dict[str, Candidate]) -> None:
    """Candidates from different queries that led to the same article (one grouped query).

    Each (query, article) counts once per candidate side: "kick user out" paired with "remove
    member" and with "remove user" backs "kick out" once, with its own searches."""
    rows = (
        _window(days)
        .exclude(opened_slug="")
        .annotate(q=Lower(Trim("query")))
        .values("q", "opened_slug")
        .annotate(n=Count("id"))
        .filter(n__gte=MIN_SEARCHES)
        .order_by("-n", "q", "opened_slug")[:MAX_ROWS]
    )
    by_article: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        query = normalise(row["q"])
        if query:
            queries = by_article[row["opened_slug"]]
            queries[query] = queries.get(query, 0) + row["n"]
    for slug, queries in by_article.items():
        top = sorted(queries, key=lambda q: (-queries[q], q))[:MAX_QUERIES_PER_ARTICLE]
        seen: set[tuple[int, str]] = set()  # (candidate side, query) on this article
        for query_a, query_b in itertools.combinations(top, 2):
            pair = differing_pair(query_a, query_b, groups)
            if pair is None:
                continue
            candidate, side_a, side_b = _candidate(found, *pair, CO_OPENED)
            counts = candidate.articles.setdefault(slug, [0, 0])
            for side, query, form in ((side_a, query_a, pair[0]), (side_b, query_b, pair[1])):
                if (id(side), query) not in seen:
                    seen.add((id(side), query))
                    side.add(query, queries[query], form)
                    counts[0 if side is candidate.a else 1] += queries[query]


def accepted_corrections(days: int, groups: Groups, found: dict[str, Candidate]) -> None:
    """Candidates from corrections people accepted (one grouped query): an applied correction not
    undone whose results were opened, or a "Did you mean" followed. Only where the typed words
    are real words or a spelling variant of the correction (wifi → wi-fi), not a typo."""
    kept = Q(correction_undone=False) & ~Q(opened_slug="")
    taken = Q(suggestion_taken=True) & ~Q(suggestion="")
    rows = (
        _window(days)
        .filter(~Q(corrected_to="") | taken)
        .annotate(
            q=Lower(Trim("query")),
            to=Case(When(taken, then=Lower(Trim("suggestion"))), default=Lower(Trim("corrected_to"))),
        )
        .values("q", "to")
        .annotate(n=Count("id", filter=kept | taken), undone=Count("id", filter=Q(correction_undone=True)))
        # A correction undone as often as it is kept is a word the corrector should leave alone.
        .filter(n__gte=MIN_SEARCHES, n__gt=F("undone"))
        .order_by("-n", "q", "to")[:MAX_CORRECTION_ROWS]
    )
    for row in rows:
        pair = corrected_words(row["q"], row["to"], groups)
        if pair is None:
            continue
        candidate, typed, corrected = _candidate(found, *pair, CORRECTION)
        typed.add(normalise(row["q"]), row["n"], pair[0])
        corrected.add(normalise(row["to"]), row["n"], pair[1])
        candidate.corrections += row["n"]


def corrected_words(query: str, corrected: str, groups: Groups) -> tuple[str, str] | None:
    """The words a correction changed ("wifi setup" → "wi-fi setup": ("wifi", "wi-fi")), if the
    typed words are worth a synonym: real words, or the same letters spelled apart."""
    typed_words, corrected_words_ = normalise(query).split(), normalise(corrected).split()
    changed = [op for op in SequenceMatcher(a=typed_words, b=corrected_words_, autojunk=False).get_opcodes() if op[0] != "equal"]
    if len(changed) != 1:
        return None
    _tag, i1, i2, j1, j2 = changed[0]
    typed, fixed = " ".join(typed_words[i1:i2]), " ".join(corrected_words_[j1:j2])
    if not typed or not fixed or len(typed.split()) > MAX_PHRASE_WORDS or len(fixed.split()) > MAX_PHRASE_WORDS:
        return None
    variant = _letters(typed) == _letters(fixed)
    if not variant and not all(zipf_frequency(w, "en") >= REAL_WORD_ZIPF for w in typed.split()):
        return None
    return checked_pair(typed, fixed, groups)


def _letters(text: str) -> str:
    return re.sub(r"[\W_]+", "", text)


# --- what the synonyms page offers ------------------------------------------------------------------


def mined(days: int, groups: Groups) -> dict[str, Candidate]:
    """The KEEP best candidates of both sources, by signature, best first. Cached for CACHE_SECONDS when it took longer
    than CACHE_AFTER (a long log: two grouped scans of the window, about 0.8 s at a million
    searches on SQLite), keyed by the synonym groups it was mined with: adding a group mines
    again, while a dismissal is applied after the cache."""
    key = f"search-mining:{days}:{hashlib.sha1('|'.join(sorted(groups.signature)).encode()).hexdigest()}"
    found = cache.get(key)
    if found is None:
        started = time.perf_counter()
        found = {}
        co_opened(days, groups, found)
        accepted_corrections(days, groups, found)
        supported = [(k, c) for k, c in found.items() if c.a.searches >= MIN_SEARCHES and c.b.searches >= MIN_SEARCHES]
        supported.sort(key=lambda item: (-item[1].score, -len(item[1].articles), item[0]))
        # Only the best are kept, best first: enough to fill the page after many dismissals.
        found = dict(supported[:KEEP])
        if time.perf_counter() - started > CACHE_AFTER:
            cache.set(key, found, CACHE_SECONDS)
    return found


def candidates(days: int = WINDOW_DAYS, limit: int = 20) -> list[Candidate]:
    """The best `limit` candidates over the last `days` days, best first, with the titles of the
    articles they opened (the page is for KB owners, who may see every article)."""
    from articles.models import Article

    groups = Groups(list(Synonym.objects.filter(language=DEFAULT_CONTENT_LANGUAGE)))
    found = mined(days, groups)
    # Few rows (one per candidate a KB owner turned down), compared by signature so that a
    # dismissed pair stays dismissed when another form of it becomes the most searched.
    dismissed = {signature(t.split(",")) for t in DismissedSynonymCandidate.objects.values_list("terms", flat=True)}
    offered = [c for key, c in found.items() if key not in dismissed][:limit]
    slugs = {slug for c in offered for slug in c.articles}
    titles = dict(Article.objects.filter(slug__in=slugs).values_list("slug", "title"))
    for c in offered:
        opened = sorted(c.articles.items(), key=lambda item: (-sum(item[1]), item[0]))
        c.titles = [(slug, titles[slug], sum(counts)) for slug, counts in opened if slug in titles][:EXAMPLES]
        c.group, c.merge = groups.by_member.get(normalise(c.a.phrase)), groups.by_member.get(normalise(c.b.phrase))
        if c.group is None:
            c.group, c.merge = c.merge, None
    return offered


class CandidateError(ValueError):
    """A candidate that cannot be added or dismissed; the message is for the KB owner."""


def _phrases(terms: list[str]) -> list[str]:
    phrases = list(dict.fromkeys(normalise(t) for t in terms if normalise(t)))
    if len(phrases) != 2:
        raise CandidateError(_("A candidate is two different words or phrases."))
    return phrases


@transaction.atomic
def add(terms: list[str]) -> Synonym:
    """Make the two phrases synonyms: a new group, or the group one of them is in already takes
    the other (a word in two groups would find only one group's words), or their two groups merge."""
    phrases = _phrases(terms)
    groups = list(Synonym.objects.filter(language=DEFAULT_CONTENT_LANGUAGE).select_for_update().order_by("pk"))
    lookup = Groups(groups)
    found = [lookup.by_member.get(p) for p in phrases]
    existing = list(dict.fromkeys(g for g in found if g is not None))
    members = list(dict.fromkeys([m for g in existing for m in g.members()] + phrases))
    joined = ", ".join(members)
    if len(joined) > 500:
        raise CandidateError(_("That group would be longer than 500 characters; edit the groups by hand."))
    if len(existing) == 2:
        existing[1].delete()
    if existing:
        synonym = existing[0]
        synonym.terms = joined
        synonym.save(update_fields=["terms"])
        return synonym
    return Synonym.objects.create(terms=joined)


def dismiss(terms: list[str], *, by) -> DismissedSynonymCandidate:
    key = candidate_key(_phrases(terms))
    dismissed, _created = DismissedSynonymCandidate.objects.get_or_create(terms=key, defaults={"dismissed_by": by})
    return dismissed
