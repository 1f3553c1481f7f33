"""Measure search quality against a judged query set (bench/search_queries.jsonl).

Each line: {"id", "set": "dev"|"test", "kind", "query", "relevant": {external_id: grade}}.
Prints MRR@10, recall@5 and nDCG@10 overall and per kind, for the chosen set. Import the
corpus first (`import_articles`), then run this with the backend to measure.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.choices import Kind
from accounts.models import User
from search.backends.base import SearchRequest
from search.service import search

DEFAULT_QUERIES = Path(settings.BASE_DIR) / "bench" / "search_queries.jsonl"


def reciprocal_rank(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    for i, key in enumerate(ranked[:k], 1):
        if relevant.get(key, 0) >= 3 or (relevant.get(key, 0) > 0 and max(relevant.values()) < 3):
            return 1.0 / i
    return 0.0


def recall_at(ranked: list[str], relevant: dict[str, int], k: int = 5) -> float:
    wanted = {key for key, grade in relevant.items() if grade >= 2} or set(relevant)
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def ndcg_at(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** relevant.get(key, 0) - 1) / math.log2(i + 1) for i, key in enumerate(ranked[:k], 1))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**grade - 1) / math.log2(i + 1) for i, grade in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


class Command(BaseCommand):
    help = "Print MRR@10, recall@5 and nDCG@10 of search over a judged query set, overall and per kind."

    def add_arguments(self, parser):
        parser.add_argument("--queries", default=str(DEFAULT_QUERIES))
        parser.add_argument("--set", choices=["dev", "test", "all"], default="all")
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--misses", action="store_true", help="List queries whose best answer is not first.")

    def handle(self, *args, **options):
        path = Path(options["queries"])
        if not path.exists():
            raise CommandError(f"No query file at {path}.")
        judged = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        if options["set"] != "all":
            judged = [q for q in judged if q.get("set") == options["set"]]
        # Staff view of every non-archived article (the default of `manage.py search`).
        user = User(username="eval", kind=Kind.STAFF, is_superuser=True, is_active=True)
        scores: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        misses = []
        for q in judged:
            results = search(SearchRequest(text=q["query"], user=user, per_page=10, facets=False))
            ranked = [h.external_id or h.slug for h in results.hits]
            row = (reciprocal_rank(ranked, q["relevant"]), recall_at(ranked, q["relevant"]), ndcg_at(ranked, q["relevant"]))
            scores[q["kind"]].append(row)
            scores["all"].append(row)
            if row[0] < 1.0:
                misses.append((q["id"], q["kind"], q["query"], row[0], ranked[:3]))
        report = {
            kind: {
                "queries": len(rows),
                "mrr@10": round(sum(r[0] for r in rows) / len(rows), 3),
                "recall@5": round(sum(r[1] for r in rows) / len(rows), 3),
                "ndcg@10": round(sum(r[2] for r in rows) / len(rows), 3),
            }
            for kind, rows in sorted(scores.items(), key=lambda kv: (kv[0] != "all", kv[0]))
        }
        if options["json"]:
            self.stdout.write(json.dumps({"backend": settings.KCS_SEARCH_BACKEND, "set": options["set"], **report}))
            return
        self.stdout.write(f"backend={settings.KCS_SEARCH_BACKEND} set={options['set']}")
        self.stdout.write(f"{'kind':10} {'queries':>7} {'MRR@10':>7} {'R@5':>7} {'nDCG@10':>8}")
        for kind, m in report.items():
            self.stdout.write(f"{kind:10} {m['queries']:7d} {m['mrr@10']:7.3f} {m['recall@5']:7.3f} {m['ndcg@10']:8.3f}")
        if options["misses"]:
            for qid, kind, text, rr, top in misses:
                self.stdout.write(f"{qid} [{kind}] {text!r} rr={rr:.2f} top={top}")
