"""The leading candidates' own vectors as a second dense question: the `feedback` leg.

A lay question and the article that answers it share few words and sit apart in the embedding
space ("老板不给加班费怎么办" and an article on overtime pay), but the passages the first
search ranks highest are usually about the right thing, and the articles near them are nearer
the answer than the question is. So after the legs are fused and the rules applied, the
question's dense vector plus `FEEDBACK_WEIGHT` × the mean of the `FEEDBACK_DEPTH` leading
candidates' stored vectors is searched again as one more leg, and fusion and the rules run
again over all the legs (pseudo-relevance feedback, after Rocchio). A hit's similarity, which
refusal reads, stays the question's own.

Chosen inside the fit half of STARD dev (each half of it answered with the other's `rag tune`
files; docs/experiments.md): depth 3 and weight 0.5 against depth 5 and weight 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ..index import unit_rows

FEEDBACK_DEPTH = 3  # leading candidates whose vectors join the question's
FEEDBACK_WEIGHT = 0.5  # the question's vector + weight × their mean


def leading(fused: Mapping[str, float], depth: int = FEEDBACK_DEPTH) -> list[str]:
    """The `depth` candidates with the highest fused scores, best first."""
    return sorted(fused, key=lambda cid: -fused[cid])[:depth]


def feedback_vector(
    question: np.ndarray, vectors: Sequence[np.ndarray], weight: float = FEEDBACK_WEIGHT
) -> np.ndarray | None:
    """The question's vector moved towards the mean of `vectors`, normalised; None when there
    is nothing to move towards."""
    if not len(vectors):
        return None
    moved = unit_rows(np.asarray(question, dtype=np.float32) + weight * np.mean(vectors, axis=0))
    return moved if moved.any() else None
