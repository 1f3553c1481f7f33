"""Search benchmark across languages: German and English query latency on a mixed-language corpus.

Fills a scratch database as bench/search.py does (N synthetic support articles, seeded), then
rewrites a share of them (--german, default 30%) as German articles: German function words and
support words in their inflected forms ("Rechnung", "Rechnungen", "Rechnungs…") around the same
long-tail vocabulary, each German article the translation of a distinct English one. Rebuilds
the index (each article analysed as its own language) and times, through GET /api/v1/search/ as a
staff user (snippets, facets, logging on, as in production):

- German queries with `language=de`: one inflected word, two or three words, a question full of
  stop words, a prefix, a filtered query, a misspelling (the fallback to English runs when German
  finds fewer than three articles: counted);
- English queries with `language=en` (bench/search.py's mix) on the same corpus;
- every language (`language=all`) for a sample of both.

    KCS_SEARCH_BACKEND=whoosh .venv/bin/python bench/search_languages.py --articles 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcs_bench KCS_SEARCH_BACKEND=postgres \\
        .venv/bin/python bench/search_languages.py --articles 10000

Prints a table and appends one JSON line to var/bench/search-languages-results.jsonl.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import random
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# bench/search.py, loaded under another name: `search` is the Django app.
_spec = importlib.util.spec_from_file_location("bench_search", ROOT / "bench" / "search.py")
base = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(base)

RESULTS = base.BENCH_DIR / "search-languages-results.jsonl"

GERMAN_FUNCTION_WORDS = base._wordlist(
    "der die das und ist nicht mit für von zu den dem ein eine Sie Ihre auf im in wird werden kann "
    "dann wenn nach oder auch noch bei aus sich es wie wir über nur"
)
# Support words with the forms text uses (a query may use any of them).
GERMAN_FORMS = [
    f.split("/")
    for f in (
        "Rechnung/Rechnungen/Rechnungs",
        "Passwort/Passwörter/Passworts",
        "Drucker/Druckers/Druckern",
        "Verbindung/Verbindungen",
        "Konto/Kontos/Konten",
        "Benutzer/Benutzern/Benutzers",
        "Einstellung/Einstellungen",
        "Zahlung/Zahlungen",
        "Erstattung/Erstattungen",
        "Kündigung/Kündigungen",
        "Anmeldung/Anmeldungen",
        "Fehler/Fehlern/Fehlers",
        "Gerät/Geräte/Geräten/Geräts",
        "Netzwerk/Netzwerke/Netzwerks",
        "Datei/Dateien",
        "Nachricht/Nachrichten",
        "Straße/Straßen",
        "Lizenz/Lizenzen",
        "Sicherung/Sicherungen",
        "Bestellung/Bestellungen",
        "herunterladen/heruntergeladen/lädt",
        "zurücksetzen/zurückgesetzt/setzt",
        "öffnen/öffnet/geöffnet",
        "löschen/löscht/gelöscht",
        "ändern/ändert/geändert",
        "prüfen/prüft/geprüft",
        "installieren/installiert",
        "aktualisieren/aktualisiert",
        "neu/neue/neuen/neuer",
        "langsam/langsame/langsamen",
        "gesperrt/gesperrte/gesperrten",
        "abgelaufen/abgelaufene/abgelaufenen",
    )
]


class German:
    """German text: function words (about 40%), support words in their forms, and the shared long tail."""

    def __init__(self, vocab: base.Vocabulary, seed: int):
        self.rng = random.Random(seed)
        self.forms = GERMAN_FORMS
        self.tail = vocab.content[200:2200]
        self.tail_cum = base._accumulate(base._weights(len(self.tail), 1.0, 50.0))
        self.forms_cum = base._accumulate(base._weights(len(self.forms), 0.8, 3.0))

    def word(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            return self.rng.choice(GERMAN_FUNCTION_WORDS)
        if r < 0.75:
            return self.rng.choice(self.rng.choices(self.forms, cum_weights=self.forms_cum)[0])
        return self.rng.choices(self.tail, cum_weights=self.tail_cum)[0]

    def content(self) -> str:
        if self.rng.random() < 0.7:
            return self.rng.choice(self.rng.choices(self.forms, cum_weights=self.forms_cum)[0])
        return self.rng.choices(self.tail, cum_weights=self.tail_cum)[0]

    def text(self, n: int) -> str:
        return " ".join(base.sentences(self.rng, [self.word() for _ in range(n)]))


def germanise(share: float, german: German, seed: int) -> int:
    """Rewrite `share` of the articles as German translations of distinct English ones."""
    from django.db import transaction

    from articles.models import Article

    rng = random.Random(seed)
    ids = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    chosen = sorted(rng.sample(ids, int(len(ids) * share)))
    sources = [pk for pk in ids if pk not in set(chosen)]
    rows = []
    for pk, source in zip(chosen, sources, strict=False):
        article = Article(pk=pk)
        article.language = "de"
        article.translation_of_id = source
        article.title = " ".join(german.content() for _ in range(rng.randint(4, 9))).capitalize()[:200]
        article.issue = german.text(rng.randint(20, 60))
        steps = base.sentences(rng, german.text(rng.randint(150, 700)).split())
        article.resolution = "\n".join(f"{k}. {step}" for k, step in enumerate(steps, 1))
        rows.append(article)
    with transaction.atomic():
        Article.objects.bulk_update(rows, ["language", "translation_of", "title", "issue", "resolution"], batch_size=500)
    return len(rows)


def german_queries(total: int, german: German, seed: int) -> list[tuple[str, str, dict]]:
    rng = random.Random(seed)
    german.rng = rng
    de = {"language": "de"}
    out = []
    kinds = {"word": 0.25, "words": 0.2, "question": 0.15, "prefix": 0.15, "filter": 0.1, "typo": 0.15}
    for kind, share in kinds.items():
        for _ in range(round(total * share)):
            if kind == "word":
                out.append((kind, german.content(), de))
            elif kind == "words":
                out.append((kind, " ".join(german.content() for _ in range(rng.randint(2, 3))), de))
            elif kind == "question":
                q = f"wie kann ich {german.content()} {rng.choice(GERMAN_FUNCTION_WORDS)} {german.content()} wenn es nicht geht"
                out.append((kind, q, de))
            elif kind == "prefix":
                word = rng.choice([w for w in (german.content() for _ in range(10)) if len(w) >= 5] or ["Rechnung"])
                out.append((kind, word[: rng.randint(3, min(6, len(word) - 1))] + "*", de))
            elif kind == "filter":
                out.append((kind, german.content(), {**de, "state": "validated"}))
            else:
                word = rng.choice([w for w in (german.content() for _ in range(10)) if len(w) >= 6] or ["Rechnungen"])
                pos = rng.randint(1, len(word) - 2)
                out.append((kind, word[:pos] + word[pos + 1 :], de))
    rng.shuffle(out)
    return out


def timed(client, queries) -> tuple[dict, int]:
    times: dict[str, list[float]] = {}
    fallbacks = 0
    for kind, q, extra in queries:
        url = base.url_for(q, extra)
        started = time.perf_counter()
        response = client.get(url)
        times.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        fallbacks += bool(response.json().get("fallback_language"))
    return times, fallbacks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--german", type=float, default=0.3, help="share of the articles in German")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per language")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--semantic", choices=["on", "off"])
    args = parser.parse_args()
    if args.semantic:
        os.environ["KCS_SEMANTIC"] = "1" if args.semantic == "on" else "0"
    base.BENCH_DIR.mkdir(parents=True, exist_ok=True)
    backend_name = os.environ.get("KCS_SEARCH_BACKEND", "whoosh")
    if os.environ.get("DATABASE_URL"):
        base.prepare_database(args.articles, keep=False)  # refuses a database not named for benches
    else:
        # Its own file: bench/search.py's database stays English.
        db_file = base.BENCH_DIR / f"search-languages-{args.articles}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")
    os.environ["KCS_SEARCH_INDEX_DIR"] = str(base.BENCH_DIR / f"index-languages-{backend_name}-{args.articles}")
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    load_before = os.getloadavg()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from search import indexing
    from search.backends import get_backend

    setup_test_environment(debug=False)
    if connection.vendor == "postgresql":
        base.reset_postgres()
    call_command("migrate", verbosity=0)
    vocab = base.Vocabulary(args.seed)
    started = time.perf_counter()
    base.fill(args.articles, vocab, args.seed)
    german = German(vocab, args.seed)
    n_german = germanise(args.german, german, args.seed)
    print(f"filled {args.articles} articles ({n_german} German) in {time.perf_counter() - started:.1f} s", flush=True)
    started = time.perf_counter()
    indexing.rebuild()
    rebuild_s = time.perf_counter() - started
    print(f"rebuild: {rebuild_s:.1f} s", flush=True)

    _, _, agent = base.bench_users()
    client = Client()
    client.force_login(agent)
    de_queries = german_queries(args.queries, german, args.seed + 1)
    en_queries = [(k, q, {**extra, "language": "en"}) for k, q, extra in base.query_mix(args.queries, vocab, args.seed)]
    every = [(k, q, {**extra, "language": "all"}) for k, q, extra in (de_queries[:50] + en_queries[:50])]
    timed(client, de_queries[:10] + en_queries[:10])  # warm up
    results = {}
    for name, queries in (("de", de_queries), ("en", en_queries), ("all", every)):
        times, fallbacks = timed(client, queries)
        overall = base.stats([t for ts in times.values() for t in ts])
        results[name] = {"overall": overall, "kinds": {k: base.stats(v) for k, v in times.items()}, "fallbacks": fallbacks}
    load_after = os.getloadavg()

    backend = get_backend()
    print()
    print(
        f"search across languages: backend={backend.name} db={connection.vendor} articles={args.articles} "
        f"german={n_german} semantic={settings.KCS_SEMANTIC}"
    )
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f} on {os.cpu_count()} cores")
    print(f"  rebuild {rebuild_s:.1f} s")
    print(f"  {'language':8} {'kind':9} {'n':>4} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  (ms)")
    for name, row in results.items():
        for kind, s in [("all", row["overall"]), *sorted(row["kinds"].items())]:
            cells = "".join(f" {s[k]:8.1f}" if k in s else f" {'-':>8}" for k in ("p50", "p95", "p99", "max"))
            print(f"  {name:8} {kind:9} {s['n']:4d}{cells}")
        if name == "de":
            print(f"  {'':8} fallback to English in {row['fallbacks']} of {row['overall']['n']} German queries")
    record = {
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": base.git_commit(),
        "backend": backend.name,
        "db": connection.vendor,
        "articles": args.articles,
        "german": n_german,
        "semantic": bool(settings.KCS_SEMANTIC),
        "rebuild_s": round(rebuild_s, 2),
        "results": results,
        "loadavg": {"before": load_before, "after": load_after},
    }
    with RESULTS.open("a") as f:
        f.write(json.dumps(record) + "\n")
    print(f"  appended to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
