"""The `feedback` leg: the question's vector moved towards the leading candidates' vectors."""

from __future__ import annotations

import numpy as np

from rag.retrieval import FEEDBACK_DEPTH, feedback_vector, leading


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_the_leading_candidates_are_the_best_fused_first():
    fused = {"a": 0.1, "b": 0.5, "c": 0.3, "d": 0.05, "e": 0.4}
    assert leading(fused) == ["b", "e", "c"][:FEEDBACK_DEPTH]
    assert leading(fused, depth=1) == ["b"]


def test_the_question_moves_towards_the_candidates_and_stays_a_unit_vector():
    question = unit(1, 0, 0)
    found = [unit(0, 1, 0), unit(0, 1, 1)]
    moved = feedback_vector(question, found)
    assert moved is not None
    assert abs(float(np.linalg.norm(moved)) - 1) < 1e-6
    # nearer the candidates than the question was, and still nearer the question than they
    centre = unit(*np.mean(found, axis=0))
    assert float(moved @ centre) > float(question @ centre)
    assert float(moved @ question) > float(moved @ centre)
    # the weight is how far it moves
    further = feedback_vector(question, found, weight=2.0)
    assert further is not None and float(further @ centre) > float(moved @ centre)


def test_nothing_to_move_towards_is_no_second_question():
    assert feedback_vector(unit(1, 0), []) is None
    # a candidate exactly opposite cancels the question out: no direction is left
    assert feedback_vector(unit(1, 0), [unit(-1, 0)], weight=1.0) is None
