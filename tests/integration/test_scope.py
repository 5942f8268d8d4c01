"""Questions on subjects the real laws do not mention are refused; near ones are answered."""

from __future__ import annotations

import pytest


@pytest.mark.slow
@pytest.mark.parametrize(
    ("question", "subject"),
    [
        ("How much VAT does a software company pay on its sales in China?", "VAT (tax law)"),
        (
            "外国员工来华工作需要办理什么签证？",
            "签证（immigration law），已收录的14份文件都没有提到",
        ),
        (
            "How is severance calculated when an employer dismisses a worker?",
            "severance (labour law)",
        ),
    ],
)
def test_a_question_on_a_subject_the_laws_do_not_mention_is_refused_and_says_what_is_missing(
    policy_engine, question, subject
):
    # Without the subject check each was answered from the indexed laws' articles on
    # employers, sales or foreigners, quoted as if they answered it.
    answer = policy_engine.answer(question)
    assert answer.refused and answer.citations == []
    said = (
        f"问题涉及{subject}"
        if "已收录" in subject
        else f"about {subject}: none of the 14 indexed documents mentions it"
    )
    assert said in answer.text


@pytest.mark.slow
def test_questions_near_those_subjects_that_the_laws_answer_are_answered(policy_engine):
    # Employers, staff and contracts are in PIPL; naming PIPL keeps a subject it does not
    # mention (social insurance) from refusing the question.
    for question in (
        "Can my employer use my personal information for HR management without my consent?",
        "用人单位为了人力资源管理处理员工个人信息，需要员工同意吗？",
        "Does PIPL apply to the social insurance records an employer keeps?",
    ):
        answer = policy_engine.answer(question)
        assert not answer.refused and answer.citations, question
