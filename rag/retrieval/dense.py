"""The dense legs: the vector store's nearest passages, checked against the other legs'
candidates.

The vector store's HNSW search is approximate, and after a re-ingest rewrites a law (vectors
updated in place, new ones added, old ones deleted) it can miss a passage outright: a copy of
that write pattern in a 30-passage collection lost the newly added vector in 2 of 800 rounds,
although reading it back by id returned it. The article asked about then fell out of the
dense rankings, and its answer quoted the law's other articles. So the passages the other
legs found are scored exactly by their vectors, and each one the store's search should have
returned (more similar than its last place) is put where it belongs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from ..index import Store
from .filters import matches
from .index import Index

log = logging.getLogger(__name__)

CANDIDATES_PER_LEG = 20  # the best of each other leg that are checked
Ranking = list[tuple[str, float]]


def candidates(rankings: Iterable[Ranking]) -> list[str]:
    """The best `CANDIDATES_PER_LEG` of each ranking, first found first, once each."""
    seen: dict[str, None] = {}
    for ranking in rankings:
        for cid, _ in ranking[:CANDIDATES_PER_LEG]:
            seen.setdefault(cid, None)
    return list(seen)


def completed(
    ranking: Ranking, vectors: Mapping[str, np.ndarray], query: np.ndarray, asked: int
) -> Ranking:
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


class DenseSearch:
    """The dense legs' side of the vector store, for whichever index is loaded: its nearest
    passages, and the vectors of given ones (exact, read by id)."""

    def __init__(
        self, store: Store, embed_texts: Callable[[list[str]], np.ndarray] | None = None
    ) -> None:
        self.store = store
        self.embed_texts = embed_texts

    def nearest(
        self, index: Index, vector: np.ndarray, n: int, filters: dict[str, Any] | None
    ) -> Ranking:
        """The vector store's nearest passages that the in-memory index knows. During an
        ingest the store already holds passages the index does not (and during `--reset` may
        be gone for a moment): those are left out, and a failed query leaves the other legs."""
        try:
            found = self.store.query(vector, n, filters)
        except Exception:  # the collection was replaced under us (ingest --reset): reopen once
            self.store.reopen()
            try:
                found = self.store.query(vector, n, filters)
            except Exception as exc:
                log.warning("vector search failed, answering from the other legs: %s", exc)
                return []
        return [(cid, score) for cid, score in found if cid in index.records]

    def checked(
        self,
        index: Index,
        legs: list[tuple[str, Ranking]],
        dense: Mapping[str, tuple[np.ndarray, dict[str, Any] | None]],
        asked: int,
        known: dict[str, np.ndarray],
    ) -> list[tuple[str, Ranking]]:
        """`legs` with each dense one (named in `dense`, with its query vector and filters)
        completed by the passages the other legs found that its search missed."""
        if not dense:
            return legs
        held = {name: {cid for cid, _ in ranking} for name, ranking in legs if name in dense}
        # Only those some dense leg lacks are read: the others have their similarity already.
        found = [
            cid
            for cid in candidates(ranking for name, ranking in legs if name not in dense)
            if any(cid not in ids for ids in held.values())
        ]
        self.vectors(index, found, known)
        result = []
        for name, ranking in legs:
            if name in dense:
                vector, filters = dense[name]
                within = {
                    cid: known[cid]
                    for cid in found
                    if cid in known
                    and cid not in held[name]
                    and (not filters or matches(index.records[cid][1], filters))
                }
                ranking = completed(ranking, within, vector, asked)
            result.append((name, ranking))
        return result

    def similarities(
        self,
        index: Index,
        ids: list[str],
        scores: dict[str, float],
        query: np.ndarray,
        known: dict[str, np.ndarray],
    ) -> None:
        """Add to `scores` the cosine similarity of each of `ids` it lacks (hits the dense leg
        did not return, judged for relevance too)."""
        missing = [cid for cid in ids if cid not in scores]
        self.vectors(index, missing, known)
        for cid in missing:
            if cid in known:
                scores[cid] = float(known[cid] @ query)

    def vectors(self, index: Index, ids: list[str], known: dict[str, np.ndarray]) -> None:
        """Add the vectors of `ids` to `known`, read from the store. A passage of the loaded
        index the store no longer holds (an ingest rewriting its law deleted it and has not
        yet started its new generation: questions are answered from the index as it was) is
        embedded here rather than left without a similarity, which ranked it as irrelevant."""
        wanted = [cid for cid in ids if cid not in known]
        if not wanted:
            return
        try:
            known.update(self.store.vectors(wanted))
        except Exception as exc:  # the collection is being replaced under us
            log.warning("cannot read passage vectors: %s", exc)
            return
        absent = [cid for cid in wanted if cid not in known]
        if absent and self.embed_texts is not None:
            log.warning(
                "the vector store holds no vector for %d passage(s) of the loaded index "
                "(an ingest is changing it): embedding them here",
                len(absent),
            )
            vectors = self.embed_texts([index.records[cid][0] for cid in absent])
            for cid, vector in zip(absent, vectors, strict=True):
                known[cid] = np.asarray(vector, dtype=np.float32)
