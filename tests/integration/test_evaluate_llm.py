"""`rag eval` on the language-model path: mode share and unsupported-sentence rate.

The end-to-end test runs the real harness (real index, real embedder, real `langchain-openai`
client over HTTP) against the scripted stand-in in `tests/support/openai_standin.py`, so the
figures the report must show follow from the script. The figures on hand-built answers are in
tests/unit/test_evaluate_llm.py.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest

from rag.answer.prompts import NOTICE_SERVER
from rag.config import Settings
from tests.support.openai_standin import OpenAIStandin, Reply
from tests.support.paths import POLICY_TEXTS as TEXTS
from tests.support.paths import ROOT

GOLD = ROOT / "eval" / "policy_texts_qa.jsonl"
PIPL = "zh_personal_information_protection_law_2021"
ECOMMERCE = "zh_e_commerce_law_2018"


# --- the harness against the scripted server ---------------------------------------------

SUBSET = ["pt-093", "pt-113", "pt-047", "pt-051"]  # PIPL Arts. 56, 66; E-Commerce Law Arts. 31, 34


def _write_subset(tmp_path: Path) -> tuple[Path, Path, list[dict]]:
    """The four questions over a folder of the two Chinese laws; gold kept to those two."""
    corpus = tmp_path / "docs"
    corpus.mkdir()
    for stem in (PIPL, ECOMMERCE):
        shutil.copy(TEXTS / f"{stem}.md", corpus)
    rows = {
        row["id"]: row for row in map(json.loads, GOLD.read_text(encoding="utf-8").splitlines())
    }
    subset = []
    for qid in SUBSET:
        row = dict(rows[qid])
        row["gold"] = [g for g in row["gold"] if g["doc_id"] in (PIPL, ECOMMERCE)]
        subset.append(row)
    path = tmp_path / "subset.jsonl"
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in subset), encoding="utf-8"
    )
    return path, corpus, subset


def _source_numbers(
    data_dir: Path, corpus: Path, subset: list[dict], needles: list[str]
) -> list[int]:
    """For each question, the source number ([n]) of the gold chunk that contains the needle.

    The eval indexes the same folder into the same data dir, so the engine shows the model the
    same passages in the same order; the script can then cite the right one.
    """
    from rag.engine import PolicyEngine
    from rag.ingest import ingest

    settings = Settings(data_dir=data_dir, corpus_dirs=str(corpus))
    assert not ingest(settings, settings.corpus_paths, progress=False).failed
    engine = PolicyEngine(settings)
    numbers = []
    for row, needle in zip(subset, needles, strict=True):
        hits = engine.search(row["question"])
        gold = {(g["doc_id"], g["article"]) for g in row["gold"]}
        numbers.append(
            next(
                n
                for n, h in enumerate(hits, 1)
                if (h.doc_id, h.article) in gold and needle in h.text
            )
        )
    return numbers


@pytest.mark.slow
@pytest.mark.server
@pytest.mark.usefixtures("policy_texts")
def test_eval_reports_mode_share_and_unsupported_rate(
    tmp_path, monkeypatch, capsys, no_client_environ
):
    from rag.evaluation.evaluate import main

    path, corpus, subset = _write_subset(tmp_path)
    n93, n113, n47, _ = _source_numbers(
        tmp_path / ".data" / "subset",
        corpus,
        subset,
        ["至少保存三年", "五千万元", "不少于三年", "七日"],
    )
    with OpenAIStandin() as standin:
        standin.script(
            # a good cited reply: 1 sentence, supported
            f"The impact assessment report and the processing records must be kept for at "
            f"least three years [{n93}].",
            # a wrong figure: 2 sentences, the second flagged (the law says 十万元 to 一百万元)
            f"情节严重的，可处五千万元以下或者上一年度营业额百分之五以下罚款[{n113}]。"
            f"对直接负责的主管人员最高可处一亿元罚款[{n113}]。",
            # an uncited claim: 2 sentences, the second flagged
            f"E-commerce platforms must keep product, service and transaction records for at "
            f"least three years after the transaction is completed [{n47}]. Platforms must "
            f"also report every transaction to the tax authorities each month.",
            # a server error on the last question (and on the client's retry): fallback
            Reply(status=500),
        )
        monkeypatch.setenv("RAG_LLM", "openai/standin-model")
        monkeypatch.setenv("RAG_LLM_BASE_URL", standin.base_url)
        monkeypatch.setenv("RAG_LLM_TIMEOUT", "30")
        # Nothing refused before the model is asked: a refusal would shift the script. (The
        # figures leave refused answers out anyway; the unit test shows that.)
        monkeypatch.setenv("RAG_MIN_RELEVANCE", "0")
        out = tmp_path / "out.json"
        assert (
            main(
                argparse.Namespace(
                    file=[path], k=10, json=out, corpus=corpus, data_dir=tmp_path / ".data"
                )
            )
            == 0
        )
        assert len(standin.requests) == 5  # one call per question, plus the retry after the 500

    result = json.loads(out.read_text(encoding="utf-8"))
    llm = result["answers"]["llm"]
    assert llm["model"] == "openai/standin-model" and llm["asked"] == 4
    assert llm["mode_share"] == {"llm": 0.75, "fallback": 0.25}
    assert (llm["checked"], llm["unsupported"]) == (5, 2) and llm["unsupported_rate"] == 0.4
    assert list(llm["fallback_notices"]) == [NOTICE_SERVER.format(detail="HTTP 500")]

    rows = {r["id"]: r["answer"] for r in result["per_question"]}
    assert [rows[q]["path"] for q in SUBSET] == ["llm", "llm", "llm", "fallback"]
    assert [(rows[q]["checked"], rows[q]["unsupported"]) for q in SUBSET] == [
        (1, 0),
        (2, 1),
        (2, 1),
        (0, 0),
    ]
    # the model cited the gold article and stated the gold facts (or its quotes did)
    for qid in SUBSET[:3]:
        assert rows[qid]["citation_precision"] == 1.0 and rows[qid]["fact_match"] == 1.0, rows[qid]
    assert rows["pt-051"]["citations"]  # the fallback still answers, with citations

    printed = capsys.readouterr().out
    assert "Answers (written by openai/standin-model)" in printed
    assert "fell back                0.250" in printed
    assert "unsupported rate         0.400   (2 of 5 checked sentences" in printed
