"""Search's panel on article pages: related articles, the nearest in meaning (search.semantic)."""

from __future__ import annotations

from django.conf import settings

from articles.models import Audience, State

from . import semantic

RELATED_LIMIT = 5


def related_articles(user, article, *, help_centre: bool = False) -> list:
    """Up to RELATED_LIMIT articles close in meaning to `article` that `user` may open, closest
    first; none below KCS_RELATED_MIN_SIMILARITY (nearest is not the same as related).

    `help_centre`: only what the help centre shows (validated, written for outside readers), so a
    member of staff previewing a help page sees what customers see. [] when matching by meaning is off.
    """
    floor = settings.KCS_RELATED_MIN_SIMILARITY
    found = semantic.similar(article, user, limit=RELATED_LIMIT * 2 if help_centre else RELATED_LIMIT)
    # Never the article's own translation set: its source or a translation reads as the same article.
    own_set = article.translation_of_id or article.pk
    related = [a for a, similarity in found if similarity >= floor and own_set not in (a.pk, a.translation_of_id)]
    if help_centre:
        related = [a for a in related if a.state == State.VALIDATED and a.audience != Audience.INTERNAL]
    return related[:RELATED_LIMIT]
