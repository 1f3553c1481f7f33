"""Timing helpers the page benchmarks share: percentiles, and a table of pages' times and queries."""

from __future__ import annotations

import statistics
import time


def percentiles(times: list[float]) -> tuple[float, float, float]:
    """p50, p95 and the slowest of `times`."""
    times = sorted(times)
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))], times[-1]


def time_pages(client, urls, repeat: int, *, label: str = "") -> None:
    """Print each page's p50, p95 and slowest time in ms over `repeat` views (after one to warm
    the caches), and the queries one view makes; `label` (who is reading) goes before the address."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for url in urls:
        client.get(url)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        p50, p95, most = percentiles(times)
        name = f"{label} {url}" if label else url
        print(f"{name:60.60} {p50:7.1f} {p95:7.1f} {most:7.1f} {len(ctx.captured_queries):8d}", flush=True)


HEADER = f"{'page':60} {'p50':>7} {'p95':>7} {'max':>7} {'queries':>8}"
