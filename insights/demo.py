"""Demo activity for the KCS measures (/insights/): six months of article history, cases and their
links, reads, searches, flags, votes and content checks by the demo people and teams, so every
chart has something real to show.

Called last by `load_demo`, after the articles, cases, flags and checks of the other demo modules.
People act through the domain operations (Article.edit, cases.services.upsert_case and link,
feedback.services, ChecklistScore.record); only times are moved afterwards, so history spreads over
the months: each article's versions keep their order, an article is created before it is linked,
flagged or checked. Counters (views, searches, votes) are written in bulk: a person would make
them one page load at a time, which the demo has no reason to imitate.

Deterministic (one seeded random generator) and loaded once: the first case it adds marks it
loaded, and everything is written in one transaction, so a second run adds nothing.
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from reversion.models import Revision, Version

from accounts.models import Kind, Licence, User
from articles import policy as article_policy
from articles.models import Article, ArticleEvent, Audience, Governance, InvalidChange, Refused, Reuse, State
from cases import services as case_services
from cases.choices import LinkKind, Source, Status
from cases.models import Case, CaseLink
from coaching.models import ChecklistScore, active_criteria
from feedback import services as feedback_services
from feedback.models import Flag, HelpfulVote
from search import indexing
from search.models import SearchLog
from training.models import Acknowledgement, Question

from . import snapshot
from .models import ArticleView, ReaderKind

SEED = 1313
DAYS = 182  # about six months back from today
MARKER = (Source.ZENDESK, "47000")  # the first case `load` adds: present means loaded

# Agents beyond the role personas, so teams and people differ (username, full name).
AGENTS = [("nadia", "Nadia Haddad"), ("tomas", "Tomás Rivera"), ("mei", "Mei Tanaka")]
TEAMS = {
    "Tier 1": ["candidate", "contributor", "nadia", "tomas"],
    "Tier 2": ["publisher", "mei", "contributor"],
    "Knowledge team": ["coach", "owner", "admin"],
}
# Who works cases, and how often they link an article (some improve over the months).
CASE_AGENTS = {
    "candidate": (0.45, 0.75),  # (share of cases linked six months ago, today)
    "contributor": (0.8, 0.85),
    "publisher": (0.7, 0.7),
    "nadia": (0.6, 0.8),
    "tomas": (0.3, 0.55),
    "mei": (0.75, 0.65),
    "coach": (0.85, 0.85),
}
# Who joined during the six months (days ago): nothing of theirs is older, so participation grows.
JOINED = {"candidate": 125, "mei": 140, "tomas": 70}
CASES_A_DAY = (0, 1, 1, 2, 2, 3)
OTHER_SUBJECTS = [
    "Question about the address on my invoice",
    "Can I change the name on my account?",
    "Complaint about the tone of a phone call",
    "Where do I send a paper form?",
    "Asking for a copy of last year's statements",
    "Delivery driver left the parcel at the wrong door",
    "How do I close my account?",
    "The link in your email does not open",
]
REQUESTERS = [
    "Anna Schmidt",
    "Ben Carter",
    "Chiara Russo",
    "Daniel Kim",
    "Elif Yilmaz",
    "Farah Siddiqui",
    "Gustav Berg",
    "Hana Novak",
    "Ivan Petrov",
    "Joana Silva",
    "Kofi Asante",
    "Laura Martin",
]
EDIT_NOTES = [
    ("Seen again after the latest release: the same steps still work.", "Confirmed on the current release", False),
    ("Agents pick the reason code “Resolved with article” for this.", "Added the reason code", False),
    ("Customers often describe this as “it just stops”: search for that too.", "Added the customer's words", True),
    ("Ask for the order or booking number first: the tool needs it.", "Added what to ask first", True),
    ("If the steps fail twice, escalate with the screenshots attached.", "Clarified when to escalate", True),
    ("The workaround is no longer needed on the newest version.", "Noted the fixed version", True),
]
ZERO_QUERIES = ["esim activation", "refund to paypal", "dark mode", "invoice in french", "gift card balance", "pet policy"]
FLAGS = [
    # (who, reason, comment, days ago raised, days open (None: still open), closed by dismissing)
    ("nadia", "outdated", "The screenshots show the old menu.", 150, 9, False),
    ("tomas", "unclear", "Step 2 can be read two ways.", 62, 30, False),
    ("mei", "missing_information", "What if the customer has no order number?", 95, 4, False),
    ("contributor", "duplicate", "Looks like the same issue as the newer article.", 70, 2, True),
    ("candidate", "incorrect", "The limit quoted changed last month.", 40, 12, False),
    ("publisher", "unclear", "The title does not say which product.", 20, None, False),
    ("nadia", "missing_information", "Add what to do when the app is not installed.", 8, None, False),
    ("tomas", "outdated", "The price in the example is old.", 3, None, False),
]
DISMISSED_BECAUSE = "Checked: the article already covers this."


DAYS_OF_SNAPSHOTS = 182


def load(users: dict[str, User]) -> None:
    if Case.objects.filter(source=MARKER[0], external_id=MARKER[1]).exists():
        return
    rng = random.Random(SEED)
    now = timezone.now()
    # Index updates once at the end (after the commit), not once a link or edit.
    with indexing.deferred(), transaction.atomic():
        people = {**users, **_agents()}
        joined = {people[name].pk: now - datetime.timedelta(days=days) for name, days in JOINED.items()}
        _teams(people)
        articles = list(Article.objects.select_related("created_by").order_by("slug"))
        born = _births(articles, joined, rng, now)
        before = {a.pk: a.version for a in articles}
        _edits(articles, people, rng)
        timeline = _spread_history(articles, born, before, joined, rng, now)
        _cases(articles, people, born, timeline, rng, now)
        _reuse(articles, people, born, timeline, rng, now)
        _flags(articles, people, born, rng, now)
        _checks(articles, people, born, rng, now)
        _votes(articles, born, timeline, rng, now)
        _views(articles, born, rng, now)
        _searches(articles, born, rng, now)
        # The nightly snapshots the demo's six months would have left (the life-cycle trend).
        today = timezone.localdate()
        snapshot.backfill(today - datetime.timedelta(days=DAYS_OF_SNAPSHOTS), today - datetime.timedelta(days=1))


# --- people and teams ---------------------------------------------------------------------------


def _agents() -> dict[str, User]:
    from fixtures.management.commands.load_demo import DEMO_PASSWORD  # the command imports this module

    out = {}
    for username, name in AGENTS:
        first, last = name.split(" ", 1)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "kind": Kind.STAFF,
                "licence": Licence.CONTRIBUTOR,
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.invalid",
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        out[username] = user
    return out


def _teams(people: dict[str, User]) -> None:
    for name, members in TEAMS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.user_set.add(*(people[m] for m in members if m in people))


def team_of(username: str) -> str:
    return next((name for name, members in TEAMS.items() if username in members), "")


# --- article history ----------------------------------------------------------------------------


def _births(articles: list[Article], joined: dict, rng: random.Random, now) -> dict[int, datetime.datetime]:
    """When each article was created: most of the knowledge base before the six months, the rest
    spread over them; always before anything the other demo modules did with it in the past."""
    first_use: dict[int, datetime.datetime] = {}
    for pk, at in [
        *CaseLink.objects.values_list("article_id", "linked_at"),
        *ChecklistScore.objects.values_list("article_id", "scored_at"),
    ]:
        first_use[pk] = min(at, first_use.get(pk, at))
    created_from = dict(CaseLink.objects.filter(kind=LinkKind.CREATED).values_list("article_id", "linked_at"))
    born = {}
    for article in articles:
        if article.pk in created_from:  # written while working that case
            born[article.pk] = created_from[article.pk] - datetime.timedelta(minutes=40)
            continue
        days_ago = rng.uniform(DAYS - 20, DAYS) if rng.random() < 0.55 else rng.uniform(5, DAYS - 20)
        at = now - datetime.timedelta(days=days_ago, minutes=rng.randint(0, 600))
        if article.created_by_id in joined:  # written after its author joined
            start = joined[article.created_by_id] + datetime.timedelta(days=2)
            at = start + (now - start) * rng.uniform(0, 0.7) if at < start else at
        if article.pk in first_use:
            at = min(at, first_use[article.pk] - datetime.timedelta(days=1))
        born[article.pk] = at
    return born


def _edits(articles: list[Article], people: dict[str, User], rng: random.Random) -> None:
    """A few improvements per article by whoever may make them ("flag it or fix it")."""
    editors = [people[name] for name in ("contributor", "publisher", "nadia", "tomas", "mei", "coach", "candidate", "owner")]
    # The training demo's trainee read and was tested on given versions: those stay as it left them.
    pinned = {
        *Acknowledgement.objects.values_list("article_id", flat=True),
        *Question.objects.values_list("article_id", flat=True),
    }
    for article in articles:
        if article.state == State.ARCHIVED or article.pk in pinned:
            continue
        allowed = [u for u in editors if article_policy.can_edit(u, article)]
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            if not allowed:
                break
            line, note, material = rng.choice(EDIT_NOTES)
            notes = (article.internal_notes.rstrip() + "\n\n" + line).strip()
            try:
                article.edit(
                    by=rng.choice(allowed),
                    base_version=article.version,
                    changes={"internal_notes": notes},
                    note=note,
                    material=material,
                )
            except Refused:
                continue


def _spread_history(articles, born, before, joined, rng: random.Random, now) -> dict[int, list[tuple[int, datetime.datetime]]]:
    """Move each article's versions back in time, in order: the versions the knowledge base was
    built with in the first days after its creation, the later edits spread until today (none
    before its editor joined). Returns {article id: [(version, when)]} oldest first."""
    events = list(ArticleEvent.objects.order_by("article_id", "version", "id"))
    editor = {(e.article_id, e.version): e.actor_id for e in events}
    timeline: dict[int, list[tuple[int, datetime.datetime]]] = {}
    for article in articles:
        at = born[article.pk]
        times = [(1, at)]
        for version in range(2, before[article.pk] + 1):
            at += datetime.timedelta(hours=rng.uniform(0.3, 30))
            times.append((version, at))
        latest = now - datetime.timedelta(hours=12)
        for version in range(before[article.pk] + 1, article.version + 1):
            earliest = max(at + datetime.timedelta(hours=1), joined.get(editor.get((article.pk, version)), at))
            at = earliest + max(datetime.timedelta(0), latest - earliest) * rng.uniform(0.05, 0.6)
            times.append((version, at))
        timeline[article.pk] = times
    when = {(pk, v): t for pk, times in timeline.items() for v, t in times}
    seen: dict[tuple[int, int], int] = {}
    for event in events:
        # Rows of one version (an edit and its audience change, a relation added later) a second
        # apart, in their order.
        key = (event.article_id, event.version)
        seen[key] = seen.get(key, -1) + 1
        event.at = when[key] + datetime.timedelta(seconds=seen[key])
    ArticleEvent.objects.bulk_update(events, ["at"], batch_size=500)
    for article in articles:
        times = timeline[article.pk]
        Article.objects.filter(pk=article.pk).update(created_at=times[0][1], updated_at=times[-1][1])
    _move_revisions(when)
    return timeline


def _move_revisions(when: dict[tuple[int, int], datetime.datetime]) -> None:
    rows = Version.objects.get_for_model(Article).values_list("object_id", "revision_id", "revision__meta__article_version")
    revisions = []
    for object_id, revision_id, version in rows:
        at = when.get((int(object_id), version))
        if at is not None:
            revisions.append(Revision(pk=revision_id, date_created=at))
    Revision.objects.bulk_update(revisions, ["date_created"], batch_size=500)


def version_at(timeline: list[tuple[int, datetime.datetime]], at: datetime.datetime) -> int:
    """The article's version at `at` (its first version if `at` is earlier)."""
    return max((v for v, t in timeline if t <= at), default=1)


# --- cases and links ----------------------------------------------------------------------------


def _cases(articles, people, born, timeline, rng: random.Random, now) -> None:
    linkable = [a for a in articles if a.state in (State.VALIDATED, State.NOT_VALIDATED)]
    # Some articles solve many cases, most a few (the weights follow a shuffled order).
    order = linkable[:]
    rng.shuffle(order)
    weight = {a.pk: 1 / (rank + 1) ** 0.9 for rank, a in enumerate(order)}
    made: list[tuple[int, datetime.datetime, int]] = []  # (link id, linked at, article version)
    number = int(MARKER[1]) - 1
    # An article created in the period was written from a case by its author: a "new" case.
    writers = [
        a
        for a in articles
        if born[a.pk] > now - datetime.timedelta(days=DAYS)
        and a.state != State.ARCHIVED
        and not CaseLink.objects.filter(article=a, kind=LinkKind.CREATED).exists()
    ]
    plans = []
    for article in writers:
        opened = born[article.pk] - datetime.timedelta(hours=rng.uniform(0.5, 5))
        plans.append((opened, article.created_by.username, [(article, LinkKind.CREATED)]))
    for day in range(DAYS, 0, -1):
        for _ in range(rng.choice(CASES_A_DAY)):
            opened = now - datetime.timedelta(days=day, hours=-rng.uniform(7, 18))
            agent = rng.choice(working(day))
            early, late = CASE_AGENTS[agent]
            rate = early + (late - early) * (1 - day / DAYS)
            links = []
            if rng.random() < rate:
                known = [a for a in linkable if born[a.pk] < opened]
                if known:
                    picks = rng.choices(known, [weight[a.pk] for a in known], k=rng.choice((1, 1, 1, 2)))
                    kinds = [LinkKind.SOLVED if rng.random() < 0.6 else LinkKind.REFERENCE, LinkKind.REFERENCE]
                    links = list(dict(zip(picks, kinds, strict=False)).items())
            plans.append((opened, agent, links))
    plans.sort(key=lambda plan: plan[0])
    for opened, agent, links in plans:  # the first is MARKER (zendesk 47000)
        number += 1
        case, solved = _case(number, opened, agent, links, people, rng, now)
        for article, kind in links:
            # What the author searched before writing (the panel keeps it on a "created" link).
            searches = [article.title.lower()] if kind == LinkKind.CREATED else None
            link, created = case_services.link(case=case, article=article, kind=kind, by=people[agent], searches=searches)
            if created:
                if kind == LinkKind.CREATED:
                    at = born[article.pk] + datetime.timedelta(minutes=5)
                else:
                    at = min(solved or now, opened + datetime.timedelta(hours=rng.uniform(0.2, 3)))
                made.append((link.pk, at, version_at(timeline[article.pk], at)))
    links = CaseLink.objects.in_bulk([pk for pk, _, _ in made])
    for pk, at, version in made:
        links[pk].linked_at, links[pk].article_version = at, version
    CaseLink.objects.bulk_update(links.values(), ["linked_at", "article_version"], batch_size=500)
    _handovers(articles, people, born, rng, now)


def working(days_ago: int) -> list[str]:
    """The case agents who had joined `days_ago` days ago."""
    return [name for name in CASE_AGENTS if JOINED.get(name, DAYS + 1) >= days_ago]


def _case(number: int, opened, agent: str, links, people, rng: random.Random, now):
    """A case as the ticketing tool sends it: opened, then solved (and later closed) unless recent."""
    source = Source.ZENDESK if number % 3 else Source.FRESHDESK
    external_id = str(number)
    requester = rng.choice(REQUESTERS)
    subject = links[0][0].title if links else rng.choice(OTHER_SUBJECTS)
    article = links[0][0] if links else None
    data = {
        "subject": subject,
        "description": f"{subject}. Please help.",
        "product": article.product.name if article else "",
        "agent": agent,
        "team": team_of(agent),
        "requester_name": requester,
        "requester_email": requester.lower().replace(" ", ".") + "@example.com",
        "requester_kind": "customer",
        "status": Status.OPEN,
        "opened_at": opened,
        "updated_at": opened,
    }
    solved = opened + datetime.timedelta(hours=rng.uniform(0.5, 70))
    if solved < now - datetime.timedelta(hours=6) and rng.random() < 0.93:
        data.update(status=Status.SOLVED, updated_at=solved)
    else:
        solved = None
    case = case_services.upsert_case(source=source, external_id=external_id, data=data).case
    closed = solved + datetime.timedelta(days=rng.uniform(2, 8)) if solved else None
    if closed and closed < now:
        case_services.upsert_case(source=source, external_id=external_id, data={"status": Status.CLOSED, "updated_at": closed})
    return case, solved


def _handovers(articles, people, born, rng: random.Random, now) -> None:
    """Help-centre visitors who searched and read, then asked: one case a month or so."""
    public = [a for a in articles if a.state == State.VALIDATED and a.audience in (Audience.CUSTOMER, Audience.PUBLIC)]
    if not public:
        return
    for n, days_ago in enumerate((160, 118, 75, 41, 16)):
        opened = now - datetime.timedelta(days=days_ago, hours=rng.uniform(0, 8))
        read = [a for a in rng.sample(public, k=min(2, len(public))) if born[a.pk] < opened]
        ref = f"HC-{opened:%Y%m%d}-DEMO{n}"
        subject = f"Still stuck after reading “{read[0].title}”" if read else "I could not find an answer"
        data = {
            "subject": subject,
            "description": "I followed the help centre but it did not work for me.",
            "team": "Tier 1",
            "agent": "nadia",
            "requester_name": rng.choice(REQUESTERS),
            "requester_kind": "customer",
            "status": Status.OPEN,
            "opened_at": opened,
            "updated_at": opened,
        }
        case = case_services.upsert_case(source=Source.HELP_CENTRE, external_id=ref, data=data).case
        searches = [
            {"query": read[0].title.lower() if read else rng.choice(ZERO_QUERIES), "results": 3 if read else 0},
            {"query": rng.choice(ZERO_QUERIES), "results": 0},
        ]
        trail = {
            "searches": [
                dict(s, at=(opened - datetime.timedelta(minutes=9 - 3 * i)).isoformat()) for i, s in enumerate(searches)
            ],
            "viewed": [
                {"slug": a.slug, "title": a.title, "at": (opened - datetime.timedelta(minutes=5 - i)).isoformat()}
                for i, a in enumerate(read)
            ],
        }
        Case.objects.filter(pk=case.pk).update(trail=trail)
        solved = opened + datetime.timedelta(hours=rng.uniform(1, 30))
        if read and solved < now:
            link, _ = case_services.link(case=case, article=read[0], kind=LinkKind.SOLVED, by=people["nadia"])
            CaseLink.objects.filter(pk=link.pk).update(linked_at=solved - datetime.timedelta(minutes=10))
            case_services.upsert_case(
                source=Source.HELP_CENTRE, external_id=ref, data={"status": Status.SOLVED, "updated_at": solved}
            )


def _reuse(articles, people, born, timeline, rng: random.Random, now) -> None:
    """Reuse without a case: agents who answered a chat or a colleague with an article."""
    validated = [a for a in articles if a.state == State.VALIDATED]
    rows = []
    for _ in range(30):
        article = rng.choice(validated)
        at = born[article.pk] + (now - born[article.pk]) * rng.uniform(0.1, 0.99)
        rows.append(
            Reuse(
                article=article,
                user=people[rng.choice(working((now - at).days + 1))],
                at=at,
                solved=rng.choice((True, True, None)),
                article_version=version_at(timeline[article.pk], at),
            )
        )
    Reuse.objects.bulk_create(rows)
    case_services.recount_reuse([a.pk for a in articles])


# --- feedback and coaching ----------------------------------------------------------------------


def _flags(articles, people, born, rng: random.Random, now) -> None:
    """Flags raised at different ages: most fixed within days, one dismissed, the newest still open."""
    flaggable = [a for a in articles if a.state != State.ARCHIVED and a.governance != Governance.GOVERNED]
    for username, reason, comment, days_ago, days_open, dismissed in FLAGS:
        raised = now - datetime.timedelta(days=days_ago, hours=rng.uniform(0, 8))
        choices = [a for a in flaggable if born[a.pk] < raised and not Flag.objects.filter(article=a, reason=reason).exists()]
        if not choices:
            continue
        article = rng.choice(choices)
        try:
            flag = feedback_services.raise_flag(by=people[username], article=article, reason=reason, comment=comment)
        except (Refused, InvalidChange):  # AlreadyFlagged is an InvalidChange
            continue
        closed = None
        if days_open is not None:
            closed = raised + datetime.timedelta(days=days_open)
            if dismissed:
                feedback_services.dismiss_flag(by=people["owner"], flag=flag, reason=DISMISSED_BECAUSE)
            else:
                feedback_services.resolve_flag(by=people["owner"], flag=flag, note="Updated the article.")
        Flag.objects.filter(pk=flag.pk).update(created_at=raised, closed_at=closed)


def _checks(articles, people, born, rng: random.Random, now) -> None:
    """The coach checks a few articles a month, more of them passing as the months go by."""
    for month in range(5, -1, -1):
        at = now - datetime.timedelta(days=30 * month + rng.uniform(1, 25))
        ready = [a for a in articles if a.state in (State.VALIDATED, State.NOT_VALIDATED) and born[a.pk] < at]
        for article in rng.sample(ready, k=min(4, len(ready))):
            scorer = people["coach"] if article.created_by.username != "coach" else people["owner"]
            keys = [c.key for c in active_criteria()]
            misses = rng.sample(keys, k=rng.choice((0, 1, 1, 2, 3)) if month > 2 else rng.choice((0, 0, 1)))
            score = record_check(article, scorer, misses)
            if score is not None:
                ChecklistScore.objects.filter(pk=score.pk).update(scored_at=at)


def record_check(article: Article, scorer: User, misses: list[str]) -> ChecklistScore | None:
    """One content-standard check through its public API: every criterion passed but `misses`.
    (The only place that knows how criteria are answered, so a change there changes one function.)"""
    keys = [c.key for c in active_criteria()]
    answers = {c: (c not in misses, "Please look at this again." if c in misses else "") for c in keys}
    try:
        return ChecklistScore.record(article=article, by=scorer, answers=answers, comment="Monthly check")
    except Refused:
        return None


def _votes(articles, born, timeline, rng: random.Random, now) -> None:
    """ "Was this helpful?" from help-centre readers over the months (one answer a visitor)."""
    readable = [a for a in articles if a.state == State.VALIDATED and a.audience != Audience.INTERNAL]
    rows = []
    for n in range(240):
        article = rng.choice(readable)
        at = born[article.pk] + (now - born[article.pk]) * rng.uniform(0.05, 1)
        helpful = rng.random() < 0.78
        rows.append(
            HelpfulVote(
                article=article,
                session_key=f"demo-insights-{n}",
                helpful=helpful,
                reason="" if helpful else rng.choice(("incorrect", "outdated", "unclear", "missing_information")),
                article_version=version_at(timeline[article.pk], at),
                at=at,
            )
        )
    HelpfulVote.objects.bulk_create(rows)


# --- reading and searching ----------------------------------------------------------------------

# Who reads an article of each audience (staff read everything).
READERS = {
    Audience.INTERNAL: [ReaderKind.STAFF],
    Audience.PARTNER: [ReaderKind.STAFF, ReaderKind.PARTNER],
    Audience.CUSTOMER: [ReaderKind.STAFF, ReaderKind.PARTNER, ReaderKind.CUSTOMER],
    Audience.PUBLIC: [ReaderKind.STAFF, ReaderKind.PARTNER, ReaderKind.CUSTOMER, ReaderKind.ANONYMOUS],
}
# Views a day of the most read article, by reader kind.
READS_A_DAY = {ReaderKind.STAFF: 6, ReaderKind.PARTNER: 2, ReaderKind.CUSTOMER: 8, ReaderKind.ANONYMOUS: 14}


def _views(articles, born, rng: random.Random, now) -> None:
    today = timezone.localdate()
    rows = []
    for rank, article in enumerate(sorted(articles, key=lambda a: rng.random())):
        popularity = 1 / (rank + 1) ** 0.6
        readers = READERS[article.audience] if article.state == State.VALIDATED else [ReaderKind.STAFF]
        first = max(timezone.localdate(born[article.pk]), today - datetime.timedelta(days=DAYS))
        for offset in range((today - first).days + 1):
            day = first + datetime.timedelta(days=offset)
            weekend = day.weekday() >= 5
            for reader in readers:
                expected = READS_A_DAY[reader] * popularity * (0.4 if weekend and reader == ReaderKind.STAFF else 1)
                views = int(rng.expovariate(1 / expected)) if expected > 0 else 0
                if views:
                    rows.append(ArticleView(article=article, day=day, reader=reader, views=views))
    ArticleView.objects.bulk_create(rows, batch_size=2000)


SEARCHERS = [ReaderKind.STAFF] * 9 + [ReaderKind.CUSTOMER] * 5 + [ReaderKind.ANONYMOUS] * 4 + [ReaderKind.PARTNER]
AUDIENCES_FOR = {
    ReaderKind.STAFF: set(Audience.values),
    ReaderKind.PARTNER: {Audience.PARTNER, Audience.CUSTOMER, Audience.PUBLIC},
    ReaderKind.CUSTOMER: {Audience.CUSTOMER, Audience.PUBLIC},
    ReaderKind.ANONYMOUS: {Audience.PUBLIC},
}


def _searches(articles, born, rng: random.Random, now) -> None:
    """Searches as they were asked: words of the article looked for, a few that find nothing (and
    keep coming back), and where the searcher clicked."""
    live = [a for a in articles if a.state != State.ARCHIVED]
    rows = []
    for day in range(DAYS, -1, -1):
        for _ in range(rng.randint(10, 30)):
            at = now - datetime.timedelta(days=day, hours=rng.uniform(0, 12))
            if at > now:
                continue
            caller = rng.choice(SEARCHERS)
            wanted = [
                a
                for a in live
                if born[a.pk] < at
                and a.audience in AUDIENCES_FOR[caller]
                and (caller == ReaderKind.STAFF or a.state == State.VALIDATED)
            ]
            if not wanted or rng.random() < 0.1:
                query = rng.choice(ZERO_QUERIES)
                rows.append(SearchLog(query=query, caller_kind=caller, result_count=0, created_at=at))
                continue
            article = rng.choice(wanted)
            words = article.title.lower().replace(",", "").split()
            start = rng.randint(0, max(0, len(words) - 3))
            query = " ".join(words[start : start + rng.randint(2, 4)])
            count = rng.randint(1, 14)
            opened = rng.random() < 0.65
            position = min(count, rng.choices((1, 2, 3, 4, 5, 8), (50, 20, 12, 8, 6, 4))[0]) if opened else None
            rows.append(
                SearchLog(
                    query=query,
                    caller_kind=caller,
                    result_count=count,
                    opened_slug=article.slug if opened else "",
                    opened_position=position,
                    created_at=at,
                )
            )
    SearchLog.objects.bulk_create(rows, batch_size=2000)
