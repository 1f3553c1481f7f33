"""Suggest-as-you-type benchmark: GET /search/suggest/ server time for 1-, 2- and 3-word partial input.

Reuses bench/search.py's database (var/bench/search-N.sqlite3, or DATABASE_URL for PostgreSQL
whose name must contain "bench") and its index folder; builds either when missing (bench/search.py
builds the same articles from the same seed). Adds a synthetic search log of --log-rows rows
unless one at least that long exists (seeded: queries made of title words, Zipf-like, 80% with
results, spread over 180 days and the four kinds of caller), times search.suggest.refresh() over
it, then times the typed inputs: a random article's title words, first 1, 2 or 3 content words,
the last cut to 2-6 letters (what a person has typed so far), plus a share of words that match nothing. Each input is requested as
a staff agent and as an anonymous visitor through Django's test client, in-process, with
persistent database connections: the time is the server's (view, both suggestion sources, the
database re-check), not the network's.

    KCS_SEARCH_BACKEND=whoosh .venv/bin/python bench/suggest.py --articles 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcs_bench KCS_SEARCH_BACKEND=postgres \\
        .venv/bin/python bench/suggest.py --articles 10000

Results are printed and appended as one JSON line to var/bench/suggest-results.jsonl.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import importlib.util
import io
import json
import os
import pstats
import random
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlencode


def _load_bench():
    """bench/search.py (the database, vocabulary and helpers), loaded under its own name: the
    project's `search` app owns that module name."""
    spec = importlib.util.spec_from_file_location("bench_search", Path(__file__).resolve().parent / "search.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_search"] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()

RESULTS = bench.BENCH_DIR / "suggest-results.jsonl"
KINDS = ("1 word", "2 words", "3 words")
CALLER_SHARE = {"staff": 0.5, "customer": 0.25, "anonymous": 0.2, "partner": 0.05}


def fill_log(rows: int, seed: int) -> None:
    """`rows` synthetic searches (replacing any earlier ones), from title words."""
    from django.utils import timezone

    from articles.models import Article
    from search.models import SearchLog

    rng = random.Random(seed)
    titles = list(Article.objects.order_by("?").values_list("title", flat=True)[:5000])
    phrases = []
    for title in titles:
        words = [w for w in title.lower().split() if w not in bench.FUNCTION_WORDS]
        for k in (1, 2, 3):
            if len(words) >= k:
                start = rng.randint(0, len(words) - k)
                phrases.append(" ".join(words[start : start + k]))
    cum = bench._accumulate(bench._weights(len(phrases), 1.0, 10.0))
    kinds, shares = list(CALLER_SHARE), list(CALLER_SHARE.values())
    now = timezone.now()
    SearchLog.objects.all().delete()
    batch = []
    for i in range(rows):
        batch.append(
            SearchLog(
                query=rng.choices(phrases, cum_weights=cum)[0],
                caller_kind=rng.choices(kinds, shares)[0],
                result_count=rng.randint(1, 40) if rng.random() < 0.8 else 0,
                created_at=now - datetime.timedelta(seconds=rng.randint(0, 180 * 86400)),
            )
        )
        if len(batch) == 10000:
            SearchLog.objects.bulk_create(batch)
            batch = []
            if (i + 1) % 200000 == 0:
                print(f"  … {i + 1} searches logged", flush=True)
    SearchLog.objects.bulk_create(batch)


def inputs(total: int, seed: int) -> list[tuple[str, str]]:
    """(kind, typed text): what people have typed so far, from real titles (a tenth matches nothing)."""
    from articles.models import Article

    rng = random.Random(seed)
    ids = list(Article.objects.values_list("pk", flat=True))
    out = []
    while len(out) < total:
        n = rng.choice((1, 2, 3))
        title = Article.objects.filter(pk=rng.choice(ids)).values_list("title", flat=True).first() or ""
        words = [w for w in title.lower().split() if w.isalpha() and w not in bench.FUNCTION_WORDS]
        if len(words) < n:
            continue
        start = rng.randint(0, len(words) - n)
        chosen = words[start : start + n]
        if rng.random() < 0.1:
            chosen[-1] = "zq" + chosen[-1]  # matches nothing
        last = chosen[-1]
        chosen[-1] = last[: rng.randint(2, max(2, min(6, len(last))))]
        out.append((KINDS[n - 1], " ".join(chosen)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--inputs", type=int, default=600, help="typed inputs timed (each as staff and as a visitor)")
    parser.add_argument("--log-rows", type=int, default=1_000_000, help="synthetic search log rows")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the search index even if one exists")
    parser.add_argument(
        "--profile", choices=["staff", "visitor"], help="afterwards, profile the inputs as this caller (cProfile)"
    )
    args = parser.parse_args()

    bench.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    backend_name = os.environ.get("KCS_SEARCH_BACKEND", "whoosh")
    bench.prepare_database(args.articles, keep=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")
    index_dir = bench.BENCH_DIR / f"index-{backend_name}-{args.articles}"
    os.environ["KCS_SEARCH_INDEX_DIR"] = str(index_dir)
    warnings.filterwarnings("ignore", category=SyntaxWarning)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from articles.models import Article
    from search import indexing
    from search import suggest as popular
    from search.backends import get_backend
    from search.models import PopularQuery, SearchLog

    setup_test_environment(debug=False)
    call_command("migrate", verbosity=0)
    count = Article.objects.count()
    if count != args.articles:
        if count:
            bench.wipe_database()
            call_command("migrate", verbosity=0)
        started = time.perf_counter()
        bench.fill(args.articles, bench.Vocabulary(args.seed), args.seed)
        print(f"filled {args.articles} articles in {time.perf_counter() - started:.1f} s", flush=True)
    backend = get_backend()
    if args.rebuild or not _indexed(backend, index_dir):
        started = time.perf_counter()
        indexing.rebuild()
        print(f"rebuild: {time.perf_counter() - started:.1f} s", flush=True)
    if SearchLog.objects.count() < args.log_rows:  # a log at least this long is reused
        started = time.perf_counter()
        fill_log(args.log_rows, args.seed)
        print(f"logged {args.log_rows} searches in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    popular_rows = popular.refresh()
    refresh_s = time.perf_counter() - started
    print(f"popular searches: {popular_rows} rows in {refresh_s:.1f} s", flush=True)

    _, _, agent = bench.bench_users()
    staff, visitor = Client(), Client()
    staff.force_login(agent)
    typed = inputs(args.inputs, args.seed)
    for _, text in typed[:20]:  # warm up: the index's readers, the popular searches table
        staff.get("/search/suggest/?" + urlencode({"q": text}))
        visitor.get("/search/suggest/?" + urlencode({"q": text}))
    times = {(caller, kind): [] for caller in ("staff", "visitor") for kind in KINDS}
    found = {key: 0 for key in times}
    offered = {key: 0 for key in times}
    for kind, text in typed:
        for caller, client in (("staff", staff), ("visitor", visitor)):
            started = time.perf_counter()
            response = client.get("/search/suggest/?" + urlencode({"q": text}))
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (text, response.status_code)
            data = response.json()
            times[(caller, kind)].append(elapsed)
            found[(caller, kind)] += bool(data["results"])
            offered[(caller, kind)] += bool(data["queries"])

    rows = {}
    print()
    print(
        f"suggest benchmark: backend={backend.name} db={connection.vendor} articles={args.articles}"
        f" search log={SearchLog.objects.count()} popular={PopularQuery.objects.count()}"
    )
    print(f"  load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; refresh of popular searches {refresh_s:.1f} s")
    print(f"  {'caller':8} {'input':8} {'n':>4} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7} {'titles':>7} {'searches':>8}  (ms)")
    for (caller, kind), values in times.items():
        s = bench.stats(values)
        rows[f"{caller} {kind}"] = {**s, "with_titles": found[(caller, kind)], "with_searches": offered[(caller, kind)]}
        print(
            f"  {caller:8} {kind:8} {s['n']:4d} {s['p50']:7.1f} {s['p95']:7.1f} {s['p99']:7.1f} {s['max']:7.1f}"
            f" {found[(caller, kind)]:7d} {offered[(caller, kind)]:8d}"
        )
    overall = bench.stats([t for values in times.values() for t in values])
    print(f"  all: p50 {overall['p50']} / p95 {overall['p95']} / max {overall['max']} ms over {overall['n']} requests")
    record = {
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": bench.git_commit(),
        "backend": backend.name,
        "db": connection.vendor,
        "articles": args.articles,
        "search_log_rows": args.log_rows,
        "popular_rows": popular_rows,
        "refresh_s": round(refresh_s, 2),
        "overall": overall,
        "kinds": rows,
        "loadavg": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    with RESULTS.open("a") as f:
        f.write(json.dumps(record) + "\n")
    print(f"  appended to {RESULTS.relative_to(bench.ROOT)}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        caller = staff if args.profile == "staff" else visitor
        for _, text in typed:
            caller.get("/search/suggest/?" + urlencode({"q": text}))
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue())


def _indexed(backend, index_dir: Path) -> bool:
    """An index holding the articles already exists (a bench/search.py run built it)."""
    if backend.name == "whoosh":
        return (index_dir / "CURRENT").exists() and bool(backend.indexed_versions())
    return bool(backend.indexed_versions())


if __name__ == "__main__":
    main()
