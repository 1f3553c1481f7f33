"""Demo cases: synced from two ticketing tools (Zendesk and Freshdesk) and one help-centre
hand-over, with links to the demo articles, so the case pages, the article page's "Linked cases"
and the outcome measures have something to show. Called by `load_demo`; safe to run again (a case
already there is left alone, so nothing is added twice).

Cases go through `services.upsert_case` and `services.link` as an integration and the agents
would; only the times are set afterwards, so outcomes spread over the last weeks.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from articles.models import Article

from . import adherence, services
from .choices import LinkAccuracy, LinkKind, SearchedFirst, Source, Status
from .models import AdherenceReview, Case, CaseIntegration, CaseLink, IntegrationKind

# Demo only: the README shows how a tool signs with these. Never reuse them anywhere real.
INTEGRATIONS = [
    ("Zendesk (demo)", "zendesk-demo", IntegrationKind.ZENDESK, Source.ZENDESK, "demo-zendesk-secret-change-me"),
    ("Freshdesk (demo)", "freshdesk-demo", IntegrationKind.FRESHDESK, Source.FRESHDESK, "demo-freshdesk-secret-change-me"),
]

URLS = {
    Source.ZENDESK: "https://northwind-demo.zendesk.com/agent/tickets/{}",
    Source.FRESHDESK: "https://northwind-demo.freshdesk.com/a/tickets/{}",
}


@dataclass
class DemoCase:
    source: str
    external_id: str
    subject: str
    description: str
    product: str
    agent: str | None
    team: str
    requester: tuple[str, str, str]  # name, email, kind
    opened_days_ago: float
    solved_days_ago: float | None = None  # None: still open
    closed_days_ago: float | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # (slug, kind)
    searches: list[str] = field(default_factory=list)  # what the agent searched before writing (created)
    older_version: bool = False  # the article was edited since it was linked


CASES = [
    DemoCase(
        Source.ZENDESK,
        "48213",
        "Hotel says there is no room for us tonight although we have a confirmation",
        "We arrived at 22:40 and the front desk says the hotel is full. We have two children with us and the "
        "confirmation from you on my phone. Please help, we are standing in the lobby.",
        "Hotel Bookings",
        "contributor",
        "Hotel desk",
        ("Marta Oliveira", "marta.o@example.com", "customer"),
        26.4,
        26.3,
        22,
        links=[("hotel-overbooked-on-arrival", LinkKind.SOLVED)],
        older_version=True,
    ),
    DemoCase(
        Source.ZENDESK,
        "48240",
        "Cancelled inside the free cancellation window and my card was still charged",
        "I cancelled my room in Vienna three days before arrival, the booking said free cancellation until "
        "48 hours before. The full amount is on my card statement today.",
        "Hotel Bookings",
        "publisher",
        "Hotel desk",
        ("Jonas Berger", "j.berger@example.com", "customer"),
        21.2,
        20.9,
        17,
        links=[("hotel-free-cancellation-still-charged", LinkKind.SOLVED), ("billing-charged-twice", LinkKind.REFERENCE)],
    ),
    DemoCase(
        Source.ZENDESK,
        "48277",
        "Paid for the hotel but no confirmation email arrived",
        "The money has left my account but I have nothing in my inbox or spam. Is my room booked or not?",
        "Hotel Bookings",
        "candidate",
        "Hotel desk",
        ("Aisha Rahman", "aisha.r@example.com", "customer"),
        15.5,
        15.4,
        links=[("hotel-confirmation-not-received", LinkKind.SOLVED)],
    ),
    DemoCase(
        Source.ZENDESK,
        "48302",
        "Reward points from my stay in Lisbon never showed up",
        "I stayed four nights in Lisbon last month and booked through my member account, but my points "
        "balance has not changed. Friends got theirs within a week.",
        "Hotel Bookings",
        "candidate",
        "Hotel desk",
        ("Tomasz Nowak", "tnowak@example.com", "customer"),
        12.6,
        11.8,
        links=[("hotel-loyalty-points-missing", LinkKind.CREATED)],
        searches=["reward points missing", "loyalty points stay not credited", "points balance not updated"],
    ),
    DemoCase(
        Source.ZENDESK,
        "48319",
        "Travel agency: our March commission has not been paid",
        "Our agency booked 37 room nights in March through the partner portal. The commission statement "
        "shows them, but the payment has not reached our account.",
        "Hotel Bookings",
        "publisher",
        "Partner desk",
        ("Sunway Travel GmbH", "accounts@sunway-travel.example", "partner"),
        9.3,
        8.1,
        links=[("hotel-agency-commission-missing", LinkKind.SOLVED)],
    ),
    DemoCase(
        Source.ZENDESK,
        "48355",
        "The hotel asked for a city tax that was not on my booking",
        "At check-out in Rome they charged 28 euros of city tax. Your booking page said the price included "
        "everything. I want this back.",
        "Hotel Bookings",
        "contributor",
        "Hotel desk",
        ("Lena Fischer", "lena.f@example.com", "customer"),
        6.4,
        6.2,
    ),
    DemoCase(
        Source.ZENDESK,
        "48371",
        "The room smells of smoke, can we move to another hotel?",
        "We booked a non-smoking room and it smells strongly of smoke. The hotel has no other room. "
        "Can you move us to a hotel nearby tonight?",
        "Hotel Bookings",
        "contributor",
        "Hotel desk",
        ("David Okafor", "d.okafor@example.com", "customer"),
        0.8,
    ),
    DemoCase(
        Source.ZENDESK,
        "48380",
        "After updating the app it keeps sending me back to log in",
        "Since this morning's update I type my password, it loads, and I am on the login screen again.",
        "Mobile App",
        "publisher",
        "App support",
        ("Nora Lindqvist", "nora.l@example.com", "customer"),
        0.3,
        links=[("app-login-loop", LinkKind.REFERENCE)],
    ),
    DemoCase(
        Source.FRESHDESK,
        "90517",
        "Router light is red since this morning, no internet at all",
        "The light on the box has been red since about 7. I restarted it twice. I work from home and need "
        "the connection back today.",
        "Home Internet",
        "candidate",
        "Connectivity",
        ("Peter Hansen", "peter.hansen@example.com", "customer"),
        24.2,
        24.1,
        20,
        links=[("internet-down-red-light", LinkKind.SOLVED)],
        older_version=True,
    ),
    DemoCase(
        Source.FRESHDESK,
        "90544",
        "Internet drops for a minute every few hours since last week",
        "Every two or three hours the connection is gone for about a minute, then comes back. It started "
        "last Tuesday. Video calls drop every time.",
        "Home Internet",
        "candidate",
        "Connectivity",
        ("Grace Mensah", "grace.m@example.com", "customer"),
        17.4,
        16.2,
        links=[("internet-router-firmware-dropouts", LinkKind.CREATED)],
        searches=["internet drops every few hours", "connection lost one minute", "router restarts by itself"],
    ),
    DemoCase(
        Source.FRESHDESK,
        "90562",
        "My automatic payment failed and now there is a late fee",
        "My card expired and the direct payment did not go through. I paid as soon as I saw the email but "
        "there is a 10 euro late fee on the new bill.",
        "Billing & Payments",
        "contributor",
        "Billing desk",
        ("Sofia Marin", "s.marin@example.com", "customer"),
        11.1,
        10.9,
        7,
        links=[("billing-autopay-card-declined", LinkKind.SOLVED)],
    ),
    DemoCase(
        Source.FRESHDESK,
        "90588",
        "My refund went to a card I cancelled last year",
        "You refunded the hotel booking to my old card, which the bank closed. Where is the money now?",
        "Billing & Payments",
        "publisher",
        "Billing desk",
        ("Ahmed Khalil", "ahmed.k@example.com", "customer"),
        4.5,
        3.2,
    ),
    DemoCase(
        Source.FRESHDESK,
        "90601",
        "The technician never came, who reschedules the visit?",
        "I took the morning off for the installation between 8 and 12 and nobody came or called.",
        "Home Internet",
        "contributor",
        "Connectivity",
        ("Julia Costa", "julia.costa@example.com", "customer"),
        1.6,
    ),
]

# A help-centre visitor who searched and read, then asked for help: what the agent sees first.
HANDOVER = DemoCase(
    Source.HELP_CENTRE,
    "HC-20261201-D3MQ7R",
    "The box of my collector set arrived crushed",
    "The set is for my collection and stays sealed, so a crushed box is a damaged product for me. "
    "The parts are probably fine but I want a replacement, not a refund.",
    "Bricks & Toys",
    None,
    "Toy shop",
    ("Chris Customer", "customer@demo.invalid", "customer"),
    0.2,
)
HANDOVER_TRAIL = {
    "searches": [("crushed box", 1), ("collector set box damaged replacement", 0), ("return sealed set", 2)],
    "viewed": ["toy-return-opened-box", "toy-order-not-arrived"],
}


@dataclass
class DemoReview:
    """The demo coach's process adherence review of a demo case (cases/adherence.py)."""

    source: str
    external_id: str
    days_ago: float
    searched_first: str
    linked: bool
    link_accurate: str
    capture_loss: bool
    note: str


# A few of the decided cases, reviewed by the demo coach; the others stay in the coach's sample.
REVIEWS = [
    DemoReview(
        Source.ZENDESK,
        "48213",
        20,
        SearchedFirst.UNKNOWN,
        True,
        LinkAccuracy.YES,
        False,
        "Right article, linked while the customer was still in the lobby. Use the panel's search so the "
        "searches are kept with the case next time.",
    ),
    DemoReview(
        Source.ZENDESK,
        "48302",
        9,
        SearchedFirst.YES,
        True,
        LinkAccuracy.YES,
        False,
        "Three searches in the customer's words before writing: exactly the KCS way. The new article "
        "still needs its cause filled in before validation.",
    ),
    DemoReview(
        Source.ZENDESK,
        "48355",
        4,
        SearchedFirst.NO,
        False,
        LinkAccuracy.NOT_APPLICABLE,
        True,
        "City tax charged at the hotel comes up every week and there is no article for it. Search first, "
        "and when nothing fits, write the article from the case (capture).",
    ),
    DemoReview(
        Source.FRESHDESK,
        "90517",
        15,
        SearchedFirst.UNKNOWN,
        True,
        LinkAccuracy.NO,
        False,
        "The red-light article covers a line fault; this customer's router needed a factory reset, which "
        "the firmware drop-outs article describes. Link the article that solved it.",
    ),
    DemoReview(
        Source.FRESHDESK,
        "90588",
        2,
        SearchedFirst.UNKNOWN,
        False,
        LinkAccuracy.NOT_APPLICABLE,
        True,
        "Refunds to a closed card are handled by the bank; an article saying so would have saved a second contact.",
    ),
]


def load(users: dict) -> None:
    now = timezone.now()
    articles = {a.slug: a for a in Article.objects.filter(slug__in={s for c in CASES for s, _ in c.links})}
    with transaction.atomic():
        _integrations()
        for demo in CASES:
            if not Case.objects.filter(source=demo.source, external_id=demo.external_id).exists():
                _case(demo, users, articles, now)
        if not Case.objects.filter(source=HANDOVER.source, external_id=HANDOVER.external_id).exists():
            _handover(now)
        _reviews(users, now)


def _integrations() -> None:
    for name, slug, kind, source, secret in INTEGRATIONS:
        CaseIntegration.objects.get_or_create(
            slug=slug, defaults={"name": name, "kind": kind, "source": source, "secret": secret}
        )


def _ago(now, days: float) -> datetime.datetime:
    return now - datetime.timedelta(days=days)


def _data(demo: DemoCase, now) -> dict:
    name, email, kind = demo.requester
    opened = _ago(now, demo.opened_days_ago)
    data = {
        "subject": demo.subject,
        "description": demo.description,
        "product": demo.product,
        "team": demo.team,
        "requester_name": name,
        "requester_email": email,
        "requester_kind": kind,
        "status": Status.OPEN,
        "opened_at": opened,
        "updated_at": opened,
    }
    if demo.agent:
        data["agent"] = demo.agent
    if demo.source in URLS:
        data["url"] = URLS[demo.source].format(demo.external_id)
    return data


def _case(demo: DemoCase, users: dict, articles: dict, now) -> None:
    case = services.upsert_case(source=demo.source, external_id=demo.external_id, data=_data(demo, now)).case
    agent = users[demo.agent]
    # Agents link while working on the case, a little before it is solved.
    linked_at = _ago(now, (demo.solved_days_ago if demo.solved_days_ago is not None else demo.opened_days_ago) + 0.05)
    for slug, kind in demo.links:
        article = articles.get(slug)
        if article is None:
            continue
        link, _ = services.link(case=case, article=article, kind=kind, by=agent, searches=demo.searches)
        version = article.version - 1 if demo.older_version and article.version > 1 else article.version
        CaseLink.objects.filter(pk=link.pk).update(linked_at=linked_at, article_version=version)
    for status, days in ((Status.SOLVED, demo.solved_days_ago), (Status.CLOSED, demo.closed_days_ago)):
        if days is not None:
            at = _ago(now, days)
            services.upsert_case(source=demo.source, external_id=demo.external_id, data={"status": status, "updated_at": at})


def _handover(now) -> None:
    demo = HANDOVER
    case = services.upsert_case(source=demo.source, external_id=demo.external_id, data=_data(demo, now)).case
    opened = case.opened_at
    titles = dict(Article.objects.filter(slug__in=HANDOVER_TRAIL["viewed"]).values_list("slug", "title"))
    searches = [
        {"query": q, "results": n, "at": (opened - datetime.timedelta(minutes=12 - 3 * i)).isoformat()}
        for i, (q, n) in enumerate(HANDOVER_TRAIL["searches"])
    ]
    viewed = [
        {"slug": slug, "title": titles.get(slug, slug), "at": (opened - datetime.timedelta(minutes=7 - 2 * i)).isoformat()}
        for i, slug in enumerate(HANDOVER_TRAIL["viewed"])
    ]
    Case.objects.filter(pk=case.pk).update(trail={"searches": searches, "viewed": viewed})


def _reviews(users: dict, now) -> None:
    coach = users.get("coach")
    if coach is None:
        return
    for demo in REVIEWS:
        case = Case.objects.filter(source=demo.source, external_id=demo.external_id).first()
        if case is None or AdherenceReview.objects.filter(case=case, reviewer=coach).exists():
            continue  # reviewed already: a second load changes nothing
        review, _ = adherence.review_case(
            case=case,
            by=coach,
            searched_first=demo.searched_first,
            linked=demo.linked,
            link_accurate=demo.link_accurate,
            capture_loss=demo.capture_loss,
            note=demo.note,
        )
        AdherenceReview.objects.filter(pk=review.pk).update(reviewed_at=_ago(now, demo.days_ago))
