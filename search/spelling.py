"""When a spelling correction may be made, and whether it replaces the query or is only offered.

One rule for both search backends (their `correct` finds candidates in the vocabulary of the
articles the caller may see; this module decides which candidates a word may be corrected to)
and for every surface that shows a correction (search.service.search decides once, the results
page and the API show what it decided).

Why a language word list as well as the knowledge base's own vocabulary: the KB knows the
words its articles use, not the words customers use. "parrot chewed the smart plug cable" has
words no article uses, and the nearest KB words ("part", "plan") are a different question.
`wordfreq` (its frequency lists ship inside the package) says how common a word is, as a Zipf
value: log10 of its frequency per billion words ("the" 7.7, "password" 4.1, "parrot" 3.5,
"minifigure" 2.0, an unknown string 0).

Its lists also hold common misspellings, so being listed is not enough: "recieve" is 2.75,
"untill" 2.97, "thier" 2.99. No single Zipf value separates misspellings from rare words
("widget" 2.96, "gecko" 2.91, "tangerine" 2.94), so the rule has two parts:

- At least WORD_ZIPF, a word is a word of the language: never corrected. The most common
  misspellings of four letters or more stay just below it; "chewed" (3.24), "parrot" (3.49) and
  "lego" (3.83) are above it.
- Below WORD_ZIPF, a listed word is a word unless a candidate the backend found (within two
  edits, in an article the caller may see) is at least CORRECTION_MARGIN more common: 1.5 is
  about 30 times. Misspellings and their words differ by 1.6 ("occurence") to 3.9 ("becasue");
  a rare word and a commoner neighbour rarely differ that much. A word the list does not know
  at all (0: "pasword", "refnud") may be corrected to any candidate, as before.
"""

from __future__ import annotations

import functools
from collections import Counter
from typing import TYPE_CHECKING

from django.conf import settings
from wordfreq import available_languages, zipf_frequency

if TYPE_CHECKING:
    from .backends.base import SearchResults

WORD_ZIPF = 3.1
CORRECTION_MARGIN = 1.5

# An automatic correction replaces the hits for what was typed only when these were next to
# nothing, and the correction clearly finds more. Counting hits alone is not enough: search falls
# back to any one of the words when no article has them together, so "pasword reset" finds every
# "reset" article (a misspelled word is, by construction, in no article the caller may see). So:
# - what was typed found next to nothing: no hit at all, or no article with its words together
#   (SearchResults.partial), or at most NEXT_TO_NOTHING articles;
# - the correction is confident: its words are found together (not partial) in at least
#   CLEARLY_MORE times as many articles (and at least one); when what was typed found no hit at
#   all, any hit of the correction is better than nothing.
# Otherwise the hits for what was typed are shown and the correction is only offered ("Did you
# mean …?"): a correction never hides a query that found its words.
NEXT_TO_NOTHING = 1
CLEARLY_MORE = 3


# wordfreq's code where it differs from the content language's (Norwegian: Bokmål).
WORDFREQ_CODES = {"no": "nb"}


@functools.cache
def _language(language: str | None = None) -> str | None:
    """The wordfreq list for a content language (the query's; default: the site's language)."""
    code = (language or settings.LANGUAGE_CODE).split("-")[0].lower()
    code = WORDFREQ_CODES.get(code, code)
    return code if code in available_languages() else None


@functools.lru_cache(maxsize=20000)
def zipf(word: str, language: str | None = None) -> float:
    """How common `word` is in `language` (the query's content language; default: the site's
    language); 0 when unknown or there is no word list for it."""
    code = _language(language)
    return zipf_frequency(word, code) if code else 0.0


def is_word(word: str, language: str | None = None) -> bool:
    """A word of `language` common enough never to be taken for a misspelling, whatever the KB holds."""
    return zipf(word, language) >= WORD_ZIPF


def may_correct(word: str, candidate: str, language: str | None = None) -> bool:
    """Whether `word` (not in any article in `language` the caller may see) may be corrected to `candidate`."""
    typed = zipf(word, language)
    if typed == 0:
        return True
    return typed < WORD_ZIPF and zipf(candidate, language) - typed >= CORRECTION_MARGIN


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment): "refnud" → "refund" is 1."""
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def closeness(word: str, candidate: str) -> tuple[int, int]:
    """How to rank corrections of `word` (smaller is closer): fewest edits first, then the most
    letters in common ("tabel": "tables" before "take", both two edits away)."""
    common = sum((Counter(word) & Counter(candidate)).values())
    return edit_distance(word, candidate), -common


def applies(typed: SearchResults, corrected: SearchResults, *, nonword: bool = False) -> bool:
    """Whether the `corrected` results replace the `typed` ones (else the correction is only offered).

    `nonword`: a corrected word is no word of the language at all ("pasword", "authentcation"). No
    article the caller may see contains it either, so whatever the typed query found, it found by
    leaving that word out: next to nothing of what was asked. The correction then replaces the
    hits whenever it is confident (its words found together). A rare word of the language
    ("lisence") may be a name or a term the KB lacks: it is corrected only by the stricter rule.
    """
    if not corrected.total:
        return False
    if not typed.total:
        return True
    if nonword and not corrected.partial:
        return True
    found = 0 if typed.partial else typed.total
    return found <= NEXT_TO_NOTHING and not corrected.partial and corrected.total >= max(1, CLEARLY_MORE * found)
