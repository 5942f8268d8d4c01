"""The optional cross-encoder reranker with a tiny BERT cross-encoder fine-tuned in the test
(tests/support/cross_encoder.py): it has to move the relevant passage up."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from rag.config import Settings
from rag.retrieval import get_reranker, rerank_hits
from tests.support.cross_encoder import QUERIES, build_tiny_cross_encoder, make_hits, relevant_index


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory) -> Path:
    return build_tiny_cross_encoder(tmp_path_factory.mktemp("rerank") / "trained", train=True)


@pytest.mark.slow
@pytest.mark.parametrize(("query", "key"), QUERIES)
def test_trained_reranker_moves_the_relevant_passage_to_rank_1(trained_model, query, key):
    hits = make_hits()
    relevant = relevant_index(key)
    assert hits[relevant].rank > 1  # the fused order put it lower

    reranked = get_reranker(str(trained_model)).rerank(query, hits)

    assert reranked[0].chunk_id == hits[relevant].chunk_id
    assert reranked[0].score > 0.5 > reranked[1].score  # sigmoid of the model's logit
    assert [h.rank for h in reranked] == list(range(1, len(hits) + 1))
    assert sorted(h.chunk_id for h in reranked) == sorted(h.chunk_id for h in hits)


@pytest.mark.slow
def test_rerank_hits_reranks_only_the_fused_pool_and_keeps_k(trained_model):
    settings = Settings(reranker=str(trained_model))
    filler = [dataclasses.replace(make_hits()[0], chunk_id=f"f{i}") for i in range(30)]
    tax = make_hits()[relevant_index("tax")]

    inside_pool = filler[:10] + [tax] + filler[10:]  # fused rank 11 of 31
    top = rerank_hits(settings, "which tax rules apply to companies", inside_pool, k=3)
    assert len(top) == 3
    assert top[0].chunk_id == tax.chunk_id

    beyond_pool = filler[:25] + [tax] + filler[25:]  # fused rank 26: past max(3 * 3, 20)
    top = rerank_hits(settings, "which tax rules apply to companies", beyond_pool, k=3)
    assert tax.chunk_id not in [h.chunk_id for h in top]
