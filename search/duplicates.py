"""One article per issue: probable duplicates of a draft while it is written, and across the KB.

While capturing (`similar_to_draft`): the keyword engine is asked for the draft's distinctive
words (any of them, both backends), the semantic layer for the articles closest in meaning to its
title and issue; each candidate is scored by how much of the draft's title its title shares, how
much of the draft's text its title and issue hold, and its similarity in meaning. Below
SUGGEST_FLOOR nothing is shown: an agent who sees "similar" articles that are not learns to
ignore the box. Only articles the author may open, not archived or merged, the draft excluded.

Across the KB (`find_pairs`, run by `manage.py find_duplicates` and the background loop daily):
every article's vector against every other, in blocks (numpy), pairs above PAIR_COSINE_FLOOR
confirmed by their titles; with the semantic layer off, titles sharing most of their distinctive
words. Stored as DuplicatePair rows for KB owners; a dismissed pair is never listed again.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections import Counter, defaultdict

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from articles import policy, relations
from articles.models import Article, ArticleRelation, InvalidChange, RelationKind, State, require
from articles.rendering import public_text

from . import semantic
from .backends import get_backend
from .backends.base import SearchRequest
from .models import DuplicatePair
from .query import parse
from .rerank import STOP_WORDS, WORD_RE, stem

log = logging.getLogger(__name__)

# --- while capturing: tuned on the demo data and the GitHub Docs corpus (see the decision record) --
KEYWORD_DEPTH = 20  # the keyword engine's best this many are candidates
SEMANTIC_DEPTH = 10  # and the closest this many in meaning
QUERY_WORDS = 12  # the draft's most distinctive words sent to the keyword engine
TITLE_WEIGHT, TEXT_WEIGHT, MEANING_WEIGHT = 0.5, 0.2, 0.3
PRODUCT_BONUS = 0.05
# A cosine at MEANING_LOW counts nothing, at MEANING_HIGH fully (this model's coarse scale:
# unrelated articles 0.3 to 0.6, one topic 0.6 to 0.9, near-duplicates above 0.85).
MEANING_LOW, MEANING_HIGH = 0.6, 0.95
SUGGEST_FLOOR = 0.4
# ... nor far below the best one: a clear match is shown with its near rivals, not with everything
# on the topic (on the corpus: precision 0.37 → 0.59, no near-duplicate lost).
CLOSE_TO_BEST = 0.2
DRAFT_TEXT_CHARS = 2000

# --- across the KB ---------------------------------------------------------------------------------
PAIR_COSINE_FLOOR = 0.72  # candidates by meaning ...
# ... kept when the combined score (meaning and shared title words) reaches this. The demo's
# near-duplicate pairs score 0.47 and 0.66; GitHub Docs (a documentation set, with "About X" next to
# "Configuring X") has 763 pairs of 1,374 articles above 0.6, 304 above 0.7: the list is best first.
PAIR_SCORE_FLOOR = 0.6
PAIR_MEANING_WEIGHT = 0.5  # the rest is how many of their title words they share (Dice)
TITLE_PAIR_FLOOR = 0.75  # without vectors: titles sharing this share (Dice) of their words
BLOCK = 512  # rows compared at once: BLOCK × articles float32 scores in memory (200 MB at 100k)
PAIRS_PER_ARTICLE = 5
COMMON_STEM = 200  # a title word in more titles than this says nothing about duplicates


def content_stems(text: str) -> list[str]:
    """Distinctive words of `text`, stemmed, in order (stop words and one-letter words dropped)."""
    words = WORD_RE.findall((text or "").lower().replace("’", "'").replace("'", ""))
    return [stem(w) for w in words if w not in STOP_WORDS and len(w) > 1 and not w.isdigit()]


def _original_words(text: str) -> dict[str, str]:
    """Each stem of `text` → the first word that gave it (reasons name words, not stems)."""
    out: dict[str, str] = {}
    for word in WORD_RE.findall((text or "").lower()):
        if word not in STOP_WORDS and len(word) > 1 and not word.isdigit():
            out.setdefault(stem(word), word)
    return out


def dice(a: set, b: set) -> float:
    return 2 * len(a & b) / (len(a) + len(b)) if a and b else 0.0


def cosine_counts(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(n * b[w] for w, n in a.items() if w in b)
    return dot / math.sqrt(sum(n * n for n in a.values()) * sum(n * n for n in b.values()))


def meaning_part(cosine: float | None) -> float:
    if cosine is None:
        return 0.0
    return max(0.0, min(1.0, (cosine - MEANING_LOW) / (MEANING_HIGH - MEANING_LOW)))


@dataclasses.dataclass
class Suggestion:
    article: Article
    score: float
    reasons: list[str]
    cosine: float | None = None


@dataclasses.dataclass
class Draft:
    title: str = ""
    issue: str = ""
    environment: str = ""
    product_id: int | None = None

    @property
    def text(self) -> str:
        return " ".join(p for p in (self.title, public_text(self.issue), public_text(self.environment)) if p)[:DRAFT_TEXT_CHARS]

    @property
    def is_empty(self) -> bool:
        return len(content_stems(self.title + " " + self.issue)) < 2


def similar_to_draft(
    user,
    *,
    title: str = "",
    issue: str = "",
    environment: str = "",
    product_id: int | None = None,
    exclude_id: int | None = None,
    dismissed: set[int] | frozenset = frozenset(),
    limit: int = 5,
) -> list[Suggestion]:
    """Articles `user` may open that probably describe the issue this draft describes, best first,
    each with why it matched. [] for a draft too short to judge (fewer than two distinctive words)."""
    draft = Draft(title=title.strip(), issue=issue.strip(), environment=environment.strip(), product_id=product_id)
    if draft.is_empty or not policy.is_staff(user):
        return []
    skip = {exclude_id, *dismissed} - {None}
    found = _keyword_candidates(draft, user)
    meaning: dict[int, float] = {}
    if semantic.enabled():
        meaning_text = " ".join(p for p in (draft.title, public_text(draft.issue)) if p)[: semantic.TEXT_CHARS]
        try:
            vector = semantic.embed([meaning_text])[0]
            closest, known = semantic.index().nearest(
                vector, user, {}, limit=SEMANTIC_DEPTH, exclude=tuple(skip), also=list(found)
            )
            meaning = {**known, **dict(closest)}
        except Exception:  # noqa: BLE001 — keyword candidates stand on their own
            log.exception("Duplicate suggestions by meaning are not available")
    ids = (found | set(meaning)) - skip
    if not ids:
        return []
    rows = (
        Article.objects.visible_to(user)
        .filter(pk__in=ids, merged_into__isnull=True)
        .exclude(state=State.ARCHIVED)
        .select_related("product")
        .only("pk", "slug", "title", "issue", "state", "audience", "product__name", "product_id", "reuse_count", "updated_at")
    )
    scored = [score_candidate(draft, article, meaning.get(article.pk)) for article in rows]
    scored = [s for s in scored if s.score >= SUGGEST_FLOOR]
    scored.sort(key=lambda s: (-s.score, s.article.pk))
    return [s for s in scored if s.score >= scored[0].score - CLOSE_TO_BEST][:limit]


def _keyword_candidates(draft: Draft, user) -> set[int]:
    """The keyword engine's best matches for the draft's most distinctive words (any of them).

    The words are the title's first, then the issue's most frequent ones: a pasted error message
    or a long issue should not drown the title. Not logged as a search (nobody searched)."""
    words: list[str] = []
    for word in WORD_RE.findall(draft.title.lower()) + _frequent(public_text(draft.issue)):
        if word not in STOP_WORDS and len(word) > 2 and not word.isdigit() and word not in words:
            words.append(word)
    if not words:
        return set()
    text = " ".join(words[:QUERY_WORDS])
    # Three words or more: both backends match "most, then any" of them (search.backends).
    request = SearchRequest(text=text, user=user, per_page=KEYWORD_DEPTH, facets=False, autocorrect=False)
    try:
        results = get_backend().search(request, parse(text))
    except Exception:  # noqa: BLE001 — a broken index must not break writing an article
        log.exception("Duplicate suggestions by keyword are not available")
        return set()
    return {hit.article_id for hit in results.hits}


def _frequent(text: str, n: int = 8) -> list[str]:
    counts = Counter(w for w in WORD_RE.findall(text.lower()) if w not in STOP_WORDS and len(w) > 2)
    return [w for w, _ in counts.most_common(n)]


def score_candidate(draft: Draft, article: Article, cosine: float | None) -> Suggestion:
    """How probably `article` describes the draft's issue (0 to 1), and why, in words."""
    draft_title = set(content_stems(draft.title))
    their_title = set(content_stems(article.title))
    title_score = dice(draft_title, their_title)
    draft_text = Counter(content_stems(draft.text))
    their_text = Counter(content_stems(article.title + " " + public_text(article.issue)[:DRAFT_TEXT_CHARS]))
    text_score = cosine_counts(draft_text, their_text)
    weights = TITLE_WEIGHT + TEXT_WEIGHT + (MEANING_WEIGHT if cosine is not None else 0.0)
    score = (TITLE_WEIGHT * title_score + TEXT_WEIGHT * text_score + MEANING_WEIGHT * meaning_part(cosine)) / weights
    reasons = []
    shared = draft_title & their_title
    if shared:
        words = _original_words(article.title)
        order = content_stems(article.title)
        shared_words = ", ".join(words.get(s, s) for s in sorted(shared, key=order.index))
        reasons.append(_("Title shares: %(words)s") % {"words": shared_words})
    if text_score >= 0.3:
        reasons.append(_("Issue uses many of the same words (%(share)s)") % {"share": f"{text_score:.0%}"})
    if cosine is not None and cosine >= MEANING_LOW + 0.1:
        reasons.append(_("Similar in meaning (%(cosine)s)") % {"cosine": f"{cosine:.2f}"})
    if draft.product_id and article.product_id == draft.product_id:
        score += PRODUCT_BONUS
        reasons.append(_("Same product (%(product)s)") % {"product": article.product.name})
    return Suggestion(article=article, score=round(min(score, 1.0), 3), reasons=reasons, cosine=cosine)


# --- what the author does with a suggestion -------------------------------------------------------


# What `use_instead` drops or keeps for another article: a draft, never published knowledge
# (a validated article leaves the KB by a merge, which moves what hangs on it).
DRAFT_STATES = (State.WIP, State.NOT_VALIDATED)


def _pair(a_id: int, b_id: int) -> tuple[int, int]:
    return (a_id, b_id) if a_id < b_id else (b_id, a_id)


def dismiss(*, by, article: Article, other: Article, score: float = 0.0, reasons: list | None = None) -> DuplicatePair:
    """`by` says `article` and `other` are not duplicates: the pair is stored dismissed, so neither
    the author's check on save nor the KB-wide job offers it again."""
    first, second = _pair(article.pk, other.pk)
    if first == second:
        raise ValueError("An article is not a duplicate of itself.")
    pair, _created = DuplicatePair.objects.get_or_create(
        first_id=first, second_id=second, defaults={"score": score, "reasons": reasons or []}
    )
    if pair.dismissed_at is None:
        pair.dismissed_by, pair.dismissed_at = by, timezone.now()
        pair.save(update_fields=["dismissed_by", "dismissed_at"])
    return pair


def dismissed_with(article_id: int) -> set[int]:
    """The articles someone said are not duplicates of `article_id`."""
    rows = DuplicatePair.objects.filter(Q(first_id=article_id) | Q(second_id=article_id), dismissed_at__isnull=False)
    return {b if a == article_id else a for a, b in rows.values_list("first_id", "second_id")}


def created_link(draft: Article):
    """The live `created` case link of a draft written from a case (cases.capture), or None."""
    from cases.choices import LinkKind
    from cases.models import CaseLink

    return CaseLink.objects.live().filter(article=draft, kind=LinkKind.CREATED).select_related("case").first()


def use_instead(*, by, chosen: Article, draft: Article | None = None, case=None, keep_draft: bool = False) -> str:
    """`by` uses `chosen` instead of writing `draft` (None: it was never saved). Returns what
    happened, in words, for the message on the chosen article's page.

    The case the draft was written from (its `created` link, or `case`) is linked to `chosen` as
    reference; without a case, a reuse is recorded. A saved draft (work in progress or not
    validated: `DRAFT_STATES`, else InvalidChange) is then kept, related to `chosen`, or discarded:
    its own `created` link removed (part of dropping it, for whoever may edit it) and archived as
    a duplicate of `chosen` when `by` may archive it, else marked duplicate for a KB owner to
    archive. Either way the pair is stored dismissed: the daily job does not list it again.
    """
    from cases import services as cases
    from cases.choices import LinkKind
    from health.services import record_reuse

    require(policy.can_view(by, chosen))
    if draft is not None:
        require(policy.can_edit(by, draft))
        if draft.state not in DRAFT_STATES or draft.merged_into_id:
            raise InvalidChange(
                _(
                    "“%(title)s” is %(state)s, not a draft: only work in progress or a not yet validated article"
                    " can be dropped or kept for another one. Merge them instead."
                )
                % {"title": draft.title, "state": draft.get_state_display().lower()}
            )
    made_link = created_link(draft) if draft is not None else None
    case = made_link.case if made_link is not None else case
    said = []
    with transaction.atomic():
        if case is not None:
            cases.link(case=case, article=chosen, kind=LinkKind.REFERENCE, by=by)
            said.append(_("Linked to case %(case)s.") % {"case": case.label})
        else:
            record_reuse(article=chosen, by=by)
            said.append(_("Your use of it is recorded."))
        if draft is None:
            said.append(_("Your draft was not saved."))
            return " ".join(said)
        kind = RelationKind.RELATED if keep_draft else RelationKind.DUPLICATE_OF
        _relate(by=by, draft=draft, chosen=chosen, kind=kind)
        dismiss(by=by, article=draft, other=chosen)  # decided: the daily job does not list the pair again
        if keep_draft:
            said.append(
                _("Your draft “%(title)s” is kept as work in progress, related to this article.") % {"title": draft.title}
            )
            return " ".join(said)
        if made_link is not None:
            reason = f"Duplicate of “{chosen.title[:150]}”: used that article instead."
            cases.unlink(link=made_link, by=by, reason=reason, draft=draft)
        if policy.can_transition(by, draft, State.ARCHIVED):
            draft.archive(by=by, note=f"Duplicate of {chosen.title}"[:500])
            said.append(_("Your draft “%(title)s” is archived as a duplicate.") % {"title": draft.title})
        else:
            said.append(
                _("Your draft “%(title)s” is marked as a duplicate of this article; a KB owner will archive it.")
                % {"title": draft.title}
            )
    return " ".join(said)


def _relate(*, by, draft: Article, chosen: Article, kind: str) -> None:
    """The draft related to the article used instead, by the relations' own rules (history on
    both, no cycles); already related either way is as good."""
    try:
        relations.relate(from_article=draft, to_article=chosen, kind=kind, by=by)
    except InvalidChange:
        if not ArticleRelation.objects.filter(
            Q(from_article=draft, to_article=chosen) | Q(from_article=chosen, to_article=draft)
        ).exists():
            raise


# --- across the KB ----------------------------------------------------------------------------


@dataclasses.dataclass
class Found:
    pairs: dict[tuple[int, int], tuple[float, list[str]]]
    articles: int
    seconds: float
    method: str


def live_articles():
    """What the KB-wide check compares: articles in use (not archived, not merged away)."""
    return Article.objects.exclude(state=State.ARCHIVED).filter(merged_into__isnull=True)


def find_pairs(*, use_vectors: bool | None = None) -> Found:
    """Probable duplicate pairs among the articles in use: {(first, second): (score, reasons)}."""
    started = time.perf_counter()
    titles = dict(live_articles().values_list("pk", "title"))
    use_vectors = semantic.enabled() if use_vectors is None else use_vectors
    pairs, method = {}, "titles"
    if use_vectors:
        try:
            pairs, method = _pairs_by_meaning(titles), "meaning"
        except semantic.SemanticUnavailable:
            log.exception("Duplicate pairs by meaning are not available; comparing titles")
    if method == "titles":
        pairs = _pairs_by_title(titles)
    return Found(pairs=pairs, articles=len(titles), seconds=time.perf_counter() - started, method=method)


def _vectors(ids: set[int]) -> tuple[np.ndarray, np.ndarray]:
    from .models import ArticleVector

    model = semantic.encoder().name
    rows = ArticleVector.objects.filter(model=model).values_list("article_id", "vector").iterator(chunk_size=5000)
    kept = [(pk, vector) for pk, vector in rows if pk in ids]
    if not kept:
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    return np.array([pk for pk, _ in kept], np.int64), np.stack([semantic.from_bytes(v) for _, v in kept])


def nearby_pairs(vectors: np.ndarray, floor: float, *, block: int = BLOCK, per_row: int = PAIRS_PER_ARTICLE):
    """Row pairs (i < j) whose cosine is at least `floor`, at most `per_row` best for each row:
    [(i, j, cosine)]. A block of rows at a time against the rows after its start only (each pair
    is compared once: half the products of a full matrix)."""
    out = []
    n = len(vectors)
    for start in range(0, n, block):
        scores = vectors[start : start + block] @ vectors[start:].T  # column c is row start + c
        for r in range(scores.shape[0]):
            scores[r, : r + 1] = -1.0  # never an article with itself, nor a pair twice
        rows, cols = np.nonzero(scores >= floor)
        if not len(rows):
            continue
        by_row = defaultdict(list)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            by_row[r].append((float(scores[r, c]), c))
        for r, found in by_row.items():
            for cosine, c in sorted(found, reverse=True)[:per_row]:
                out.append((start + r, start + c, cosine))
    return out


def _pairs_by_meaning(titles: dict[int, str]) -> dict:
    ids, vectors = _vectors(set(titles))
    stems = {}
    pairs = {}
    for i, j, cosine in nearby_pairs(vectors, PAIR_COSINE_FLOOR):
        a, b = _pair(int(ids[i]), int(ids[j]))
        for pk in (a, b):
            if pk not in stems:
                stems[pk] = set(content_stems(titles[pk]))
        title = dice(stems[a], stems[b])
        score = PAIR_MEANING_WEIGHT * meaning_part(cosine) + (1 - PAIR_MEANING_WEIGHT) * title
        if score >= PAIR_SCORE_FLOOR:
            pairs[(a, b)] = (round(score, 3), _pair_reasons(titles[a], titles[b], stems[a] & stems[b], cosine))
    return pairs


def _pairs_by_title(titles: dict[int, str]) -> dict:
    """Titles sharing most of their distinctive words (an inverted index on title words; words in
    more than COMMON_STEM titles are left out, so the work stays near linear)."""
    stems = {pk: set(content_stems(title)) for pk, title in titles.items()}
    postings = defaultdict(list)
    for pk, words in stems.items():
        for word in words:
            postings[word].append(pk)
    shared: Counter = Counter()
    for members in postings.values():
        if 1 < len(members) <= COMMON_STEM:
            for x in range(len(members)):
                for y in range(x + 1, len(members)):
                    shared[_pair(members[x], members[y])] += 1
    pairs = {}
    for (a, b), n in shared.items():
        if n < 2:
            continue
        score = dice(stems[a], stems[b])
        if score >= TITLE_PAIR_FLOOR:
            pairs[(a, b)] = (round(score, 3), _pair_reasons(titles[a], titles[b], stems[a] & stems[b], None))
    return pairs


def _pair_reasons(title_a: str, title_b: str, shared: set, cosine: float | None) -> list[str]:
    reasons = []
    if shared:
        words = _original_words(title_a)
        reasons.append("Titles share: " + ", ".join(sorted(words.get(s, s) for s in shared)))
    if cosine is not None:
        reasons.append(f"Similar in meaning ({cosine:.2f})")
    return reasons


def store(found: Found) -> dict[str, int]:
    """Upsert the pairs found: new ones added, open ones re-scored, open ones no longer found (or
    whose article was archived or merged) removed. A dismissed pair is never touched again."""
    dismissed = set(DuplicatePair.objects.filter(dismissed_at__isnull=False).values_list("first_id", "second_id"))
    current = {
        (a, b): pk
        for pk, a, b in DuplicatePair.objects.filter(dismissed_at__isnull=True).values_list("pk", "first_id", "second_id")
    }
    now = timezone.now()
    new = [
        DuplicatePair(first_id=a, second_id=b, score=score, reasons=reasons, found_at=now)
        for (a, b), (score, reasons) in found.pairs.items()
        if (a, b) not in dismissed and (a, b) not in current
    ]
    stale = [pk for key, pk in current.items() if key not in found.pairs]
    with transaction.atomic():
        DuplicatePair.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        updated = [
            DuplicatePair(pk=pk, score=found.pairs[key][0], reasons=found.pairs[key][1])
            for key, pk in current.items()
            if key in found.pairs
        ]
        DuplicatePair.objects.bulk_update(updated, ["score", "reasons"], batch_size=1000)
        for start in range(0, len(stale), 1000):
            DuplicatePair.objects.filter(pk__in=stale[start : start + 1000], dismissed_at__isnull=True).delete()
    return {"added": len(new), "updated": len(updated), "removed": len(stale)}


def refresh() -> dict[str, int]:
    """Find and store the pairs (what the command and the background loop run)."""
    found = find_pairs()
    counts = store(found)
    counts.update(articles=found.articles, seconds=round(found.seconds, 1))
    log.info("Duplicate pairs (%s): %s", found.method, counts)
    return counts


def open_pairs():
    """Pairs for KB owners to look at: not dismissed, both articles still in use, best first."""
    return (
        DuplicatePair.objects.filter(dismissed_at__isnull=True)
        .exclude(first__state=State.ARCHIVED)
        .exclude(second__state=State.ARCHIVED)
        .filter(first__merged_into__isnull=True, second__merged_into__isnull=True)
        .select_related("first__product", "second__product")
        .order_by("-score", "id")
    )


def dashboard_panel(user) -> dict:
    """The KB owner's count of probable duplicate pairs waiting."""
    if not policy.can_review_duplicates(user):
        return {}
    return {"open": open_pairs().count()}
