"""The offline answerer's lead: the sentence a reader takes as the answer (issue 14).

No model: without an embedder, sentences are scored by the rare words they share with the
question and by their passage's rank, which is enough to set up each case.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from rag.answer import extractive_answer
from rag.types import Hit, PassageMeta
from tests.support.questions import asking


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
    answer = extractive_answer(asking("When did the Advertising Law take effect?", hits), hits)
    assert lead(answer.text) == dated  # the better-scoring first passage comes second
    assert answer.citations[0].article == 75  # [1] is the lead's source


def test_a_how_much_question_leads_with_an_amount():
    first = "Serious violations of PIPL are punished with a fine."
    amount = "The fine for serious violations is up to 50 million yuan or 5% of turnover."
    hits = [_hit("pipl", first, 1, 65), _hit("pipl", amount, 2, 66)]
    answer = extractive_answer(
        asking("How much is the fine for serious violations of PIPL?", hits), hits
    )
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
    question = "What follows from breaches?"  # asks for no kind of value
    assert extractive_answer(asking(question, hits), hits).citations[0].doc_id == "genai"
    named = extractive_answer(
        replace(asking(question, hits), mentions=(frozenset({"pipl"}),)), hits
    )
    assert named.citations[0].doc_id == "pipl" and "50 million" in lead(named.text)


def test_no_lead_is_forced_from_a_sentence_far_below_the_best():
    hits = [
        _hit("csl", "Network operators must keep network logs for at least six months.", 1, 21),
        _hit("misc", "Unrelated text dated 2020-01-01.", 2, 3),
    ]
    answer = extractive_answer(asking("When must network operators keep network logs?", hits), hits)
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
        asking("What does PIPL Article 38 require for sending personal information abroad?", hits),
        hits,
    )
    assert answer.citations[0].article == 38
    # One quote: the first sentence a reader takes as the answer is the whole article.
    assert lead(answer.text) == art38
    assert answer.citations[0].quote == art38


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
    assert (
        extractive_answer(asking("第三十七条规定了什么？", hits), hits).citations[0].doc_id
        == "pipl_summary"
    )
    assert (
        extractive_answer(asking("What does Article 38 say?", hits), hits).citations[0].doc_id
        == "pipl"
    )


def test_a_named_article_with_nothing_quotable_falls_back_to_the_best_sentences():
    hits = [
        _hit("pipl", "Article 38", 1, 38),
        _hit("pipl", "Transfers abroad need a legal basis.", 2, 39),
    ]
    answer = extractive_answer(
        asking("What does Article 38 say about transfers abroad?", hits), hits
    )
    assert lead(answer.text) == "Transfers abroad need a legal basis."


def test_a_sentence_that_starts_with_an_article_is_quoted_but_a_heading_is_not():
    text = (
        "Article 20 (第二十条) Exemptions\n"
        "Articles 17, 18(1) and 19 do not apply if the agreement serves technical improvement."
    )
    hits = [_hit("aml", text, 1, 20)]
    answer = extractive_answer(
        asking("When do Articles 17 and 19 not apply to an agreement?", hits), hits
    )
    assert lead(answer.text).startswith("Articles 17, 18(1) and 19 do not apply")
    assert "Exemptions" not in answer.text


def test_a_clause_cut_at_a_semicolon_is_quoted_with_its_sentence():
    text = (
        "Platforms failing to keep transaction records: rectification; if not corrected in "
        "time, 20,000 to 100,000 yuan; serious cases, 100,000 to 500,000 yuan (Art. 80)."
    )
    hits = [_hit("ecl", text, 1, 80)]
    answer = extractive_answer(
        asking("What fine for platforms failing to keep transaction records?", hits), hits
    )
    assert lead(answer.text) == text  # not "…: rectification;"


def test_a_list_item_stands_alone_but_never_opens_the_answer():
    text = (
        "A handler must meet one condition: (1) pass the security assessment; "
        "(2) obtain certification; (3) sign the standard contract."
    )
    hits = [_hit("pipl", text, 1, 38)]
    # The item shares more of the question's words; the list's opening sentence still leads.
    answer = extractive_answer(asking("Which standard contract must a handler sign?", hits), hits)
    assert lead(answer.text).startswith("A handler must meet one condition:")
    assert "(3) sign the standard contract." in answer.text


def test_a_question_naming_a_document_is_answered_from_it_alone():
    hits = [
        _hit("genai", "Generative AI providers face fines under other laws.", 1),
        _hit("pipl", "Breaches of the personal information law carry fines.", 2, 66),
    ]
    question = replace(
        asking("What are the fines for breaches?", hits), mentions=(frozenset({"pipl"}),)
    )
    answer = extractive_answer(question, hits)
    assert [c.doc_id for c in answer.citations] == ["pipl"] and not answer.notice
    silent = replace(question, mentions=(frozenset({"dsl"}),))
    answer = extractive_answer(silent, hits)  # no passage of the named law: others, and said so
    assert answer.citations and "answers this; the answer quotes other documents" in answer.notice


def test_a_question_naming_a_year_leads_with_that_years_figure():
    text = (
        "By 2025, non-fossil energy at about 20% of consumption. "
        "By 2030, non-fossil energy at about 25% of consumption."
    )
    hits = [_hit("carbon", text, 1)]
    answer = extractive_answer(asking("非化石能源2030年的比重目标是多少？", hits), hits)
    assert "25%" in lead(answer.text)


def test_a_year_named_only_in_the_heading_dates_the_sentences_under_it():
    """A plan's goals for each year sit under a heading naming the year; the sentences say
    "the scale is to exceed…" without it. By 2020 is answered from the 2020 section."""
    first = _hit("ai_plan", "The scale of core AI industries is to exceed 400 billion yuan.", 1, 2)
    first = replace(first, meta=replace(first.meta, heading_path="Step two: 2025"))
    second = _hit("ai_plan", "The scale of core AI industries is to exceed 150 billion yuan.", 2)
    second = replace(second, meta=replace(second.meta, heading_path="Step one: 2020"))
    hits = [first, second]
    question = asking("How big was the core AI industry to be by 2020?", hits)
    assert "150 billion" in lead(extractive_answer(question, hits).text)
    # a sentence naming its own year is dated by it, whatever its heading says
    third = replace(second, text="By 2025 the scale is to exceed 400 billion yuan.")
    assert "150 billion" not in lead(extractive_answer(question, [first, third]).text)


def test_a_provenance_line_never_leads_even_when_no_sentence_may():
    text = "Official text: 国务院关于印发规划的通知, on gov.cn. The plan sets goals to 2025."
    hits = [_hit("plan", text, 1)]
    # the glossary's "issue" for 印发: no English sentence holds it, so none may lead
    question = replace(asking("规划是哪天印发的？", hits), expansion="issue")
    answer = extractive_answer(question, hits)
    assert lead(answer.text) == "The plan sets goals to 2025."


def test_a_conditions_question_is_answered_with_the_whole_short_article():
    text = (
        "Local governments must honour policy commitments made to foreign investors. "
        "Where a commitment must change in the public interest, this follows statutory "
        "authority and procedures, and the losses are compensated."
    )
    hits = [_hit("fil", text, 1, 25)]
    question = asking("What conditions apply when a local government changes a commitment?", hits)
    first = lead(extractive_answer(question, hits).text)
    assert "honour policy commitments" in first and "compensated" in first


def test_a_sentence_holding_a_lists_first_item_brings_the_other_items():
    text = (
        "A handler must meet one condition: (1) pass the security assessment; "
        "(2) obtain certification; (3) sign the standard contract."
    )
    hits = [_hit("pipl", text, 1, 38)]
    answer = extractive_answer(asking("What condition must a handler meet?", hits), hits)
    assert answer.citations[0].quote == text


def test_of_two_versions_of_the_law_named_the_one_in_force_answers():
    old = _hit("csl_2016", "Network logs must be kept for at least six months.", 1, 21)
    old = replace(old, meta=replace(old.meta, status="amended"))
    new = _hit(
        "csl_2025", "Network logs must be kept for at least six months under Art. 23.", 2, 23
    )
    question = replace(
        asking("How long must network logs be kept?", [old, new]),
        mentions=(frozenset({"csl_2016", "csl_2025"}),),
    )
    assert extractive_answer(question, [old, new]).citations[0].doc_id == "csl_2025"
    dated = replace(question, years=frozenset({"2016"}))  # unless the question names a year
    assert extractive_answer(dated, [old, new]).citations[0].doc_id == "csl_2016"


def test_a_how_much_question_takes_the_amount_over_a_closer_sentence_without_one():
    # A Chinese question over an English summary scores the amount's sentence far below the
    # best sentence; a sentence without an amount still does not answer "how much".
    closer = "The fine for unfiled mergers of undertakings under the AML is set by the agency."
    amount = "Without such effect the fine on the undertakings is capped at 5 million yuan."
    hits = [_hit("aml", closer, 1, 58), _hit("aml", amount, 3, 58)]
    answer = extractive_answer(
        asking("How much is the fine for unfiled mergers of undertakings under the AML?", hits),
        hits,
    )
    assert lead(answer.text) == amount


def test_an_amount_far_below_the_best_still_does_not_lead():
    hits = [
        _hit("aml", "Unfiled mergers of undertakings under the AML are stopped by the agency.", 1),
        _hit("misc", "Fees are 20 yuan.", 4, 3),
    ]
    answer = extractive_answer(
        asking("How much is the fine for unfiled mergers of undertakings under the AML?", hits),
        hits,
    )
    assert "stopped" in lead(answer.text)


def test_a_provenance_line_does_not_set_the_bar_for_the_lead():
    source = "Official text: the AI development plan of the State Council, on the issuer's site."
    first = "The AI development plan of the State Council fosters AI industry clusters."
    amount = "Core industries are to exceed 400 billion yuan."
    hits = [_hit("aip", f"{source} {first}", 1), _hit("aip", amount, 3, 2)]
    question = (
        "How large is the core AI industry under the AI development plan of the State Council?"
    )
    assert lead(extractive_answer(asking(question, hits), hits).text) == amount


def test_a_lead_that_starts_with_it_is_quoted_with_the_sentence_it_points_back_to():
    held = "The Fourth Plenary Session of the Central Committee was held from 20 to 23 October."
    adopted = "It adopted the Recommendations for the 15th Five-Year Plan."
    hits = [_hit("fyp15", f"{held} {adopted}", 1)]
    question = "Which meeting adopted the Recommendations for the 15th Five-Year Plan?"
    answer = extractive_answer(asking(question, hits), hits)
    assert lead(answer.text) == f"{held} {adopted}"
    assert answer.citations[0].quote == f"{held} {adopted}"  # still one verbatim span


def test_a_lead_naming_its_own_subject_is_quoted_alone():
    first = "The plan was approved in March."
    second = "These Measures apply to platforms with over one million users."
    hits = [_hit("m", f"{first} {second}", 1)]
    answer = extractive_answer(asking("Which platforms do the Measures apply to?", hits), hits)
    assert lead(answer.text) == second


def test_a_glossary_row_neither_leads_nor_takes_a_passages_place():
    glossary = _hit(
        "glossary",
        "| English | Chinese |\n| --- | --- |\n| Market dominance | 市场支配地位 |\n"
        "| Dominant market position | 市场支配地位 |",
        1,
    )
    prose = [
        _hit("aml", f"Dominance is presumed for a market share of 1/2 or more ({n}).", n + 1, n)
        for n in range(1, 5)
    ]
    hits = [glossary, *prose]
    answer = extractive_answer(asking("When is market dominance presumed?", hits), hits)
    assert "1/2 or more" in lead(answer.text)
    assert "|" not in answer.text  # four passages of prose were found: the term list waits


def test_a_glossary_row_leads_when_no_sentence_can():
    glossary = _hit("glossary", "| English | Chinese |\n| --- | --- |\n| Fine | 罚款 |", 1)
    answer = extractive_answer(asking("罚款", [glossary]), [glossary])
    assert "罚款" in lead(answer.text)


def test_a_conditions_question_leads_with_the_best_sentence_over_a_weaker_one_with_a_must():
    best = "Consumers may return goods bought online within seven days of receipt."
    musts = "Returned goods must be intact and the operator refunds the consumer."
    hits = [_hit("crpl", best, 1, 25), _hit("crpl", musts, 2, 26)]
    question = "Which conditions apply when consumers return goods bought online?"
    assert asking(question, hits).kind == "conditions"
    assert lead(extractive_answer(asking(question, hits), hits).text) == best


def test_of_two_amounts_the_one_on_the_questions_subject_leads():
    # Scored alike (the banned ads' passage ranks first), the pop-up sentence holds more of
    # the question's own words.
    banned = "Advertisers of banned ads are fined 200,000 to 1 million yuan."
    popups = "Pop-up ads that cannot be closed: 5,000 to 30,000 yuan."
    hits = [
        _hit("ad_law", banned, 1, 57),
        _hit("ad_law", "Internet ads are regulated.", 2, 44),
        _hit("ad_law", "Endorsers are liable too.", 3, 61),
        _hit("ad_law", popups, 4, 62),
    ]
    question = (
        "How much is the fine on advertisers for pop-up ads that cannot be closed with one click?"
    )
    assert lead(extractive_answer(asking(question, hits), hits).text) == popups


@pytest.mark.parametrize(
    ("doc", "general", "listing", "question", "fact"),
    [
        (
            "cbdf",
            "Processors exporting personal information under the provisions must inform people.",
            "A processor must apply for a security assessment when: (1) it operates critical "
            "infrastructure; (2) it exports the data of 1 million people or more.",
            "Under the provisions, when does a processor need a security assessment to export "
            "personal information?",
            "1 million people or more",
        ),
        (
            "scc",
            "Conditions for using the standard contract apply to the parties.",
            "The standard contract was open only to: a non-operator; a handler of fewer than "
            "1 million people; a small exporter.",
            "What conditions applied to using the standard contract?",
            "fewer than 1 million people",
        ),
    ],
    ids=["a sentence opening a numbered list", "a list stated inline"],
)
def test_a_conditions_question_leads_with_the_sentence_that_lists_them(
    doc, general, listing, question, fact
):
    hits = [_hit(doc, general, 1, 10), _hit(doc, listing, 3, 7)]
    assert asking(question, hits).kind == "conditions"
    assert fact in lead(extractive_answer(asking(question, hits), hits).text)


def test_an_amount_in_a_passage_past_the_first_four_still_leads_but_adds_nothing_else():
    hits = [
        _hit("meituan", f"Meituan was investigated for exclusivity demands ({n}).", n, n)
        for n in range(1, 5)
    ]
    fined = "Meituan was fined 3.442 billion yuan for exclusivity demands."
    hits.append(_hit("meituan", f"{fined} Unrelated: Meituan sells food (5).", 5, 5))
    answer = extractive_answer(
        asking("How much was Meituan fined for exclusivity demands?", hits), hits
    )
    assert lead(answer.text) == fined
    assert "Unrelated" not in answer.text


def test_a_question_asking_a_share_leads_with_a_percentage():
    slogan = "The 30·60 goals of non-fossil energy policy: peak emissions before 2030."
    share = "By 2030, non-fossil energy at about 25% of energy consumption."
    hits = [_hit("carbon", slogan, 1), _hit("carbon", share, 2, 2)]
    answer = extractive_answer(asking("2030年非化石能源占能源消费的比重是多少？", hits), hits)
    assert "25%" in lead(answer.text)


def test_a_comparison_of_two_values_leads_with_both_sides():
    # "…罚款倍数有什么不同": the lead used to quote one side's multiple only.
    listed = (
        "Exporters that trade with importers on the control list face a fine of ten to twenty "
        "times the illegal turnover where it is 500,000 yuan or more."
    )
    unlicensed = (
        "Exporting without a licence leads to a fine of five to ten times the illegal turnover "
        "where it is 500,000 yuan or more."
    )
    aside = "Exporting without a licence and trading with listed importers differ in fines."
    hits = [_hit("ecl", listed, 1, 35), _hit("ecl", aside, 2, 18), _hit("ecl", unlicensed, 3, 34)]
    question = (
        "How do the fines for exporting without a licence and for trading with listed importers "
        "differ?"
    )
    answer = extractive_answer(asking(question, hits), hits)
    first, second = answer.text.split("\n\n")[:2]
    assert "ten to twenty times" in first and "five to ten times" in second


def test_a_value_asked_of_two_named_documents_is_quoted_from_each():
    pipl = _hit("pipl", "PIPL fines reach 50 million yuan or 5% of turnover.", 1, 66)
    also = _hit("pipl", "PIPL fines for refusing to rectify reach 1 million yuan.", 2, 67)
    dsl = _hit("dsl", "DSL fines for core data breaches reach 10 million yuan.", 3, 45)
    hits = [pipl, also, dsl]
    question = replace(
        asking("What are the maximum fines under the two laws?", hits),
        mentions=(frozenset({"pipl"}), frozenset({"dsl"})),
    )
    answer = extractive_answer(question, hits)
    assert [c.doc_id for c in answer.citations[:2]] == ["pipl", "dsl"]


def test_what_another_term_means_is_no_support_unless_the_question_asks_for_it():
    routes = (
        "Processors may provide personal information abroad (个人信息出境) if they pass a "
        "security assessment, obtain certification or sign the standard contract."
    )
    sensitive = (
        "Sensitive personal information (敏感个人信息) is personal information whose leak can "
        "easily harm a person's dignity or safety."
    )
    also = "Personal information provided abroad (个人信息出境) must be recorded in the export log."
    hits = [_hit("ndr", routes, 1, 35), _hit("pipl", sensitive, 2, 28), _hit("ndr", also, 3, 36)]
    answer = extractive_answer(asking("个人信息出境需要满足什么条件？", hits), hits)
    assert answer.text.startswith(routes) and "export log" in answer.text
    assert "敏感个人信息" not in answer.text  # it shares 个人信息, but says what another term is
    # a question using the term, or asking what it means, still hears it
    for question in ("敏感个人信息可以出境吗？", "什么是敏感个人信息？"):
        assert "敏感个人信息" in extractive_answer(asking(question, hits), hits).text, question


def test_a_question_naming_no_law_is_answered_from_the_text_in_force():
    old = _hit("csl_2016", "Network logs must be kept for at least six months.", 1, 21)
    old = replace(old, meta=replace(old.meta, status="amended"))
    new = _hit("csl_2025", "Network logs must be kept for at least six months (Art. 23).", 2, 23)
    question = asking("How long must network logs be kept?", [old, new])
    assert not question.named
    assert extractive_answer(question, [old, new]).citations[0].doc_id == "csl_2025"


def test_a_can_we_question_quotes_the_law_before_a_commentary_that_paraphrases_it():
    note = _hit("guide", "Platforms may not force merchants to choose one of two platforms.", 1)
    note = replace(note, meta=replace(note.meta, doc_type="commentary"))
    law = _hit("aml", "A platform may not force merchants to choose one of two platforms.", 2, 22)
    question = asking("May a platform force merchants to choose one of two platforms?", [note, law])
    assert question.kind == "yesno" and not question.named
    assert extractive_answer(question, [note, law]).citations[0].doc_id == "aml"


def test_a_sentence_leads_over_a_glossary_row_that_shares_more_of_the_question():
    glossary = _hit(
        "glossary", "| English | Chinese |\n| --- | --- |\n| Market dominance | 市场支配地位 |", 1
    )
    prose = _hit("aml", "Dominance is presumed for a market share of 1/2 or more.", 2, 24)
    question = asking("What is market dominance (市场支配地位)?", [glossary, prose])
    answer = extractive_answer(question, [glossary, prose])
    assert lead(answer.text).startswith("Dominance is presumed")


def test_of_amounts_in_one_fact_sheet_the_party_asked_about_leads():
    other = _hit("cases", "Tencent was fined 500,000 yuan for an unnotified deal.", 1, 1)
    asked = _hit("cases", "SAMR fined Meituan 3.442 billion yuan in 2021.", 2, 2)
    question = asking("美团被罚款多少？", [other, asked])
    assert lead(extractive_answer(question, [other, asked]).text).startswith("Tencent")
    named = replace(question, parties=("美团", "Meituan"))
    assert lead(extractive_answer(named, [other, asked]).text).startswith("SAMR fined Meituan")


def test_a_comparison_of_two_parties_gives_the_other_party_s_value_next():
    alibaba = _hit("cases", "SAMR fined Alibaba 18.228 billion yuan in April 2021.", 1, 1)
    tencent = _hit("cases", "Tencent and Alibaba were each fined 500,000 yuan for deals.", 2, 2)
    meituan = _hit("cases", "Meituan's fine was 3.442 billion yuan.", 3, 3)
    hits = [alibaba, tencent, meituan]
    question = replace(
        asking("阿里巴巴和美团的罚款分别是多少，哪个更高？", hits),
        parties=("阿里巴巴", "美团", "Alibaba", "Meituan"),
    )
    assert question.kind == "comparison"
    text = extractive_answer(question, hits).text
    assert text.index("18.228 billion") < text.index("3.442 billion")
    assert "500,000" not in text.split("3.442 billion")[0]
