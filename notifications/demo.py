"""Demo subscriptions, preferences and material updates, so the bell, the notifications page and
"What's new" have something in them. Idempotent: called by `load_demo` on every run."""

from __future__ import annotations

from articles.models import Article, Product, Tag

from .models import ArticleUpdate, EmailChoice, Preference, Subscription

# (user, kind, key): what demo people follow.
SUBSCRIPTIONS = [
    ("contributor", "product", "hotel-bookings"),
    ("contributor", "article", "hotel-non-refundable-refund-exception"),
    ("candidate", "tag", "overbooking"),
    ("coach", "tag", "refund-policy"),
    ("publisher", "product", "bricks-toys"),
    ("customer", "article", "hotel-confirmation-not-received"),
    ("partner", "article", "hotel-confirmation-not-received"),
]

PREFERENCES = {"publisher": EmailChoice.DIGEST, "partner": EmailChoice.NONE}

# (article slug, field, old text, new text, change note): material updates by the KB owner.
UPDATES = [
    (
        "hotel-confirmation-not-received",
        "resolution",
        "Most accept within\n   30 minutes; if it is older than 2 hours, contact the hotel or escalate.",
        "Most accept within\n   15 minutes; if it is older than 1 hour, contact the hotel or escalate.",
        "Hotels now accept faster: chase a pending booking after 1 hour instead of 2.",
    ),
    (
        "hotel-overbooked-on-arrival",
        "resolution",
        "1. Get a phone number where the customer can be reached in the next hour.",
        "1. Get a phone number where the customer can be reached in the next hour, and text them the case number.",
        "Text the customer the case number first, so any colleague can pick the case up.",
    ),
]


def load(users: dict) -> None:
    for username, kind, key in SUBSCRIPTIONS:
        target = _target(kind, key)
        if target is not None and username in users:
            Subscription.objects.get_or_create(user=users[username], **{kind: target})
    for username, choice in PREFERENCES.items():
        if username in users:
            Preference.objects.get_or_create(user=users[username], defaults={"email": choice})
    for slug, field, old, new, note in UPDATES:
        _update(users["owner"], slug, field, old, new, note)


def _target(kind: str, key: str):
    if kind == "article":
        return Article.objects.filter(slug=key).first()
    if kind == "product":
        return Product.objects.filter(slug=key).first()
    return Tag.objects.filter(name=key).first()


def _update(owner, slug: str, field: str, old: str, new: str, note: str) -> None:
    article = Article.objects.filter(slug=slug).first()
    if article is None or ArticleUpdate.objects.filter(article=article, note=note).exists():
        return
    text = getattr(article, field)
    if old not in text:
        return  # the demo article was changed by hand: leave it alone
    # Through the real operation: subscribers and reusers are told once the edit commits.
    article.edit(by=owner, base_version=article.version, changes={field: text.replace(old, new)}, note=note, material=True)
