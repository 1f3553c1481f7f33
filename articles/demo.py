"""Demo structure and links: a second article template (the Smart Thermostat's default, with an
article written in it), relations between demo articles, and a draft that duplicates a validated
article, so the template pages, the "Linked articles" panels, the probable-duplicates list and the
merge page have something to show (`make demo-data` runs `find_duplicates` once the index is
built). Called by `load_demo`; safe to run again (what is there already is left alone)."""

from __future__ import annotations

from django.db import transaction

from . import demo_translations, relations, structure
from .models import Article, ArticleRelation, ArticleTemplate, Product, RelationKind, State

TROUBLESHOOTING = [
    {"key": "symptom", "label": "What the customer sees", "help": "In their words.", "role": "issue"},
    {"key": "environment", "label": "Device and setup", "help": "Model, firmware, app version.", "role": "environment"},
    {"key": "resolution", "label": "Fix", "help": "The steps that solve it.", "required": True, "role": "resolution"},
    {
        "key": "checklist",
        "label": "Before you close the case",
        "help": "One check per line.",
        "format": "plain",
        "visibility": "staff",
        "role": "other",
    },
    {
        "key": "agent_tips",
        "label": "Agent tips",
        "help": "Tools, goodwill, what to ask first.",
        "visibility": "staff",
        "role": "other",
    },
]

DEVICE_ARTICLE = {
    "slug": "thermostat-display-blank",
    "title": "The thermostat's screen is blank",
    "environment": "Smart Thermostat, wall unit on battery or on the C-wire.",
    "resolution": (
        "1. Check whether the heating still runs: a blank screen with working heating is the screen saver.\n"
        "2. Tap the screen once and wait five seconds.\n"
        "3. If it stays blank, take the unit off its plate and put it back: this restarts it.\n"
        "4. Still blank: replace the batteries (two AA, in the back of the unit)."
    ),
    "sections": {
        "symptom": "The thermostat on the wall shows nothing at all, not even the time.",
        "checklist": "Heating runs again\nScreen shows the temperature\nCustomer knows about the screen saver setting",
        "agent_tips": "The screen saver can be switched off in the app under **Device > Display**.",
    },
}

# from slug, kind, to slug, note
RELATIONS = [
    ("internet-down-red-light", RelationKind.SUPERSEDES, "internet-dsl-modem-end-of-life", "DSL modems are no longer supported"),
    ("billing-autopay-card-declined", RelationKind.RELATED, "billing-charged-twice", ""),
    ("thermostat-installer-warranty-swap", RelationKind.RELATED, "thermostat-installer-no-c-wire", ""),
    ("app-login-loop", RelationKind.RELATED, "app-2fa-lost-phone", "When the loop follows a lost phone"),
    ("internet-slow-evenings", RelationKind.RELATED, "internet-router-firmware-dropouts", ""),
]

# A draft a newer agent wrote without finding the validated article first: the probable-duplicates
# list pairs them, and a KB owner can merge it from there.
DUPLICATE_DRAFT = {
    "slug": "billing-charged-twice-same-month",
    "title": "Charged twice this month",
    "issue": "The monthly payment shows up twice on my bank statement.",
    "resolution": "Check the payments list; if both went through, refund the second one.",
}


def load(users: dict) -> None:
    owner = users["owner"]
    template = _template(owner)
    _device_article(template, owner)
    _relations(owner)
    _duplicate_draft(users["candidate"])


def load_translations(users: dict) -> None:
    """German translations (articles/demo_translations.py): loaded after the other apps' demos
    (load_demo), whose material updates of demo articles would otherwise leave them all out of date."""
    demo_translations.load(users)


def _template(owner) -> ArticleTemplate:
    template = ArticleTemplate.objects.filter(name="Troubleshooting").first()
    if template is None:
        template = structure.create_template(
            name="Troubleshooting",
            description="Device faults: what the customer sees first, then the fix and a closing checklist.",
            sections=TROUBLESHOOTING,
            by=owner,
        )
    Product.objects.filter(name="Smart Thermostat", default_template=None).update(default_template=template)
    return template


def _device_article(template: ArticleTemplate, owner) -> None:
    product = Product.objects.filter(name="Smart Thermostat").first()
    if product is None or Article.objects.filter(slug=DEVICE_ARTICLE["slug"]).exists():
        return
    with transaction.atomic():
        article = Article.create(
            by=owner,
            slug=DEVICE_ARTICLE["slug"],
            title=DEVICE_ARTICLE["title"],
            product=product,
            environment=DEVICE_ARTICLE["environment"],
            resolution=DEVICE_ARTICLE["resolution"],
            template_version=template.current,
            sections=DEVICE_ARTICLE["sections"],
            tags=["display", "thermostat"],
            state=State.NOT_VALIDATED,
            audience="customer",
            note="Written in the Troubleshooting template",
        )
        article.validate(by=owner)


def _relations(owner) -> None:
    articles = {a.slug: a for a in Article.objects.filter(slug__in={s for f, _, t, _ in RELATIONS for s in (f, t)})}
    for from_slug, kind, to_slug, note in RELATIONS:
        a, b = articles.get(from_slug), articles.get(to_slug)
        if a is None or b is None or ArticleRelation.objects.filter(from_article=a, to_article=b, kind=kind).exists():
            continue
        relations.relate(from_article=a, to_article=b, kind=kind, by=owner, note=note)


def _duplicate_draft(author) -> None:
    product = Product.objects.filter(name="Billing & Payments").first()
    if product is None or Article.objects.filter(slug=DUPLICATE_DRAFT["slug"]).exists():
        return
    fields = {k: v for k, v in DUPLICATE_DRAFT.items() if k != "slug"}
    Article.create(by=author, slug=DUPLICATE_DRAFT["slug"], product=product, state=State.NOT_VALIDATED, **fields)
