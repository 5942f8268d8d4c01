"""The offline answerer's lead: the sentence a reader takes as the answer (issue 14).

No model: without an embedder, sentences are scored by the rare words they share with the
question and by their passage's rank, which is enough to set up each case.
"""

from __future__ import annotations

from rag.answer import extractive_answer
from rag.types import Hit, PassageMeta


def _hit(doc_id: str, text: str, rank: int, article: int = 1) -> Hit:
    return Hit(
        chunk_id=f"{doc_id}-{article}",
        text=text,
        score=1.0 / rank,
        rank=rank,
        meta=PassageMeta(
            doc_id=doc_id, title=doc_id, label=f"{doc_id} Art. {article}", article=article
        ),
    )


def lead(text: str) -> str:
    return text.split("[")[0].strip()


def test_a_when_question_leads_with_the_sentence_that_has_a_date():
    first = "The Advertising Law takes effect as law against false advertising."
    dated = "The Advertising Law took effect on 2015-09-01."
    hits = [_hit("ad_law", first, 1), _hit("ad_law", dated, 2, 75)]
    answer = extractive_answer("When did the Advertising Law take effect?", hits)
    assert lead(answer.text) == dated  # the better-scoring first passage comes second
    assert answer.citations[0].article == 75  # [1] is the lead's source


def test_a_how_much_question_leads_with_an_amount():
    first = "Serious violations of PIPL are punished with a fine."
    amount = "The fine for serious violations is up to 50 million yuan or 5% of turnover."
    hits = [_hit("pipl", first, 1, 65), _hit("pipl", amount, 2, 66)]
    answer = extractive_answer("How much is the fine for serious violations of PIPL?", hits)
    assert lead(answer.text) == amount


def test_the_named_document_leads_when_it_has_a_passage():
    hits = [
        _hit("genai", "Breaches of the generative AI rules carry a fine under other laws.", 1, 21),
        _hit(
            "pipl",
            "Breaches of the personal information law carry a fine of 50 million yuan.",
            2,
            66,
        ),
    ]
    question = "What are the fines for breaches?"  # asks for no kind of value
    assert extractive_answer(question, hits).citations[0].doc_id == "genai"
    named = extractive_answer(question, hits, named={"pipl"})
    assert named.citations[0].doc_id == "pipl" and "50 million" in lead(named.text)


def test_no_lead_is_forced_from_a_sentence_far_below_the_best():
    hits = [
        _hit("csl", "Network operators must keep network logs for at least six months.", 1, 21),
        _hit("misc", "Unrelated text dated 2020-01-01.", 2, 3),
    ]
    answer = extractive_answer("When must network operators keep network logs?", hits)
    assert "six months" in lead(answer.text)


def test_a_named_article_is_quoted_whole_and_first():
    art38 = "Handlers sending personal information abroad must meet one condition. They pass a security assessment, obtain certification or sign the standard contract."
    hits = [
        _hit(
            "pipl", "State organs may process personal information only within their duties.", 1, 36
        ),
        _hit("pipl", art38, 2, 38),
    ]
    answer = extractive_answer(
        "What does PIPL Article 38 require for sending personal information abroad?", hits
    )
    assert answer.citations[0].article == 38
    assert answer.text.startswith(
        "Handlers sending personal information abroad must meet one condition. [1] "
        "They pass a security assessment, obtain certification or sign the standard contract. [1]"
    )


def test_a_summary_section_counts_for_every_article_it_covers():
    ranged = _hit(
        "pipl_summary", "State organs keep the data they process in China (Arts. 36–37).", 2, 36
    )
    ranged = Hit(
        chunk_id="r",
        text=ranged.text,
        score=0.5,
        rank=2,
        meta=PassageMeta(doc_id="pipl_summary", article=36, article_end=37),
    )
    hits = [_hit("pipl", "Personal information is protected by law.", 1, 2), ranged]
    assert extractive_answer("第三十七条规定了什么？", hits).citations[0].doc_id == "pipl_summary"
    assert extractive_answer("What does Article 38 say?", hits).citations[0].doc_id == "pipl"


def test_a_named_article_with_nothing_quotable_falls_back_to_the_best_sentences():
    hits = [
        _hit("pipl", "Article 38", 1, 38),
        _hit("pipl", "Transfers abroad need a legal basis.", 2, 39),
    ]
    answer = extractive_answer("What does Article 38 say about transfers abroad?", hits)
    assert lead(answer.text) == "Transfers abroad need a legal basis."


def test_a_sentence_that_starts_with_an_article_is_quoted_but_a_heading_is_not():
    text = (
        "Article 20 (第二十条) Exemptions\n"
        "Articles 17, 18(1) and 19 do not apply if the agreement serves technical improvement."
    )
    hits = [_hit("aml", text, 1, 20)]
    answer = extractive_answer("When do Articles 17 and 19 not apply to an agreement?", hits)
    assert lead(answer.text).startswith("Articles 17, 18(1) and 19 do not apply")
    assert "Exemptions" not in answer.text
