"""Most-used drafts benchmark: the queue's grouped count at A articles and L case links.

Builds a throwaway database (SQLite file var/bench/drafts-A-L.sqlite3 by default, or DATABASE_URL
for PostgreSQL, whose database name must contain "bench") with A synthetic articles (60 %
validated, 20 % not validated, 12 % work in progress, 8 % archived) and about L links to cases
(Zipf-like reuse, so a few drafts are on thousands of cases; a tenth of the links removed),
inserted in bulk. Then times, p50/p95/max in ms:

- the grouped count the KB owner's dashboard shows (`drafts_queue.link_counts().count()`),
- the first and the 40th page of the queue's rows, and the work-in-progress tab,
- the whole queue page and My work as a KB owner (Django's test client, queries counted),

and prints the database's plan of the grouped query.

    .venv/bin/python bench/drafts_queue.py --articles 100000 --links 2000000
    .venv/bin/python bench/drafts_queue.py --articles 100000 --links 2000000 --keep   # reuse the database
    psql -h 127.0.0.1 -U postgres -c 'create database kcs_bench_drafts'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcs_bench_drafts .venv/bin/python bench/drafts_queue.py ...

Numbers are for comparing changes on one machine, never asserted in tests.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not bench/, where this file would shadow an app
from bench import timing  # noqa: E402
from bench.database import choose_database  # noqa: E402
from bench.timing import percentiles  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench"
STATES = ["validated"] * 60 + ["not_validated"] * 20 + ["wip"] * 12 + ["archived"] * 8
LINKS_PER_CASE = 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100000)
    parser.add_argument("--links", type=int, default=2000000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="reuse an existing bench database of the same size")
    args = parser.parse_args()

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    choose_database(BENCH_DIR / f"drafts-{args.articles}-{args.links}.sqlite3", reuse=args.keep)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")  # plain HTTP, a throwaway key
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")
    os.environ["KCS_SEARCH_INDEX_DIR"] = str(BENCH_DIR / "index-drafts")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from articles.models import Article

    if connection.vendor == "postgresql" and not (args.keep and "cases_caselink" in connection.introspection.table_names()):
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    if Article.objects.count() != args.articles:
        if Article.objects.exists():
            raise SystemExit("The bench database holds other data: run without --keep to build it afresh.")
        started = time.perf_counter()
        fill(args.articles, args.links)
        print(f"filled in {time.perf_counter() - started:.1f} s", flush=True)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    print(f"{connection.vendor}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {describe()}")
    time_queries(args.repeat)
    time_pages(args.repeat)
    explain()


def describe() -> str:
    from django.conf import settings

    from articles.models import Article
    from cases import drafts_queue
    from cases.models import CaseLink

    drafts = Article.objects.filter(state="not_validated").count()
    live = CaseLink.objects.live().count()
    top = list(drafts_queue.drafts()[:1])
    return (
        f"{Article.objects.count()} articles ({drafts} not validated), {CaseLink.objects.count()} links ({live} live); "
        f"threshold {settings.KCS_QUEUE_MIN_CASES}; most-linked draft: {top[0].live_links if top else 0} live links"
    )


def timed(label: str, run, repeat: int) -> None:
    run()  # warm
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = run()
        times.append((time.perf_counter() - started) * 1000)
    p50, p95, most = percentiles(times)
    print(f"{label:60.60} {p50:7.1f} {p95:7.1f} {most:7.1f}   ({result})", flush=True)


def time_queries(repeat: int) -> None:
    from cases import drafts_queue

    print(f"{'query':60} {'p50':>7} {'p95':>7} {'max':>7}")
    timed("dashboard count: drafts().count()", lambda: drafts_queue.drafts().count(), repeat)
    timed("queue page 1: drafts()[:25]", lambda: len(drafts_queue.entries(drafts_queue.drafts()[:25], None)), repeat)
    timed("queue page 40: drafts()[975:1000]", lambda: len(drafts_queue.entries(drafts_queue.drafts()[975:1000], None)), repeat)
    timed("wip tab count: drafts('wip').count()", lambda: drafts_queue.drafts("wip").count(), repeat)
    # The form it replaced, for comparison: one join of the links with the drafts grouped by article.
    timed("(before) grouped join: count", lambda: grouped_join().count(), repeat)
    timed("(before) grouped join: page 1", lambda: len(list(grouped_join()[:25])), repeat)


def grouped_join():
    from django.conf import settings
    from django.db.models import Count, Max

    from cases.models import CaseLink

    return (
        CaseLink.objects.live()
        .filter(article__state="not_validated")
        .order_by()
        .values("article")
        .annotate(live_links=Count("pk"), last_linked=Max("linked_at"))
        .filter(live_links__gte=settings.KCS_QUEUE_MIN_CASES)
        .order_by("-live_links", "article")
    )


def time_pages(repeat: int) -> None:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User

    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="bench-owner"))
    queue = "/cases/most-used-drafts/"
    print(timing.HEADER)
    timing.time_pages(client, (queue, f"{queue}?page=10", f"{queue}?state=wip", "/dashboard/"), repeat)


def explain() -> None:
    from django.db import connection

    from cases import drafts_queue

    prefix = "EXPLAIN (ANALYZE, BUFFERS)" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    for label, qs in (("the count", drafts_queue.drafts().order_by()), ("page 1", drafts_queue.drafts()[:25])):
        if label == "the count":
            sql, params = qs.values("pk").query.sql_with_params()
            sql = f"SELECT COUNT(*) FROM ({sql}) counted"
        else:
            sql, params = qs.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"{prefix} {sql}", params)
            print(f"\nplan of {label}:")
            for row in cursor.fetchall():
                print("  ", " | ".join(str(value) for value in row))


def fill(n_articles: int, n_links: int) -> None:
    """Articles, users, cases and links in bulk (no versions: this measures reading links)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from articles.models import Article, Product
    from cases.models import Case, CaseLink

    rng = random.Random(15)
    owner = User.objects.create(username="bench-owner", licence="publisher", is_kb_owner=True)
    agent = User.objects.create(username="bench-agent", licence="contributor")
    products = Product.objects.bulk_create(Product(name=f"Product {i}", slug=f"product-{i}") for i in range(12))
    products = list(Product.objects.order_by("id"))
    now = timezone.now()
    batch = 10000
    for start in range(0, n_articles, batch):
        with transaction.atomic():
            Article.objects.bulk_create(
                Article(
                    slug=f"article-{i}",
                    title=f"Article {i} about something agents meet",
                    issue="An issue.",
                    resolution="" if (state := rng.choice(STATES)) == "wip" else "A resolution.",
                    product=rng.choice(products),
                    owner=owner,
                    created_by=owner,
                    state=state,
                    created_at=now - timezone.timedelta(minutes=i),
                    updated_at=now - timezone.timedelta(minutes=i),
                )
                for i in range(start, min(n_articles, start + batch))
            )
    ids = list(Article.objects.order_by("id").values_list("id", flat=True))
    rng.shuffle(ids)  # which articles are popular has nothing to do with their state
    # Cumulative once: choices() with plain weights sums all 100,000 of them on every call.
    cumulative = list(itertools.accumulate(1 / (rank + 1) ** 0.9 for rank in range(len(ids))))
    n_cases = n_links // LINKS_PER_CASE
    # Plain INSERTs: building a model instance per row took most of the time at millions of rows.
    case_table, link_table = Case._meta.db_table, CaseLink._meta.db_table
    case_sql = (
        f"INSERT INTO {case_table} (id, source, external_id, url, subject, description, product_name, requester_kind,"
        " requester_name, requester_email, team, status, opened_at, outcome, trail, created_at, updated_at)"
        " VALUES (%s, 'zendesk', %s, '', '', '', '', 'customer', '', '', '', 'open', %s, '', '{}', %s, %s)"
    )
    link_sql = (
        f"INSERT INTO {link_table} (case_id, article_id, article_version, kind, linked_by_id, linked_at,"
        " unlinked_by_id, unlinked_at, unlink_reason, searches) VALUES (%s, %s, 1, %s, %s, %s, %s, %s, '', '[]')"
    )
    kinds = ("solved", "reference", "created")
    for start in range(0, n_cases, batch):
        cases, links = [], []
        for i in range(start, min(n_cases, start + batch)):
            opened = now - timezone.timedelta(minutes=i)
            cases.append((i + 1, str(i), opened, now, now))
            for article_id in set(rng.choices(ids, cum_weights=cumulative, k=LINKS_PER_CASE)):
                at = opened + timezone.timedelta(minutes=rng.randint(5, 600))
                removed = rng.random() < 0.1
                gone = at + timezone.timedelta(minutes=30) if removed else None
                links.append((i + 1, article_id, rng.choice(kinds), agent.pk, at, agent.pk if removed else None, gone))
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(case_sql, cases)
            cursor.executemany(link_sql, links)
        if start % 200000 == 0:
            print(f"  {start + batch} cases", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{case_table}', 'id'), {n_cases + 1})")


if __name__ == "__main__":
    main()
