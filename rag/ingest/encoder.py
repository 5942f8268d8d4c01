"""Embeds batches of texts in child processes with one thread each, a few batches ahead.

Two things kept ingest below the encoder's speed, and threads could fix neither:
- Chroma's upsert holds the GIL for its whole call (SQLite with its full-text index of the
  documents and metadata, then HNSW): a writer thread overlapped none of it (p10 with one
  encoder thread: 0.74x the encoder with and without the thread).
- The encoder's two BLAS threads wait for each other: when another process keeps a core busy
  (another ingest, a test run) they fall to 22 chunks/s, against 175 for one thread; on idle
  cores two threads embed 1.2-1.5x what one does, two one-thread processes 1.9-2x.
So each child embeds with one thread, the children run side by side, and this process writes
meanwhile. The store is still written from this process only, in order, so what the
pipeline promises after a crash is unchanged.

A child is `python -c "…main()" ROOT MODEL`: pickled lists of texts in on stdin, pickled
("vectors", array) or ("error", exception) out on stdout. When this process dies, even by
kill -9, its children read the end of their stdin and exit.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from ..errors import RagError

AHEAD = 2  # batches handed to each child before its first vectors are back
# argv: where `rag` is importable from (first on the path, whatever the working folder), model
_CHILD = "import sys; sys.path.insert(0, sys.argv[1]); from rag.ingest.encoder import main; main()"


class _Child:
    """One encoder process; a thread feeds its stdin, so that this process never blocks
    writing texts while the child blocks writing vectors nobody has read yet."""

    def __init__(self, model: str) -> None:
        root = str(Path(__file__).resolve().parents[2])
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-c", _CHILD, root, model],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        except OSError as exc:
            raise RagError(f"cannot start an embedding process: {exc}") from exc
        assert self.process.stdin is not None and self.process.stdout is not None
        self.replies: IO[bytes] = self.process.stdout
        self.outbox: queue.Queue[list[str] | None] = queue.Queue()
        self._feeder = threading.Thread(
            target=self._feed, args=(self.process.stdin,), name="encoder-feed", daemon=True
        )
        self._feeder.start()

    def _feed(self, stdin: IO[bytes]) -> None:
        try:
            while (texts := self.outbox.get()) is not None:
                pickle.dump(texts, stdin, protocol=pickle.HIGHEST_PROTOCOL)
                stdin.flush()
        except OSError:
            pass  # the child is gone; reading its replies says how
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def receive(self) -> np.ndarray:
        try:
            kind, value = pickle.load(self.replies)
        except (EOFError, pickle.UnpicklingError, OSError):
            code = self.process.wait()
            raise RagError(
                f"an embedding process stopped (exit code {code}); what was written so far "
                "is kept and the next ingest completes it"
            ) from None
        if kind == "error":
            raise value
        return np.asarray(value)

    def close(self, wait: bool) -> None:
        """Stop the child: when it answered everything, at the end of its input; else at once."""
        self.outbox.put(None)
        if not wait:
            self.process.kill()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover - stuck past the end of its input
            self.process.kill()
            self.process.wait()
        self._feeder.join(timeout=5)
        self.replies.close()


class EncoderPool:
    """`embed(batches)` yields the vectors of each batch, in order, computed by `processes`
    children that each load the model with one thread."""

    def __init__(self, model: str, processes: int) -> None:
        if processes < 1:
            raise ValueError(f"processes must be at least 1, got {processes}")
        self._children: list[_Child] = []
        try:
            for _ in range(processes):
                self._children.append(_Child(model))
        except RagError:
            self.close()
            raise
        self._finished = False

    def embed(self, batches: Iterable[list[str]]) -> Iterator[np.ndarray]:
        sent: deque[tuple[_Child, int]] = deque()  # (child, size) in the order sent
        texts = iter(batches)
        turn = 0
        more = True
        while more or sent:
            while more and len(sent) < AHEAD * len(self._children):
                batch = next(texts, None)
                if batch is None:
                    more = False
                    break
                child = self._children[turn % len(self._children)]
                turn += 1
                child.outbox.put(batch)
                sent.append((child, len(batch)))
            if sent:
                child, size = sent.popleft()
                vectors = child.receive()
                if len(vectors) != size:
                    raise RagError("an embedding process returned the wrong number of vectors")
                yield vectors
        self._finished = True

    def close(self) -> None:
        for child in self._children:
            child.close(wait=self._finished)

    def __enter__(self) -> EncoderPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _portable(exc: BaseException) -> BaseException:
    """`exc` if it survives pickling (the parent raises it as it was), else a RagError."""
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RagError(f"embedding failed: {type(exc).__name__}: {exc}")
    return exc


def serve(model: str, requests: IO[bytes], replies: IO[bytes]) -> None:
    """A child's loop: embed each list of texts read from `requests` until its end."""
    from ..index import get_embedder

    def reply(message: tuple[str, Any]) -> None:
        pickle.dump(message, replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()

    try:
        embedder = get_embedder(model, threads=1)
        while True:
            try:
                texts = pickle.load(requests)
            except EOFError:
                return  # the parent closed our stdin: done, or it is gone
            reply(("vectors", embedder.embed_documents(texts)))
    except BrokenPipeError:
        return  # the parent stopped reading
    except Exception as exc:
        reply(("error", _portable(exc)))


def main() -> None:
    """A child process; its stdout carries replies only (stray prints go to stderr)."""
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        serve(sys.argv[2], sys.stdin.buffer, replies)
    except KeyboardInterrupt:
        pass  # Ctrl-C reaches the whole process group; the parent reports it
