"""The title re-ranker (search.rerank): pure, so these tests need no database or engine."""

from search.backends.base import Hit
from search.query import parse
from search.rerank import KEEP_TOP, REUSE_WEIGHT, rerank, reuse_bonus, title_features


def hits(*titles_and_scores) -> list[Hit]:
    return [Hit(article_id=n, slug=f"a{n}", title=t, score=s) for n, (t, s) in enumerate(titles_and_scores)]


def titles(ranked: list[Hit]) -> list[str]:
    return [h.title for h in ranked]


def test_a_title_the_query_fully_covers_moves_up_for_a_single_word():
    candidates = hits(("Creating webhooks", 0.77), ("Testing webhooks for your account", 0.76), ("About webhooks", 0.75))
    assert titles(rerank(parse("webhooks"), candidates))[0] == "About webhooks"


def test_stems_match_and_question_words_do_not_count():
    fit, recall, _ = title_features(parse("how do I re-run a failed workflow"), "Re-running failed workflows")
    assert recall == 1.0
    assert fit == 1.0


def test_synonyms_count_as_the_word_they_stand_for():
    parsed = parse("remove org member", [["org", "organization"]])
    _, recall, _ = title_features(parsed, "Removing a member from your organization")
    assert recall == 1.0


def test_query_words_in_order_in_the_title_are_a_phrase():
    assert title_features(parse("merge conflict"), "Resolving a merge conflict")[2] == 1.0
    assert title_features(parse("merge conflict"), "Conflict when you merge")[2] == 0.0


def test_a_short_title_naming_one_word_of_a_long_query_is_not_a_full_fit():
    fit, _, _ = title_features(parse("webhook secret signature header"), "Webhooks")
    assert fit < 0.5


def test_the_engine_best_match_is_never_pushed_below_keep_top():
    # The engine's first hit has a title with no query word; every other title is a perfect fit.
    candidates = hits(("Unrelated heading", 1.0), *[("Webhooks", 0.99 - n / 1000) for n in range(10)])
    ranked = rerank(parse("webhooks"), candidates)
    assert ranked.index(candidates[0]) == KEEP_TOP - 1
    assert rerank(parse("webhooks"), candidates, keep_top=1)[0] is candidates[0]


def test_a_much_better_text_match_is_not_overtaken_by_title_fit_alone():
    candidates = hits(("Configuring the webhook delivery queue", 1.0), ("Webhooks", 0.3))
    assert titles(rerank(parse("webhooks"), candidates))[0] == "Configuring the webhook delivery queue"


def test_only_the_first_depth_candidates_move_and_none_are_lost():
    candidates = hits(*[(f"Setting up thing {n}", 1.0 - n / 100) for n in range(6)], ("Things", 0.5))
    ranked = rerank(parse("things"), candidates, depth=3)
    assert ranked[3:] == candidates[3:]
    assert sorted(h.article_id for h in ranked) == [h.article_id for h in candidates]


def test_scores_are_left_as_the_engine_gave_them():
    candidates = hits(("Creating webhooks", 0.77), ("About webhooks", 0.75))
    ranked = rerank(parse("webhooks"), candidates)
    assert {h.title: h.score for h in ranked} == {"Creating webhooks": 0.77, "About webhooks": 0.75}


def test_zero_scores_fall_back_to_the_engine_order():
    candidates = hits(("Creating webhooks for your account", 0.0), ("Creating webhooks", 0.0))
    assert titles(rerank(parse("webhooks"), candidates))[0] == "Creating webhooks for your account"


def test_empty_and_single_candidate_lists_are_returned_as_they_are():
    assert rerank(parse("webhooks"), []) == []
    one = hits(("Creating webhooks", 0.5))
    assert rerank(parse("webhooks"), one) == one


# --- reuse: a gentle nudge ---------------------------------------------------------------------


def test_reuse_breaks_a_near_tie_between_equally_good_titles():
    candidates = hits(("Creating webhooks", 0.80), ("Deleting webhooks", 0.79), ("Listing webhooks", 0.78))
    assert titles(rerank(parse("webhooks"), candidates)) == ["Creating webhooks", "Deleting webhooks", "Listing webhooks"]
    ranked = rerank(parse("webhooks"), candidates, reuse={2: 40})
    assert titles(ranked)[0] == "Listing webhooks"


def test_no_amount_of_reuse_lifts_a_weak_match_over_a_clearly_better_one():
    candidates = hits(("Rotating the webhook secret", 1.0), ("Webhook delivery logs", 0.6))
    ranked = rerank(parse("webhook secret"), candidates, reuse={1: 1_000_000})
    assert titles(ranked) == ["Rotating the webhook secret", "Webhook delivery logs"]


def test_reuse_never_moves_the_best_text_match_below_keep_top():
    candidates = hits(("Configuring webhooks for your account", 1.0), *(("Webhooks", 0.99) for _ in range(9)))
    ranked = rerank(parse("webhooks"), candidates, reuse={n: 10_000 for n in range(1, 10)})
    assert ranked.index(candidates[0]) <= KEEP_TOP - 1


def test_the_reuse_bonus_is_bounded_and_grows_ever_more_slowly():
    assert reuse_bonus(0) == 0.0
    assert 0 < reuse_bonus(1) < reuse_bonus(10) < reuse_bonus(100) == REUSE_WEIGHT
    assert reuse_bonus(10**9) == REUSE_WEIGHT
    assert reuse_bonus(2) - reuse_bonus(1) > reuse_bonus(11) - reuse_bonus(10)
