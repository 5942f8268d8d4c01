"""Follow-up questions without a language model (rag/retrieval/followup.py): which questions
lean on the previous one, and how they are restated as one readable question."""

from __future__ import annotations

import pytest

from rag.retrieval import is_follow_up, join_follow_up

PREVIOUS = "What does PIPL say about facial recognition?"
PREVIOUS_ZH = "个人信息保护法对人脸识别有什么规定？"


@pytest.mark.parametrize(
    "question",
    [
        "What about the fines?",
        "and for minors under fourteen?",
        "When does it take effect?",
        "What are its penalties?",
        "the fines?",
        "What is the penalty for that?",
        "那罚款呢？",
        "罚款",
        "该法什么时候施行？",
    ],
)
def test_a_question_that_leans_on_the_previous_one_is_a_follow_up(question):
    assert is_follow_up(question)


@pytest.mark.parametrize(
    "question",
    [
        "What is personal information?",  # short, but a question of its own
        "Is there a law that covers drones?",
        "What are the main targets of the 14th Five-Year Plan?",
        "个人信息出境需要满足哪些条件？",
        "",
    ],
)
def test_a_new_question_is_not_glued_to_the_previous_one(question):
    assert not is_follow_up(question)


def test_a_question_naming_a_law_is_never_a_follow_up():
    assert is_follow_up("What about the fines?")
    assert not is_follow_up("What about the fines?", names_a_law=True)


def test_a_pointer_to_the_law_is_replaced_by_its_name():
    assert join_follow_up(PREVIOUS, "When does it take effect?", "PIPL") == (
        "When does PIPL take effect?"
    )
    assert join_follow_up(PREVIOUS, "What are its penalties?", "PIPL") == (
        "What are PIPL's penalties?"
    )


def test_another_aspect_of_the_same_law_is_asked_of_that_law():
    # joined to "…facial recognition", the search found facial recognition again, not fines
    assert join_follow_up(PREVIOUS, "What about the fines?", "PIPL") == (
        "What does PIPL say about the fines?"
    )


def test_a_fragment_that_narrows_joins_the_previous_question():
    joined = join_follow_up(PREVIOUS, "and for minors under fourteen?", "PIPL")
    assert joined == "What does PIPL say about facial recognition, and for minors under fourteen?"
    assert joined.count("?") == 1
    assert join_follow_up("What does the plan say about 5G?", "the fines?") == (
        "What does the plan say about 5G, and about the fines?"
    )


def test_a_chinese_fragment_becomes_one_question():
    joined = join_follow_up(PREVIOUS_ZH, "那罚款呢？")
    assert joined == "个人信息保护法对人脸识别有什么规定，罚款呢？"
    assert joined.count("？") == 1
