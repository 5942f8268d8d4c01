"""The `rag` command as other tools use it: JSON shapes, batch mode, exit codes.

The searches run on an index of the fixture corpus (tests/fixtures/corpus)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.paths import ROOT

pytestmark = pytest.mark.slow
RAG = [sys.executable, "-m", "rag"]


def run(args, settings=None, stdin=None, data_dir=None):
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    env["RAG_DATA_DIR"] = str(data_dir or settings.data_dir)
    return subprocess.run(
        [*RAG, *args], input=stdin, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300
    )


def test_search_json_shape(fixture_index):
    out = run(["search", "数据出境与个人数据保护法 罚款", "-k", "3", "--json"], fixture_index)
    assert out.returncode == 0, out.stderr
    hits = json.loads(out.stdout)
    assert len(hits) == 3
    assert set(hits[0]) == {
        "rank",
        "score",
        "source_path",
        "doc_id",
        "title",
        "label",
        "article",
        "heading_path",
        "text",
        "companions",
    }
    assert hits[0]["rank"] == 1 and Path(hits[0]["source_path"]).exists()
    # the English text of the Chinese article holds no place of its own: it rides with it
    places = [(h["doc_id"], h["article"]) for h in hits]
    riding = [(c["doc_id"], c["relation"]) for h in hits for c in h["companions"]]
    assert riding and set(riding) == {("fx_pdpl_2026_en", "translation")}
    assert not any(doc == "fx_pdpl_2026_en" for doc, _ in places)
    assert all(h["article"] is None or isinstance(h["article"], int) for h in hits)


def test_ask_json_shape(fixture_index):
    out = run(["ask", "What is the maximum fine under the PDPL-T?", "--json"], fixture_index)
    assert out.returncode == 0, out.stderr
    answer = json.loads(out.stdout)
    assert set(answer) == {"answer", "refused", "citations"}
    citation = answer["citations"][0]
    assert set(citation) == {
        "n",
        "source_path",
        "doc_id",
        "title",
        "label",
        "article",
        "quote",
        "url",
        "page",
        "also",
    }
    assert citation["n"] == 1 and "[1]" in answer["answer"]
    assert {a["relation"] for c in answer["citations"] for a in c["also"]} == {"translation"}


def test_batch_mode_reads_stdin_and_writes_json_lines(fixture_index):
    questions = "What is the maximum fine under the PDPL-T?\n\n数据处理者是指什么？\nchocolate cake recipe\n"
    out = run(["ask"], fixture_index, stdin=questions)
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert [line["question"] for line in lines] == [
        "What is the maximum fine under the PDPL-T?",
        "数据处理者是指什么？",
        "chocolate cake recipe",
    ]
    assert lines[2]["refused"] is True and lines[2]["citations"] == []


def test_missing_index_is_a_clear_error(tmp_path):
    out = run(["ask", "What is PIPL?"], data_dir=tmp_path / "nothing")
    assert out.returncode == 2
    assert "run `python ingest.py` first" in out.stderr


def test_ingest_reports_failures_with_exit_status_1(tmp_path, small_corpus):
    (small_corpus / "bad.pdf").write_bytes(b"not a pdf")
    out = subprocess.run(
        [sys.executable, "ingest.py", "--corpus", str(small_corpus)],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "RAG_DATA_DIR": str(tmp_path / "d")},
        cwd=ROOT,
        timeout=600,
    )
    assert out.returncode == 1
    assert "FAILED" in out.stderr and "bad.pdf" in out.stderr
    assert out.stdout.strip().startswith(
        "ingest: 2 added, 0 updated, 0 unchanged, 0 removed, 1 failed"
    )


def test_a_quiet_ingest_prints_its_summary_line_and_nothing_else(tmp_path, small_corpus):
    # Before: bm25s's debug lines and the index build's INFO line reached stderr.
    out = run(["ingest", "--corpus", str(small_corpus), "--quiet"], data_dir=tmp_path / "d")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert out.stdout.startswith("ingest: 2 added,") and len(out.stdout.splitlines()) == 1


def test_config_lists_every_setting_without_secrets(tmp_path):
    env = {**os.environ, "RAG_LLM_API_KEY": "sk-secret-value", "RAG_DATA_DIR": str(tmp_path)}
    out = subprocess.run([*RAG, "config"], capture_output=True, text=True, env=env, cwd=ROOT)
    assert out.returncode == 0
    assert "RAG_EMBEDDING_MODEL" in out.stdout and "sk-secret-value" not in out.stdout


@pytest.mark.fault
def test_a_line_that_is_not_utf8_is_an_error_of_its_own_and_the_batch_goes_on(fixture_index):
    # Issue 15: invalid UTF-8 gave a 15-frame traceback and the later lines were never answered.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "RAG_DATA_DIR": str(fixture_index.data_dir)}
    lines = (
        "数据出境需要什么条件？\n".encode()
        + b"\xff\xfe broken\n"
        + b"When does the PDPL-T apply?\n"
    )
    done = subprocess.run(
        [*RAG, "ask"], input=lines, capture_output=True, env=env, cwd=ROOT, timeout=300
    )
    rows = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [bool(r.get("error")) for r in rows] == [False, True, False]
    assert "line 2 is not UTF-8" in rows[1]["error"]
    assert "Traceback" not in done.stderr.decode()
    assert done.returncode == 1


@pytest.mark.fault
def test_k_of_zero_is_refused_not_replaced(fixture_index):
    out = run(["search", "罚款", "-k", "0"], fixture_index)
    assert out.returncode == 2 and "k must be greater than 0" in out.stderr
