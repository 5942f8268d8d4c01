"""The lay-to-legal word table `rag tune` fits: learned from labelled pairs, searched by the
`lay-terms` leg (rag.retrieval.learned)."""

from __future__ import annotations

from rag.retrieval import LayTerms, build_index, fit_lay_terms, question_part
from rag.text import tokenize

DEBT = "夫妻一方以个人名义所负债务，属于家庭日常生活需要的，为夫妻共同债务，以家庭财产清偿。"
LEASE = "租赁期限不得超过二十年。超过二十年的，超过部分无效。"
OTHER = "国家保护个人信息。任何组织不得非法收集个人信息。"
# Other articles, so that a word of the answering article is rare in the index at large.
FILLER = [f"第{n}条 行政机关应当依法履行职责，保障公民合法权益。" for n in range(2, 22)]
TEXTS = [DEBT, LEASE, OTHER, "第一千零六十四条 共同债务的认定。", *FILLER]
IDS = ["debt", "lease", "other", "numeral", *(f"filler-{n}" for n in range(len(FILLER)))]
METAS = [
    {"doc_id": "civil", "language": "zh", "title": "民法典", "doc_type": "law", "article": n}
    for n in (1064, 705, 1034, 1, *range(2, 22))
]


def _pairs(question_words: list[str], article: int) -> list[tuple[str, list[tuple[str, int]]]]:
    return [(q, [("civil", article)]) for q in question_words]


def test_words_the_answering_articles_hold_are_learned_for_a_lay_word():
    index = build_index(IDS, TEXTS, METAS)
    asked = ["老公欠钱我要还吗", "老公借钱不还怎么办", "老公在外面欠钱"]
    table = fit_lay_terms(index, _pairs(asked, 1064))
    assert table.pairs == 3
    learned = table.expand("老公欠的钱谁来还？")
    assert learned and set(learned) <= set(tokenize(DEBT))  # words of the answering article
    assert not set(learned) & set(tokenize(LEASE))  # none of an article that answered nothing


def test_a_word_seen_in_too_few_pairs_or_a_numeral_is_not_learned():
    index = build_index(IDS, TEXTS, METAS)
    table = fit_lay_terms(index, _pairs(["老公欠钱我要还吗", "老公借钱不还"], 1064))
    assert table.expand("老公欠钱") == []  # two pairs: below MIN_PAIRS
    numbered = fit_lay_terms(index, _pairs(["欠钱认定", "欠钱怎么认定", "欠钱如何认定"], 1))
    assert not any(w in ("一千", "零六十四") for w in numbered.expand("欠钱"))


def test_pairs_whose_articles_are_not_indexed_are_skipped():
    index = build_index(IDS, TEXTS, METAS)
    table = fit_lay_terms(index, [("老公欠钱", [("another-law", 3)])] * 3)
    assert table.pairs == 0 and table.table == {}


def test_a_table_is_saved_and_read_back(tmp_path):
    table = LayTerms(table={"欠钱": [("债务", 1.5), ("清偿", 0.7)]}, pairs=3)
    table.save(tmp_path / "learned" / "lay-terms.json")
    again = LayTerms.load(tmp_path / "learned" / "lay-terms.json")
    assert again == table and again.expand("朋友欠钱") == ["债务", "清偿"]
    assert again.expand("债务怎么清偿") == []  # nothing the question says already


def test_the_fit_and_held_halves_are_fixed_and_about_even():
    ids = [f"stard-{n}" for n in range(1000)]
    fit = [i for i in ids if question_part(i) == "fit"]
    assert 430 < len(fit) < 570
    assert [question_part(i) for i in ids] == [question_part(i) for i in ids]
