"""Answers that answer (issue 14), on the shipped corpus with the real embedder: the first
sentence holds what was asked, from the document named, in the asker's language."""

from __future__ import annotations

import pytest

from rag.engine import PolicyEngine


@pytest.fixture(scope="module")
def engine(corpus_index) -> PolicyEngine:
    return PolicyEngine(corpus_index)


def lead(text: str) -> str:
    return text.split("[")[0].strip()


@pytest.mark.slow
def test_when_a_named_law_took_effect_comes_from_its_metadata_and_its_own_sentence(engine):
    answer = engine.answer("When did the Advertising Law take effect?")
    assert lead(answer.text) == "The Advertising Law took effect on 2015-09-01."
    assert answer.citations[0].doc_id == "advertising_law_summary"
    assert "2015-09-01" in answer.citations[0].quote


@pytest.mark.slow
def test_a_chinese_question_gets_a_chinese_lead_and_sources_under_their_chinese_titles(engine):
    answer = engine.answer("出口管制法什么时候开始施行？")
    assert lead(answer.text) == "《出口管制法》自2020-12-01起施行。"
    first = answer.citations[0]
    assert first.doc_id == "export_control_law_2020_summary"
    assert first.title.startswith("中华人民共和国出口管制法 · ")


@pytest.mark.slow
def test_the_maximum_fine_opens_the_answer_from_the_law_named(engine):
    answer = engine.answer("What is the maximum fine under PIPL?")
    assert "50 million yuan" in lead(answer.text)
    assert {c.doc_id for c in answer.citations} == {"pipl_2021_summary"}


@pytest.mark.slow
def test_a_plan_target_in_a_table_is_stated_in_words(engine):
    answer = engine.answer("十四五规划对每千人口执业医师数的目标是多少？")
    first = lead(answer.text)
    assert "3.2" in first and "|" not in answer.text, answer.text


@pytest.mark.slow
def test_a_named_article_is_quoted_whole_and_first(engine):
    answer = engine.answer("What does PIPL Article 38 require?")
    assert answer.citations[0].article == 38
    assert lead(answer.text)[0].isupper(), answer.text  # a sentence, not a fragment
    assert "standard contract" in answer.text


@pytest.mark.slow
def test_whether_a_version_is_still_in_force_names_its_successor(engine):
    answer = engine.answer("Is the 2016 Cybersecurity Law still in force?")
    assert lead(answer.text).startswith("The Cybersecurity Law (original 2016 text) is amended")
    assert "as amended 2025" in lead(answer.text)


@pytest.mark.slow
def test_a_chinese_question_about_a_case_summarised_in_english_is_not_refused(engine):
    # 罚款 meets "fine" through the dictionary in the English fact sheet found for it.
    answer = engine.answer("阿里巴巴和美团的反垄断罚款分别是多少，哪个更高？")
    assert not answer.refused, answer.text
    assert answer.citations[0].doc_id == "enforcement_platform_antimonopoly_2021"


@pytest.mark.slow
def test_a_lay_chinese_how_much_question_is_led_by_the_fine(engine):
    # 罚 met no English sentence ("fined" is not among its dictionary senses): the question was
    # refused, then led by the list of Didi's illegal acts.
    answer = engine.answer("滴滴案罚了多少钱？")
    assert not answer.refused
    assert "8.026 billion yuan" in lead(answer.text), answer.text


@pytest.mark.slow
def test_a_question_naming_a_law_about_something_the_corpus_lacks_is_still_refused(engine):
    # Naming an indexed law lowers the refusal bar (the name is evidence), not removes it.
    answer = engine.answer("个人信息保护法规定的企业所得税税率是多少？")
    assert answer.refused, answer.text
    named = engine.answer("标准合同办法最初规定的适用条件有哪些？")
    assert not named.refused
    assert named.citations[0].doc_id == "personal_information_standard_contract_2023"


@pytest.mark.slow
def test_a_question_naming_a_law_is_answered_from_it_unless_its_subject_is_missing(engine):
    # A long lay question shares few words with the English summary: its evidence (0.49) fell
    # below the named bar (0.68) and it was refused, though the provisions answer it.
    answer = engine.answer(
        "客户是一家外卖平台，用算法给骑手派单、算报酬。按照《互联网信息服务算法推荐管理规定》，"
        "平台在骑手权益上要做到什么？"
    )
    assert not answer.refused, answer.text
    assert "order allocation" in answer.text
    vat = engine.answer("网络安全法规定的增值税税率是多少？")
    assert vat.refused and "增值税" in vat.searched, vat.text


@pytest.mark.slow
def test_a_definition_is_quoted_from_the_text_in_force_not_the_amended_one(engine):
    # The 2016 Cybersecurity Law's shorter sentence scored higher; it is no longer in force.
    answer = engine.answer("什么是关键信息基础设施？")
    assert answer.citations[0].doc_id == "cybersecurity_law_2025_summary", answer.text
    assert "public communications" in lead(answer.text)


@pytest.mark.slow
def test_a_question_asking_two_things_gets_both_in_its_first_sentence(engine):
    answer = engine.answer(
        "How long does a Phase II merger review take under the Anti-Monopoly Law, "
        "and by how much may it be extended?"
    )
    first = lead(answer.text)
    assert "90 days" in first and "60 days" in first, answer.text
    assert first.startswith("A further review must be completed within 90 days")


@pytest.mark.slow
def test_how_many_articles_a_law_has_is_said_from_its_own_sentence(engine):
    answer = engine.answer("How many chapters does the Export Control Law have?")
    assert lead(answer.text) == "The Export Control Law (2020) has 5 chapters and 49 articles."
    assert "49 articles" in answer.citations[0].quote
    chinese = engine.answer("出口管制法共有多少条？")
    assert lead(chinese.text) == "《出口管制法》共5章49条（5 chapters and 49 articles）。"
    assert "49 articles" in chinese.citations[0].quote
    # a fact the named law's own text states is answered however the passages found score
    afsl = engine.answer("反外国制裁法一共有多少条？")
    assert not afsl.refused and "16 articles" in lead(afsl.text)


@pytest.mark.slow
def test_a_rule_a_document_describes_by_its_full_title_is_answered_not_refused(engine):
    answer = engine.answer("《常见类型移动互联网应用程序必要个人信息范围规定》从哪天开始施行？")
    assert not answer.refused and "2021-05-01" in lead(answer.text)
    assert answer.citations[0].doc_id == "app_rectification_campaigns"


@pytest.mark.slow
def test_what_the_law_says_is_quoted_from_the_law_before_a_commentary_on_it(engine):
    answer = engine.answer(
        "May a residential property manager require residents to use face scanning "
        "as the only way into the estate?"
    )
    assert answer.citations[0].doc_id == "spc_facial_recognition_provisions_2021_summary"
    assert "reasonable alternative method" in lead(answer.text)


@pytest.mark.slow
def test_a_scale_to_reach_is_answered_with_the_amount_not_a_share(engine):
    # "规模要达到多少" was read as a target rate, and "10% of GDP" led.
    answer = engine.answer("数字经济发展规划中，2025年全国网上零售额规模要达到多少？")
    assert "17 trillion yuan" in lead(answer.text), answer.text
    fraud = engine.answer("消费者权益保护法规定经营者欺诈的，赔偿额是多少？")
    assert "three times the price" in lead(fraud.text), fraud.text


@pytest.mark.slow
def test_the_leads_own_article_may_say_more_under_the_same_citation(engine):
    # Art. 60's first sentence names the coordinating body; the lead is its second and third.
    answer = engine.answer("哪个部门统筹协调个人信息保护工作和监督管理工作？")
    first = answer.citations[0]
    assert first.article == 60, answer.text
    assert "The Cyberspace Administration of China coordinates" in first.quote
    assert "The Cyberspace Administration of China coordinates" in answer.text.split("[2]")[0]


@pytest.mark.slow
def test_a_documents_aliases_name_it_and_a_law_they_only_resemble_is_not_it(engine):
    # 个保法 and "Didi case" are the shipped documents' aliases (their front matter)
    pipl = engine.answer("个保法规定的最高罚款是多少？")
    assert pipl.citations[0].doc_id == "pipl_2021_summary" and "50 million" in lead(pipl.text)
    didi = engine.answer("How much was the fine in the Didi case?")
    assert didi.citations[0].doc_id == "enforcement_didi_2022"
    assert "8.026 billion" in lead(didi.text)
    # the Anti-Unfair Competition Law is not the Anti-Monopoly Law, whatever words they share
    other = engine.answer("What does the Anti-Unfair Competition Law say about false advertising?")
    assert other.refused and "Anti-Unfair Competition Law" in other.text


@pytest.mark.slow
def test_the_landing_example_on_export_is_answered_by_the_routes_not_by_definitions(engine):
    # It shares 个人信息 with the definitions of sensitive personal information, which used to
    # follow the routes as support; what another term means is no evidence for it.
    answer = engine.answer("个人信息出境需要满足什么条件？")
    assert not answer.refused
    assert "security assessment" in lead(answer.text)
    assert "敏感个人信息" not in answer.text
    assert "standard contract" in answer.text
    # asked what that term means, the definition is the answer
    defined = engine.answer("什么是敏感个人信息？")
    assert "敏感个人信息" in lead(defined.text)


@pytest.mark.slow
def test_a_company_named_in_an_english_title_names_the_decision_on_it(engine):
    # "CAC penalty on Didi Global": asked by the company's name alone, the answer comes from
    # the decision, not followed by the Advertising Law's fines for false advertising
    answer = engine.answer("How much was Didi fined?")
    assert "8.026 billion yuan" in lead(answer.text)
    assert {c.doc_id for c in answer.citations} == {"enforcement_didi_2022"}


@pytest.mark.slow
def test_a_party_asked_about_in_chinese_is_answered_with_its_own_fine(engine):
    # The platform fact sheet records Alibaba's, Meituan's and Tencent's fines; USE scores
    # the English sentence with Meituan's far below the others for a Chinese question, and
    # Tencent's 500,000 yuan used to lead. 美团 is a party the title names, Meituan its
    # rendering in the glossary.
    answer = engine.answer("美团因“二选一”被罚款多少？")
    assert "3.442 billion yuan" in lead(answer.text)
    assert "Tencent" not in lead(answer.text)
