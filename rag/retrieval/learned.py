"""What `rag tune` writes beside an index, and the gold sets' fixed halves it learns from.

`part` splits a gold set in two by a hash of each question's id, so that what a learned unit
was fitted on can be told from what it was not, on every machine. `Reread` reads a file `rag
tune` wrote on first use and again whenever it changes, so a running server learns without a
restart.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")


def part(question_id: str) -> str:
    """ "fit" or "held": a fixed half of a gold set by a hash of the question's id."""
    first = hashlib.blake2b(question_id.encode("utf-8"), digest_size=8).digest()[0]
    return "fit" if first % 2 == 0 else "held"


class Reread(Generic[T]):
    """A file `rag tune` writes, read on first use and again whenever it changes."""

    def __init__(self, path: Callable[[], Path], load: Callable[[Path], T]) -> None:
        self.path = path
        self.load = load
        self._read: tuple[int, T | None] | None = None  # (the file's mtime, what it held)

    def get(self) -> T | None:
        """What the file holds; None when there is none or it cannot be read (with a
        warning, once per change of the file)."""
        path = self.path()
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            self._read = None
            return None
        if self._read is None or self._read[0] != stamp:
            try:
                self._read = (stamp, self.load(path))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("ignoring what rag tune wrote in %s: %s", path, exc)
                self._read = (stamp, None)
        return self._read[1]
