"""How long a save waits while another process holds the Whoosh index writer lock, and how soon
the put-off update is searchable after that process lets go.

Scratch SQLite database and index under a temporary folder; one article; a second process
takes the index's writer lock and holds it for --hold seconds. Meanwhile this process saves an
edit through Article.edit (a real commit: the on-commit hook runs), timing the save, then polls
search (service.search, as a staff user) for the edit's new word. Prints the save time and the
time from the lock's release to the word being found.

    .venv/bin/python bench/index_lock.py --hold 3
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOLDER = """
import sys, time, warnings
warnings.simplefilter("ignore")
from whoosh import index
from pathlib import Path
root = Path(sys.argv[1])
ix = index.open_dir(str(root / (root / "CURRENT").read_text().strip()))
writer = ix.writer()
print("held", flush=True)
time.sleep(float(sys.argv[2]))
writer.cancel()
print(f"released {time.time():.6f}", flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hold", type=float, default=3.0, help="seconds the other process holds the lock")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="kcs-index-lock-"))
    os.environ.update(
        DATABASE_URL=f"sqlite:///{scratch / 'db.sqlite3'}",
        KCS_SEARCH_INDEX_DIR=str(scratch / "index"),
        KCS_SEARCH_BACKEND="whoosh",
        DJANGO_SETTINGS_MODULE="kcs_site.settings",
    )
    warnings.simplefilter("ignore")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from articles.models import Article, Audience, Product
    from conftest import make_kb_owner
    from search import indexing
    from search.backends.base import SearchRequest
    from search.service import search

    owner = make_kb_owner("olga")
    product = Product.objects.create(name="Bench", slug="bench")
    article = Article.create(by=owner, title="Printer offline", product=product, audience=Audience.INTERNAL)
    indexing.rebuild()

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(scratch / "index"), str(args.hold)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "held"
    started = time.perf_counter()
    article.edit(by=owner, base_version=article.version, changes={"cause": "Zeppelin turbulence."})
    save_s = time.perf_counter() - started
    released_at = float(holder.stdout.readline().split()[1])
    holder.wait()
    while not search(SearchRequest(text="zeppelin", user=owner, facets=False)).hits:
        if time.time() - released_at > 60:
            print("the update was not searchable 60 s after the lock was released")
            return
        time.sleep(0.01)
    visible_s = time.time() - released_at
    print(f"save while another process held the writer lock: {save_s:.3f} s")
    print(f"searchable after the lock was released: {visible_s:.3f} s")


if __name__ == "__main__":
    main()
