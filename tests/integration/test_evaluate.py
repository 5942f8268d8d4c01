"""`rag eval` end to end: the harness with the real engine and the plain-recipe baseline over
three of the shared policy texts (the metrics and gold-set checks are in tests/unit)."""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest

from rag.evaluation.evaluate import main
from tests.support.paths import ROOT

GOLD = ROOT / "eval" / "policy_texts_qa.jsonl"


SUBSET = ["pt-012", "pt-082", "pt-083", "pt-116", "pt-151", "pt-169"]
SUBSET_DOCS = [
    "zh_personal_information_protection_law_2021",
    "en_personal_information_protection_law_2021_npc",
    "zh_data_security_law_2021",
]


@pytest.mark.slow
def test_eval_end_to_end_with_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], policy_texts: Path
) -> None:
    """Six questions (one out of scope) over three real texts, ours beside the plain recipe."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for stem in SUBSET_DOCS:
        shutil.copy(policy_texts / f"{stem}.md", corpus)
    rows = {json.loads(line)["id"]: line for line in GOLD.read_text(encoding="utf-8").splitlines()}
    subset = tmp_path / "subset.jsonl"
    subset.write_text("\n".join(rows[i] for i in SUBSET) + "\n", encoding="utf-8")
    out = tmp_path / "out.json"

    data = tmp_path / ".data"
    args = argparse.Namespace(
        file=[subset], k=10, json=out, corpus=corpus, baseline=True, data_dir=data
    )
    assert main(args) == 0

    printed = capsys.readouterr().out
    assert "baseline" in printed and "ratio" in printed and "EN→ZH" in printed
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["questions"] == 6 and result["in_scope"] == 5 and result["documents"] == 3
    assert (data / "chroma").is_dir()  # its own index, where it was told
    ours, base = result["retrieval"], result["baseline"]["retrieval"]
    assert ours["all"]["n"] == base["all"]["n"] == 5
    assert ours["all"]["hit@10"] >= 0.8  # plain questions over three texts
    assert result["baseline"]["chunks"] > 20
    assert result["latency_ms"]["search"]["p50"] > 0
    assert result["answers"]["out_of_scope_refused"] in (0.0, 1.0)
    assert [r["id"] for r in result["per_question"]] == SUBSET
    ranks = [r["first_gold_rank"]["all"] for r in result["per_question"] if r["in_scope"]]
    assert sum(r is not None for r in ranks) == round(ours["all"]["hit@10"] * 5)
