"""`rag eval` on the language-model path: the mode share and unsupported-sentence rate of
hand-built answers. The end-to-end run against the scripted server is in tests/integration."""

from __future__ import annotations

import pytest

from rag.answer.prompts import NOTICE_SERVER, NOTICE_UNGROUNDED
from rag.evaluation.answers import answer_metrics, llm_metrics
from rag.evaluation.gold import GoldItem, GoldQuestion
from rag.types import Answer, Check, Citation


def _check(supported: bool) -> Check:
    return Check(sentence="s", cited=[1] if supported else [], supported=supported)


def test_llm_metrics_count_the_checks_of_discarded_replies() -> None:
    q = GoldQuestion(
        id="q",
        question="max fine?",
        lang="en",
        in_scope=True,
        gold=(GoldItem("pipl", 66),),
        facts=("50 million",),
    )
    quote = "处五千万元以下"
    cite = Citation(
        n=1,
        chunk_id="c",
        doc_id="pipl",
        source_path="",
        title="",
        label="",
        article=66,
        quote=quote,
        quote_start=0,
        quote_end=len(quote),
    )
    answers = [
        # the model's answer, one of its three sentences flagged
        Answer(
            question="q",
            text="…",
            citations=[cite],
            mode="llm",
            checks=[_check(True), _check(True), _check(False)],
        ),
        # nothing held up: the extractive answer, the two failed verdicts kept
        Answer(
            question="q",
            text="…",
            citations=[cite],
            notice=NOTICE_UNGROUNDED,
            checks=[_check(False), _check(False)],
        ),
        # the model never answered: no sentence to check
        Answer(
            question="q", text="…", citations=[cite], notice=NOTICE_SERVER.format(detail="HTTP 500")
        ),
        # refused before the model was asked: not part of the model's figures
        Answer(question="q", text="The corpus does not cover this.", refused=True),
    ]
    rows = [answer_metrics(a, q) for a in answers]
    assert [r["path"] for r in rows] == ["llm", "fallback", "fallback", "extractive"]
    m = llm_metrics(rows, "openai/x")
    assert m["asked"] == 3
    assert m["mode_share"] == {"llm": pytest.approx(1 / 3), "fallback": pytest.approx(2 / 3)}
    assert (m["checked"], m["unsupported"]) == (5, 3) and m["unsupported_rate"] == pytest.approx(
        0.6
    )
    assert m["fallback_notices"] == {
        NOTICE_UNGROUNDED: 1,
        NOTICE_SERVER.format(detail="HTTP 500"): 1,
    }
    assert llm_metrics(rows[3:], "openai/x")["unsupported_rate"] is None
