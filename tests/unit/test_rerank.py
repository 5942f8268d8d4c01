"""The optional cross-encoder reranker, with a tiny BERT cross-encoder built in the test.

No reranker weights ship on the package index, so the tests write their own: a two-layer
BERT with a WordPiece vocabulary of the words below, saved with `save_pretrained` and loaded
through `get_reranker(path)` like any CrossEncoder (tests/support/cross_encoder.py). Here the
untrained model; the tests that fine-tune it first, so that its scores mean something and the
reranker has to move the right passage up, are in tests/integration.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rag.config import Settings
from rag.errors import ModelUnavailable
from rag.retrieval import get_reranker, rerank_hits
from tests.support.cross_encoder import QUERIES, build_tiny_cross_encoder, make_hits, relevant_index


@pytest.fixture(scope="module")
def untrained_model(tmp_path_factory) -> Path:
    return build_tiny_cross_encoder(tmp_path_factory.mktemp("rerank") / "untrained")


def test_untrained_model_does_not_already_find_every_relevant_passage(untrained_model):
    """The trained model's orderings (tests/integration/test_rerank.py) come from the fine-tuning,
    not from the fixture's layout."""
    reranker = get_reranker(str(untrained_model))
    firsts = [reranker.rerank(q, make_hits())[0].chunk_id for q, _ in QUERIES]
    assert firsts != [f"c{relevant_index(key)}" for _, key in QUERIES]


def test_rerank_returns_new_hits_ordered_by_score_and_leaves_the_input_alone(untrained_model):
    hits = make_hits()
    before = [dataclasses.asdict(h) for h in hits]

    reranked = get_reranker(str(untrained_model)).rerank("tax", hits, top_k=4)

    assert len(reranked) == 4
    assert [h.rank for h in reranked] == [1, 2, 3, 4]
    assert all(a.score >= b.score for a, b in zip(reranked, reranked[1:], strict=False))
    assert [dataclasses.asdict(h) for h in hits] == before
    by_id = {h.chunk_id: h for h in hits}
    for h in reranked:
        assert h is not by_id[h.chunk_id]
        assert h.meta is by_id[h.chunk_id].meta  # shared, never copied or changed
        assert h.dense_score == by_id[h.chunk_id].dense_score  # the refusal check still sees it


def test_empty_hits_give_an_empty_list(untrained_model):
    assert get_reranker(str(untrained_model)).rerank("tax", []) == []


def test_top_k_must_be_positive(untrained_model):
    with pytest.raises(ValueError, match="got 0"):
        get_reranker(str(untrained_model)).rerank("tax", make_hits(), top_k=0)


def test_the_model_is_loaded_once_per_process(untrained_model):
    assert get_reranker(str(untrained_model)) is get_reranker(str(untrained_model))


def test_missing_model_names_the_setting_and_the_default(tmp_path):
    with pytest.raises(ModelUnavailable) as err:
        get_reranker(str(tmp_path / "no-such-reranker"))
    assert "RAG_RERANKER" in str(err.value)
    assert "default needs no reranker" in str(err.value)


def test_a_classifier_with_two_labels_is_refused(tmp_path):
    path = build_tiny_cross_encoder(tmp_path / "classifier", num_labels=2)
    with pytest.raises(ModelUnavailable, match="2 labels"):
        get_reranker(str(path))


def test_without_a_reranker_the_fused_order_stands():
    hits = make_hits()
    assert rerank_hits(Settings(), "tax", hits, k=2) == hits[:2]
