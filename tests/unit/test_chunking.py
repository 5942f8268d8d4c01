"""Chunking of the real policy texts: one chunk per article, right numbers and headings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.ingest import chunk_document, estimate_tokens, load_document
from rag.text import int_to_zh, zh_to_int
from rag.types import DocMeta, Document
from tests.support.paths import POLICY_TEXTS, policy_text_files

DOCS = policy_text_files()
ZH_ARTICLE = re.compile(r"^第([零一二三四五六七八九十百千]+)条", re.M)
EN_ARTICLE = re.compile(r"^\*\*Article (\d+)\*\*", re.M)


def load(path: Path) -> Document:
    return load_document(path, doc_id=path.stem)


def articles_in_source(text: str) -> list[int]:
    found = [zh_to_int(n) for n in ZH_ARTICLE.findall(text)]
    return found or [int(n) for n in EN_ARTICLE.findall(text)]


@pytest.mark.usefixtures("policy_texts")
def test_policy_texts_are_present():
    assert len(DOCS) == 14


@pytest.mark.usefixtures("policy_texts")
@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem)
def test_every_article_is_its_own_chunk(path):
    doc = load(path)
    chunks = chunk_document(doc)
    expected = articles_in_source(doc.text)
    assert expected, "the source has articles"
    first_chunk_of = {}
    for chunk in chunks:
        if chunk.article is not None:
            first_chunk_of.setdefault(chunk.article, chunk)
    assert sorted(first_chunk_of) == sorted(expected)
    for number, chunk in first_chunk_of.items():
        # the chunk starts with that article's own marker, so no neighbour was merged in
        assert re.match(rf"(\*\*)?(第{int_to_zh(number)}条|Article {number}\b)", chunk.text), (
            chunk.text[:40]
        )
        others = [
            n for n in (ZH_ARTICLE.findall(chunk.text[1:]) + EN_ARTICLE.findall(chunk.text[1:]))
        ]
        assert not others, f"article {number} chunk contains another article marker"


@pytest.mark.usefixtures("policy_texts")
@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.stem)
def test_chunks_are_verbatim_slices_within_budget(path):
    doc = load(path)
    for chunk in chunk_document(doc, max_tokens=200):
        assert doc.text[chunk.start : chunk.end] == chunk.text
        assert estimate_tokens(chunk.text) <= 200 * 1.5


@pytest.mark.usefixtures("policy_texts")
def test_chinese_heading_path_includes_chapter_and_section():
    doc = load(POLICY_TEXTS / "zh_personal_information_protection_law_2021.md")
    art13 = next(c for c in chunk_document(doc) if c.article == 13)
    assert art13.heading_path == ["第二章 个人信息处理规则", "第一节 一般规定"]
    art1 = next(c for c in chunk_document(doc) if c.article == 1)
    assert art1.heading_path == ["第一章 总 则"]


@pytest.mark.usefixtures("policy_texts")
def test_english_bold_articles_and_chapter_headings():
    doc = load(POLICY_TEXTS / "en_personal_information_protection_law_2021_npc.md")
    chunks = chunk_document(doc)
    art66 = [c for c in chunks if c.article == 66]
    assert art66 and art66[0].text.startswith("**Article 66**")
    assert "50 million" in " ".join(c.text for c in art66)
    assert art66[0].heading_path[0].startswith("Chapter VII")


@pytest.mark.usefixtures("policy_texts")
def test_civil_code_four_digit_article_numbers():
    doc = load(POLICY_TEXTS / "zh_civil_code_book4_personality_rights.md")
    numbers = {c.article for c in chunk_document(doc) if c.article}
    assert {1032, 1034, 1039} <= numbers and min(numbers) == 989


def test_long_article_splits_by_paragraph_never_merges():
    paragraphs = [
        f"（{int_to_zh(i)}）" + "个人信息处理者应当履行安全保护义务并记录处理活动。" * 6
        for i in range(1, 6)
    ]
    text = "## 第一章 总则\n\n第一条 " + "\n\n".join(paragraphs) + "\n\n第二条 短条文。\n"
    doc = Document(doc_id="t", source_path="t.md", text=text, meta=DocMeta(), content_hash="x")
    chunks = chunk_document(doc, max_tokens=80)
    first = [c for c in chunks if c.article == 1]
    second = [c for c in chunks if c.article == 2]
    assert len(first) > 1 and all(c.paragraph for c in first)
    assert [c.paragraph for c in first] == sorted(c.paragraph for c in first)
    assert len(second) == 1 and second[0].text == "第二条 短条文。"


def test_summary_article_headings_and_ranges():
    text = (
        "# PIPL summary\n\n## Chapter II Rules (第二章)\n\n### Article 13 (第十三条) Legal bases\n\n"
        "Seven bases are listed.\n\n### Articles 28–32 (第二十八条至第三十二条) Sensitive data\n\n"
        "Separate consent is needed.\n"
    )
    doc = Document(doc_id="s", source_path="s.md", text=text, meta=DocMeta(), content_hash="x")
    chunks = chunk_document(doc)
    assert [(c.article, c.article_end) for c in chunks] == [(13, None), (28, 32)]
    assert chunks[0].heading_path == ["Chapter II Rules (第二章)"]
    assert chunks[1].text.startswith("Articles 28–32") and chunks[1].text.endswith(
        "consent is needed."
    )


def test_plain_article_reference_does_not_open_an_article():
    text = "Article 5 Scope.\n\nArticle 6 Duties.\n\nArticle 5 of this Law applies to the above.\n"
    doc = Document(doc_id="p", source_path="p.txt", text=text, meta=DocMeta(), content_hash="x")
    chunks = chunk_document(doc)
    assert [c.article for c in chunks] == [5, 6]
    assert chunks[1].text.endswith("applies to the above.")


@pytest.mark.parametrize("n", [1, 10, 11, 20, 66, 100, 101, 110, 989, 1000, 1032, 1039])
def test_chinese_numerals_round_trip(n):
    assert zh_to_int(int_to_zh(n)) == n


def test_chinese_numeral_amounts():
    assert zh_to_int("五千万") == 50_000_000
    assert zh_to_int("一百万") == 1_000_000
    assert int_to_zh(66) == "六十六" and int_to_zh(1032) == "一千零三十二"
