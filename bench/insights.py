"""KCS measures benchmark: every /insights/ view and the overview on a large database.

Builds a throwaway database (SQLite file var/bench/insights-A.sqlite3 by default, or DATABASE_URL
for PostgreSQL, whose database name must contain "bench") with A articles and, at the full size
(A = 100,000), 700,000 cases decided over a year with 1,000,000 case links, 1,000,000 searches,
about 1.5 million article-view counters (a year of days for a sample of articles), article events,
flags, helpful votes, reuse and checklist scores; smaller A scales every count down with it. Rows
are written with plain SQL INSERTs in batches (no model instance per row), seeded, spread over
60 agents in 6 teams. Then, signed in as a coach through Django's test client in-process, renders
each view of `insights.measures.VIEWS` (so a view added later is measured too) and the overview,
for 90 and 365 days, with and without a team: the median and max of 3 timed runs in ms, and the
SQL queries of one run. Last, one view's API answer (JSON) is printed.

    .venv/bin/python bench/insights.py --articles 10000
    .venv/bin/python bench/insights.py --articles 100000
    .venv/bin/python bench/insights.py --articles 100000 --reuse     # the database built before
    psql -h 127.0.0.1 -U postgres -c 'create database kcs_bench_insights'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcs_bench_insights .venv/bin/python bench/insights.py

The target is every view under 1 s at the full size. Numbers are for comparing changes on one
machine, never asserted in tests.
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import itertools
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not bench/, where a file could shadow an app
from bench.database import choose_database  # noqa: E402
from bench.words import WORDS  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench"

ZERO_QUERIES = [f"{a} {b}x" for a, b in itertools.product(WORDS[:20], WORDS[20:30])]  # 200 that find nothing
AGENTS, TEAMS, PRODUCTS = 60, 6, 12
STATES = ["validated"] * 14 + ["not_validated"] * 3 + ["wip"] * 2 + ["archived"]
AUDIENCES = ["internal"] * 2 + ["partner", "customer", "public"]
READERS = {
    "internal": ["staff"],
    "partner": ["staff", "partner"],
    "customer": ["staff", "partner", "customer"],
    "public": ["staff", "partner", "customer", "anonymous"],
}
CALLERS = ["staff"] * 9 + ["customer"] * 5 + ["anonymous"] * 4 + ["partner"]
BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000, help="the other counts scale with it")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per page")
    parser.add_argument("--reuse", "--keep", action="store_true", help="reuse a bench database of the same size")
    parser.add_argument("--only", help="measure only this view (its slug)")
    parser.add_argument(
        "--slowest",
        type=int,
        default=0,
        help="also print each page's N slowest SQL queries (execute time: the whole query on PostgreSQL, "
        "only up to its first row on SQLite)",
    )
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    size = Size(args.articles)

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    db_file = BENCH_DIR / f"insights-{args.articles}.sqlite3"
    choose_database(db_file, reuse=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")  # plain HTTP, a throwaway key
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")
    os.environ["KCS_SEARCH_INDEX_DIR"] = str(BENCH_DIR / f"index-insights-{args.articles}")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from articles.models import Article

    vendor = connection.vendor
    if vendor == "postgresql" and not (args.reuse and "articles_article" in connection.introspection.table_names()):
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    if Article.objects.count() != args.articles:
        if Article.objects.exists():
            raise SystemExit("The bench database holds other data: run without --reuse to build it afresh.")
        started = time.perf_counter()
        fill(size, random.Random(args.seed))
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    print(f"{vendor}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {describe()}; {database_size(db_file)}", flush=True)
    measure(args.repeat, args.only, args.slowest)


class Size:
    """The row counts for `articles` articles (the full size at 100,000)."""

    def __init__(self, articles: int):
        scale = articles / 100_000
        self.articles = articles
        self.cases = int(700_000 * scale)
        self.links = int(1_000_000 * scale)
        self.searches = int(1_000_000 * scale)
        self.view_rows = int(1_500_000 * scale)
        self.viewed_articles = max(50, int(5_000 * scale))  # articles with a year of view counters
        self.flags = int(20_000 * scale)
        self.votes = int(100_000 * scale)
        self.reuse = int(50_000 * scale)
        self.scores = int(20_000 * scale)


# --- writing rows -------------------------------------------------------------------------------


class Inserter:
    """Plain SQL INSERTs of many rows into one model's table: the columns named are given per row,
    every other column takes its field's default once (prepared for the database once)."""

    def __init__(self, model, columns: list[str]):
        from django.db import connection
        from django.utils import timezone

        self.connection = connection
        fields = [f for f in model._meta.concrete_fields]
        by_name = {f.attname: f for f in fields}
        unknown = set(columns) - set(by_name)
        if unknown:
            raise SystemExit(f"{model.__name__} has no column {unknown}")
        rest = [f for f in fields if f.attname not in columns and not f.primary_key]
        tail = []
        for field in rest:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = timezone.now()
            else:
                value = field.get_default()
            tail.append(field.get_db_prep_save(value, connection))
        self.tail = tuple(tail)
        names = [by_name[c].column for c in columns] + [f.column for f in rest]
        quote = connection.ops.quote_name
        self.sql = (
            f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(n) for n in names)}) "
            f"VALUES ({', '.join(['%s'] * len(names))})"
        )
        self.rows: list[tuple] = []
        self.count = 0

    def add(self, *values) -> None:
        self.rows.append(values + self.tail)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            with self.connection.cursor() as cursor:
                cursor.executemany(self.sql, self.rows)
            self.count += len(self.rows)
            self.rows = []


def fill(size: Size, rng: random.Random) -> None:
    from django.contrib.auth.models import Group
    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from accounts.models import User
    from articles.models import Article, ArticleEvent, Product, Reuse
    from cases.models import Case, CaseLink
    from coaching.models import ChecklistAnswer, ChecklistScore
    from feedback.models import Flag, HelpfulVote
    from insights.models import ArticleView
    from search.models import SearchLog

    now = timezone.now()
    when, day = connection.ops.adapt_datetimefield_value, connection.ops.adapt_datefield_value
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")  # a throwaway database: no need to survive a crash

    User.objects.create(username="bench-coach", licence="contributor", is_coach=True)
    owner = User.objects.create(username="bench-owner", licence="publisher", is_kb_owner=True)
    User.objects.bulk_create(
        User(username=f"bench-agent-{i}", licence="publisher" if i % 5 == 0 else "contributor", email=f"a{i}@example.com")
        for i in range(AGENTS)
    )
    agents = list(User.objects.filter(username__startswith="bench-agent-").order_by("id").values_list("id", flat=True))
    for t in range(TEAMS):
        Group.objects.create(name=f"Team {t}").user_set.add(*agents[t::TEAMS])
    Product.objects.bulk_create(Product(name=f"Product {i}", slug=f"product-{i}") for i in range(PRODUCTS))
    products = list(Product.objects.order_by("id").values_list("id", flat=True))

    def timed(label: str, build) -> None:
        started = time.perf_counter()
        with transaction.atomic():
            count = build()
        print(f"  {label:28} {count:>10,} rows in {time.perf_counter() - started:6.1f} s", flush=True)

    # Articles: ids in the order they were created, over two years.
    span = datetime.timedelta(days=730)
    start = now - span
    created = [start + span * (i / size.articles) for i in range(size.articles)]
    meta = []  # (state, audience, product, author) per article

    def articles() -> int:
        rows = Inserter(
            Article,
            ["id", "slug", "title", "issue", "resolution", "environment", "product_id", "owner_id", "created_by_id"]
            + ["state", "audience", "version", "created_at", "updated_at"],
        )
        for i in range(size.articles):
            state, audience = rng.choice(STATES), rng.choice(AUDIENCES)
            author = rng.choice(agents)
            product = rng.choice(products)
            meta.append((state, audience, product, author))
            versions = 1 + (state in ("validated", "archived")) + rng.choice((0, 0, 1, 2))
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 9))).capitalize()
            text = " ".join(rng.choice(WORDS) for _ in range(40))
            at = when(created[i])
            rows.add(
                i + 1, f"article-{i}", title, text, text, "Web shop", product, author, author, state, audience, versions, at, at
            )
        rows.flush()
        return rows.count

    timed("articles", articles)

    def events() -> int:
        rows = Inserter(ArticleEvent, ["article_id", "actor_id", "at", "kind", "from_value", "to_value", "version", "material"])
        for i, (state, _audience, _product, author) in enumerate(meta):
            at = created[i]
            rows.add(i + 1, author, when(at), "created", "", "not_validated", 1, True)
            version = 1
            if state in ("validated", "archived"):
                version += 1
                at += datetime.timedelta(hours=rng.uniform(1, 240))
                rows.add(
                    i + 1, rng.choice(agents[::5]), when(min(at, now)), "state", "not_validated", "validated", version, False
                )
            for _ in range(rng.choice((0, 0, 1, 2))):
                version += 1
                at += (now - at) * rng.uniform(0.05, 0.5)
                rows.add(i + 1, rng.choice(agents), when(at), "edited", "", "", version, rng.random() < 0.6)
        rows.flush()
        return rows.count

    timed("article events", events)

    # Popular articles are linked, read and searched for more (Zipf-like, on a shuffled order).
    ranks = list(range(size.articles))
    rng.shuffle(ranks)
    cumulative = list(itertools.accumulate(1 / (r + 1) ** 0.8 for r in ranks))

    def newest_before(at: datetime.datetime) -> int:
        return min(size.articles, max(1, int(size.articles * (at - start) / span)))

    def popular_before(at: datetime.datetime) -> int:
        """A popular article id created before `at` (any older one if the pick is newer)."""
        newest = newest_before(at)
        index = bisect.bisect(cumulative, rng.random() * cumulative[-1])
        return index + 1 if index < newest else rng.randint(1, newest)

    def cases() -> int:
        year = datetime.timedelta(days=365)
        case_rows = Inserter(
            Case,
            ["id", "source", "external_id", "subject", "product_id", "agent_id", "team", "status", "opened_at"]
            + ["solved_at", "closed_at", "outcome", "outcome_at", "requester_name", "created_at", "updated_at"],
        )
        link_rows = Inserter(
            CaseLink,
            ["case_id", "article_id", "article_version", "kind", "linked_by_id", "linked_at", "unlinked_by_id", "unlinked_at"],
        )
        per_case = size.links / size.cases
        weights = link_count_weights(per_case)
        for i in range(size.cases):
            opened = now - year * ((size.cases - i) / size.cases) + datetime.timedelta(minutes=rng.randint(0, 30))
            agent = agents[i % AGENTS]
            decided = opened < now - datetime.timedelta(days=2) and rng.random() < 0.96
            solved = opened + datetime.timedelta(hours=rng.uniform(0.5, 60)) if decided else None
            closed = (
                solved + datetime.timedelta(days=3)
                if solved and rng.random() < 0.6 and solved < now - datetime.timedelta(days=3)
                else None
            )
            kinds, seen = set(), set()
            for _ in range(rng.choices((0, 1, 2, 3), weights)[0]):
                linked = opened + datetime.timedelta(minutes=rng.randint(5, 600))
                kind = "created" if rng.random() < 0.07 else rng.choice(("solved", "solved", "reference"))
                # An article created from the case is one of the newest; a reused one, a popular one.
                article = max(1, newest_before(linked) - rng.randint(0, 20)) if kind == "created" else popular_before(linked)
                if article in seen:
                    continue
                seen.add(article)
                removed = rng.random() < 0.04
                if not removed:
                    kinds.add(kind)
                link_rows.add(
                    i + 1,
                    article,
                    1,
                    kind,
                    agent,
                    when(linked),
                    agent if removed else None,
                    when(linked + datetime.timedelta(minutes=20)) if removed else None,
                )
            outcome = ("new" if "created" in kinds else "known" if kinds else "none") if decided else ""
            status = "closed" if closed else "solved" if solved else "open"
            case_rows.add(
                i + 1, "zendesk", str(100_000 + i), " ".join(rng.choice(WORDS) for _ in range(6)).capitalize(),
                rng.choice(products), agent, f"Team {agents.index(agent) % TEAMS}", status, when(opened),
                when(solved) if solved else None, when(closed) if closed else None, outcome, when(solved) if solved else None,
                f"Customer {i}", when(opened), when(closed or solved or opened),
            )  # fmt: skip
        case_rows.flush()
        link_rows.flush()
        print(f"  {'case links':28} {link_rows.count:>10,} rows", flush=True)
        return case_rows.count

    timed("cases", cases)

    def searches() -> int:
        rows = Inserter(SearchLog, ["query", "caller_kind", "result_count", "opened_slug", "opened_position", "created_at"])
        year = datetime.timedelta(days=365)
        for i in range(size.searches):
            at = now - year * ((size.searches - i) / size.searches)
            caller = rng.choice(CALLERS)
            if rng.random() < 0.08:
                query = ZERO_QUERIES[min(len(ZERO_QUERIES) - 1, int(rng.paretovariate(1.2)) - 1)]
                rows.add(query, caller, 0, "", None, when(at))
                continue
            query = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 3)))
            count = rng.randint(1, 40)
            if rng.random() < 0.55:
                position = min(count, rng.choices((1, 2, 3, 4, 5, 9), (50, 20, 12, 8, 6, 4))[0])
                rows.add(query, caller, count, f"article-{popular_before(at) - 1}", position, when(at))
            else:
                rows.add(query, caller, count, "", None, when(at))
        rows.flush()
        return rows.count

    timed("search log", searches)

    def views() -> int:
        rows = Inserter(ArticleView, ["article_id", "day", "reader", "views"])
        today = timezone.localdate()
        sample = sorted(rng.sample(range(1, size.articles + 1), size.viewed_articles))
        slots = sum(len(READERS[meta[a - 1][1]]) for a in sample) * 365
        chance = min(1.0, size.view_rows / slots)
        days = [day(today - datetime.timedelta(days=d)) for d in range(365)]
        for article in sample:
            readers = READERS[meta[article - 1][1]] if meta[article - 1][0] == "validated" else ["staff"]
            for when_day in days:
                for reader in readers:
                    if rng.random() < chance:
                        rows.add(article, when_day, reader, rng.randint(1, 40))
        rows.flush()
        return rows.count

    timed("article views (counters)", views)

    def feedback() -> int:
        year = datetime.timedelta(days=365)
        flags = Inserter(
            Flag, ["article_id", "created_by_id", "created_at", "reason", "article_version", "state", "closed_by_id", "closed_at"]
        )
        still_open = set()  # one open flag per article, person and reason
        for _ in range(size.flags):
            at = now - year * rng.random()
            article, person = popular_before(at), rng.choice(agents)
            reason = rng.choice(("outdated", "unclear", "incorrect", "missing_information"))
            closed = at + datetime.timedelta(days=rng.uniform(0.1, 40)) if rng.random() < 0.75 else None
            closed = closed if closed and closed < now else None
            if not closed and (article, person, reason) in still_open:
                continue
            if not closed:
                still_open.add((article, person, reason))
            state = rng.choice(("resolved", "resolved", "dismissed")) if closed else "open"
            flags.add(article, person, when(at), reason, 1, state, owner.pk if closed else None, when(closed) if closed else None)
        flags.flush()
        votes = Inserter(HelpfulVote, ["article_id", "session_key", "helpful", "article_version", "at"])
        for i in range(size.votes):
            at = now - year * rng.random()
            votes.add(popular_before(at), f"s{i}", rng.random() < 0.8, 1, when(at))
        votes.flush()
        reuse = Inserter(Reuse, ["article_id", "user_id", "at", "article_version"])
        for _ in range(size.reuse):
            at = now - year * rng.random()
            reuse.add(popular_before(at), rng.choice(agents), when(at), 1)
        reuse.flush()
        return flags.count + votes.count + reuse.count

    timed("flags, votes, reuse", feedback)

    def checks() -> int:
        year = datetime.timedelta(days=365)
        coach = User.objects.get(username="bench-coach").pk
        columns = ["id", "article_id", "article_version", "author_id", "scorer_id", "met", "total", "scored_at"]
        scores = Inserter(ChecklistScore, [*columns, "weighted_met", "weighted_total"])
        answers = Inserter(ChecklistAnswer, ["score_id", "criterion_id", "label", "weight", "passed"])
        criteria = checklist_criteria()
        total_weight = sum(weight for _, _, weight in criteria)
        for i in range(size.scores):
            at = now - year * rng.random()
            article = popular_before(at)
            passed = [rng.random() < 0.8 for _ in criteria]
            met = sum(weight for (_, _, weight), ok in zip(criteria, passed, strict=True) if ok)
            scores.add(i + 1, article, 1, meta[article - 1][3], coach, sum(passed), len(criteria), when(at), met, total_weight)
            for (key, label, weight), ok in zip(criteria, passed, strict=True):
                answers.add(i + 1, key, label, weight, ok)
        scores.flush()
        answers.flush()
        return scores.count + answers.count

    timed("checklist scores, answers", checks)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Article, Case, ChecklistScore]):
                cursor.execute(sql)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # what a maintained database has: statistics for the planner
    print(f"  {'analyze':28} {'':>10} {'':4} in {time.perf_counter() - started:6.1f} s", flush=True)


def link_count_weights(mean: float) -> tuple[float, ...]:
    """Weights of 0, 1, 2 or 3 links on a case, about `mean` links a case, a fifth with none."""
    rest = max(0.0, mean - 0.8)  # 0.2 none, 0.8 at least one; the extra above one split 2:1
    two, three = rest * 0.6 / 1, rest * 0.4 / 2
    return (0.2, max(0.05, 0.8 - two - three), two, three)


def checklist_criteria() -> list[tuple[str, str, int]]:
    """(key, name, weight) of the active content-standard criteria (coaching.ChecklistCriterion)."""
    from coaching.models import active_criteria

    return [(c.key, c.name, c.weight) for c in active_criteria()]


def describe() -> str:
    from articles.models import Article, ArticleEvent
    from cases.models import Case, CaseLink
    from insights.models import ArticleView
    from search.models import SearchLog

    counts = [
        ("articles", Article),
        ("events", ArticleEvent),
        ("cases", Case),
        ("links", CaseLink),
        ("searches", SearchLog),
        ("view counters", ArticleView),
    ]
    return ", ".join(f"{model.objects.count():,} {name}" for name, model in counts)


def database_size(db_file: Path) -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"database {db_file.stat().st_size / 2**20:,.0f} MB"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return f"database {cursor.fetchone()[0] / 2**20:,.0f} MB"


# --- measuring ----------------------------------------------------------------------------------


def measure(repeat: int, only: str | None, slowest: int = 0) -> None:
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from accounts.models import User
    from insights.measures import VIEWS

    setup_test_environment()
    client = Client()
    client.force_login(User.objects.get(username="bench-coach"))
    team = Group.objects.get(name="Team 0")
    pages = [("overview", reverse("insights:index"))]
    pages += [(slug, reverse("insights:measure", args=[slug])) for slug in VIEWS if not only or slug == only]
    variants = [
        ("90 d", "period=90"),
        ("365 d", "period=365"),
        ("90 d, team", f"period=90&team={team.pk}"),
        ("365 d, team", f"period=365&team={team.pk}"),
    ]
    print(f"{'view':16} {'filters':12} {'median':>8} {'max':>8} {'queries':>8}   (ms, {repeat} runs)")
    slow = []
    for name, url in pages:
        for label, query in variants:
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(f"{url}?{query}")  # also warms caches
            captured = ctx.captured_queries  # now: the next request empties the log it reads
            queries = len(captured)
            assert response.status_code == 200, (url, query, response.status_code)
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                client.get(f"{url}?{query}")
                times.append((time.perf_counter() - started) * 1000)
            median, most = statistics.median(times), max(times)
            if median >= 1000:
                slow.append(f"{name} ({label})")
            print(f"{name:16} {label:12} {median:8.0f} {most:8.0f} {queries:8d}", flush=True)
            for found in sorted(captured, key=lambda q: -float(q["time"]))[:slowest]:
                print(f"{'':16} {float(found['time']) * 1000:8.0f} ms  {found['sql'][:300]}")
    print("views at or over 1 s: " + (", ".join(slow) if slow else "none"))
    slug = only or next(iter(VIEWS))
    api = client.get(reverse("insights-api:view", args=[slug]) + "?period=90&bucket=month")
    print(f"\nGET /api/v1/insights/{slug}/?period=90&bucket=month → {api.status_code}")
    data = api.json()
    tables = data.pop("tables")
    print(json.dumps(data, default=str))
    for table in tables:  # each table on a line, its first rows only
        rows = table["rows"]
        table["columns"] = [column["key"] for column in table["columns"]]
        table["rows"] = rows[:3] + ([f"... {len(rows) - 3} more rows"] if len(rows) > 3 else [])
        print(json.dumps(table, default=str))


if __name__ == "__main__":
    main()
