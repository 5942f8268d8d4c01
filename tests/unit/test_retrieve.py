"""Retrieval rules without an index: the glossary, same-law references, names of laws, the
intent patterns, BM25 coverage. Their effect on real rankings is in tests/integration."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from rag.index import BM25Index
from rag.knowledge.intents import DEADLINE, PERIOD, TERM_QUESTION
from rag.retrieval import Glossary, allow_chinese, build_index, names_in, same_law_refs
from rag.text import tokenize
from tests.support.paths import CORPUS


def test_glossary_reads_the_corpus_tables_and_expands_both_ways():
    glossary = Glossary.load(CORPUS / "glossary_en_zh.md")
    assert len(glossary.pairs) > 400
    assert "罚款" in glossary.expand("What is the fine for a data leak?").split()
    assert (
        "critical information infrastructure"
        in glossary.expand("关键信息基础设施运营者的义务").lower()
    )
    # whole words only: "define" does not contain the term "fine"
    assert "罚款" not in glossary.expand("How does the law define personal information?").split()


def test_glossary_pivots_a_chinese_lay_term_to_the_law_s_term_through_english():
    glossary = Glossary.load(CORPUS / "glossary_en_zh.md")
    # 大数据杀熟 = "big-data price discrimination …" ⊃ "price discrimination" = 不合理的差别待遇
    assert "不合理的差别待遇" in glossary.pivot("算法推荐能不能大数据杀熟？")
    assert "大数据杀熟" not in glossary.pivot("算法推荐能不能大数据杀熟？")  # not its own synonym
    assert (
        glossary.pivot("What is big-data price discrimination?") == []
    )  # English goes through expand()


def test_glossary_tolerates_a_missing_file(tmp_path):
    assert Glossary.load(tmp_path / "none.md").expand("fine") == ""


def test_same_law_references_are_read_as_lists_in_both_languages():
    assert same_law_refs(
        "违反本条例第二十九条第二款、第三十条第二款和第三款、第三十一条、第三十二条规定的"
    ) == [29, 30, 31, 32]
    assert same_law_refs("除本法第九条第二款规定的服务外") == [9]
    assert same_law_refs("依照民法典第一千一百八十二条主张") == []  # another law's article
    assert same_law_refs(
        "Where anyone violates the provisions of paragraph 2 of Article 29, paragraphs 2 and 3 of Article 30, "
        "Article 31, or Article 32 of these Regulations, ..."
    ) == [29, 30, 31, 32]
    assert same_law_refs("as provided in Articles 30 and 32 of these Regulations") == [30, 32]
    assert same_law_refs("in accordance with Article 1182 of the Civil Code") == []


def test_term_questions_are_told_from_questions_about_china():
    for question in (
        "What is the Chinese legal term for 'separate consent'?",
        "个人信息处理者的英文怎么说？",
        "What is the official Chinese term for CII operator?",
        "How is 数据出境 translated?",
    ):
        assert TERM_QUESTION.search(question), question
    for question in (
        "What are the rules of the Chinese market for data trading?",
        "Which Chinese companies were fined for data leaks?",
    ):
        assert not TERM_QUESTION.search(question), question


def test_a_law_is_known_by_its_usual_names_whatever_its_short_name():
    # The corpus summary is short-named "Generative AI Measures", the statute "GenAI Measures":
    # both answer to "Generative AI" and 生成式人工智能, and a Chinese question naming the
    # technology searches inside that law as an English one does.
    summary = {
        "doc_id": "genai_summary",
        "short_name": "Generative AI Measures",
        "language": "en",
        "title": "Interim Measures for the Management of Generative Artificial Intelligence Services",
    }
    index = build_index(["g1"], ["Providers shall label generated content."], [summary])
    for question in (
        "What must Generative AI providers label?",
        "生成式人工智能服务提供者要做哪些标识？",
    ):
        assert names_in(index, question)[2] == [{"genai_summary"}], question


def test_a_chinese_question_naming_a_party_names_the_decision_against_it():
    """People ask 滴滴案中… or 美团因"二选一"被罚款多少, never by the decision's title: the
    company a decision is against and the party a case is known by name its document."""
    decision = {
        "doc_id": "didi",
        "language": "en",
        "title": "Fact sheet: CAC penalty on Didi Global",
        "title_zh": "国家互联网信息办公室对滴滴全球股份有限公司依法作出网络安全审查相关行政处罚的决定",
    }
    cases = {
        "doc_id": "platforms",
        "language": "en",
        "title": "Fact sheet: platform antimonopoly enforcement",
        "title_zh": '平台经济领域反垄断执法（阿里巴巴"二选一"案、美团"二选一"案）',
    }
    law = {"doc_id": "aml", "language": "zh", "title_zh": "中华人民共和国反垄断法"}
    index = build_index(
        ["d1", "p1", "a1"],
        ["The fine was 8.026 billion yuan.", "Fined.", "罚款。"],
        [decision, cases, law],
    )
    assert names_in(index, "滴滴案中，网信办认定了多少项违法行为？")[2] == [{"didi"}]
    assert names_in(index, '美团因"二选一"被罚款多少？')[2] == [{"platforms"}]
    assert names_in(index, "阿里巴巴和美团的罚款分别是多少？")[2] == [{"platforms"}, {"platforms"}]
    assert names_in(index, "经营者集中的申报标准是什么？")[2] == []
    # and in English, the party an English title says the penalty is on
    assert names_in(index, "How much was Didi fined?")[2] == [{"didi"}]
    assert names_in(index, "What fines did the platform enforcement bring?")[2] == []


def test_coverage_weighs_the_question_terms_a_passage_holds_by_rarity():
    bm25 = BM25Index(["a", "b", "c"], ["个人信息出境 安全评估", "个人信息 处理", "个人信息 同意"])
    question = set(tokenize("个人信息出境 安全评估"))
    assert bm25.coverage("a", question) == 1.0
    partial = bm25.coverage("b", question)
    assert 0.0 < partial < 0.5  # only the common word 个人信息
    assert bm25.coverage("missing", question) == 0.0 and bm25.coverage("a", set()) == 0.0


def test_deadline_questions_and_the_periods_laws_state():
    for question in (
        "How long must logs be kept?",
        "How many working days does the CAC have?",
        "网络日志至少要保存多长时间？",
        "修改交易规则要提前几天公示？",
    ):
        assert DEADLINE.search(question), question
    assert not DEADLINE.search("Who must keep network logs?")
    for clause in (
        "留存相关的网络日志不少于六个月",
        "于三十个工作日内",
        "within 15 working days",
        "for at least six months",
        "应当提前三十日在首页显著位置持续公示",
    ):
        assert PERIOD.search(clause), clause
    assert not PERIOD.search("本法自二〇二一年十一月一日起施行。")  # a date is not a period


def test_a_passage_is_found_by_its_section_heading_which_does_not_count_as_its_own_words():
    texts = [
        "确需向中华人民共和国境外提供个人信息的，应当具备下列条件之一。",
        "处理个人信息应当取得个人同意。",
    ]
    metas = [
        {
            "doc_id": "pipl",
            "language": "zh",
            "heading_path": "中华人民共和国个人信息保护法 › 第三章 个人信息跨境提供的规则",
        },
        {
            "doc_id": "pipl",
            "language": "zh",
            "heading_path": "中华人民共和国个人信息保护法 › 第二章 个人信息处理规则",
        },
    ]
    index = build_index(["a", "b"], texts, metas)
    assert [cid for cid, _ in index.bm25.search("个人信息跨境", 2)][0] == "a"
    assert "跨境" not in index.bm25.terms_of(
        "a"
    )  # coverage and the refusal score see the article only
    assert index.bm25.coverage("a", {"跨境"}) == 0.0


def test_a_question_naming_a_document_by_its_full_title_is_about_that_document_in_any_process():
    # 人脸识别 is an alias of the SPC's facial-recognition rules; the 2025 measures' title holds it.
    # The longer name is tried first, so the question names the measures; the order used to come
    # from a set and change with Python's string hashing from one process to the next.
    metas = [
        {
            "doc_id": "spc_rules",
            "short_name": "SPC Facial Recognition Provisions",
            "language": "en",
            "title": "SPC Provisions on Facial Recognition (人脸识别) Cases",
        },
        {
            "doc_id": "measures_2025",
            "short_name": "Facial Recognition Measures",
            "language": "en",
            "title": "Measures",
            "title_zh": "人脸识别技术应用安全管理办法",
        },
    ]
    question = "人脸识别技术应用安全管理办法对未成年人有什么要求？"
    found = names_in(build_index(["a", "b"], ["x", "y"], metas), question)[2]
    assert found[0] == {"measures_2025"}
    assert list(build_index(["a", "b"], ["x", "y"], metas[::-1]).aliases) == list(
        build_index(["a", "b"], ["x", "y"], metas).aliases
    )
    script = (
        "from rag.retrieval import build_index; import json, sys; "
        f"metas = json.loads({json.dumps(json.dumps(metas))}); "
        "print(list(build_index(['a', 'b'], ['x', 'y'], metas).aliases))"
    )
    orders = {
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
        ).stdout
        for seed in (1, 2, 3, 4)
    }
    assert len(orders) == 1, orders


def _named(index, question: str) -> set[str]:
    return set().union(*names_in(index, question)[2])


PLANS = [
    {
        "doc_id": "fyp14",
        "short_name": "14th FYP",
        "title": "14th Five-Year Plan (2021–2025): overview",
        "title_zh": "中华人民共和国国民经济和社会发展第十四个五年规划和2035年远景目标纲要",
    },
    {
        "doc_id": "digital",
        "short_name": "Digital Economy Plan",
        "title": "14th Five-Year Plan for the Development of the Digital Economy: summary",
        "title_zh": '"十四五"数字经济发展规划',
    },
    {
        "doc_id": "fyp15",
        "short_name": "15th FYP",
        "title": "15th Five-Year Plan period (2026–2030)",
        "title_zh": "中共中央关于制定国民经济和社会发展第十五个五年规划的建议",
    },
    {
        "doc_id": "contract",
        "short_name": "PI Standard Contract Measures",
        "title": "Measures on the Standard Contract for Outbound Transfer of Personal Information (2023)",
        "title_zh": "个人信息出境标准合同办法",
    },
    {
        "doc_id": "flows",
        "short_name": "Cross-Border Data Flow Provisions",
        "title": "Provisions on Promoting and Regulating Cross-Border Data Flows (2024): summary",
        "title_zh": "促进和规范数据跨境流动规定",
    },
]


def test_documents_are_named_the_way_staff_name_them():
    index = build_index(
        [m["doc_id"] for m in PLANS],
        ["Text."] * len(PLANS),
        [m | {"language": "en"} for m in PLANS],
    )
    # a plan by its number, without catching the plans made under it
    assert _named(index, "十四五规划对每千人口执业医师数的目标是多少？") == {"fyp14"}
    assert _named(index, "“十四五”数字经济发展规划提出了什么目标？") == {"digital"}
    assert _named(index, "“十五五”时期的主要目标有哪些？") == {"fyp15"}
    # a Chinese title without its scope; an instrument by its year
    assert _named(index, "标准合同办法最初规定的适用条件有哪些？") == {"contract"}
    assert _named(
        index, "Under the 2024 cross-border provisions, when is an assessment needed?"
    ) == {"flows"}
    assert _named(index, "What do the 2024 provisions say about free trade zones?") == {"flows"}
    assert _named(index, "By 2024 the digital economy was larger.") == set()


def test_the_chinese_passages_within_filters_are_none_when_the_filters_ask_for_english():
    # The neighbours leg searches Chinese passages only: with an English-only filter it used to
    # bring Chinese articles the filter excludes.
    metas = [
        {"doc_id": "zh", "language": "zh", "doc_type": "law"},
        {"doc_id": "en", "language": "en", "doc_type": "law"},
    ]
    index = build_index(["z", "e"], ["个人信息", "personal information"], metas)
    assert allow_chinese(index, {"language": ["en"]}).tolist() == [False, False]
    assert allow_chinese(index, {"language": ["zh", "en"]}).tolist() == [True, False]
    assert allow_chinese(index, {"doc_type": ["law"]}).tolist() == [True, False]


def test_a_plan_named_with_another_period_is_not_the_indexed_plan():
    # "“十三五”国家信息化规划" was read as the indexed 14th Five-Year plan, and its issuer given.
    meta = {
        "doc_id": "info14",
        "title": "14th Five-Year National Informatization Plan",
        "title_zh": "“十四五”国家信息化规划",
        "short_name": "Informatization Plan",
        "language": "en",
        "aliases": "国家信息化规划; informatization plan",
    }
    index = build_index(["c1"], ["The plan sets digital goals."], [meta])
    assert names_in(index, "“十四五”国家信息化规划是谁印发的？")[2] == [{"info14"}]
    assert names_in(index, "国家信息化规划是谁印发的？")[2] == [{"info14"}]
    assert names_in(index, "上一期，也就是“十三五”国家信息化规划，是谁印发的？")[2] == []
    assert names_in(index, "Who issued the 13th Five-Year informatization plan?")[2] == []
    # a time, not the plan's name
    assert names_in(index, "十三五期间国家信息化规划记录了哪些成就？")[2] == [{"info14"}]
    assert names_in(index, "What does the 14th Five-Year informatization plan aim for?")[2] == [
        {"info14"}
    ]


def test_a_chinese_name_is_found_with_or_without_its_quotation_marks():
    plan = {
        "doc_id": "fyp15",
        "language": "en",
        "title": "15th Five-Year Plan period",
        "aliases": "“十五五”规划",
    }
    outline = {"doc_id": "fyp14", "language": "en", "title": "Outline", "aliases": "十四五规划"}
    index = build_index(["a", "b"], ["Goals.", "Targets."], [plan, outline])
    assert names_in(index, "十五五规划的主要目标是什么？")[2] == [{"fyp15"}]
    assert names_in(index, "“十四五”规划把哪些列为数字经济重点产业？")[2] == [{"fyp14"}]
    assert names_in(index, '"十四五"规划的目标')[2] == [{"fyp14"}]
