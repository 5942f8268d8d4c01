"""Server mode: the same ingest and search against a real `chroma run` process, on fixture laws."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from rag.config import Settings
from rag.engine import PolicyEngine
from rag.ingest import ingest
from tests.support.paths import FIXTURE_CORPUS, ROOT
from tests.support.processes import free_port, stop

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture
def chroma_server(tmp_path):
    chroma = shutil.which("chroma") or str(Path(sys.executable).parent / "chroma")
    port = free_port()
    proc = subprocess.Popen(
        [
            chroma,
            "run",
            "--path",
            str(tmp_path / "server"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("chroma run did not start within 60 s")
    yield url
    stop(proc, timeout=20)


def test_ingest_and_answer_through_a_chroma_server(chroma_server, small_corpus, tmp_path):
    settings = Settings(data_dir=tmp_path / "local", chroma_url=chroma_server)
    report = ingest(settings, [small_corpus], progress=False)
    assert report.added == 2 and not report.failed
    assert not (tmp_path / "local" / "chroma").exists(), "nothing is written to the embedded store"
    again = ingest(settings, [small_corpus], progress=False)
    assert again.unchanged == 2
    answer = PolicyEngine(settings).answer("数据处理者向境外提供个人数据前应当向个人告知哪些事项？")
    assert any(c.article == 10 for c in answer.citations)


def test_two_processes_answer_at_once_from_one_server(chroma_server, tmp_path):
    """Two `rag ask` commands started together against one server and one data folder (each
    builds its in-memory indexes and caches there): both give the cited answer."""
    settings = Settings(data_dir=tmp_path / "local", chroma_url=chroma_server)
    assert not ingest(settings, [FIXTURE_CORPUS], progress=False).failed
    env = {**os.environ, "RAG_CHROMA_URL": chroma_server, "RAG_DATA_DIR": str(settings.data_dir)}
    asked = {
        "个人数据访问日志至少要保存多长时间？": ("fx_pdpl_2026_zh", 8, "六个月"),
        "网络平台安全条例2024年修订后，对违规平台经营者的罚款提高到多少？": (
            "fx_platform_security_regs_2024",
            9,
            "十万元以上一百万元以下",
        ),
    }
    procs = {
        question: subprocess.Popen(
            [sys.executable, "-m", "rag", "ask", question, "--json"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for question in asked
    }
    try:
        outputs = {question: proc.communicate(timeout=300) for question, proc in procs.items()}
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    for question, (out, err) in outputs.items():
        assert procs[question].returncode == 0, err
        answer = json.loads(out)
        doc_id, article, fact = asked[question]
        assert not answer["refused"], answer["answer"]
        assert fact in answer["answer"]
        cited = {(c["doc_id"], c["article"]) for c in answer["citations"]}
        assert (doc_id, article) in cited, cited


def test_unreachable_server_is_a_clear_error(tmp_path):
    from rag.errors import RagError

    settings = Settings(data_dir=tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(RagError, match="Chroma server"):
        PolicyEngine(settings).search("anything")
