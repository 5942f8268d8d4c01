"""Retrieval and answers on the fixture corpus (tests/fixtures/corpus), which every clone has.

The same behaviours the policy-texts tests check on the real laws, on six fictional documents
written for the tests (tests/fixtures/README.md): PDPL-T in Chinese with its English twin and
an English summary, two versions of the regulation NPSR-T (2019, amended; 2024, in force) and
an English plan. Real packaged embedder, real embedded Chroma; no ../shared needed.
"""

from __future__ import annotations

import dataclasses

import pytest

from rag.evaluation import run_eval
from tests.support.paths import FIXTURE_CORPUS, FIXTURE_QUESTIONS

pytestmark = pytest.mark.slow

PDPL_ZH = "fx_pdpl_2026_zh"
NPSR_2019 = "fx_platform_security_regs_2019"
NPSR_2024 = "fx_platform_security_regs_2024"


def docs_and_articles(hits):
    return [(h.doc_id, h.article) for h in hits]


def test_an_english_question_finds_the_chinese_article(fixture_engine):
    # PDPL-T has an English twin, NPSR-T is in Chinese only: both must be reached from English.
    hits = fixture_engine.search(
        "What conditions must be met before personal data can be sent abroad?", k=3
    )
    assert (PDPL_ZH, 9) in docs_and_articles(hits)
    hits = fixture_engine.search(
        "How long must online platform operators keep user operation logs?", k=3
    )
    assert (NPSR_2024, 6) in docs_and_articles(hits)


def test_a_penalty_question_finds_the_penalty_article_citing_the_duty(fixture_engine):
    # The duty to report a breach within 72 hours is Art. 8; the fine is in Art. 12, which cites it.
    hits = fixture_engine.search(
        "What is the penalty for failing to report a data breach within 72 hours?", k=3
    )
    assert (PDPL_ZH, 12) in docs_and_articles(hits)


def test_an_article_reference_ranks_that_article_first_in_every_language(fixture_engine):
    hits = fixture_engine.search("Article 9 of the PDPL-T", k=5)
    assert docs_and_articles(hits)[0] == (PDPL_ZH, 9)
    # the Chinese text with its English twin riding in one place, then the summary's article
    assert [h.article for h in hits[:2]] == [9, 9] and hits[1].doc_id == "fx_pdpl_2026_summary"
    assert [(c.doc_id, c.article, c.relation) for c in hits[0].companions] == [
        ("fx_pdpl_2026_en", 9, "translation")
    ]


def test_a_definition_question_finds_the_definitions_article(fixture_engine):
    for question in ("How does the PDPL-T define a data handler?", "数据处理者是指什么？"):
        hits = fixture_engine.search(question, k=5)
        assert docs_and_articles(hits)[0] == (PDPL_ZH, 15), question


def test_an_effective_date_question_is_answered_with_the_commencement_date(fixture_engine):
    for question in (
        "When does the PDPL-T come into force?",
        "数据出境与个人数据保护法什么时候开始施行？",
    ):
        answer = fixture_engine.answer(question)
        assert not answer.refused, question
        assert "2027" in answer.text.split("[")[0], answer.text  # the answer leads with the date
        assert any(c.article == 16 for c in answer.citations), question


def test_the_newer_version_ranks_first(fixture_engine):
    hits = fixture_engine.search("网络平台经营者违规的罚款是多少？", k=10)
    versions = [h.doc_id for h in hits if h.doc_id in (NPSR_2019, NPSR_2024)]
    assert versions[0] == NPSR_2024
    # the fine: the 2019 text (一万元以上十万元以下, raised in 2024) rides with the 2024 one
    fine = hits[docs_and_articles(hits).index((NPSR_2024, 9))]
    assert (NPSR_2019, 8) not in docs_and_articles(hits)
    assert [(c.doc_id, c.article, c.relation) for c in fine.companions] == [
        (NPSR_2019, 8, "version")
    ]


def test_an_answer_quoting_the_older_version_says_so(fixture_engine):
    answer = fixture_engine.answer("2019年网络平台安全条例对违规经营者罚款多少？")
    older = [c for c in answer.citations if c.doc_id == NPSR_2019]
    assert older and all(c.status == "amended" for c in older)
    assert "Check the version" in answer.notice


def test_a_question_outside_the_documents_is_refused_and_says_why(fixture_engine):
    answer = fixture_engine.answer(
        "What is the corporate income tax rate for a small low-profit enterprise?"
    )
    assert answer.refused and answer.citations == []
    assert (
        "about corporate income tax (tax law): none of the 6 indexed documents mentions it"
        in answer.text
    )


def test_the_fixture_gold_set_is_found_in_the_top_5(fixture_index):
    # `rag eval` on tests/fixtures/questions.jsonl: 20 in-scope questions, 0.95 when written.
    settings = dataclasses.replace(fixture_index, corpus_dirs=str(FIXTURE_CORPUS))
    result = run_eval(FIXTURE_QUESTIONS, settings, k=10)
    assert result["documents"] == 6 and result["retrieval"]["all"]["n"] == 20
    assert result["retrieval"]["all"]["hit@5"] >= 0.85, result["retrieval"]["all"]


def test_when_a_named_document_was_issued_is_answered_from_the_passage_stating_its_date(
    fixture_engine,
):
    # The plan's front matter says 2026-03-18; its text says "18 March 2026" in the opening
    # paragraph, which shares no word with the question but "issued".
    answer = fixture_engine.answer("When was the DIP-T issued?")
    assert not answer.refused
    # The lead states the front matter's date; the document's own sentence follows, cited.
    assert "2026-03-18" in answer.text.split("[")[0], answer.text
    assert "18 March 2026" in answer.citations[0].quote
    assert answer.citations[0].doc_id == "fx_digital_infrastructure_plan_2026_2030"
