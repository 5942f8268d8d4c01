"""What `rag eval` says about answers: facts in the lead and anywhere, the named document,
whether the supporting sentences keep to the question, and the figures per split of the gold
set and per kind of answer, all on hand-built answers."""

from __future__ import annotations

from typing import Any

import pytest

from rag.evaluation.answers import (
    answer_figures,
    answer_metrics,
    figures_by_kind,
    figures_by_split,
    supporting_sentences,
)
from rag.evaluation.gold import GoldItem, GoldQuestion
from rag.evaluation.report import format_report
from rag.retrieval import Glossary
from rag.types import Answer, Citation

FINE = GoldQuestion(
    id="fine",
    question="What is the largest fine under PIPL?",
    lang="en",
    in_scope=True,
    gold=(GoldItem("pipl", 66),),
    facts=("50 million",),
    kind="amount",
    names_doc="pipl",
)


def _citation(doc: str, article: int | None, quote: str) -> Citation:
    return Citation(
        n=1,
        chunk_id="c",
        doc_id=doc,
        source_path="",
        title="",
        label="",
        article=article,
        quote=quote,
        quote_start=0,
        quote_end=len(quote),
    )


def _answer(text: str, *docs: str, refused: bool = False) -> Answer:
    return Answer(
        question="", text=text, citations=[_citation(d, 66, "…") for d in docs], refused=refused
    )


def test_answer_metrics() -> None:
    q = GoldQuestion(
        id="q",
        question="max fine?",
        lang="en",
        in_scope=True,
        gold=(GoldItem("pipl", 66),),
        facts=("五千万元", "five percent"),
    )
    answer = Answer(
        question=q.question,
        text="Up to RMB 50 million or Five  Percent of turnover [1][2].",
        citations=[_citation("pipl", 66, "处五千万元以下"), _citation("pipl", 65, "…")],
    )
    m = answer_metrics(answer, q)
    assert m["cited_gold"] is True and m["citation_precision"] == 0.5 and m["fact_match"] == 1.0
    refused = answer_metrics(
        Answer(question=q.question, text="The corpus does not cover this.", refused=True), q
    )
    assert refused["refused"] and not refused["cited_gold"]
    assert refused["citation_precision"] is None and refused["fact_match"] == 0.0


def test_the_lead_is_scored_apart_from_the_rest_of_the_answer() -> None:
    # "fact in lead": what a reader takes as the answer is the text before the first [n].
    q = GoldQuestion(
        id="q",
        question="When did PIPL take effect?",
        lang="en",
        in_scope=True,
        gold=(GoldItem("pipl", 74),),
        facts=("2021-11-01",),
        kind="date",
        names_doc="pipl",
    )
    late = Answer(
        question=q.question,
        text="The fine is up to 50 million yuan. [1] It took effect on 2021-11-01. [2]",
        citations=[_citation("aml", 63, "fine"), _citation("pipl", 74, "2021-11-01")],
    )
    m = answer_metrics(late, q)
    assert m["fact_match"] == 1.0 and m["fact_first"] == 0.0 and m["named_lead"] is False
    first = Answer(
        question=q.question,
        text="PIPL took effect on 2021-11-01. [1]",
        citations=[_citation("pipl", 74, "2021-11-01")],
    )
    m = answer_metrics(first, q)
    assert m["fact_first"] == 1.0 and m["named_lead"] is True
    unnamed = GoldQuestion(
        id="u", question="?", lang="en", in_scope=True, gold=q.gold, facts=q.facts
    )
    assert answer_metrics(first, unnamed)["named_lead"] is None


def test_the_row_keeps_what_the_answer_said() -> None:
    """A reviewer reading the JSON sees the lead and the whole answer, not just the scores."""
    text = "Fines reach RMB 50 million. [1]\n\nThe fine for lesser cases is RMB 1 million. [1]"
    m = answer_metrics(_answer(text, "pipl"), FINE)
    assert m["lead"] == "Fines reach RMB 50 million."
    assert m["text"] == text


def test_a_second_sentence_about_another_subject_halves_support() -> None:
    answer = _answer(
        "Fines reach RMB 50 million. [1] The fine for an ordinary violation is up to RMB 1 "
        "million. [1]\n\nVehicles must pass an annual safety inspection. [2]",
        "pipl",
        "traffic",
    )
    assert supporting_sentences(answer.text) == [
        "The fine for an ordinary violation is up to RMB 1 million.",
        "Vehicles must pass an annual safety inspection.",
    ]
    assert answer_metrics(answer, FINE)["support_on_topic"] == 0.5
    on_topic = _answer(
        "Vehicles must pass an annual inspection. [1] Serious violations are fined up to RMB 50 "
        "million. [2]",
        "traffic",
        "pipl",
    )
    # The lead is not a supporting sentence: an off-topic lead costs fact_first, not support.
    assert answer_metrics(on_topic, FINE)["support_on_topic"] == 1.0


def test_a_chinese_question_meets_english_support_through_the_glossary() -> None:
    q = GoldQuestion(
        id="zh",
        question="个人信息保护法规定的最高罚款是多少？",
        lang="zh",
        in_scope=True,
        gold=(GoldItem("pipl", 66),),
        facts=("50 million",),
    )
    answer = _answer(
        "Fines reach RMB 50 million. [1] Personal information handlers must appoint a "
        "protection officer. [1] Vehicles must pass an annual inspection. [2]",
        "pipl",
        "traffic",
    )
    assert answer_metrics(answer, q)["support_on_topic"] == 0.0  # no word in common
    glossary = Glossary([("Personal information", "个人信息"), ("Vehicle", "车辆")])
    assert answer_metrics(answer, q, glossary)["support_on_topic"] == 0.5


@pytest.mark.parametrize(
    "answer",
    [
        _answer("Fines reach RMB 50 million [1].", "pipl"),  # a lead alone; the '.' is no sentence
        _answer("Fines reach RMB 50 million.", "pipl"),  # no marker at all: all lead
        _answer("This is not covered. [1] Fines are a subject. [1]", "pipl", refused=True),
    ],
    ids=["lead-only", "no-marker", "refused"],
)
def test_no_support_figure_without_supporting_sentences(answer: Answer) -> None:
    assert answer_metrics(answer, FINE)["support_on_topic"] is None


def _rows() -> list[dict[str, Any]]:
    """Four staff questions, two in each half: the dev half has one wrongly refused answer,
    the held half one answer with its fact late and one out-of-scope question refused."""
    when = GoldQuestion(
        id="when",
        question="When did PIPL take effect?",
        lang="en",
        in_scope=True,
        gold=(GoldItem("pipl", 74),),
        facts=("2021-11-01",),
        kind="date",
    )
    tax = GoldQuestion(id="tax", question="Stamp duty rate?", lang="en", in_scope=False)
    cases = [
        ("dev", when, _answer("PIPL took effect on 2021-11-01. [1]", "pipl")),
        ("dev", FINE, _answer("Not covered.", refused=True)),
        ("held", when, _answer("PIPL has 74 articles. [1] It took effect on 2021-11-01. [1]")),
        ("held", tax, _answer("Not covered.", refused=True)),
    ]
    return [
        {
            "id": q.id,
            "in_scope": q.in_scope,
            "kind": q.kind,
            "split": split,
            "answer": answer_metrics(a, q),
        }
        for split, q, a in cases
    ]


def test_each_half_of_the_gold_set_is_reported_apart() -> None:
    rows = _rows()
    overall = answer_figures(rows)
    assert overall["in_scope_refused"] == pytest.approx(1 / 3)
    assert overall["fact_first"] == pytest.approx(1 / 3)
    dev, held = figures_by_split(rows)["dev"], figures_by_split(rows)["held"]
    assert list(figures_by_split(rows)) == ["dev", "held"]
    assert (dev["n"], dev["in_scope"], held["n"], held["in_scope"]) == (2, 2, 2, 1)
    assert dev["in_scope_refused"] == 0.5 and held["in_scope_refused"] == 0.0
    assert dev["fact_first"] == 0.5 and held["fact_first"] == 0.0 and held["fact_match"] == 1.0
    assert dev["out_of_scope_refused"] is None and held["out_of_scope_refused"] == 1.0
    assert held["support_on_topic"] == 1.0  # "It took effect …" shares "effect"
    assert figures_by_split([{**r, "split": ""} for r in rows]) == {}


def test_each_kind_of_answer_is_reported_apart() -> None:
    by_kind = figures_by_kind(_rows())
    assert list(by_kind) == ["date", "amount"]  # most asked first; out of scope left out
    assert by_kind["date"] == {"n": 2, "fact_first": 0.5, "fact_match": 1.0, "refused": 0.0}
    assert by_kind["amount"] == {"n": 1, "fact_first": 0.0, "fact_match": 0.0, "refused": 1.0}


def test_the_report_prints_a_row_per_split_and_per_kind() -> None:
    rows = _rows()
    answers = answer_figures(rows) | {
        "llm": None,
        "by_split": figures_by_split(rows),
        "by_kind": figures_by_kind(rows),
    }
    result = {
        "file": "staff.jsonl",
        "questions": 4,
        "in_scope": 3,
        "documents": 1,
        "embedding_model": "m",
        "retrieval": {},
        "answers": answers,
        "latency_ms": {"search": {"p50": 1.0, "p95": 2.0}, "answer": {"p50": 1.0, "p95": 2.0}},
    }
    lines = format_report(result).splitlines()
    assert any(line.split()[:3] == ["support", "on", "topic"] for line in lines)
    by_name = {line.split()[0]: line.split() for line in lines if line.strip()}
    # split, n, in scope, then the figures; wrongly refused is the last column
    assert by_name["dev"][:3] == ["dev", "2", "2"] and by_name["dev"][-1] == "0.500"
    assert by_name["held"][:3] == ["held", "2", "1"] and by_name["held"][-1] == "0.000"
    assert by_name["date"] == ["date", "2", "0.500", "1.000", "0.000"]
    assert by_name["amount"] == ["amount", "1", "0.000", "0.000", "1.000"]
