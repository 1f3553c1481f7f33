"""Search benchmark: rebuild, query latency, update-to-visible time and memory at N articles.

Builds a scratch database (SQLite file var/bench/search-N.sqlite3 by default, or DATABASE_URL
for PostgreSQL, whose database name must contain "bench") with N synthetic support articles
(seeded; Zipf-like vocabulary of support jargon plus a few thousand generated words; titles
5-12 words, issues 20-60, resolutions 150-800; authority rules, tags, states and audiences
spread like a real knowledge base), inserted in bulk without versions. Then, for the backend
in KCS_SEARCH_BACKEND (whoosh, tantivy or postgres):

1. times a full rebuild (search.indexing.rebuild()) and reports the index size;
2. runs a fixed, seeded query mix (one word, two-three words, "phrases", prefix*, filtered,
   misspelled) through GET /api/v1/search/ with Django's test client, in-process, as a staff
   user (snippets and facets on, every search logged, as in production); prints p50/p95/p99/max
   overall and per kind;
3. edits one article at a time through Article.edit (the on-commit hook indexes it), then
   polls the search API for a new word until the article is found: save-to-visible p50/p95;
4. reports the process's peak RSS (and the rebuild's worker processes').

Results are printed as a table and appended as one JSON line to var/bench/search-results.jsonl.

    KCS_SEARCH_BACKEND=whoosh .venv/bin/python bench/search.py --articles 10000
    KCS_SEARCH_BACKEND=whoosh .venv/bin/python bench/search.py --articles 100000 --keep
    KCS_SEARCH_BACKEND=tantivy .venv/bin/python bench/search.py --articles 100000 --keep
    psql -h 127.0.0.1 -U postgres -c 'create database kcs_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/kcs_bench KCS_SEARCH_BACKEND=postgres \\
        .venv/bin/python bench/search.py --articles 10000
    # where the time goes for one kind of query (cProfile, top functions):
    KCS_SEARCH_BACKEND=whoosh .venv/bin/python bench/search.py --articles 10000 --keep --profile prefix

--keep reuses a bench database that already holds N articles (else it is rebuilt from
scratch; --no-rebuild then also keeps the index). --query-budget SECONDS stops the timed
queries early (the mix is shuffled, so every kind keeps a sample; the table shows n).
Database connections are kept open between requests (DATABASE_CONN_MAX_AGE=600 unless set),
so the numbers are search, not connection set-up. Numbers are for comparing backends and
changes on one machine, never asserted in tests; on a shared machine they are noisy (the
load average before and after is recorded).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import hashlib
import io
import json
import math
import os
import platform
import pstats
import random
import resource
import string
import subprocess
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH_DIR = ROOT / "var" / "bench"
RESULTS = BENCH_DIR / "search-results.jsonl"

KINDS = ("word", "words", "phrase", "prefix", "filter", "typo")
KIND_SHARE = {"word": 0.2, "words": 0.2, "phrase": 0.15, "prefix": 0.15, "filter": 0.15, "typo": 0.15}

# --- vocabulary -------------------------------------------------------------------------------


def _wordlist(text: str) -> list[str]:
    return text.split()


FUNCTION_WORDS = _wordlist(
    "the to and a of is your in if it for on you then not with this that be are can or from check "
    "when after before customer should will by an at as any they their select open click again"
)
JARGON = sorted(
    set(
        _wordlist(
            """
account login password reset refund invoice billing subscription renewal payment card declined
charge chargeback voucher discount coupon order delivery parcel shipment tracking courier return
replacement warranty repair router modem firmware reboot restart wifi bluetooth pairing network
outage signal latency bandwidth dns vpn proxy certificate ssl browser cache cookies app ios android
update upgrade install uninstall reinstall version settings configuration sync backup restore export
import upload download attachment email notification sms verification code token session timeout
error crash freeze slow performance battery charger screen display printer driver scanner keyboard
thermostat boiler heating sensor camera alarm hub gateway tariff plan contract cancellation booking
reservation hotel room flight ticket seat itinerary agent supervisor escalation approval policy
compliance gdpr privacy consent identity mfa 2fa authentication authorization permission role admin
user profile address phone migration integration api webhook endpoint server database report
dashboard license seat trial upgrade downgrade quota limit storage disk memory cpu license key
activation serial device mobile desktop tablet portal partner reseller credit debit bank transfer
iban sepa paypal wallet balance statement receipt tax vat currency exchange fee penalty late overdue
reminder dunning collection dispute fraud suspicious blocked locked unlock disabled enable disable
toggle mode offline online connection connected disconnected intermittent dropped packet loss port
firewall nat dhcp ip static dynamic ethernet cable fibre dsl coverage roaming sim esim activation
porting number voicemail call audio microphone speaker headset video stream buffering resolution
quality subtitle playback channel package bundle addon upsell loyalty points reward tier member
signup onboarding welcome kyc document upload selfie verification pending rejected approved expired
renewal cancel cancelled refunded partial duplicate missing damaged wrong late lost stolen warranty
claim rma label pickup dropoff locker store branch appointment schedule calendar reschedule
"""
        )
    )
)
PRODUCTS = [
    "Billing",
    "Mobile App",
    "Home Hub",
    "Router X200",
    "Smart Thermostat",
    "Web Shop",
    "Bookings",
    "Payments",
    "Partner Portal",
    "Delivery",
    "Accounts",
    "Email Service",
    "Printer P5",
    "VPN Client",
    "Loyalty Programme",
]
PLATFORMS = ["Windows 11", "Windows 10", "macOS 14", "iOS 17", "Android 14", "Chrome", "Safari", "Firefox", "Linux"]
RULE_ACTIONS = [
    "refund the order",
    "issue a voucher",
    "replace the device",
    "waive the late fee",
    "extend the trial",
    "rebook the reservation",
    "credit the account",
    "send a courier",
    "unlock the account",
    "upgrade the plan",
]
TEAMS = ["Billing escalations", "Network operations", "Fraud desk", "Logistics", "Tier 2 devices", "Privacy office"]
TEAMS += ["Partner success", "Payments risk", "App engineering", "Hotel desk"]


class Vocabulary:
    """Ranked words with Zipf-Mandelbrot frequencies, and one topic per product; seeded.

    A token is a function word (about 42%), a word of the article's topic (its product's
    jargon, 15%) or a word of the shared content vocabulary (jargon and generated words, 43%).
    The commonest shared word is in about half the articles, the 1000th in about 5%; a topic's
    top words are in nearly every article of that product, as in a real knowledge base.
    """

    TOPIC_WORDS = 40

    def __init__(self, seed: int, generated: int = 4000):
        rng = random.Random(seed)
        known = set(FUNCTION_WORDS) | set(JARGON)
        made: list[str] = []
        consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"
        while len(made) < generated:
            word = "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))
            if rng.random() < 0.3:
                word += rng.choice("nrstlx")
            if word not in known:
                known.add(word)
                made.append(word)
        # Jargon mostly among the common words, generated words mostly in the long tail.
        keyed = [(rng.random() * 600, w) for w in JARGON] + [(150 + rng.random() * 6000, w) for w in made]
        self.content = [w for _, w in sorted(keyed)]
        self.known = set(FUNCTION_WORDS) | set(self.content)
        jargon = set(JARGON)
        self.jargon_ranked = [w for w in self.content if w in jargon]
        self.topics = [rng.sample(JARGON, self.TOPIC_WORDS) for _ in PRODUCTS]
        function_w = _weights(len(FUNCTION_WORDS), 1.0, 2.0)
        content_w = _weights(len(self.content), 1.0, 100.0)
        topic_w = _weights(self.TOPIC_WORDS, 1.0, 3.0)
        self.text_words, self.text_cum, self.title_words, self.title_cum = [], [], [], []
        for topic in self.topics:
            self.text_words.append(list(FUNCTION_WORDS) + self.content + topic)
            self.text_cum.append(
                _accumulate([0.42 * w for w in function_w] + [0.43 * w for w in content_w] + [0.15 * w for w in topic_w])
            )
            self.title_words.append(self.content + topic)
            self.title_cum.append(_accumulate([0.5 * w for w in content_w] + [0.5 * w for w in topic_w]))

    def text(self, rng: random.Random, n: int, topic: int) -> list[str]:
        return rng.choices(self.text_words[topic], cum_weights=self.text_cum[topic], k=n)

    def content_words(self, rng: random.Random, n: int, topic: int) -> list[str]:
        return rng.choices(self.title_words[topic], cum_weights=self.title_cum[topic], k=n)


def _weights(n: int, s: float, q: float) -> list[float]:
    """Zipf-Mandelbrot probabilities of ranks 0..n-1 (they sum to 1)."""
    raw = [1.0 / (rank + q) ** s for rank in range(n)]
    total = sum(raw)
    return [w / total for w in raw]


def _accumulate(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def sentences(rng: random.Random, words: list[str]) -> list[str]:
    out, i = [], 0
    while i < len(words):
        n = rng.randint(6, 16)
        chunk = words[i : i + n]
        i += n
        out.append(" ".join(chunk).capitalize() + ".")
    return out


# --- corpus -----------------------------------------------------------------------------------


def fill(n: int, vocab: Vocabulary, seed: int) -> None:
    """Insert n articles in bulk (no versions, no signals: this measures search, not writing)."""
    from django.db import transaction
    from django.utils import timezone
    from django.utils.text import slugify

    from articles.models import Article, AuthorityRule, EscalationContact, Product, Tag

    rng = random.Random(seed)
    owner, editor, _ = bench_users()
    products = [Product.objects.get_or_create(name=name, slug=slugify(name))[0] for name in PRODUCTS]
    product_weights = [1.0 / (i + 1.5) for i in range(len(products))]
    tag_names = vocab.jargon_ranked + ["password-reset", "wifi-setup", "two-factor", "refund-policy", "sso"]
    Tag.objects.bulk_create([Tag(name=name) for name in tag_names], ignore_conflicts=True)
    tags = {t.name: t for t in Tag.objects.filter(name__in=tag_names)}
    tag_cum = _accumulate(_weights(len(tag_names), 1.0, 3.0))
    topic_tag_cum = _accumulate(_weights(Vocabulary.TOPIC_WORDS, 1.0, 2.0))
    contacts = [
        EscalationContact.objects.get_or_create(
            team=team, defaults={"channel": f"#{slugify(team)}", "hours": "Mon-Fri 8-18", "notes": "Page the on-call lead."}
        )[0]
        for team in TEAMS
    ]
    states = (["validated", "not_validated", "wip", "archived"], [58, 17, 10, 15])
    audiences = (["internal", "partner", "customer", "public"], [40, 10, 25, 25])
    now = timezone.now()
    through = Article.tags.through
    batch = 1000
    for start in range(0, n, batch):
        rows, rules, article_tags = [], [], []
        for i in range(start, min(n, start + batch)):
            topic = rng.choices(range(len(products)), weights=product_weights)[0]
            product = products[topic]
            title_words = vocab.content_words(rng, rng.randint(5, 12), topic)
            title = " ".join(title_words).capitalize()
            issue = " ".join(sentences(rng, vocab.text(rng, rng.randint(20, 60), topic)))
            steps = sentences(rng, vocab.text(rng, int(150 + 650 * rng.betavariate(2, 2)), topic))
            resolution = "\n".join(f"{k}. {s}" for k, s in enumerate(steps, 1))
            environment = ""
            if rng.random() < 0.8:
                environment = f"{product.name} {rng.randint(1, 9)}.{rng.randint(0, 20)} on {rng.choice(PLATFORMS)}"
            cause = " ".join(sentences(rng, vocab.text(rng, rng.randint(10, 40), topic))) if rng.random() < 0.4 else ""
            note = " ".join(sentences(rng, vocab.text(rng, rng.randint(8, 20), topic))) if rng.random() < 0.2 else ""
            updated = now - datetime.timedelta(minutes=rng.randint(0, 3 * 365 * 24 * 60))
            rows.append(
                Article(
                    slug=f"{slugify(' '.join(title_words[:6]))[:150]}-{i}",
                    external_id=f"kb-{i}" if rng.random() < 0.2 else None,
                    title=title[:200],
                    issue=issue,
                    environment=environment,
                    resolution=resolution,
                    cause=cause,
                    product=product,
                    owner=rng.choice([owner, editor]),
                    created_by=owner,
                    state=rng.choices(*states)[0],
                    audience=rng.choices(*audiences)[0],
                    governance="governed" if rng.random() < 0.08 else "experience",
                    escalation=rng.choice(contacts) if rng.random() < 0.45 else None,
                    authority_note=note,
                    version=rng.randint(1, 6),
                    reuse_count=min(5000, int(rng.paretovariate(1.1)) - 1),
                    created_at=updated - datetime.timedelta(days=rng.randint(0, 400)),
                    updated_at=updated,
                )
            )
            n_rules = rng.choices([0, 1, 2, 3], weights=[65, 20, 10, 5])[0]
            rules.append(
                [
                    dict(
                        position=j,
                        action=rng.choice(RULE_ACTIONS),
                        limit_amount=rng.choice([None, 10, 25, 50, 100, 250]),
                        limit_unit=rng.choice(["EUR", "EUR", "days", "items"]),
                        decider=rng.choice(["agent", "agent", "team_lead", "escalate"]),
                    )
                    for j in range(n_rules)
                ]
            )
            names = rng.choices(vocab.topics[topic], cum_weights=topic_tag_cum, k=rng.randint(1, 3))
            names += rng.choices(tag_names, cum_weights=tag_cum, k=rng.randint(0, 1))
            article_tags.append(set(names))
        with transaction.atomic():
            created = Article.objects.bulk_create(rows)
            if created[0].pk is None:
                by_slug = {a.slug: a for a in Article.objects.filter(slug__in=[a.slug for a in rows])}
                created = [by_slug[a.slug] for a in rows]
            AuthorityRule.objects.bulk_create(
                AuthorityRule(article=a, **rule)
                for a, article_rules in zip(created, rules, strict=True)
                for rule in article_rules
            )
            through.objects.bulk_create(
                through(article_id=a.pk, tag_id=tags[name].pk)
                for a, names in zip(created, article_tags, strict=True)
                for name in names
            )
        if (start // batch) % 10 == 9:
            print(f"  … {start + batch} articles", flush=True)


def bench_users():
    from accounts.models import User

    owner, _ = User.objects.get_or_create(
        username="bench-owner", defaults={"kind": "staff", "licence": "publisher", "is_kb_owner": True}
    )
    editor, _ = User.objects.get_or_create(username="bench-editor", defaults={"kind": "staff", "licence": "publisher"})
    agent, _ = User.objects.get_or_create(username="bench-agent", defaults={"kind": "staff", "licence": "contributor"})
    return owner, editor, agent


# --- queries ----------------------------------------------------------------------------------


def query_mix(total: int, vocab: Vocabulary, seed: int) -> list[tuple[str, str, dict]]:
    """(kind, q, extra params): the same list for a seed and corpus, in a shuffled order."""
    from articles.models import Article, Product

    rng = random.Random(seed)
    common = vocab.content[:2000]
    common_cum = _accumulate(_weights(len(common), 0.9, 20.0))
    topic_cum = _accumulate(_weights(Vocabulary.TOPIC_WORDS, 0.8, 3.0))
    topic_weights = [1.0 / (i + 1.5) for i in range(len(vocab.topics))]

    def words(n: int) -> list[str]:
        # People search mostly with the support words of one product, sometimes with others.
        topic = rng.choices(vocab.topics, weights=topic_weights)[0]
        return [
            rng.choices(topic, cum_weights=topic_cum)[0] if rng.random() < 0.6 else rng.choices(common, cum_weights=common_cum)[0]
            for _ in range(n)
        ]

    ids = list(Article.objects.exclude(state="archived").order_by("pk").values_list("pk", flat=True))
    products = list(Product.objects.order_by("slug").values_list("slug", flat=True))
    counts = {kind: round(total * share) for kind, share in KIND_SHARE.items()}
    counts["word"] += total - sum(counts.values())
    out: list[tuple[str, str, dict]] = []
    for _ in range(counts["word"]):
        out.append(("word", words(1)[0], {}))
    for _ in range(counts["words"]):
        out.append(("words", " ".join(words(rng.randint(2, 3))), {}))
    phrase_ids = sorted(rng.sample(ids, counts["phrase"]))
    texts = dict(Article.objects.filter(pk__in=phrase_ids).values_list("pk", "resolution"))
    for pk in phrase_ids:
        # Consecutive words of one of its sentences that start and end with a content word.
        n = rng.randint(2, 3)
        windows = []
        for line in texts[pk].splitlines():
            ws = line.split(". ", 1)[-1].rstrip(".").lower().split()
            windows += [
                ws[i : i + n]
                for i in range(len(ws) - n + 1)
                if ws[i] not in FUNCTION_WORDS and ws[i + n - 1] not in FUNCTION_WORDS
            ]
        phrase = rng.choice(windows) if windows else words(2)
        out.append(("phrase", '"' + " ".join(phrase) + '"', {}))
    for _ in range(counts["prefix"]):
        word = rng.choice([w for w in words(20) if len(w) >= 5] or ["refund"])
        stem = word[: rng.randint(3, min(6, len(word) - 1))] + "*"
        out.append(("prefix", f"{words(1)[0]} {stem}" if rng.random() < 0.4 else stem, {}))
    for _ in range(counts["filter"]):
        extra = {"state": "validated"} if rng.random() < 0.5 else {"product": rng.choice(products)}
        out.append(("filter", " ".join(words(rng.randint(1, 2))), extra))
    typo_source = [w for w in vocab.jargon_ranked[:200] + vocab.content[:300] if len(w) >= 5 and w.isalpha()]
    for _ in range(counts["typo"]):
        while True:
            word = rng.choice(typo_source)
            pos = rng.randint(1, len(word) - 1)
            typo = word[:pos] + rng.choice(string.ascii_lowercase.replace(word[pos], "")) + word[pos + 1 :]
            if typo not in vocab.known:
                break
        out.append(("typo", f"{typo} {words(1)[0]}" if rng.random() < 0.3 else typo, {}))
    rng.shuffle(out)
    return out


def url_for(q: str, extra: dict) -> str:
    return "/api/v1/search/?" + urlencode({"q": q, **extra})


def stats(times: list[float]) -> dict:
    if not times:
        return {"n": 0}
    s = sorted(times)

    def pct(p: float) -> float:  # nearest rank
        return round(s[min(len(s) - 1, max(0, math.ceil(p * len(s)) - 1))], 1)

    return {"n": len(s), "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "max": round(s[-1], 1)}


def run_queries(client, queries, budget: float | None = None, progress: bool = False) -> tuple[dict, dict]:
    """Time each query; stop early (the mix is shuffled, so every kind is sampled) after `budget` s."""
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    found: dict[str, list[int]] = {k: [] for k in KINDS}
    began = time.perf_counter()
    for done, (kind, q, extra) in enumerate(queries):
        if budget is not None and time.perf_counter() - began > budget:
            print(f"  query budget of {budget:.0f} s spent after {done} of {len(queries)} queries", flush=True)
            break
        if progress and done and done % 50 == 0:
            print(f"  … {done} queries in {time.perf_counter() - began:.0f} s", flush=True)
        url = url_for(q, extra)
        started = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        times[kind].append(elapsed)
        found[kind].append(response.json()["count"])
    return times, found


def profile_kind(client, queries, kind: str, out: Path) -> str:
    chosen = [item for item in queries if item[0] == kind]
    profiler = cProfile.Profile()
    profiler.enable()
    for _, q, extra in chosen:
        client.get(url_for(q, extra))
    profiler.disable()
    profiler.dump_stats(str(out))
    buffer = io.StringIO()
    report = pstats.Stats(profiler, stream=buffer).strip_dirs()
    report.sort_stats("tottime").print_stats(18)
    report.sort_stats("cumulative").print_stats(25)
    return f"cProfile of {len(chosen)} '{kind}' queries (saved to {out}):\n" + buffer.getvalue()


# --- update to visible ------------------------------------------------------------------------


def measure_updates(client, editor, n: int, seed: int, timeout: float = 30.0) -> dict:
    """Edit an article (the on-commit hook indexes it), poll search until the new word is found."""
    import search.indexing as indexing
    from articles.models import Article

    rng = random.Random(seed)
    index_ms: list[float] = []
    original = indexing.process_pending

    def timed_process_pending(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            index_ms.append((time.perf_counter() - started) * 1000)

    candidates = list(
        Article.objects.filter(state="validated", governance="experience").order_by("pk").values_list("pk", flat=True)
    )
    chosen = rng.sample(candidates, n)
    save_ms, visible_ms, polls, misses = [], [], [], 0
    indexing.process_pending = timed_process_pending  # enqueue() looks it up at call time
    try:
        for pk in chosen:
            word = "zq" + "".join(rng.choice(string.ascii_lowercase) for _ in range(8))
            article = Article.objects.get(pk=pk)
            url = url_for(word, {})
            started = time.perf_counter()
            article.edit(
                by=editor,
                base_version=article.version,
                changes={"resolution": f"{article.resolution}\n\nAlso reported as {word}."},
                note="bench",
            )
            saved = time.perf_counter()
            tries = 0
            while True:
                tries += 1
                data = client.get(url).json()
                if any(hit["slug"] == article.slug for hit in data["results"]):
                    visible_ms.append((time.perf_counter() - started) * 1000)
                    break
                if time.perf_counter() - started > timeout:
                    misses += 1
                    break
                time.sleep(0.01)
            save_ms.append((saved - started) * 1000)
            polls.append(tries)
    finally:
        indexing.process_pending = original
    return {
        "save_ms": stats(save_ms),
        "index_ms": stats(index_ms),
        "visible_ms": stats(visible_ms),
        "polls_max": max(polls) if polls else 0,
        "not_visible": misses,
        "pending_left": indexing.pending_count(),
    }


# --- sizes, memory, database ------------------------------------------------------------------


def index_size(backend_name: str) -> dict:
    from django.conf import settings
    from django.db import connection

    if backend_name in ("whoosh", "tantivy"):
        # The live generation; the folder may also hold the previous one (kept for searches in flight).
        root = Path(settings.KCS_SEARCH_INDEX_DIR)
        if not (root / "CURRENT").exists():
            return {"bytes": 0, "files": 0, "segments": 0, "folder": 0}
        live = root / (root / "CURRENT").read_text().strip()
        files = [p for p in live.iterdir() if p.is_file()]
        folder = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        if backend_name == "whoosh":
            segments = {p.name.split(".")[0] for p in files if p.name.startswith("MAIN_") and p.suffix == ".trm"}
        else:  # tantivy: one <segment uuid>.<component> file per part of each segment
            segments = {p.name.split(".")[0] for p in files if p.suffix == ".store"}
        return {"bytes": sum(p.stat().st_size for p in files), "files": len(files), "segments": len(segments), "folder": folder}
    out = {}
    with connection.cursor() as cursor:
        for table in ("search_pg_document", "search_pg_vocabulary"):
            cursor.execute("SELECT pg_total_relation_size(%s), pg_relation_size(%s), pg_indexes_size(%s)", [table, table, table])
            total, heap, indexes = cursor.fetchone()
            out[table] = {"total": total, "heap": heap, "indexes": indexes, "toast": total - heap - indexes}
    out["bytes"] = sum(v["total"] for v in out.values())
    return out


def rss_mb() -> tuple[float, float]:
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return round(me, 1), round(children, 1)


def prepare_database(n: int, keep: bool) -> bool:
    """Point Django at the bench database; True when an existing one of size n may be reused."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        db_file = BENCH_DIR / f"search-{n}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
        if not keep:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_file}{suffix}").unlink(missing_ok=True)
        return keep and db_file.exists()
    if url.startswith(("postgres", "pgsql")):
        name = url.rsplit("/", 1)[-1].split("?")[0]
        if "bench" not in name or name == "test":
            raise SystemExit(f"Refusing to use database {name!r}: its name must contain 'bench' (this script empties it).")
    return keep


def reset_postgres() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE")
        cursor.execute("CREATE SCHEMA public")


def wipe_database() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        reset_postgres()
        return
    name = Path(connection.settings_dict["NAME"])
    connection.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{name}{suffix}").unlink(missing_ok=True)


def git_commit() -> str:
    """The commit measured (12 characters), also from a git worktree, where .git is a file."""
    try:
        rev = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    except OSError:  # no git on this machine
        return ""
    return rev.stdout.strip()


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--queries", type=int, default=300, help="timed queries in the mix")
    parser.add_argument("--updates", type=int, default=20, help="edits timed until visible in search")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="reuse an existing bench database of the same size")
    parser.add_argument("--no-rebuild", action="store_true", help="with --keep: search the existing index")
    parser.add_argument("--profile", choices=KINDS, help="afterwards, profile this kind of query with cProfile")
    parser.add_argument("--query-budget", type=float, help="stop the timed queries after this many seconds")
    parser.add_argument(
        "--semantic", choices=["on", "off"], help="matching by meaning (KCS_SEMANTIC) on or off; default: the setting"
    )
    args = parser.parse_args()
    if args.semantic:
        os.environ["KCS_SEMANTIC"] = "1" if args.semantic == "on" else "0"

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    backend_name = os.environ.get("KCS_SEARCH_BACKEND", "whoosh")
    reuse = prepare_database(args.articles, args.keep)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")  # plain HTTP, a throwaway key
    os.environ.setdefault("DATABASE_CONN_MAX_AGE", "600")
    os.environ["KCS_SEARCH_INDEX_DIR"] = str(BENCH_DIR / f"index-{backend_name}-{args.articles}")
    warnings.filterwarnings("ignore", category=SyntaxWarning)
    load_before = os.getloadavg()
    commit = git_commit()  # now: others may commit while a long run goes on

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from articles.models import Article
    from search import indexing
    from search.backends import get_backend

    setup_test_environment(debug=False)  # no SQL log, as in production
    vendor = connection.vendor
    if vendor == "postgresql" and not (reuse and "articles_article" in connection.introspection.table_names()):
        reset_postgres()
    call_command("migrate", verbosity=0)
    vocab = Vocabulary(args.seed)
    count = Article.objects.count()
    if count and count != args.articles:
        print(f"the bench database holds {count} articles, not {args.articles}: starting afresh")
        wipe_database()
        call_command("migrate", verbosity=0)
        count = 0
    if count != args.articles:
        started = time.perf_counter()
        fill(args.articles, vocab, args.seed)
        print(f"filled {args.articles} articles in {time.perf_counter() - started:.1f} s", flush=True)
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # planner statistics, as autovacuum keeps them (bulk inserts leave none)
    rss_fill = rss_mb()
    _, editor, agent = bench_users()

    backend = get_backend()
    # The code measured (the backend file may be uncommitted work): a digest of its source.
    source = hashlib.sha1(Path(sys.modules[type(backend).__module__].__file__).read_bytes()).hexdigest()[:12]
    rebuild_s = None
    if args.no_rebuild and reuse:
        print("reusing the existing index (--no-rebuild)")
    else:
        started = time.perf_counter()
        indexed = indexing.rebuild()
        rebuild_s = time.perf_counter() - started
        print(f"rebuild: {indexed} articles in {rebuild_s:.1f} s", flush=True)
    rss_rebuild = rss_mb()
    size = index_size(backend.name)
    print(f"index size: {size['bytes'] / 2**20:.1f} MiB", flush=True)

    client = Client()
    client.force_login(agent)
    queries = query_mix(args.queries, vocab, args.seed)
    warmup = query_mix(20, vocab, args.seed + 1)
    started = time.perf_counter()
    client.get(url_for(warmup[0][1], warmup[0][2]))
    cold_ms = (time.perf_counter() - started) * 1000
    run_queries(client, warmup[1:])
    started = time.perf_counter()
    times, found = run_queries(client, queries, budget=args.query_budget, progress=True)
    query_wall = time.perf_counter() - started
    rss_queries = rss_mb()

    updates = measure_updates(client, editor, args.updates, args.seed)
    rss_end = rss_mb()
    load_after = os.getloadavg()

    overall = stats([t for kind in KINDS for t in times[kind]])
    per_kind = {kind: {**stats(times[kind]), "zero_hits": sum(1 for c in found[kind] if c == 0)} for kind in KINDS}
    worst = max(KINDS, key=lambda k: per_kind[k].get("p95", 0))
    analyzed = None
    if vendor == "postgresql" and backend.name == "postgres":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT last_analyze IS NOT NULL OR last_autoanalyze IS NOT NULL FROM pg_stat_user_tables "
                "WHERE relname = 'search_pg_document'"
            )
            row = cursor.fetchone()
            analyzed = bool(row and row[0])

    mb = 1024 * 1024
    print()
    print(f"search benchmark: backend={backend.name} db={vendor} articles={args.articles} semantic={settings.KCS_SEMANTIC}")
    print(f"  load average before {load_before[0]:.2f}, after {load_after[0]:.2f} on {os.cpu_count()} cores")
    print(f"  rebuild            {rebuild_s if rebuild_s is None else round(rebuild_s, 1)} s")
    extra = f" ({size['segments']} segments; folder {size['folder'] / mb:.1f} MiB)" if "segments" in size else ""
    print(f"  index size         {size['bytes'] / mb:.1f} MiB{extra}")
    ran = sum(len(v) for v in times.values())
    print(f"  first query (cold) {cold_ms:.1f} ms; {ran} queries in {query_wall:.1f} s")
    print(f"  {'kind':8} {'n':>4} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'zero':>5}  (ms)")
    for name, row in [("all", {**overall, "zero_hits": sum(v["zero_hits"] for v in per_kind.values())})] + list(per_kind.items()):
        cells = "".join(f" {row[k]:8.1f}" if k in row else f" {'-':>8}" for k in ("p50", "p95", "p99", "max"))
        print(f"  {name:8} {row['n']:4d}{cells} {row['zero_hits']:5d}")
    print(f"  worst kind (p95)   {worst}")
    u = updates
    print(
        f"  update → visible   p50 {u['visible_ms'].get('p50')} / p95 {u['visible_ms'].get('p95')} ms"
        f" (save incl. on-commit indexing p50 {u['save_ms'].get('p50')} / p95 {u['save_ms'].get('p95')};"
        f" indexing alone p50 {u['index_ms'].get('p50')} / p95 {u['index_ms'].get('p95')};"
        f" not visible {u['not_visible']}, pending left {u['pending_left']})"
    )
    print(
        f"  peak RSS           {rss_end[0]:.0f} MiB (after fill {rss_fill[0]:.0f}, rebuild {rss_rebuild[0]:.0f},"
        f" queries {rss_queries[0]:.0f}); rebuild workers {rss_end[1]:.0f} MiB"
    )

    record = {
        "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "backend_source_sha1": source,
        "backend": backend.name,
        "semantic": bool(settings.KCS_SEMANTIC),
        "db": vendor,
        "articles": args.articles,
        "seed": args.seed,
        "rebuild_s": None if rebuild_s is None else round(rebuild_s, 2),
        "index_bytes": size["bytes"],
        "index": size,
        "cold_query_ms": round(cold_ms, 1),
        "queries": {
            "overall": overall,
            "kinds": per_kind,
            "worst_kind": worst,
            "wall_s": round(query_wall, 2),
            "planned": len(queries),
        },
        "update": updates,
        "peak_rss_mb": rss_end[0],
        "rss_mb": {"fill": rss_fill[0], "rebuild": rss_rebuild[0], "queries": rss_queries[0], "children": rss_end[1]},
        "pg_search_table_analyzed": analyzed,
        "loadavg": {"before": load_before, "after": load_after},
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    with RESULTS.open("a") as f:
        f.write(json.dumps(record) + "\n")
    print(f"  appended to {RESULTS.relative_to(ROOT)}")

    if args.profile:
        out = BENCH_DIR / f"search-profile-{backend.name}-{args.articles}-{args.profile}.prof"
        print()
        print(profile_kind(client, queries, args.profile, out))


if __name__ == "__main__":
    main()
