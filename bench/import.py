"""Import benchmark: `manage.py import_articles` of N synthetic articles into a fresh database.

Writes var/bench/import-N.jsonl (seeded, bench/search.py's vocabulary: the same titles, issues
and resolutions its search benchmark indexes) with N articles in the import format, among them
about 1 in 500 bad records (invalid JSON, no title, a bad source_url, a slug seen twice) and about
2% translations of an earlier article (German, `translation_of` its key). Then, into a fresh
database (SQLite file var/bench/import-N.sqlite3, or DATABASE_URL for PostgreSQL, whose database
name must contain "bench"; the index in var/bench/import-index-<backend>-N), it times:

1. the import itself (rate, total seconds), as an operator runs it;
2. a second import of the same file (every record unchanged: the cost of a resumed import);

then checks what a user would: one version and one `created` event per article, translations
linked, and `check_index` reporting nothing missing, stale or extra. Prints peak RSS and the load
average (the machine is shared: numbers are noisy), and appends a JSON line to
var/bench/import-results.jsonl.

    .venv/bin/python bench/import.py --articles 10000
    psql -h 127.0.0.1 -U postgres -c 'create database kcs_bench_import'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcs_bench_import KCS_SEARCH_BACKEND=postgres \\
        .venv/bin/python bench/import.py --articles 10000
    # where the time goes (cProfile of the first import, top functions):
    .venv/bin/python bench/import.py --articles 1000 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import importlib.util
import io
import json
import os
import platform
import pstats
import random
import time
import warnings
from pathlib import Path

# bench/search.py's generator, loaded under another name: "search" is the project's search app.
_spec = importlib.util.spec_from_file_location("bench_search", Path(__file__).resolve().parent / "search.py")
bench_search = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_search)
BENCH_DIR, ROOT, PRODUCTS, Vocabulary = bench_search.BENCH_DIR, bench_search.ROOT, bench_search.PRODUCTS, bench_search.Vocabulary
_accumulate, _weights, sentences = bench_search._accumulate, bench_search._weights, bench_search.sentences

RESULTS = BENCH_DIR / "import-results.jsonl"


def write_jsonl(path: Path, n: int, seed: int) -> dict:
    """N article lines (some bad, some translations); returns what was written, by kind."""
    rng = random.Random(seed)
    vocab = Vocabulary(seed)
    tag_names = vocab.jargon_ranked + ["password-reset", "wifi-setup", "two-factor", "refund-policy", "sso"]
    tag_cum = _accumulate(_weights(len(tag_names), 1.0, 3.0))
    product_weights = [1.0 / (i + 1.5) for i in range(len(PRODUCTS))]
    written = {"articles": 0, "bad": 0, "translations": 0}
    keys: list[str] = []
    translated: set[str] = set()
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            topic = rng.choices(range(len(PRODUCTS)), weights=product_weights)[0]
            title_words = vocab.content_words(rng, rng.randint(5, 12), topic)
            steps = sentences(rng, vocab.text(rng, int(150 + 650 * rng.betavariate(2, 2)), topic))
            key = f"{PRODUCTS[topic].lower().replace(' ', '-')}/{'-'.join(title_words[:4])}-{i}"
            record = {
                "slug": key,
                "title": " ".join(title_words).capitalize()[:200],
                "summary": " ".join(sentences(rng, vocab.text(rng, rng.randint(20, 60), topic))),
                "body": "\n".join(f"{k}. {s}" for k, s in enumerate(steps, 1)),
                "product": PRODUCTS[topic],
                "tags": sorted(set(rng.choices(vocab.topics[topic][:12] + tag_names[:30], k=rng.randint(0, 3)))),
                "source_url": f"https://help.example.com/{key}",
                "license": "CC-BY-4.0",
            }
            if rng.random() < 0.3:
                record["tags"].append(rng.choices(tag_names, cum_weights=tag_cum)[0])
            bad = rng.random() < 1 / 500
            if bad:
                kind = rng.choice(["json", "title", "url", "twice"])
                written["bad"] += 1
                if kind == "json":
                    out.write(json.dumps(record)[:-7] + "\n")
                    continue
                if kind == "title":
                    record["title"] = ""
                elif kind == "url":
                    record["source_url"] = "ftp://files.example.com/kb"
                elif keys:
                    record["slug"] = rng.choice(keys)
            elif keys and rng.random() < 0.02:
                source = rng.choice(keys)
                if source not in translated:
                    translated.add(source)
                    record["language"] = "de"
                    record["translation_of"] = source
                    written["translations"] += 1
            if not bad:
                keys.append(key)
                written["articles"] += 1
            out.write(json.dumps(record) + "\n")
    return written


def run_import(path: Path, owner, profile: Path | None = None) -> tuple[float, str, int]:
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out, err = io.StringIO(), io.StringIO()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    status = 0
    if profiler:
        profiler.enable()
    try:
        call_command("import_articles", str(path), owner=owner.username, stdout=out, stderr=err)
    except CommandError as error:
        status = error.returncode
    finally:
        if profiler:
            profiler.disable()
    elapsed = time.perf_counter() - started
    if profiler:
        profiler.dump_stats(profile)
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(45)
        print(text.getvalue())
    summary = " / ".join(out.getvalue().strip().splitlines())
    bad_lines = len(err.getvalue().splitlines())
    return elapsed, summary + f" (exit {status}, {bad_lines} lines on stderr)", status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--profile", action="store_true", help="cProfile the first import (top functions)")
    parser.add_argument("--no-rerun", action="store_true", help="skip the second (all unchanged) import")
    args = parser.parse_args()

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    backend_name = os.environ.get("KCS_SEARCH_BACKEND", "whoosh")
    if os.environ.get("DATABASE_URL"):
        bench_search.prepare_database(args.articles, keep=False)  # refuses a name without "bench"
    else:
        db_file = BENCH_DIR / f"import-{args.articles}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")  # a throwaway secret key
    index_dir = BENCH_DIR / f"import-index-{backend_name}-{args.articles}"
    os.environ["KCS_SEARCH_INDEX_DIR"] = str(index_dir)
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    load_before = os.getloadavg()
    commit = bench_search.git_commit()

    source = BENCH_DIR / f"import-{args.articles}.jsonl"
    started = time.perf_counter()
    written = write_jsonl(source, args.articles, args.seed)
    print(f"wrote {source.relative_to(ROOT)}: {written} in {time.perf_counter() - started:.1f} s", flush=True)

    import shutil

    shutil.rmtree(index_dir, ignore_errors=True)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from reversion.models import Version

    from articles.models import Article, ArticleEvent, EventKind
    from search import indexing
    from search.backends import get_backend

    if connection.vendor == "postgresql":
        bench_search.reset_postgres()
    call_command("migrate", verbosity=0)
    owner, _, _ = bench_search.bench_users()

    profile = BENCH_DIR / f"import-profile-{connection.vendor}-{args.articles}.prof" if args.profile else None
    first_s, first_summary, _ = run_import(source, owner, profile)
    rss_first = bench_search.rss_mb()
    print(f"import: {first_s:.1f} s, {written['articles'] / first_s:.0f} articles/s — {first_summary}", flush=True)
    again_s = again_summary = None
    if not args.no_rerun:
        again_s, again_summary, _ = run_import(source, owner)
        print(f"re-import (unchanged): {again_s:.1f} s — {again_summary}", flush=True)

    articles = Article.objects.count()
    versions = Version.objects.get_for_model(Article).count()
    created_events = ArticleEvent.objects.filter(kind=EventKind.CREATED).count()
    linked = Article.objects.exclude(translation_of=None).count()
    started = time.perf_counter()
    report = indexing.check()
    check_s = time.perf_counter() - started
    problems = {name: len(ids) for name, ids in report.items() if ids}
    rss_end = bench_search.rss_mb()
    load_after = os.getloadavg()

    backend = get_backend()
    print()
    print(
        f"import benchmark: backend={backend.name} db={connection.vendor} articles={args.articles}"
        f" semantic={settings.KCS_SEMANTIC}"
    )
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f} on {os.cpu_count()} cores")
    print(f"  import             {first_s:.1f} s, {written['articles'] / first_s:.0f} articles/s")
    if again_s is not None:
        print(f"  re-import          {again_s:.1f} s, {written['articles'] / again_s:.0f} records/s (all unchanged)")
    print(f"  articles           {articles} (file: {written}); versions {versions}; created events {created_events}")
    print(f"  translations       {linked} linked of {written['translations']}")
    print(f"  check_index        {problems or 'complete'} ({check_s:.1f} s)")
    print(f"  peak RSS           {rss_end[0]:.0f} MiB (after first import {rss_first[0]:.0f})")
    record = {
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "backend": backend.name,
        "semantic": bool(settings.KCS_SEMANTIC),
        "db": connection.vendor,
        "articles": args.articles,
        "file": written,
        "seed": args.seed,
        "import_s": round(first_s, 2),
        "rate": round(written["articles"] / first_s, 1),
        "summary": first_summary,
        "reimport_s": None if again_s is None else round(again_s, 2),
        "reimport_summary": again_summary,
        "stored": {"articles": articles, "versions": versions, "created_events": created_events, "linked": linked},
        "index_problems": problems,
        "peak_rss_mb": rss_end[0],
        "loadavg": {"before": load_before, "after": load_after},
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    with RESULTS.open("a") as f:
        f.write(json.dumps(record) + "\n")
    print(f"  appended to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
