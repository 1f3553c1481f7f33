"""Synonym mining and search report benchmark: the synonyms page's candidates and the report's
grouped queries on a large search log.

Builds a throwaway database (SQLite file var/bench/mining-N.sqlite3 by default, or DATABASE_URL for
PostgreSQL, whose database name must contain "bench") holding N searches (1,000,000 by default)
spread over --spread days: per article a topic of two words, searched in several wordings ("remove
…", "kick … out", "how do i delete …"), a long tail of random queries, zero-result queries,
corrections applied, undone and suggestions taken. Then times `search.mining.candidates()` (the
synonyms page's added cost) and the report's grouped queries (`search.report.undone_corrections`
and the zero-result grouping that `knowledge_gaps` reads before its searches): median and max of
--repeat runs in ms.

    .venv/bin/python bench/synonym_mining.py                       # 1M searches over 365 days
    .venv/bin/python bench/synonym_mining.py --spread 90           # all of them in the window
    .venv/bin/python bench/synonym_mining.py --reuse               # the database built before
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcs_mining_bench .venv/bin/python bench/synonym_mining.py

The target is the candidates under 300 ms at 1M searches (mining slower than that is cached).
Numbers are for comparing changes on one machine, never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not bench/, where a file could shadow an app
from bench.database import choose_database  # noqa: E402
from bench.insights import Inserter  # noqa: E402
from bench.words import WORDS  # noqa: E402

BENCH_DIR = ROOT / "var" / "bench"
ARTICLES = 5000
# Wordings of one need: {t} is the article's topic.
TEMPLATES = [
    "remove {t}",
    "delete {t}",
    "kick {t} out",
    "how do i remove {t}",
    "get rid of {t}",
    "{t} not working",
    "{t} broken",
    "fix {t}",
    "{t}",
    "{t} error",
]
CALLERS = ["staff"] * 9 + ["customer"] * 5 + ["anonymous"] * 4 + ["partner"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--searches", type=int, default=1_000_000)
    parser.add_argument("--spread", type=int, default=365, help="days the searches are spread over")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="reuse a bench database of the same size")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    choose_database(BENCH_DIR / f"mining-{args.searches}-{args.spread}.sqlite3", reuse=args.reuse)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")
    os.environ["KCS_SEARCH_INDEX_DIR"] = str(BENCH_DIR / "index-mining")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from search.models import SearchLog

    if connection.vendor == "postgresql" and not args.reuse:
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    call_command("migrate", verbosity=0)
    if SearchLog.objects.count() != args.searches:
        if SearchLog.objects.exists():
            raise SystemExit("The bench database holds other searches: run without --reuse.")
        started = time.perf_counter()
        fill(args.searches, args.spread, random.Random(args.seed))
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)
    print(f"{connection.vendor}, {SearchLog.objects.count():,} searches over {args.spread} days", flush=True)
    measure(args.repeat)


def fill(searches: int, spread: int, rng: random.Random) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from search.models import SearchLog

    now = timezone.now()
    when = connection.ops.adapt_datetimefield_value
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous=OFF")
    topics = [f"{rng.choice(WORDS)} {rng.choice(WORDS)}" for _ in range(ARTICLES)]
    weights = [1 / (i + 1) for i in range(ARTICLES)]  # Zipf-like popularity
    columns = ["query", "caller_kind", "result_count", "corrected_to", "suggestion", "correction_undone"]
    columns += ["suggestion_taken", "opened_slug", "opened_position", "created_at"]
    with transaction.atomic():
        rows = Inserter(SearchLog, columns)
        picks = rng.choices(range(ARTICLES), weights, k=searches)
        span = datetime.timedelta(days=spread)
        for i, article in enumerate(picks):
            at = when(now - span * ((searches - i) / searches))
            caller = rng.choice(CALLERS)
            roll = rng.random()
            if roll < 0.06:  # found nothing
                rows.add(f"{rng.choice(WORDS)} {rng.choice(WORDS)}x", caller, 0, "", "", False, False, "", None, at)
            elif roll < 0.30:  # the long tail
                query = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
                rows.add(query, caller, rng.randint(1, 40), "", "", False, False, "", None, at)
            elif roll < 0.33:  # corrected
                word = rng.choice(WORDS[:40])
                undone = rng.random() < 0.3
                opened = "" if undone else f"article-{article}"
                rows.add(f"{word}z", caller, 5, word, "", undone, False, opened, 1 if opened else None, at)
            elif roll < 0.34:  # "Did you mean" followed
                rows.add("wifi setup", caller, 2, "", "wi-fi setup", False, True, "", None, at)
            else:
                query = rng.choice(TEMPLATES).format(t=topics[article])
                opened = rng.random() < 0.6
                slug, position = (f"article-{article}", rng.randint(1, 5)) if opened else ("", None)
                rows.add(query, caller, rng.randint(1, 40), "", "", False, False, slug, position, at)
        rows.flush()


def measure(repeat: int) -> None:
    from django.core.cache import cache
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from search import mining
    from search import report as gaps
    from search.models import SearchLog

    since = timezone.now() - datetime.timedelta(days=30)
    logs = SearchLog.objects.filter(created_at__gte=since)

    def zero_grouping():
        # What knowledge_gaps reads before it searches (the searches are per row, at most 25).
        from django.db.models import Count, Q
        from django.db.models.functions import Lower

        rows = logs.filter(result_count=0).annotate(q=Lower("query")).values("q")
        return list(rows.annotate(zero=Count("id"), outside=Count("id", filter=~Q(caller_kind="staff"))).order_by("-zero")[:200])

    cases = [
        ("candidates (90 days), mined", lambda: (cache.clear(), mining.candidates())[1]),
        ("candidates (90 days), cached mining", lambda: mining.candidates()),
        ("report: undone corrections (30 days)", lambda: list(gaps.undone_corrections(logs))),
        ("report: zero-result grouping (30 days)", zero_grouping),
    ]
    for label, run in cases:
        times = []
        for _ in range(repeat):
            reset_queries()
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                result = run()
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"  {label:40} median {statistics.median(times):7.1f} ms, max {max(times):7.1f} ms, "
            f"{len(queries)} queries, {len(result)} rows",
            flush=True,
        )
    for c in mining.candidates()[:5]:
        print(f"    {c.a.phrase!r} ~ {c.b.phrase!r}: score {c.score}, {sorted(c.sources)}")


if __name__ == "__main__":
    main()
