"""A linear map on the question's vector for the `dense` leg, learned from labelled pairs: the
`adapter` unit.

The embedder is frozen, and it reads a lay question ("老公欠钱我要还吗") and the article that
answers it (夫妻共同债务…以家庭财产清偿) as far apart. From labelled pairs (a question and its
gold articles, as `rag tune` reads them) `fit` learns W, closest to the identity, that moves each
question's vector, as embedded when it is asked, toward its gold articles' stored passage
vectors: W = argmin Σ‖qW − g‖² + λ‖W − I‖², in closed form (g: the mean of the question's gold
articles' vectors, normalised). The dense leg then searches the vector store with qW,
normalised. Only that search moves: a hit's similarity (which refusal reads), the questions
asked before and the laws they vote for still read the question's own vector.

`rag tune` fits it and writes it to `data_dir/learned/adapter.json` (the map beside it, in
`adapter.npy`); without those files the map is the identity.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import Settings
from .index import Index

RIDGE = 10.0  # λ: how hard W is held to the identity (chosen inside STARD's fit half)
FILENAME = "adapter.json"
MATRIX = "adapter.npy"

Article = tuple[str, int]


def adapter_path(settings: Settings) -> Path:
    """Where `rag tune` writes the map for the index under `settings.data_dir`."""
    return settings.data_dir / "learned" / FILENAME


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row scaled to length 1 (a zero row stays zero)."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


@dataclass
class QueryAdapter:
    """x ↦ xW, normalised, for question vectors by the embedder `model`."""

    model: str  # the embedder the map was fitted for: another one's vectors it does not fit
    matrix: np.ndarray  # W, d × d
    ridge: float  # the λ it was fitted with
    pairs: int  # how many labelled pairs it was fitted on

    def __post_init__(self) -> None:
        shape = np.shape(self.matrix)
        if len(shape) != 2 or shape[0] != shape[1]:
            raise ValueError(f"an adapter's matrix must be square, got shape {shape}")

    def apply(self, vector: np.ndarray) -> np.ndarray:
        """`vector` mapped and normalised; a vector of another size is returned as it is."""
        vector = np.asarray(vector, dtype=np.float32)
        if vector.shape[-1] != self.matrix.shape[0]:
            return vector
        return unit_rows(vector @ self.matrix)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.save(path.with_name(MATRIX), np.asarray(self.matrix, dtype=np.float32))
        body = {"model": self.model, "ridge": self.ridge, "pairs": self.pairs}
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(body), encoding="utf-8")
        partial.replace(path)  # written last: a reader never sees a description without its map

    @classmethod
    def load(cls, path: Path) -> QueryAdapter:
        body = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            model=str(body["model"]),
            matrix=np.load(path.with_name(MATRIX)).astype(np.float32),
            ridge=float(body["ridge"]),
            pairs=int(body["pairs"]),
        )


def ridge_map(questions: np.ndarray, targets: np.ndarray, ridge: float) -> np.ndarray:
    """W = argmin ‖QW − G‖² + λ‖W − I‖² = (QᵀQ + λI)⁻¹ (QᵀG + λI)."""
    if ridge <= 0:
        raise ValueError(f"ridge must be greater than 0, got {ridge}")
    q = np.asarray(questions, dtype=np.float64)
    g = np.asarray(targets, dtype=np.float64)
    eye = np.eye(q.shape[1])
    return np.linalg.solve(q.T @ q + ridge * eye, q.T @ g + ridge * eye).astype(np.float32)


def article_vectors(
    index: Index,
    articles: Iterable[Article],
    read: Callable[[list[str]], Mapping[str, np.ndarray]],
) -> dict[Article, np.ndarray]:
    """Each of `articles` the index holds: the mean of its passages' stored vectors (`read`
    gives them by chunk id), normalised."""
    chunks = {a: index.by_article.get(a, []) for a in set(articles)}
    stored = read(sorted({cid for cids in chunks.values() for cid in cids}))
    found = {}
    for article, cids in chunks.items():
        vectors = [stored[cid] for cid in cids if cid in stored]
        if vectors:
            found[article] = unit_rows(np.mean(vectors, axis=0))
    return found


def gold_targets(
    gold: Sequence[Sequence[Article]], vector_of: Mapping[Article, np.ndarray]
) -> tuple[list[int], np.ndarray]:
    """(the rows of the pairs with a vector for some gold article, and those pairs' targets):
    the mean of their gold articles' vectors, normalised."""
    rows, targets = [], []
    for i, articles in enumerate(gold):
        found = [vector_of[a] for a in articles if a in vector_of]
        if found:
            rows.append(i)
            targets.append(np.mean(found, axis=0))
    if not targets:
        return [], np.zeros((0, 0), dtype=np.float32)
    return rows, unit_rows(np.stack(targets))


def fit(
    model: str,
    pairs: Sequence[tuple[str, Sequence[Article]]],
    embed: Callable[[str], np.ndarray],
    vector_of: Mapping[Article, np.ndarray],
    ridge: float = RIDGE,
) -> QueryAdapter:
    """The map learned from (question, [(doc_id, article), …]) pairs: `embed` gives a question's
    vector as it is searched with, `vector_of` an article's passage vector; pairs none of whose
    articles has a vector are skipped."""
    rows, targets = gold_targets([g for _, g in pairs], vector_of)
    if not rows:
        raise ValueError("no labelled pair has a gold article with a passage vector")
    questions = unit_rows(np.stack([embed(pairs[i][0]) for i in rows]))
    return QueryAdapter(model, ridge_map(questions, targets, ridge), ridge, len(rows))
