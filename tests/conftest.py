"""Fixtures every test shares: an isolated environment, and the one gate on the shared texts.

Paths to the test data are in `tests/support/paths.py`; the real indexes (built once per run
with the real packaged embedder) are in `tests/integration/conftest.py`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.paths import require_policy_texts


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch, tmp_path):
    """No RAG_/SLACK_ setting leaks in from the developer's shell; data goes to tmp."""
    for name in list(os.environ):
        if name.startswith(("RAG_", "SLACK_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))


@pytest.fixture
def no_client_environ(monkeypatch):
    """No real keys, endpoints or proxies leak into the tests of the LLM client."""
    for name in (
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "OPENAI_API_BASE",
        "DEEPSEEK_API_KEY",
        "DASHSCOPE_API_KEY",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "LC_OUTPUT_VERSION",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def policy_texts() -> Path:
    """../shared/policy-texts/docs (14 real laws, zh and en). A test that reads them asks for
    this fixture (or `@pytest.mark.usefixtures("policy_texts")`) and skips without them,
    saying why: a plain clone has no ../shared."""
    return require_policy_texts()
