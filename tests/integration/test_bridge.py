"""The dictionary bridge over the real laws: a lay English question reaches a Chinese article."""

from __future__ import annotations

import pytest

from rag.config import Settings
from rag.engine import PolicyEngine


@pytest.mark.slow
def test_a_lay_english_question_finds_the_chinese_article_only_through_the_bridge(policy_index):
    question = (
        "When I delete my account on a shopping site, does the site have to erase my information?"
    )
    e_commerce_24 = ("zh_e_commerce_law_2018", 24)

    def top5(dictionary: str):
        # Term neighbours off: they are a second way across (rag.retrieval.neighbours), tested on their own.
        engine = PolicyEngine(
            Settings(data_dir=policy_index.data_dir, dictionary=dictionary, term_neighbours=0)
        )
        return [(h.doc_id, h.article) for h in engine.search(question, k=5)]

    assert e_commerce_24 in top5("cc-cedict")
    assert e_commerce_24 not in top5("")


@pytest.mark.slow
def test_the_bridge_respects_filters(policy_engine):
    hits = policy_engine.search(
        "Can my apartment complex make face scanning the only way to get in?",
        k=5,
        filters={"doc_id": "zh_civil_code_book4_personality_rights"},
    )
    assert hits and {h.doc_id for h in hits} == {"zh_civil_code_book4_personality_rights"}
