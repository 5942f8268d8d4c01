"""Work an index build hands to forked processes, and when forking is safe.

A forked child has a copy of every lock as it was at the fork: one another thread held then
(the embedder's while it embeds a question, the stemmer's) stays held in the child forever,
and the child hangs. So a build forks only when its thread is the only one: `rag ingest`, or
the first start of a process that has not begun serving. A server that rebuilds while it
answers does the same work in its own process, slower but never stuck.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


def safe() -> bool:
    """Whether this process may fork workers now."""
    return "fork" in mp.get_all_start_methods() and threading.active_count() == 1


_work: Callable[[Any], Any] | None = None  # what a forked child runs, inherited at the fork


def _run(job: Any) -> Any:
    assert _work is not None
    return _work(job)


def beside(work: Callable[[Any], Any], job: Any) -> Callable[[], Any]:
    """Start `work(job)` in a forked process and return a function that waits for its result,
    so the caller does other work meanwhile on another core. Where forking is unsafe or
    fails, the returned function does the work here."""
    global _work
    if not safe():
        return lambda: work(job)
    _work = work
    try:
        pool = mp.get_context("fork").Pool(1)
        pending = pool.apply_async(_run, (job,))
    except (OSError, mp.ProcessError) as exc:
        log.warning("working in this process only: %s", exc)
        return lambda: work(job)

    def wait() -> Any:
        try:
            return pending.get()
        finally:
            pool.close()
            pool.join()

    return wait
