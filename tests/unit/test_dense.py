"""The dense legs checked against the other legs' candidates (no model, no store)."""

from __future__ import annotations

import numpy as np

from rag.retrieval.dense import candidates, completed

QUERY = np.array([1.0, 0.0], dtype=np.float32)


def unit(x: float) -> np.ndarray:
    return np.array([x, np.sqrt(1 - x * x)], dtype=np.float32)


def test_a_passage_the_search_missed_takes_its_place_and_pushes_out_the_last():
    ranking = [("a", 0.9), ("b", 0.5), ("c", 0.3)]
    fixed = completed(ranking, {"missed": unit(0.7), "b": unit(0.5)}, QUERY, asked=3)
    assert [cid for cid, _ in fixed] == ["a", "missed", "b"]


def test_a_candidate_below_the_last_place_was_rightly_left_out():
    ranking = [("a", 0.9), ("b", 0.5)]
    assert completed(ranking, {"far": unit(0.2)}, QUERY, asked=2) == ranking


def test_when_the_store_returned_fewer_than_asked_every_candidate_is_placed():
    fixed = completed([("a", 0.9)], {"far": unit(0.2)}, QUERY, asked=5)
    assert [cid for cid, _ in fixed] == ["a", "far"]


def test_candidates_are_each_legs_best_once_in_the_order_found():
    legs = [[("x", 9.0), ("y", 8.0)], [("y", 1.0), ("z", 0.5)]]
    assert candidates(legs) == ["x", "y", "z"]
