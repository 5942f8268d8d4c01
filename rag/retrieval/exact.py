"""The dense legs checked against the other legs' candidates.

The vector store's HNSW search is approximate, and after a re-ingest rewrites a law (vectors
updated in place, new ones added, old ones deleted) it can miss a passage outright: a copy of
that write pattern in a 30-passage collection lost the newly added vector in 2 of 800 rounds,
although reading it back by id returned it. The article asked about then fell out of the
dense rankings, and its answer quoted the law's other articles. So the passages the other
legs found are scored exactly by their vectors, and each one the store's search should have
returned (more similar than its last place) is put where it belongs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np

CANDIDATES_PER_LEG = 20  # the best of each other leg that are checked


def candidates(rankings: Iterable[list[tuple[str, float]]]) -> list[str]:
    """The best `CANDIDATES_PER_LEG` of each ranking, first found first, once each."""
    seen: dict[str, None] = {}
    for ranking in rankings:
        for cid, _ in ranking[:CANDIDATES_PER_LEG]:
            seen.setdefault(cid, None)
    return list(seen)


def completed(
    ranking: list[tuple[str, float]],
    vectors: Mapping[str, np.ndarray],
    query: np.ndarray,
    asked: int,
) -> list[tuple[str, float]]:
    """`ranking` (the store's nearest passages, best first, `asked` of them requested) with
    each passage of `vectors` it lacks and should hold put in its place: one more similar to
    `query` than its last place, or any when the store returned fewer than asked."""
    held = {cid for cid, _ in ranking}
    floor = ranking[-1][1] if len(ranking) >= asked else -np.inf
    added = []
    for cid, vector in vectors.items():
        if cid not in held:
            score = float(np.asarray(vector, dtype=np.float32) @ query)
            if score > floor:
                added.append((cid, score))
    if not added:
        return ranking
    # Stable: the store's own order among its hits is kept, and equal scores stay behind them.
    return sorted(ranking + added, key=lambda pair: -pair[1])[: max(asked, len(ranking))]
