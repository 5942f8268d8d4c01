"""Where the test data lives: the repository, its corpus, the test fixtures, the shared texts."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
FIXTURES = ROOT / "tests" / "fixtures"
FIXTURE_CORPUS = FIXTURES / "corpus"
FIXTURE_QUESTIONS = FIXTURES / "questions.jsonl"
# The real law texts beside the project; a plain clone does not have them.
POLICY_TEXTS = ROOT.parent / "shared" / "policy-texts" / "docs"
NEEDS_POLICY_TEXTS = (
    f"needs ../shared/policy-texts (the shared law texts, {POLICY_TEXTS}); not in a plain clone"
)


def require_policy_texts() -> Path:
    """The shared texts' folder; without it, skip the calling test saying why. Tests use it
    through the `policy_texts` fixture (tests/conftest.py); helpers that read the texts
    (tests/support/pipl.py) call it directly."""
    if not POLICY_TEXTS.is_dir():
        pytest.skip(NEEDS_POLICY_TEXTS)
    return POLICY_TEXTS


def policy_text_files() -> list[Path]:
    """The shared texts, to parametrize a test over. Without them, one placeholder: the test
    is still collected and skips through the `policy_texts` fixture, saying why (an empty
    list would skip with pytest's "got empty parameter set" instead)."""
    return sorted(POLICY_TEXTS.glob("*.md")) or [POLICY_TEXTS / "missing.md"]
