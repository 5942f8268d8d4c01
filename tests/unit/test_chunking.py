"""Chunking of the real policy texts: one chunk per article, right numbers and headings; a
Markdown table's rows as sentences, one chunk each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag.ingest import chunk_document, estimate_tokens, load_document
from rag.retrieval import Glossary
from rag.text import int_to_zh, sentence_spans, zh_to_int
from rag.types import DocMeta, Document
from tests.support.paths import CORPUS, POLICY_TEXTS, policy_text_files

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


# ------------------------------------------------------------------ Markdown tables


def corpus_doc(name: str) -> Document:
    return load_document(CORPUS / f"{name}.md", doc_id=name)


def test_a_table_row_is_its_own_chunk_stated_with_its_column_names():
    doc = corpus_doc("fyp14_overview")
    chunks = chunk_document(doc)
    forest = [c for c in chunks if "24.1" in c.text]
    assert [c.text for c in forest] == [
        "Forest coverage (森林覆盖率, %): 2020 baseline 23.2, 2025 target 24.1, Type binding."
    ]
    assert len(sentence_spans(forest[0].text)) == 1  # quoted whole, as one sentence
    # The viewer highlights the row itself; the section heading stays with the row.
    assert doc.text[forest[0].start : forest[0].end] == (
        "| Forest coverage (森林覆盖率, %) | 23.2 | 24.1 | binding |"
    )
    assert forest[0].heading_path == [
        "Main indicators (主要指标)",
        "Green ecology and security indicators",
    ]
    # "—" (no baseline) is left out rather than stated.
    grain = next(c for c in chunks if "grain production" in c.text)
    assert grain.text == (
        "Comprehensive grain production capacity (粮食综合生产能力): "
        "2025 target above 650 million tonnes, Type binding."
    )


def test_every_body_row_is_one_chunk_and_header_and_separator_are_none():
    doc = corpus_doc("fyp14_overview")
    chunks = chunk_document(doc)
    rows = [c for c in chunks if doc.text[c.start : c.end].startswith("|")]
    assert len(rows) == 20  # the outline's 20 main indicators, one chunk each
    assert all(doc.text[c.start : c.end].count("\n") == 0 for c in rows)  # one line each
    assert not any("|" in c.text for c in chunks)
    assert not any("Indicator" in c.text or "---" in c.text for c in chunks)
    # The prose between the tables is chunked verbatim, as before.
    prose = [c for c in chunks if c not in rows]
    assert all(doc.text[c.start : c.end] == c.text for c in prose)
    assert any(c.text.startswith("For the first time in a five-year plan") for c in prose)


def test_percent_figures_are_kept_verbatim():
    doc = corpus_doc("informatization_plan_14th")
    texts = [c.text for c in chunk_document(doc)]
    assert "5G user penetration rate (5G用户普及率): 2020 15%, 2025 target 56%." in texts
    # The sentence introducing the table is a chunk of its own, without the rows.
    intro = next(t for t in texts if t.startswith("The plan quantifies its goals"))
    assert intro.endswith("Selected rows:")


def test_prose_around_a_table_is_not_merged_with_its_rows():
    text = (
        "# Plan\n\n## Targets\n\nThe targets are below.\n"
        "| Indicator | 2025 | 2030 target | Note |\n"
        "|:---|---:|:---:|---|\n"
        "| Data centres | — | 45 |  |\n"
        "| — | | — | |\n"
        "| Computing power | 280 | 600 | binding |\n"
        "Binding targets must be met.\n"
    )
    doc = Document(doc_id="t", source_path="t.md", text=text, meta=DocMeta(), content_hash="x")
    chunks = chunk_document(doc)
    assert [c.text for c in chunks] == [
        "The targets are below.",
        "Data centres: 2030 target 45.",
        "Computing power: 2025 280, 2030 target 600, Note binding.",
        "Binding targets must be met.",
    ]
    assert all(c.heading_path == ["Targets"] for c in chunks)
    assert text[chunks[2].start : chunks[2].end] == "| Computing power | 280 | 600 | binding |"


def test_a_chinese_table_row_reads_as_a_chinese_sentence():
    text = (
        "第三条 主要指标如下：\n\n| 指标 | 2020年 | 2025年目标 |\n| --- | --- | --- |\n"
        "| 森林覆盖率（%） | 23.2 | 24.1 |\n\n指标按年度分解落实。\n\n第四条 本规划自发布之日起实施。\n"
    )
    doc = Document(doc_id="z", source_path="z.md", text=text, meta=DocMeta(), content_hash="x")
    chunks = chunk_document(doc)
    assert [(c.article, c.text) for c in chunks] == [
        (3, "第三条 主要指标如下："),
        (3, "森林覆盖率（%）：2020年 23.2，2025年目标 24.1。"),
        (3, "指标按年度分解落实。"),  # the article goes on after its table
        (4, "第四条 本规划自发布之日起实施。"),
    ]


def test_pipes_without_a_header_separator_are_chunked_as_before():
    text = "## Data\n\n| a | 1 |\n| b | 2 |\n"
    doc = Document(doc_id="n", source_path="n.md", text=text, meta=DocMeta(), content_hash="x")
    assert [c.text for c in chunk_document(doc)] == ["| a | 1 |\n| b | 2 |"]


def test_a_glossary_of_term_pairs_stays_grouped_and_its_pairs_still_load():
    doc = corpus_doc("glossary_en_zh")
    texts = [c.text for c in chunk_document(doc)]
    # A two-language term list is not a table of facts: rows stay together, as written.
    assert any("| Critical information infrastructure | 关键信息基础设施 |" in t for t in texts)
    assert len(texts) < 100
    # The retriever's glossary reads the file itself, not the chunks.
    pairs = Glossary.load(CORPUS / "glossary_en_zh.md").pairs
    assert ("Critical information infrastructure", "关键信息基础设施") in pairs
    assert len(pairs) > 400


@pytest.mark.fault
def test_a_text_with_no_line_break_or_full_stop_is_cut_into_bounded_chunks():
    # Issue 15: a 2 MB file with no line breaks became chunks of a million characters (4.7 GB
    # at ingest).
    words = " ".join(f"word{i % 97}" for i in range(300_000))  # about 2 MB, one line
    doc = Document(
        doc_id="flat", source_path="flat.txt", text=words, meta=DocMeta(), content_hash="x"
    )
    chunks = chunk_document(doc, max_tokens=200)
    assert max(len(c.text) for c in chunks) < 3000
    assert all(estimate_tokens(c.text) <= 300 for c in chunks)
    assert "".join(c.text for c in chunks).replace(" ", "") == words.replace(" ", "")
    symbols = "！" * 50_000  # no word and no Chinese character: still bounded
    flat = Document(doc_id="s", source_path="s.txt", text=symbols, meta=DocMeta(), content_hash="y")
    assert max(len(c.text) for c in chunk_document(flat, max_tokens=200)) <= 1600
