"""Export benchmark: `manage.py export_articles` of N synthetic articles, JSON Lines and Markdown.

Builds a throwaway database (SQLite under var/bench/, or DATABASE_URL whose name contains
"bench"), fills it with bench/search.py's synthetic articles (0-3 authority rules, 1-4 tags,
escalation contacts), gives each 1-4 stored versions, then times both formats and prints
articles a second, SQL queries, the file size, peak memory and the load average.

    .venv/bin/python bench/export.py --articles 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcs_bench_export .venv/bin/python bench/export.py

Numbers are for comparing changes on one machine, never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import search  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="reuse an existing bench database of the same size")
    args = parser.parse_args()

    out_dir = search.BENCH_DIR / "export"
    out_dir.mkdir(parents=True, exist_ok=True)
    db_file = search.BENCH_DIR / f"export-{args.articles}.sqlite3"
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_file}{suffix}").unlink(missing_ok=True)
    reuse = search.prepare_database(args.articles, args.keep)  # refuses a PostgreSQL database not named "bench"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")
    os.environ["KCS_SEARCH_INDEX_DIR"] = str(search.BENCH_DIR / "export-index")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from articles.models import Article

    if connection.vendor == "postgresql" and not reuse:
        search.reset_postgres()
    call_command("migrate", verbosity=0)
    if not reuse or not Article.objects.exists():
        started = time.perf_counter()
        search.fill(args.articles, search.Vocabulary(args.seed), args.seed)
        add_versions(args.seed)
        print(f"filled {Article.objects.count()} articles in {time.perf_counter() - started:.0f} s", flush=True)

    print(f"{connection.vendor}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f} before", flush=True)
    for kind, target in (("jsonl", out_dir / "kb.jsonl"), ("markdown", out_dir / "kb")):
        if target.is_dir():
            shutil.rmtree(target)
        queries = [0]

        def count(execute, sql, params, many, context, queries=queries):
            queries[0] += 1
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(count):
            call_command("export_articles", str(target), "--format", kind, "--force", stdout=open(os.devnull, "w"))  # noqa: SIM115
        seconds = time.perf_counter() - started
        size = target.stat().st_size if target.is_file() else sum(p.stat().st_size for p in target.iterdir())
        n = Article.objects.count()
        print(
            f"{kind:9} {n} articles in {seconds:.1f} s = {n / seconds:,.0f} articles/s, "
            f"{queries[0]} queries, {size / 1e6:.0f} MB",
            flush=True,
        )
    me, _children = search.rss_mb()
    print(f"peak RSS {me:.0f} MB; load {os.getloadavg()[0]:.1f} after")


def add_versions(seed: int) -> None:
    """1-4 stored versions per article, as reversion and the change records keep them."""
    from django.contrib.contenttypes.models import ContentType
    from django.db import transaction
    from reversion.models import Revision, Version

    from articles.models import Article, RevisionMeta

    rng = random.Random(seed)
    owner, editor, _ = search.bench_users()
    content_type = ContentType.objects.get_for_model(Article)
    ids = list(Article.objects.values_list("pk", "state", "created_at"))
    for start in range(0, len(ids), 1000):
        plan = []
        for pk, state, created in ids[start : start + 1000]:
            for number in range(1, rng.randint(1, 4) + 1):
                at = created + datetime.timedelta(days=number)
                plan.append((pk, number, state, Revision(date_created=at, user=rng.choice([owner, editor]), comment="Edited")))
        with transaction.atomic():
            revisions = Revision.objects.bulk_create([p[3] for p in plan])
            if revisions[0].pk is None:  # SQLite before 3.35 returns no ids
                revisions = list(Revision.objects.order_by("-pk")[: len(plan)])[::-1]
            Version.objects.bulk_create(
                Version(
                    revision=revision,
                    object_id=str(pk),
                    content_type=content_type,
                    db="default",
                    format="json",
                    serialized_data=json.dumps([{"model": "articles.article", "pk": pk, "fields": {"state": state}}]),
                    object_repr="",
                )
                for (pk, _n, state, _r), revision in zip(plan, revisions, strict=True)
            )
            RevisionMeta.objects.bulk_create(
                RevisionMeta(revision=revision, article_version=number, material=number % 2 == 1)
                for (_pk, number, _s, _r), revision in zip(plan, revisions, strict=True)
            )


if __name__ == "__main__":
    main()
