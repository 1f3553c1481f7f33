"""Where a request's time goes: the load mix's pages, in-process, with query counts and a profile.

Runs each kind of request of `bench/load.py` through Django's test client (no server, one process)
against the configured database, and prints per kind the mean and p95 time, SQL queries per request
and the time spent in SQL. `--profile KIND` prints the functions that cost the most for that kind.

    export DATABASE_URL=sqlite:////tmp/load.sqlite3 KCS_SEARCH_INDEX_DIR=/tmp/load-index
    .venv/bin/python bench/request_cost.py --repeat 30
    .venv/bin/python bench/request_cost.py --repeat 30 --profile article_page

Numbers compare changes on one machine; they are never asserted in tests.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")  # a throwaway key

from load import MIX, QUERIES  # noqa: E402 — bench/ is not a package; the same mix as the load test


def paths_for(kind: str, rng: random.Random, staff: list[str], public: list[str]) -> str:
    return {
        "search_api": lambda: "/api/v1/search/?" + urlencode({"q": rng.choice(QUERIES)}),
        "search_page": lambda: "/search/?" + urlencode({"q": rng.choice(QUERIES)}),
        "article_page": lambda: f"/articles/{quote(rng.choice(staff))}/",
        "help_index": lambda: "/help/",
        "help_article": lambda: f"/help/{quote(rng.choice(public))}/",
        "article_list": lambda: "/articles/?page=" + str(rng.randint(1, 3)),
        "edit_api": lambda: f"/api/v1/articles/{quote(rng.choice(staff))}/",
    }[kind]()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--profile", help="a kind to profile (see bench/load.py's MIX)")
    parser.add_argument("--user", default="owner")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from articles.models import Article, State

    setup_test_environment()
    settings.DEBUG = True  # records queries in connection.queries (the test client does not render debug pages here)
    settings.ALLOWED_HOSTS = ["testserver"]
    rng = random.Random(3)
    staff = list(Article.objects.exclude(state=State.ARCHIVED).values_list("slug", flat=True)[:300])
    public = list(Article.objects.filter(state=State.VALIDATED, audience="public").values_list("slug", flat=True)[:300])
    client = Client()
    client.force_login(User.objects.get(username=args.user))

    kinds = [args.profile] if args.profile else [k for k, _ in MIX]
    print(f"{'kind':<14}{'mean':>8}{'p95':>8}{'queries':>9}{'sql ms':>8}")
    for kind in kinds:
        client.get(paths_for(kind, rng, staff, public))  # warm caches and imports
        times, counts, sql = [], [], []
        profiler = cProfile.Profile() if args.profile else None
        for _ in range(args.repeat):
            path = paths_for(kind, rng, staff, public)
            reset_queries()
            if profiler:
                profiler.enable()
            t0 = time.perf_counter()
            response = client.get(path)
            times.append((time.perf_counter() - t0) * 1000)
            if profiler:
                profiler.disable()
            if response.status_code >= 400:
                print(f"  {path} answered {response.status_code}")
            counts.append(len(connection.queries))
            sql.append(sum(float(q["time"]) for q in connection.queries) * 1000)
        times.sort()
        print(
            f"{kind:<14}{statistics.mean(times):>8.1f}{times[int(0.95 * (len(times) - 1))]:>8.1f}"
            f"{statistics.mean(counts):>9.1f}{statistics.mean(sql):>8.1f}"
        )
        if profiler:
            pstats.Stats(profiler).sort_stats(os.environ.get("KCS_PROFILE_SORT", "cumulative")).print_stats(45)


if __name__ == "__main__":
    main()
