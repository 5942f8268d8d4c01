"""The progress line an ingest prints in a log (no model)."""

from __future__ import annotations

import io

import pytest

from rag.ingest.progress import Progress, progress_line, time_left


def test_the_line_says_files_chunks_speed_and_time_left():
    line = progress_line(312, 1429, 15_200, 68_573, 47.8)
    assert line == (
        "ingest: 312/1,429 files, 15,200/68,573 chunks, 318 chunks/s, about 2 min 48 s left"
    )


def test_before_the_first_chunk_it_claims_no_speed():
    assert progress_line(0, 10, 0, 500, 4.0) == "ingest: 0/10 files, 0/500 chunks, starting"


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0.4, "about 0 s left"),
        (59, "about 59 s left"),
        (168, "about 2 min 48 s left"),
        (3600 * 2 + 610, "about 2 h 10 min left"),
    ],
)
def test_time_left(seconds, said):
    assert time_left(seconds) == said


def test_a_log_gets_lines_and_quiet_gets_none():
    log, quiet = io.StringIO(), io.StringIO()
    shown = Progress(3, 30, every=0.0, stream=log)
    hidden = Progress(3, 30, show=False, every=0.0, stream=quiet)
    for meter in (shown, hidden):
        meter.advance(1, 10)
        meter.advance(2, 20)
        meter.close()
    assert log.getvalue().splitlines()[-1].startswith("ingest: 3/3 files, 30/30 chunks, ")
    assert len(log.getvalue().splitlines()) == 2 and quiet.getvalue() == ""


def test_lines_wait_for_the_interval():
    log = io.StringIO()
    meter = Progress(3, 30, every=3600.0, stream=log)
    meter.advance(3, 30)
    assert log.getvalue() == ""
