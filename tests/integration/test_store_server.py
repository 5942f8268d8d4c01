"""Server mode: the same ingest and search against a real `chroma run` process, on fixture laws."""

from __future__ import annotations

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


def test_unreachable_server_is_a_clear_error(tmp_path):
    from rag.errors import RagError

    settings = Settings(data_dir=tmp_path, chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(RagError, match="Chroma server"):
        PolicyEngine(settings).search("anything")
