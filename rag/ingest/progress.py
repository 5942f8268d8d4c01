"""How far an ingest has got: a tqdm bar on a terminal, a plain line every few seconds when
stderr is a log (cron, CI, `docker logs`), where a bar would print nothing useful."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, TextIO

LINE_EVERY = 5.0  # seconds between two progress lines in a log


def time_left(seconds: float) -> str:
    """'about 2 min 48 s left', rounded so that the estimate does not claim false precision."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"about {seconds} s left"
    if seconds < 3600:
        return f"about {seconds // 60} min {seconds % 60} s left"
    minutes = round(seconds / 60)
    return f"about {minutes // 60} h {minutes % 60} min left"


def progress_line(
    files_done: int, files_total: int, chunks_done: int, chunks_total: int, seconds: float
) -> str:
    """`ingest: 312/1,429 files, 15,200/68,573 chunks, 318 chunks/s, about 2 min 48 s left`."""
    line = f"ingest: {files_done:,}/{files_total:,} files, {chunks_done:,}/{chunks_total:,} chunks"
    if chunks_done <= 0 or seconds <= 0:
        return line + ", starting"
    rate = chunks_done / seconds
    return f"{line}, {rate:,.0f} chunks/s, {time_left((chunks_total - chunks_done) / rate)}"


class Progress:
    """Counts written files and chunks (from any thread) and shows them: `show=False` prints
    nothing; otherwise a bar on a terminal, else a line at most every `every` seconds."""

    def __init__(
        self,
        files: int,
        chunks: int,
        *,
        show: bool = True,
        every: float = LINE_EVERY,
        stream: TextIO | None = None,
    ) -> None:
        if every < 0:
            raise ValueError(f"the progress interval must be 0 s or more, got {every}")
        self.files_total, self.chunks_total = files, chunks
        self.files_done = self.chunks_done = 0
        self.every = every
        self.stream = stream or sys.stderr
        self.show = show
        self._started = self._last_line = time.monotonic()
        self._lock = threading.Lock()
        self._bar: Any = None
        if show and self.stream.isatty():
            from tqdm import tqdm

            self._bar = tqdm(total=chunks, unit="chunk", desc="ingest", file=self.stream)

    def advance(self, files: int, chunks: int) -> None:
        with self._lock:
            self.files_done += files
            self.chunks_done += chunks
            if not self.show:
                return
            if self._bar is not None:
                self._bar.set_postfix_str(f"{self.files_done}/{self.files_total} files")
                self._bar.update(chunks)
                return
            now = time.monotonic()
            if now - self._last_line >= self.every:
                self._last_line = now
                line = progress_line(
                    self.files_done,
                    self.files_total,
                    self.chunks_done,
                    self.chunks_total,
                    now - self._started,
                )
                print(line, file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
