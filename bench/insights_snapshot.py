"""Snapshot benchmark: `insights.snapshot.take` (one day) and `backfill` (a year of days) at N
articles with a year of state and audience changes, flags, views and searches.

Builds a throwaway database (SQLite file under var/bench/ by default, or DATABASE_URL):

    .venv/bin/python bench/insights_snapshot.py --articles 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcs_bench .venv/bin/python bench/insights_snapshot.py --articles 100000

Numbers are for comparing changes on one machine, never asserted in tests.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.database import refuse_unless_bench  # noqa: E402


def fill(n: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from articles.models import Article, ArticleEvent, Product
    from feedback.models import Flag
    from insights.models import ArticleView
    from search.models import SearchLog

    rng = random.Random(7)
    owner, _ = User.objects.get_or_create(username="bench-owner", defaults={"licence": "publisher", "is_kb_owner": True})
    products = [Product.objects.get_or_create(name=f"Product {i}", slug=f"product-{i}")[0] for i in range(12)]
    now = timezone.now()
    for start in range(0, n, 5000):
        with transaction.atomic():
            rows = []
            for i in range(start, min(n, start + 5000)):
                rows.append(
                    Article(
                        slug=f"a-{i}",
                        title=f"Article {i}",
                        product=rng.choice(products),
                        owner=owner,
                        created_by=owner,
                        state="validated" if i % 3 else "not_validated",
                        audience="customer" if i % 4 == 0 else "internal",
                        created_at=now - datetime.timedelta(days=rng.randint(30, 400)),
                    )
                )
            created = Article.objects.bulk_create(rows)
            if created[0].pk is None:
                created = list(Article.objects.filter(slug__in=[a.slug for a in rows]).order_by("pk"))
            events = []
            for a in created:
                events.append(
                    ArticleEvent(article=a, actor=owner, kind="created", to_value="not_validated", at=a.created_at, version=1)
                )
                if a.state == "validated":
                    at = a.created_at + datetime.timedelta(days=rng.randint(1, 25))
                    events.append(
                        ArticleEvent(
                            article=a,
                            actor=owner,
                            kind="state",
                            from_value="not_validated",
                            to_value="validated",
                            at=at,
                            version=2,
                        )
                    )
                if a.audience == "customer":
                    at = a.created_at + datetime.timedelta(days=rng.randint(1, 25))
                    events.append(
                        ArticleEvent(
                            article=a, actor=owner, kind="audience", from_value="internal", to_value="customer", at=at, version=3
                        )
                    )
                if rng.random() < 0.1:
                    Flag.objects.bulk_create(
                        [
                            Flag(
                                article=a,
                                reason="outdated",
                                article_version=1,
                                created_at=a.created_at + datetime.timedelta(days=3),
                            )
                        ]
                    )
            ArticleEvent.objects.bulk_create(events)
    today = timezone.localdate()
    views = [
        ArticleView(
            article_id=pk, day=today - datetime.timedelta(days=d), reader=rng.choice(["customer", "anonymous", "staff"]), views=3
        )
        for d in range(365)
        for pk in rng.sample(range(1, n), 100)
    ]
    ArticleView.objects.bulk_create(views, batch_size=5000, ignore_conflicts=True)
    SearchLog.objects.bulk_create(
        [
            SearchLog(
                query="q",
                caller_kind="customer",
                result_count=rng.randint(0, 3),
                created_at=now - datetime.timedelta(minutes=13 * i),
            )
            for i in range(40_000)
        ],
        batch_size=5000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    if "DATABASE_URL" in os.environ:
        refuse_unless_bench(os.environ["DATABASE_URL"])
    else:
        var = ROOT / "var" / "bench" / f"snapshot-{args.articles}"
        if var.exists():
            import shutil

            shutil.rmtree(var)
        var.mkdir(parents=True)
        os.environ["KCS_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from insights import snapshot
    from insights.models import DailyFigure

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    fill(args.articles)
    print(f"filled {args.articles} articles in {time.perf_counter() - started:.1f} s")
    today = timezone.localdate()
    started = time.perf_counter()
    written = snapshot.take(today - datetime.timedelta(days=1))
    print(f"take(yesterday): {written} figures in {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    written = snapshot.backfill(today - datetime.timedelta(days=366), today - datetime.timedelta(days=2))
    print(f"backfill(365 days): {written} figures in {time.perf_counter() - started:.2f} s")
    print(f"DailyFigure rows: {DailyFigure.objects.count()}")


if __name__ == "__main__":
    main()
