"""What a refusal says it searched (rag/answer/refusal.py): plain words, no internals."""

from __future__ import annotations

from rag.answer import describe_filters, describe_search
from rag.types import Hit, PassageMeta


def hit(score: float = 0.09) -> Hit:
    meta = PassageMeta(
        doc_id="pipl", title="Personal Information Protection Law", label="PIPL Art. 66"
    )
    return Hit(chunk_id="c1", text="...", score=score, meta=meta, dense_score=score)


def test_filters_are_named_in_plain_words():
    words = describe_filters(
        {"doc_type": ["law", "summary"], "language": ["zh"], "status": ["in_force"]}
    )
    assert words == "kind: law or summary; language: Chinese; status: in force"
    assert describe_filters(None) == ""


def test_a_filter_that_leaves_nothing_says_so_and_how_to_widen():
    said = describe_search([], 36, {"doc_type": ["summary"], "language": ["zh"]}, query="fines")
    assert (
        "No indexed document matches the filters you chose (kind: summary; language: Chinese)"
        in said
    )
    assert "all 36 documents" in said
    assert "doc_type" not in said and "['" not in said


def test_a_weak_match_names_what_was_searched_and_no_score():
    said = describe_search([hit()], 36, None, query="What is the tax rate under PIPL?")
    assert "“What is the tax rate under PIPL?”" in said
    assert "PIPL Art. 66" in said
    assert "0.09" not in said and "similarity" not in said


def test_a_chinese_question_hears_what_was_searched_in_chinese():
    said = describe_search([hit()], 36, None, query="个人信息保护法规定的企业所得税税率是多少？")
    assert said.startswith("已在已收录的36份文件中检索“个人信息保护法规定的企业所得税税率是多少？”")
    assert "PIPL Art. 66" in said and "Searched" not in said
    assert describe_search([], 36, None, ["劳动合同法"], query="劳动合同法规定试用期多长？") == (
        "问题提到的劳动合同法不在已收录的36份文件之中。"
    )
