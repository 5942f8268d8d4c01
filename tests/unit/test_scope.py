"""What the index does not cover: laws named but not indexed, subjects no passage mentions.

Here on small indexes built in the test; the refusals over the real laws are in tests/integration."""

from __future__ import annotations

from rag.knowledge import SUBJECTS
from rag.retrieval import Index, Uncovered, build_index, read_question
from rag.retrieval import uncovered_subjects as _uncovered_subjects
from rag.retrieval import unknown_laws as _unknown_laws


def unknown_laws(index: Index, text: str) -> list[str]:
    return _unknown_laws(index, read_question(index, text))


def uncovered_subjects(index: Index, text: str) -> list[Uncovered]:
    return _uncovered_subjects(index, read_question(index, text))


CONSUMER = {
    "doc_id": "consumer",
    "title": "Law of the People's Republic of China on the Protection of "
    "Consumer Rights and Interests",
    "title_zh": "中华人民共和国消费者权益保护法",
    "language": "en",
    "short_name": "Consumer Law",
}


def test_a_rule_not_indexed_itself_but_described_by_its_full_title_is_not_unknown():
    text = "The Provisions on Necessary Information (必要个人信息范围规定) apply from 2021-05-01."
    index = build_index(["c1"], [text], [CONSUMER])
    assert unknown_laws(index, "《必要个人信息范围规定》从哪天开始施行？") == []
    # a bare name merely ending in 规定 or 法 is still checked against the titles
    assert unknown_laws(index, "《反不正当竞争法》对虚假宣传怎么处罚？") == ["反不正当竞争法"]


def test_unknown_laws_are_told_from_indexed_ones_by_their_titles():
    index = build_index(["c1"], ["Consumers have the right to know."], [CONSUMER])
    assert (
        unknown_laws(index, "Under the Consumer Rights Protection Law, can I return goods?") == []
    )
    assert unknown_laws(index, "根据消费者权益保护法规定，七天无理由退货怎么算？") == []
    assert (
        unknown_laws(index, "Under the Consumer Law, can I return goods?") == []
    )  # its short name
    assert unknown_laws(index, "How long is probation under the Labour Contract Law?") == [
        "Labour Contract Law"
    ]
    assert unknown_laws(index, "公司法规定的注册资本缴纳期限是多久？") == ["公司法"]
    assert unknown_laws(index, "《反不正当竞争法》对虚假宣传怎么处罚？") == ["反不正当竞争法"]
    # everyday words ending in 法 are not laws; a question naming an indexed law may compare
    assert unknown_laws(index, "这种算法是否合法？") == []
    assert unknown_laws(index, "Does the Consumer Law or the Labour Contract Law apply?") == []
    assert unknown_laws(index, "Under the GDPR, when must a controller appoint a DPO?") == ["GDPR"]
    assert (
        unknown_laws(index, "Is the Consumer Law stricter than the GDPR on refunds?") == []
    )  # a comparison
    assert (
        unknown_laws(index, "Does the gdpr-style consent banner work here?") == []
    )  # not the acronym
    # a Hong Kong ordinance, a title in 《》 whatever it ends with, a standard by its number
    assert unknown_laws(
        index, "Under Hong Kong's Personal Data (Privacy) Ordinance, must we notify?"
    ) == ["Hong Kong's Personal Data (Privacy) Ordinance"]
    assert unknown_laws(index, "《个人信息保护合规审计管理办法》要求多久审计一次？") == [
        "个人信息保护合规审计管理办法"
    ]
    assert unknown_laws(index, "退货有什么办法？") == []
    assert unknown_laws(index, "Which clause of GB/T 35273 covers privacy policies?") == [
        "GB/T 35273"
    ]


def test_a_standard_is_known_when_an_indexed_passage_holds_its_number():
    index = build_index(["c1"], ["依照GB/T35273-2020的要求制定隐私政策。"], [CONSUMER])
    assert unknown_laws(index, "Which clause of GB/T 35273 covers privacy policies?") == []
    assert unknown_laws(index, "What does TC260-003 require?") == ["TC260-003"]


def test_a_subject_no_passage_mentions_is_found_in_either_language():
    index = build_index(
        ["c1"], ["Consumers have the right to know the price of goods."], [CONSUMER]
    )
    assert uncovered_subjects(index, "What is the standard corporate income tax rate?") == [
        Uncovered("corporate income tax", "tax law")
    ]
    assert uncovered_subjects(index, "公司解除劳动合同时，经济补偿金怎么计算？") == [
        Uncovered("劳动合同", "labour law"),
        Uncovered("经济补偿金", "labour law"),
    ]
    assert uncovered_subjects(index, "Which tariffs apply to imported cars?") == [
        Uncovered("tariffs", "customs and trade law")
    ]
    # "VAT" is the acronym, not three letters inside a word; price and goods are covered
    assert uncovered_subjects(index, "Can a shop raise the price of goods in private?") == []
    assert uncovered_subjects(index, "Is the output of a vatted process taxed?") == []
    # a question naming an indexed law asks about that law, whatever else it mentions
    assert uncovered_subjects(index, "Does the Consumer Law protect buyers who pay VAT?") == []
    # unless the engine asks of a named law's weak answer what its subject is
    named = read_question(index, "Does the Consumer Law protect buyers who pay VAT?")
    assert _uncovered_subjects(index, named, named_too=True) == [Uncovered("VAT", "tax law")]


def test_a_subject_counts_as_covered_once_any_passage_names_it_in_any_language():
    tax_law = {
        "doc_id": "eit",
        "title": "Enterprise Income Tax Law",
        "title_zh": "中华人民共和国企业所得税法",
        "language": "zh",
        "short_name": "EIT Law",
    }
    index = build_index(
        ["c1", "t1"],
        ["Consumers have the right to know.", "第四条 企业所得税的税率为25%。"],
        [CONSUMER, tax_law],
    )
    # the English name of the subject is not in any passage, its Chinese name is
    assert uncovered_subjects(index, "What is the standard corporate income tax rate?") == []
    assert uncovered_subjects(index, "增值税的税率是多少？") == [Uncovered("增值税", "tax law")]


def test_every_subject_has_names_in_both_languages():
    for field, names in SUBJECTS:
        assert any(name.isascii() for name in names) and any(
            not name.isascii() for name in names
        ), (field, names)
