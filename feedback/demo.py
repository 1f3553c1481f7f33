"""Demo flags and "Was this helpful?" answers, so the flag queue has something in it.

Called by `manage.py load_demo`; idempotent (a flag or vote that exists is left alone).
Built through the services a person would use, so owners also get their notifications.
"""

from __future__ import annotations

from articles.models import Article

from . import services
from .models import Flag, HelpfulVote

# slug, who flags, reason, comment, case
DEMO_FLAGS = [
    (
        "hotel-overbooked-on-arrival",
        "contributor",
        "outdated",
        "The partner hotel list changed in spring; two of the hotels named here no longer take our guests.",
        "CASE-1042",
    ),
    (
        "hotel-non-refundable-refund-exception",
        "candidate",
        "authority_unclear",
        "Does the 150 EUR team-lead limit include the city tax? The rules do not say.",
        "CASE-1077",
    ),
    ("toy-instructions-missing", "publisher", "unclear", "Step 3 says “the usual form”: which one?", ""),
]

# slug, reader, reason, comment
DEMO_VOTES = [
    ("toy-set-missing-part", "customer", "missing_information", "I could not find where to enter the set number."),
]


def load(users: dict) -> None:
    articles = {a.slug: a for a in Article.objects.filter(slug__in=[row[0] for row in DEMO_FLAGS + DEMO_VOTES])}
    for slug, username, reason, comment, case in DEMO_FLAGS:
        article, user = articles.get(slug), users[username]
        if article is None or Flag.objects.filter(article=article, created_by=user, reason=reason).exists():
            continue
        services.raise_flag(by=user, article=article, reason=reason, comment=comment, case_ref=case)
    for slug, username, reason, comment in DEMO_VOTES:
        article, user = articles.get(slug), users[username]
        if article is None or HelpfulVote.objects.filter(article=article, user=user).exists():
            continue
        services.record_vote(user=user, session_key="", article=article, helpful=False, reason=reason, comment=comment)
