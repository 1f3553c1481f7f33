"""Cases benchmark: the case pages, the agent panel, the cases API and linking at N cases.

Builds a throwaway database (SQLite file var/bench/cases-A-C.sqlite3 by default, or DATABASE_URL
for PostgreSQL, whose database name must contain "bench") with A synthetic articles and C cases
(seeded: seven sources, open/solved/closed, 40 agents in 8 teams, 12 products, about 1.5 links
a case of the three kinds, a tenth of them removed, one "hot" article linked to thousands of
cases), inserted in bulk, and indexes the articles for search (the panel searches). Then times
each page through Django's test client in-process, signed in as a KB owner, and prints p50/p95/max
in ms and the SQL queries of one request; then `cases.services.link` (which recounts the article's
reuse and queues its index update) and `recount_reuse` alone on the hot article. The links the
bench makes are deleted afterwards, so --keep runs measure the same data.

    .venv/bin/python bench/cases.py --cases 100000
    .venv/bin/python bench/cases.py --cases 100000 --keep      # reuse the database built before
    psql -h 127.0.0.1 -U postgres -c 'create database kcs_bench_cases'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcs_bench_cases .venv/bin/python bench/cases.py --cases 100000

Numbers are for comparing changes on one machine, never asserted in tests.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not bench/, where this file would shadow the cases app
from bench import timing  # noqa: E402
from bench.database import choose_database  # noqa: E402
from bench.timing import percentiles  # noqa: E402
from bench.words import WORDS  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench"

SOURCES = ["zendesk"] * 5 + ["freshdesk"] * 2 + ["servicenow", "salesforce", "email", "help-centre", "manual"]
STATUSES = ["open"] * 25 + ["solved"] * 35 + ["closed"] * 40
KINDS = ["solved"] * 5 + ["reference"] * 4 + ["created"]
AGENTS, TEAMS, PRODUCTS = 40, 8, 12
HOT_LINKS = 5000  # live and removed links of the hot article (article-0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--cases", type=int, default=100000)
    parser.add_argument("--repeat", type=int, default=20, help="requests per page")
    parser.add_argument("--keep", action="store_true", help="reuse an existing bench database of the same size")
    args = parser.parse_args()

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    choose_database(BENCH_DIR / f"cases-{args.articles}-{args.cases}.sqlite3", reuse=args.keep)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")  # plain HTTP, a throwaway key
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")
    backend = os.environ.get("KCS_SEARCH_BACKEND", "whoosh")
    os.environ["KCS_SEARCH_INDEX_DIR"] = str(BENCH_DIR / f"index-cases-{backend}-{args.articles}")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from articles.models import Article
    from cases.models import Case

    vendor = connection.vendor
    if vendor == "postgresql" and not (args.keep and "cases_case" in connection.introspection.table_names()):
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    if (Article.objects.count(), Case.objects.count()) != (args.articles, args.cases):
        if Article.objects.exists():
            raise SystemExit("The bench database holds other data: run without --keep to build it afresh.")
        started = time.perf_counter()
        fill(args.articles, args.cases)
        print(f"filled {args.articles} articles, {args.cases} cases in {time.perf_counter() - started:.1f} s", flush=True)
        from search import indexing

        started = time.perf_counter()
        indexing.rebuild()
        print(f"indexed the articles ({backend}) in {time.perf_counter() - started:.1f} s", flush=True)
    print(f"{vendor}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {describe()}")
    time_pages(args.repeat)
    time_linking(args.repeat)


def describe() -> str:
    from cases.models import Case, CaseLink

    hot = CaseLink.objects.filter(article__slug="article-0")
    return (
        f"{Case.objects.count()} cases, {CaseLink.objects.count()} links "
        f"({CaseLink.objects.live().count()} live), hot article: {hot.count()} links"
    )


def time_pages(repeat: int) -> None:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from cases.models import Case

    setup_test_environment()
    owner = User.objects.get(username="bench-owner")
    some = Case.objects.filter(source="zendesk", links__isnull=False).order_by("id")[len(WORDS)]
    pages = [
        "/cases/",
        "/cases/?status=solved&source=zendesk",
        "/cases/?q=thermostat",
        "/cases/?page=200",
        f"/cases/{some.source}/{some.external_id}/",
        "/articles/article-0/",
        f"/agent/panel/?source=zendesk&case={some.external_id}",
        "/api/v1/cases/?status=open",
        "/api/v1/cases/?q=thermostat",
        f"/api/v1/cases/{some.source}/{some.external_id}/",
        "/api/v1/articles/article-0/cases/",
        "/api/v1/cases/outcomes/?by=agent",
        "/api/v1/cases/outcomes/?by=month",
        "/api/v1/cases/outcomes/?by=product&since=2025-01-01",
    ]
    client = Client()
    client.force_login(owner)
    print(timing.HEADER)
    timing.time_pages(client, pages, repeat)


def time_linking(repeat: int) -> None:
    """services.link on the hot article (open cases: no outcome to recompute), then recount_reuse alone."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from articles.models import Article
    from cases import services
    from cases.models import Case, CaseLink
    from search import indexing

    agent = User.objects.get(username="bench-agent-0")
    hot = Article.objects.get(slug="article-0")
    cases = list(Case.objects.filter(status="open").exclude(links__article=hot).order_by("id")[: repeat + 1])
    made, times, queries = [], [], 0
    for case in cases:
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            link, _ = services.link(case=case, article=hot, kind="solved", by=agent)  # commits: the index update runs
            times.append((time.perf_counter() - started) * 1000)
        made.append(link.pk)
        queries = len(ctx.captured_queries)
    p50, p95, most = percentiles(times[1:])
    print(f"{'services.link (hot article, incl. recount + index)':60} {p50:7.1f} {p95:7.1f} {most:7.1f} {queries:8d}")
    times = []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            services.recount_reuse([hot.pk])
            times.append((time.perf_counter() - started) * 1000)
    p50, p95, most = percentiles(times)
    print(f"{'services.recount_reuse (hot article)':60} {p50:7.1f} {p95:7.1f} {most:7.1f} {len(ctx.captured_queries):8d}")
    CaseLink.objects.filter(pk__in=made).delete()  # the data stays as built, for --keep
    services.recount_reuse([hot.pk])
    indexing.process_pending()


def fill(n_articles: int, n_cases: int) -> None:
    """Articles, users and cases in bulk (no versions: this measures reading cases and linking)."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from articles.models import Article, EscalationContact, Product
    from cases.models import Case, CaseLink

    rng = random.Random(42)
    owner = User.objects.create(username="bench-owner", licence="publisher", is_kb_owner=True)
    agents = User.objects.bulk_create(
        User(username=f"bench-agent-{i}", licence="contributor", email=f"agent{i}@example.com") for i in range(AGENTS)
    )
    agents = list(User.objects.filter(username__startswith="bench-agent-").order_by("id"))
    products = Product.objects.bulk_create(Product(name=f"Product {i}", slug=f"product-{i}") for i in range(PRODUCTS))
    products = list(Product.objects.order_by("id"))
    contact = EscalationContact.objects.create(team="Team 0", channel="#team-0", hours="24/7")
    now = timezone.now()
    states = ["validated"] * 7 + ["not_validated", "wip"]
    audiences = ["internal", "internal", "partner", "customer", "public"]
    with transaction.atomic():
        Article.objects.bulk_create(
            Article(
                slug=f"article-{i}",
                title=" ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 10))).capitalize(),
                issue=" ".join(rng.choice(WORDS) for _ in range(30)),
                environment="Web shop",
                resolution=" ".join(rng.choice(WORDS) for _ in range(rng.randint(80, 200))),
                product=rng.choice(products),
                owner=owner,
                created_by=owner,
                state="validated" if i == 0 else rng.choice(states),
                audience="internal" if i == 0 else rng.choice(audiences),
                escalation=contact,
                updated_at=now - timezone.timedelta(minutes=i),
            )
            for i in range(n_articles)
        )
    article_ids = list(Article.objects.order_by("id").values_list("id", flat=True))
    hot_id = article_ids[0]
    # Reuse is skewed: a few articles are on many cases (Zipf-like weights), the hot one on thousands.
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(article_ids))]
    weights[0] = 0
    hot_every = max(1, n_cases // HOT_LINKS)
    batch = 5000
    reuse: dict[int, int] = {}
    for start in range(0, n_cases, batch):
        cases, plans = [], []
        for i in range(start, min(n_cases, start + batch)):
            source = rng.choice(SOURCES)
            status = rng.choice(STATUSES)
            opened = now - timezone.timedelta(minutes=15 * (n_cases - i) + rng.randint(0, 14))
            agent = rng.choice(agents)
            n_links = rng.choice((0, 0, 1, 1, 1, 2, 2, 3))
            targets = set(rng.choices(article_ids, weights, k=n_links))
            if i % hot_every == 0:
                targets.add(hot_id)
            plan = [(a, rng.choice(KINDS), rng.random() < 0.1) for a in targets]  # (article, kind, removed)
            kinds = {kind for _, kind, removed in plan if not removed}
            decided = status != "open"
            outcome = ""
            if decided:
                outcome = "new" if "created" in kinds else ("known" if kinds else "none")
            solved_at = opened + timezone.timedelta(hours=rng.randint(1, 96)) if decided else None
            cases.append(
                Case(
                    source=source,
                    external_id=str(100000 + i),
                    url=f"https://support.example.com/tickets/{100000 + i}",
                    subject=" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 9))).capitalize(),
                    description=" ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60))),
                    product=rng.choice(products),
                    requester_name=f"Customer {i}",
                    requester_email=f"customer{i}@example.net",
                    agent=agent,
                    team=f"Team {agents.index(agent) % TEAMS}",
                    status=status,
                    opened_at=opened,
                    solved_at=solved_at,
                    closed_at=solved_at if status == "closed" else None,
                    outcome=outcome,
                    outcome_at=solved_at,
                )
            )
            plans.append((agent, opened, plan))
        with transaction.atomic():
            Case.objects.bulk_create(cases)
            ids = dict(Case.objects.filter(external_id__in=[c.external_id for c in cases]).values_list("external_id", "id"))
            links = []
            for case, (agent, opened, plan) in zip(cases, plans, strict=True):
                for article_id, kind, removed in plan:
                    at = opened + timezone.timedelta(minutes=rng.randint(5, 600))
                    links.append(
                        CaseLink(
                            case_id=ids[case.external_id],
                            article_id=article_id,
                            article_version=1,
                            kind=kind,
                            linked_by=agent,
                            linked_at=at,
                            unlinked_by=agent if removed else None,
                            unlinked_at=at + timezone.timedelta(minutes=30) if removed else None,
                            unlink_reason="Not the right article." if removed else "",
                            searches=[{"q": case.subject.lower(), "at": ""}] if kind == "created" else [],
                        )
                    )
                    if not removed and kind != "created":
                        reuse[article_id] = reuse.get(article_id, 0) + 1
            CaseLink.objects.bulk_create(links)
    articles = [Article(pk=pk, reuse_count=count) for pk, count in reuse.items()]
    Article.objects.bulk_update(articles, ["reuse_count"], batch_size=500)


if __name__ == "__main__":
    main()
