"""Page-view benchmark: the staff list, article page, help centre and API at N articles.

Builds a throwaway database (SQLite file under var/bench/ by default, or DATABASE_URL),
fills it with N synthetic articles (seeded, 0–4 authority rules each, 1–3 tags), then times
each page through Django's test client in-process and prints p50/p95/max in ms and the
number of SQL queries per page.

    .venv/bin/python bench/pages.py --articles 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcs_bench .venv/bin/python bench/pages.py --articles 100000

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
sys.path.insert(0, str(ROOT))

from bench import timing  # noqa: E402
from bench.words import WORDS as SHARED_WORDS  # noqa: E402

WORDS = [*SHARED_WORDS, "discount", "partner"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--repeat", type=int, default=30, help="requests per page")
    parser.add_argument("--keep", action="store_true", help="reuse an existing bench database of the same size")
    args = parser.parse_args()

    bench_dir = ROOT / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    db_file = bench_dir / f"pages-{args.articles}.sqlite3"
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
        if not args.keep and db_file.exists():
            db_file.unlink()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")  # plain HTTP, a throwaway key
    os.environ["KCS_SEARCH_INDEX_DIR"] = str(bench_dir / "index")

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from articles.models import Article

    setup_test_environment()
    call_command("migrate", verbosity=0)
    if Article.objects.count() != args.articles:
        started = time.perf_counter()
        fill(args.articles)
        print(f"filled {args.articles} articles in {time.perf_counter() - started:.1f} s")

    staff = User.objects.get(username="bench-owner")
    customer = User.objects.get(username="bench-customer")
    some = Article.objects.order_by("id")[args.articles // 2]
    public = Article.objects.filter(state="validated", audience="public").order_by("id").first()
    pages = [
        ("staff", "/articles/"),
        ("staff", "/articles/?state=validated&product=product-3"),
        ("staff", "/articles/?tag=wifi"),
        ("staff", "/articles/?page=50"),
        ("staff", "/dashboard/"),
        ("staff", f"/articles/{some.slug}/"),
        ("staff", f"/articles/{some.slug}/history/"),
        ("customer", "/help/"),
        ("anonymous", f"/help/{public.slug}/"),
        ("staff", "/api/v1/articles/"),
        ("staff", f"/api/v1/articles/{some.slug}/"),
    ]
    clients = {"staff": Client(), "customer": Client(), "anonymous": Client()}
    clients["staff"].force_login(staff)
    clients["customer"].force_login(customer)
    print(timing.HEADER)
    for who, url in pages:
        timing.time_pages(clients[who], [url], args.repeat, label=who)


def fill(n: int) -> None:
    """Insert n articles in bulk (no versions: this measures reading, not writing)."""
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from articles.models import Article, AuthorityRule, EscalationContact, Product, Tag

    rng = random.Random(42)
    owner, _ = User.objects.get_or_create(username="bench-owner", defaults={"licence": "publisher", "is_kb_owner": True})
    User.objects.get_or_create(username="bench-customer", defaults={"kind": "customer"})
    products = [Product.objects.get_or_create(name=f"Product {i}", slug=f"product-{i}")[0] for i in range(12)]
    tags = [Tag.objects.get_or_create(name=w)[0] for w in WORDS]
    contacts = [
        EscalationContact.objects.get_or_create(team=f"Team {i}", defaults={"channel": f"#team-{i}", "hours": "24/7"})[0]
        for i in range(8)
    ]
    states = ["validated"] * 6 + ["not_validated", "wip", "archived"]
    audiences = ["internal", "internal", "partner", "customer", "public"]
    now = timezone.now()
    batch = 2000
    Through = Article.tags.through
    for start in range(0, n, batch):
        with transaction.atomic():
            rows = []
            for i in range(start, min(n, start + batch)):
                title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 10)))
                body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(150, 400)))
                rows.append(
                    Article(
                        slug=f"article-{i}",
                        title=title.capitalize(),
                        issue=body[:200],
                        environment="Web shop",
                        resolution=body,
                        product=rng.choice(products),
                        owner=owner,
                        created_by=owner,
                        state=rng.choice(states),
                        audience=rng.choice(audiences),
                        escalation=rng.choice(contacts),
                        updated_at=now - timezone.timedelta(minutes=i),
                    )
                )
            created = Article.objects.bulk_create(rows)
            if created[0].pk is None:
                created = list(Article.objects.filter(slug__in=[a.slug for a in rows]))
            AuthorityRule.objects.bulk_create(
                AuthorityRule(article=a, position=j, action="refund the order", limit_amount=10 * (j + 1), limit_unit="EUR")
                for a in created
                for j in range(rng.randint(0, 4))
            )
            Through.objects.bulk_create(
                Through(article_id=a.pk, tag_id=t.pk) for a in created for t in rng.sample(tags, rng.randint(1, 3))
            )


if __name__ == "__main__":
    main()
