"""Markdown rendering benchmark: hostile inputs, timed through the article renderer.

Renders each input once, uncached, in a child process (killed after --timeout seconds),
and prints CPU and wall time in ms. The inputs are the ones reported to stall or crash
pages (8,000 `[`, 300 nested lists, `_`×5,000 x `_`×5,000, `*a`×100,000) and other
shapes known to hurt Markdown parsers or HTML sanitizers, each also grown to the size
limit of a field (articles.rendering.MAX_CHARS), where stored articles must still render
fast. The last lines are whole articles at the article-wide limit, made of the slowest inputs.

    .venv/bin/python bench/markdown_render.py                # the renderer in use
    .venv/bin/python bench/markdown_render.py --compare      # and Python-Markdown, markdown-it-py if installed

Numbers are for comparing renderers on one machine, never asserted in tests.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[0] = str(ROOT)  # not bench/, where this file would shadow the markdown package
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kcs_site.test_settings")  # a throwaway key

import django  # noqa: E402

django.setup()

from articles import rendering  # noqa: E402

LIMIT = rendering.MAX_CHARS


def _nested_list(levels: int) -> str:
    return "\n".join("  " * i + "- item" for i in range(levels))


def _table(rows: int, cols: int) -> str:
    head = "|" + "|".join(f"h{c}" for c in range(cols)) + "|\n|" + "|".join("---" for _ in range(cols)) + "|\n"
    return head + "".join("|" + "|".join(f"c{r}.{c}" for c in range(cols)) + "|\n" for r in range(rows))


def _references(n: int) -> str:
    return "".join(f"[r{i}]: /u{i}\n" for i in range(n)) + " ".join(f"[x][r{i}]" for i in range(n))


def _fill(unit: str, size: int = LIMIT) -> str:
    return (unit * (size // len(unit) + 1))[:size]


# (name, text): the reported inputs as reported, then shapes of our own at the size limit.
CASES = [
    ("[ ×8,000", "[" * 8000),
    ("[ ×12,000", "[" * 12000),
    ("list 300 levels (2-space indents, over the limit)", _nested_list(300)),
    ("list 300 levels (- - - … x)", "- " * 300 + "x"),
    ("_ ×5,000 x _ ×5,000", "_" * 5000 + "x" + "_" * 5000),
    ("*a ×100,000 (over the limit)", "*a" * 100_000),
    ("[ at the limit", _fill("[")),
    ("*a at the limit", _fill("*a")),
    ("_ … x … _ at the limit", "_" * (LIMIT // 2) + "x" + "_" * (LIMIT // 2 - 1)),
    ("*_ at the limit", _fill("*_")),
    ("a** at the limit", _fill("a**")),
    ("~~a at the limit", _fill("~~a")),
    ("a` at the limit", _fill("a`")),
    ("` at the limit", _fill("`")),
    ("> ×5,000 on one line", ">" * 5000 + " x"),
    ("> nested 300 lines", "\n".join("> " * i + "q" for i in range(300))),
    ("[]( at the limit", _fill("[](")),
    ("[a]( at the limit", _fill("[a](")),
    ("![ at the limit", _fill("![")),
    ("[ ×N a ](b) ×N at the limit", "[" * (LIMIT // 5) + "a" + "](b)" * (LIMIT // 5 - 1)),
    ("link reference chain at the limit", _fill("[r]: /u\n[x][r] ")),
    ("reference definitions and uses at the limit", _references(LIMIT // 27)),
    ("links at the limit", _fill("[a](http://e.com) ")),
    ("same heading at the limit", _fill("# a\n")),
    ("table 1,500 rows × 10 at the limit", _table(1500, 10)[:LIMIT]),
    ("table 1 row × 5,000 columns", _table(1, 5000)[:LIMIT]),
    ("< at the limit", _fill("<")),
    ("<a at the limit", _fill("<a ")),
    ("&# at the limit", _fill("&#")),
    ("``` fences at the limit", _fill("```\n")),
    ("raw <div> ×20,000 (unclosed)", _fill("<div>")),
    ("raw <blockquote> ×8,000 (unclosed)", _fill("<blockquote>")),
    ("raw <ul><li> ×12,000 (unclosed)", _fill("<ul><li>")),
    ("raw <a> ×30,000", _fill("<a>")),
    ("raw <table> ×14,000", _fill("<table>")),
]


def _python_markdown(text: str) -> str:
    import markdown
    import nh3

    html = markdown.markdown(text, extensions=["tables", "fenced_code", "sane_lists", "toc"], output_format="html")
    return nh3.clean(html, tags=rendering.ALLOWED_TAGS, attributes=rendering.ALLOWED_ATTRIBUTES)


def _markdown_it_py(text: str) -> str:
    import nh3
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"maxNesting": 24, "html": True}).enable(["table", "strikethrough"])
    return nh3.clean(md.render(text), tags=rendering.ALLOWED_TAGS, attributes=rendering.ALLOWED_ATTRIBUTES)


RENDERERS = {
    "kcs (cmark-gfm + nh3)": lambda text: rendering._render(text, "resolution"),
    "Python-Markdown + nh3": _python_markdown,
    "markdown-it-py + nh3": _markdown_it_py,
}


def _time_one(renderer: str, text: str, results) -> None:
    sys.setrecursionlimit(1000)  # as in a request
    render = RENDERERS[renderer]
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        render(text)
        error = ""
    except Exception as exc:  # the point is to see which inputs raise
        error = type(exc).__name__
    results.put((time.process_time() - cpu, time.perf_counter() - wall, error))


def measure(renderer: str, text: str, timeout: float) -> str:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_time_one, args=(renderer, text, results))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        return f"> {timeout:.0f} s"
    if results.empty():
        return f"crashed ({child.exitcode})"
    cpu, wall, error = results.get()
    return f"{cpu * 1000:7.1f} {wall * 1000:7.1f}" + (f" {error}" if error else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--compare", action="store_true", help="also time Python-Markdown and markdown-it-py if installed")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before an input counts as a stall (default 10)")
    args = parser.parse_args()
    renderers = list(RENDERERS) if args.compare else list(RENDERERS)[:1]
    for renderer in renderers:  # imports and first-call set-up, before the children fork
        try:
            RENDERERS[renderer]("# warm *up*")
        except ImportError:
            renderers.remove(renderer)
    print(f"Field limit {LIMIT:,} characters, depth {rendering.MAX_DEPTH}. Times: CPU ms, wall ms, per renderer.")
    print(f"{'input':50} {'chars':>7}  " + "  ".join(f"{name:>24}" for name in renderers))
    slowest = []
    for name, text in CASES:
        cells = [measure(renderer, text, args.timeout) for renderer in renderers]
        print(f"{name:50} {len(text):>7}  " + "  ".join(f"{cell:>24}" for cell in cells), flush=True)
        if len(text) <= LIMIT:
            slowest.append((float(cells[0].split()[0]) if cells[0][0] not in ">c" else float("inf"), text))
    # A whole stored article at the article-wide limit: four fields, each a quarter of it, made of
    # the four slowest inputs (and the slowest alone filling the whole limit).
    ranked = [text for _, text in sorted(slowest, key=lambda pair: pair[0], reverse=True)]
    quarter = rendering.MAX_ARTICLE_CHARS // 4
    worst = [text[:quarter] for text in ranked[:4]]
    total = sum(float(measure(renderers[0], text, args.timeout).split()[0]) for text in worst)
    print(f"whole article: 4 fields of {quarter:,} chars, the 4 slowest inputs: {total:.1f} ms CPU")
    single = float(measure(renderers[0], ranked[0][: rendering.MAX_ARTICLE_CHARS], args.timeout).split()[0])
    print(f"whole article: 1 field of {rendering.MAX_ARTICLE_CHARS:,} chars, the slowest input: {single:.1f} ms CPU")


if __name__ == "__main__":
    main()
