"""Index folders kept as generations, for the backends whose index is a folder (Whoosh, tantivy).

`root/gen-<time_ns>/` holds one whole index and `root/CURRENT` names the live one. A rebuild
writes a new generation beside it and swaps the pointer atomically, so readers see the old
index or the new one, never half of either; one rebuild runs at a time (a file lock the kernel
releases when the process dies), and what a killed rebuild left behind is removed by the next.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from pathlib import Path

from .base import RebuildRunning


def generation_ns(name: str) -> int:
    """gen-<time_ns> → time_ns (0 for anything else)."""
    digits = name.removeprefix("gen-")
    return int(digits) if digits.isdigit() else 0


class GenerationFolders:
    """The folder handling a backend mixes in; it says how an empty index is made (_new_index)
    and how a rebuild fills a new generation (_rebuild)."""

    root: Path

    def _new_index(self, path: Path) -> None:
        """Make an empty, readable index in the new folder `path`."""
        raise NotImplementedError

    def _rebuild(self, doc_batches) -> int:
        raise NotImplementedError

    def _current_name(self) -> str:
        pointer = self.root / "CURRENT"
        if pointer.exists():
            return pointer.read_text().strip()
        return self._create_generation(make_current=True).name

    def _current_dir(self) -> Path:
        return self.root / self._current_name()

    def _create_generation(self, *, make_current: bool) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"gen-{time.time_ns()}"
        path = self.root / name
        path.mkdir()
        self._new_index(path)
        if make_current:
            self._point_to(name)
        return path

    def _point_to(self, name: str) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.tmp"
        tmp.write_text(name)
        os.replace(tmp, self.root / "CURRENT")  # atomic: readers see the old or the new, never half

    @contextlib.contextmanager
    def _rebuild_lock(self):
        """One rebuild at a time: a second one (another process or thread) is refused at once
        rather than deleting the first one's new folder. The kernel releases the lock when the
        process dies, so a killed rebuild never blocks the next one."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / "REBUILD.lock", "a+b") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RebuildRunning(
                    f"Another rebuild of the search index in {self.root} is running; wait for it to finish."
                ) from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _remove_orphans(self) -> None:
        """Folders a killed rebuild left behind: newer than the live generation, never swapped in."""
        pointer = self.root / "CURRENT"
        live = pointer.read_text().strip() if pointer.exists() else ""
        for path in self.root.glob("gen-*"):
            if path.name != live and generation_ns(path.name) > generation_ns(live):
                shutil.rmtree(path, ignore_errors=True)

    def rebuild(self, doc_batches) -> int:
        """Build a fresh index from `doc_batches` in a new generation and swap it in."""
        with self._rebuild_lock():
            self._remove_orphans()
            return self._rebuild(doc_batches)
