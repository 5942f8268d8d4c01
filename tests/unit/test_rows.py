"""A plan's table row stated in Chinese for a Chinese question (issue 14: the asker's
language), with the figures as the row has them."""

from __future__ import annotations

import pytest

from rag.answer import extractive_answer
from rag.answer.rows import row_in_chinese
from rag.types import Hit, PassageMeta
from tests.support.questions import asking


@pytest.mark.parametrize(
    ("row", "chinese"),
    [
        (
            "Forest coverage (森林覆盖率, %): 2020 baseline 23.2, 2025 target 24.1, Type binding.",
            "森林覆盖率（%）：2020年基数23.2，2025年目标24.1，约束性。",
        ),
        (
            "Internet users (网民规模): 2020 989 million, 2025 target 1.2 billion.",
            "网民规模：2020年9.89亿，2025年目标12亿。",
        ),
        (
            "Gigabit users (千兆宽带用户数): 2020 6.4 million, 2025 target 60 million.",
            "千兆宽带用户数：2020年640万，2025年目标6000万。",
        ),
        (
            "Energy per unit of GDP (单位GDP能源消耗降低, %): 2025 target 13.5 (cumulative), Type binding.",
            "单位GDP能源消耗降低（%）：2025年目标13.5（累计），约束性。",
        ),
    ],
)
def test_a_row_of_figures_is_said_in_chinese(row, chinese):
    assert row_in_chinese(row) == chinese


@pytest.mark.parametrize(
    "sentence",
    [
        # a value that would need translating: the English quote serves alone
        "R&D spending growth (全社会研发经费投入增长, %): 2025 target over 7% a year, Type anticipatory.",
        "Users of gigabit fibre access: 2020 6.4 million, 2025 target 60 million.",  # no Chinese name
        "The Personal Information Protection Law (个人信息保护法): took effect in 2021.",
    ],
)
def test_anything_else_is_not_restated(sentence):
    assert row_in_chinese(sentence) is None


def test_a_chinese_question_answered_by_an_english_row_hears_it_in_chinese_first():
    row = "Licensed doctors per 1,000 people (每千人口拥有执业医师数): 2020 baseline 2.9, 2025 target 3.2, Type anticipatory."
    hit = Hit(
        chunk_id="fyp14-row",
        text=row,
        score=1.0,
        rank=1,
        meta=PassageMeta(doc_id="fyp14", title="14th FYP", label="14th FYP, indicators"),
    )
    chinese = extractive_answer(
        asking("十四五规划对每千人口执业医师数的目标是多少？", [hit]), [hit]
    )
    assert chinese.text.startswith(
        "每千人口拥有执业医师数：2020年基数2.9，2025年目标3.2，预期性。 [1]"
    )
    assert chinese.citations[0].quote == row  # the quote stays verbatim
    english = extractive_answer(
        asking("What is the 2025 target for doctors per 1,000?", [hit]), [hit]
    )
    assert english.text.startswith("Licensed doctors")
