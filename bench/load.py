"""Load benchmark: the site behind gunicorn, driven over loopback by a bounded mix of requests.

Starts gunicorn on 127.0.0.1 (a free port) against the configured database and search backend,
signs in a few staff users, then sends a mix of requests from N client threads:
search API and search page, staff article pages, help-centre index and articles, the article
list, and API edits (each client edits its own article, so edits do not conflict).

Two modes, both bounded in count and time, loopback only:

    # saturation: 16 clients back to back, 2,000 requests
    .venv/bin/python bench/load.py --clients 16 --requests 2000
    # paced: 20 users pausing 1-3 s between requests, for 60 s
    .venv/bin/python bench/load.py --clients 20 --think 1-3 --duration 60

Prepare the data first (the same database the server will use), e.g. the demo plus the corpus:

    export DATABASE_URL=sqlite:////tmp/load.sqlite3 KCS_SEARCH_INDEX_DIR=/tmp/load-index
    .venv/bin/python manage.py migrate && .venv/bin/python manage.py load_demo
    .venv/bin/python manage.py import_articles ../shared/corpus/github-docs.jsonl --audience public --state validated
    .venv/bin/python manage.py rebuild_index

Prints throughput, p50/p95/p99 per kind and overall, and errors per kind (status or exception).
Numbers compare changes on one machine; they are never asserted in tests.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "kcs-demo"
STAFF = ["owner", "publisher", "contributor", "coach"]
QUERIES = [
    "refund",
    "password reset",
    "two factor authentication",
    "repository",
    "pull request",
    "billing invoice",
    "ssh key",
    "github actions workflow",
    "delete branch",
    "organization members",
    "hotel booking",
    "router reboot",
    "personal access token",
    "merge conflict",
    "notifications email",
]
# (kind, weight): the shape of a support team's day — mostly search and reading.
MIX = [
    ("search_api", 25),
    ("search_page", 15),
    ("article_page", 25),
    ("help_index", 5),
    ("help_article", 15),
    ("article_list", 10),
    ("edit_api", 5),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    """One signed-in user over one keep-alive connection (gunicorn sync workers close it; we reopen)."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        headers["Host"] = f"127.0.0.1:{self.port}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value
        if response.headers.get("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        return response.status, data

    def login(self, username: str) -> None:
        status, page = self.request("GET", "/accounts/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not token:
            raise SystemExit(f"login page answered {status}")
        body = urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1).decode()})
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            body.encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"http://127.0.0.1:{self.port}/accounts/login/"},
        )
        if status != 302:
            raise SystemExit(f"login as {username} answered {status} (is the demo loaded?)")


def pick_slugs() -> tuple[list[str], list[str], dict[str, list[str]]]:
    """Slugs to read (staff and help centre) and one editable article per staff user, from the database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")  # reads only; a throwaway key
    import django

    django.setup()
    from articles.models import Article, State

    staff = list(Article.objects.exclude(state=State.ARCHIVED).order_by("?").values_list("slug", flat=True)[:300])
    public = list(
        Article.objects.filter(state=State.VALIDATED, audience="public").order_by("?").values_list("slug", flat=True)[:300]
    )
    editable = {
        name: list(
            Article.objects.filter(owner__username=name, governance="experience")
            .exclude(state=State.ARCHIVED)
            .values_list("slug", flat=True)[:20]
        )
        for name in STAFF
    }
    return staff, public, editable


def one_request(client: Client, kind: str, rng: random.Random, slugs: dict, editable: list[str]):
    if kind == "search_api":
        return client.request("GET", "/api/v1/search/?" + urlencode({"q": rng.choice(QUERIES)}))
    if kind == "search_page":
        return client.request("GET", "/search/?" + urlencode({"q": rng.choice(QUERIES)}))
    if kind == "article_page":
        return client.request("GET", f"/articles/{quote(rng.choice(slugs['staff']))}/")
    if kind == "help_index":
        return client.request("GET", "/help/")
    if kind == "help_article":
        return client.request("GET", f"/help/{quote(rng.choice(slugs['public']))}/")
    if kind == "article_list":
        return client.request("GET", "/articles/?page=" + str(rng.randint(1, 3)))
    if kind == "edit_api":
        if not editable:
            return client.request("GET", "/api/v1/articles/?page=1")
        slug = rng.choice(editable)
        status, data = client.request("GET", f"/api/v1/articles/{quote(slug)}/")
        if status != 200:
            return status, data
        current = json.loads(data)
        body = json.dumps(
            {"version": current["version"], "environment": f"Checked under load {rng.random():.6f}", "material": False}
        )
        return client.request(
            "PATCH",
            f"/api/v1/articles/{quote(slug)}/",
            body.encode(),
            {"Content-Type": "application/json", "X-CSRFToken": client.cookies.get("csrftoken", "")},
        )
    raise ValueError(kind)


def start_server(args, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", "bench-load-" + "x" * 50),
        # Plain HTTP on loopback: no redirect to HTTPS, cookies sent without TLS.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SESSION_COOKIE_SECURE": "0",
        "DJANGO_CSRF_COOKIE_SECURE": "0",
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    cmd = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "kcs_site.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    # gunicorn.conf.py's sizing unless told otherwise: what `make run` and the production guide use.
    if args.workers:
        cmd += ["--workers", str(args.workers)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    # The access log (one line a request, on stdout) is written as in production, then dropped.
    server = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn exited; see its output above") from None
            time.sleep(0.2)
    stop_server(server)
    raise SystemExit("gunicorn did not start within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(server.pid, signal.SIGKILL)


def cpu_seconds(pgid: int) -> tuple[float, float]:
    """CPU time used so far by the server's process group, and by PostgreSQL's processes (Linux /proc).

    PostgreSQL's share counts its exited backends too (the postmaster's reaped children), so a
    connection opened per request shows up in it.
    """
    app = database = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        fields = text.rsplit(")", 1)[1].split()  # state, ppid, pgrp, ... utime is the 12th
        if int(fields[2]) == pgid:  # with the workers gunicorn recycled and reaped (cutime, cstime)
            app += sum(int(f) for f in fields[11:15])
        elif name == "postgres":
            database += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    tick = os.sysconf("SC_CLK_TCK")
    return app / tick, database / tick


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000, help="stop after this many requests (all clients)")
    parser.add_argument("--duration", type=float, default=300, help="stop after this many seconds at most")
    parser.add_argument("--think", default="0", help="pause between a client's requests, seconds: '0' or '1-3'")
    parser.add_argument("--workers", type=int, help="gunicorn processes (default: gunicorn.conf.py's)")
    parser.add_argument("--threads", type=int, help="threads per process (default: gunicorn.conf.py's)")
    parser.add_argument("--warmup", type=int, default=40, help="requests sent (and not counted) before measuring")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--url", help="measure an already running server at http://127.0.0.1:PORT instead of starting one")
    args = parser.parse_args()
    low, _, high = args.think.partition("-")
    think = (float(low), float(high or low))

    staff_slugs, public_slugs, editable = pick_slugs()
    if not staff_slugs or not public_slugs:
        raise SystemExit("No articles: load the demo (and an import) into the configured database first.")
    slugs = {"staff": staff_slugs, "public": public_slugs}

    server = None
    if args.url:
        port = int(args.url.rsplit(":", 1)[1].strip("/"))
        if not args.url.startswith("http://127.0.0.1:"):
            raise SystemExit("--url must be a loopback address (http://127.0.0.1:PORT)")
    else:
        port = free_port()
        server = start_server(args, port)
    try:
        run(args, port, think, slugs, editable, server.pid if server else None)
    finally:
        if server is not None:
            stop_server(server)


def run(args, port: int, think: tuple[float, float], slugs: dict, editable: dict, server_pgid: int | None) -> None:
    kinds = [k for k, w in MIX for _ in range(w)]
    clients = []
    for i in range(args.clients):
        client = Client(port)
        client.login(STAFF[i % len(STAFF)])
        clients.append((client, editable.get(STAFF[i % len(STAFF)], [])))

    lock = threading.Lock()
    budget = {"left": args.requests + args.warmup, "warm": args.warmup}
    times: dict[str, list[float]] = defaultdict(list)
    errors: Counter = Counter()
    started = time.monotonic()
    measure_start = [None]
    deadline = started + args.duration + 60

    def worker(index: int) -> None:
        client, own = clients[index]
        rng = random.Random(args.seed * 1000 + index)
        while True:
            with lock:
                if budget["left"] <= 0 or time.monotonic() > deadline:
                    return
                budget["left"] -= 1
                counted = budget["warm"] <= 0
                if budget["warm"] > 0:
                    budget["warm"] -= 1
                    if budget["warm"] == 0:
                        measure_start[0] = time.monotonic()
                        mark_cpu()
            kind = rng.choice(kinds)
            t0 = time.perf_counter()
            try:
                status, _ = one_request(client, kind, rng, slugs, own)
                # A redirect counts too: a signed-in page that sends its reader to the login page failed.
                outcome = None if status < 300 or (kind == "edit_api" and status == 409) else f"{kind} {status}"
            except Exception as exc:  # noqa: BLE001 — every failure is counted by kind
                outcome = f"{kind} {type(exc).__name__}"
            elapsed = (time.perf_counter() - t0) * 1000
            if counted:
                with lock:
                    times[kind].append(elapsed)
                    if outcome:
                        errors[outcome] += 1
            if think[1] > 0:
                time.sleep(rng.uniform(*think))

    cpu_marks: list[float] = []

    def mark_cpu() -> None:
        if server_pgid:
            cpu_marks.append(cpu_seconds(server_pgid))

    if think[1] > 0:
        # Paced users: stop by time, not by count.
        budget["left"] = 10**9
        deadline = time.monotonic() + args.duration
    if budget["warm"] <= 0:
        measure_start[0] = time.monotonic()
        mark_cpu()
    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - (measure_start[0] or started)
    mark_cpu()
    every = [v for values in times.values() for v in values]
    database = os.environ.get("DATABASE_URL", "sqlite (default)").split("@")[-1]
    print(
        f"clients {args.clients}, think {args.think} s, gunicorn {args.workers or 'default'} workers x "
        f"{args.threads or 'default'} threads, "
        f"backend {os.environ.get('KCS_SEARCH_BACKEND', 'whoosh')}, database {database}"
    )
    print(f"{'kind':<14}{'n':>6}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}  (ms)")
    for kind in [k for k, _ in MIX] + ["all"]:
        values = every if kind == "all" else times.get(kind, [])
        if not values:
            continue
        print(
            f"{kind:<14}{len(values):>6}{statistics.median(values):>8.0f}{percentile(values, 95):>8.0f}"
            f"{percentile(values, 99):>8.0f}{max(values):>8.0f}"
        )
    print(f"throughput {len(every) / wall:.1f} requests/s over {wall:.1f} s; errors {sum(errors.values())}")
    if len(cpu_marks) == 2 and every:
        # Server CPU per request does not depend on what else the machine is doing: compare changes with it.
        app, database = (1000 * (end - start) / len(every) for start, end in zip(*cpu_marks, strict=True))
        print(f"CPU per request: {app:.1f} ms in the app server, {database:.1f} ms in PostgreSQL")
    for outcome, count in errors.most_common():
        print(f"  {outcome}: {count}")


if __name__ == "__main__":
    main()
