"""A linear map on the question's vector for the `dense` leg, learned from labelled pairs: the
`adapter` unit.

The embedder is frozen, and it reads a lay question ("老公欠钱我要还吗") and the article that
answers it (夫妻共同债务…以家庭财产清偿) as far apart. From labelled pairs (a question and its
gold articles, as `rag tune` reads them) `fit` learns W, held near the identity, that moves each
question's vector, as embedded when it is asked, toward its gold articles' stored passage
vectors (their mean, normalised) and away from other answers' and sampled passages'. The dense
leg then searches the vector store with qW, normalised. Only that search moves: a hit's
similarity (which refusal reads), the questions asked before and the laws they vote for still
read the question's own vector.

`rag tune` fits it and writes it to `data_dir/learned/adapter.json` (the map beside it, in
`adapter.npy`); without those files the map is the identity. Inside STARD's fit half the
contrastive fit beat the closed form W = argmin Σ‖qW − g‖² + λ‖W − I‖² (`ridge_map`, kept to
compare) on the dense leg alone (Recall@10 0.474 against 0.432 at its best λ, 0.359 without)
and on the whole search. Fitted on the fit half, on
the held half (541): Recall@10 0.578 → 0.594, MRR@10 0.437 → 0.456, wrongly refused 1.7% →
1.8% (docs/experiments.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import Settings
from ..index import unit_rows
from .index import Index

# The contrastive fit (chosen inside STARD's fit half, docs/experiments.md): each question's
# gold against the other questions' golds and NEGATIVES sampled passages, softmax at
# TEMPERATURE, ‖W − I‖² × PULL, STEPS full-batch Adam steps of LEARNING_RATE from W = I.
TEMPERATURE = 0.05
PULL = 0.03
STEPS = 200
LEARNING_RATE = 1e-3
NEGATIVES = 4096
FILENAME = "adapter.json"
MATRIX = "adapter.npy"

Article = tuple[str, int]


def adapter_path(settings: Settings) -> Path:
    """Where `rag tune` writes the map for the index under `settings.data_dir`."""
    return settings.data_dir / "learned" / FILENAME


@dataclass
class QueryAdapter:
    """x ↦ xW, normalised, for question vectors by the embedder `model`."""

    model: str  # the embedder the map was fitted for: another one's vectors it does not fit
    matrix: np.ndarray  # W, d × d
    method: str  # how it was fitted: "contrastive" or "ridge λ"
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
        body = {"model": self.model, "method": self.method, "pairs": self.pairs}
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(body), encoding="utf-8")
        partial.replace(path)  # written last: a reader never sees a description without its map

    @classmethod
    def load(cls, path: Path) -> QueryAdapter:
        body = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            model=str(body["model"]),
            matrix=np.load(path.with_name(MATRIX)).astype(np.float32),
            method=str(body["method"]),
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


def contrastive_map(
    questions: np.ndarray,
    targets: np.ndarray,
    answers: Sequence[Hashable],
    negatives: np.ndarray,
    steps: int = STEPS,
) -> np.ndarray:
    """W from the identity by full-batch Adam steps on: each question, mapped and normalised,
    should be nearer its own target than any other answer's target (`answers[i]` names
    question i's, so that two questions with one answer are not each other's negatives) or
    any of `negatives` (softmax cross-entropy at TEMPERATURE), + PULL × ‖W − I‖². In numpy,
    the gradient written out: 200 steps over 549 questions take seconds."""
    keys = list(dict.fromkeys(answers))
    label = np.array([keys.index(a) for a in answers])
    first = {a: i for i, a in reversed(list(enumerate(answers)))}
    c = np.concatenate([targets[[first[a] for a in keys]], negatives]).astype(np.float32)
    x = np.asarray(questions, dtype=np.float32)
    n, dim = x.shape
    eye = np.eye(dim, dtype=np.float32)
    w = eye.copy()
    moment, square = np.zeros_like(w), np.zeros_like(w)
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        z = x @ w
        norm = np.linalg.norm(z, axis=1, keepdims=True)
        u = z / norm
        logits = u @ c.T / TEMPERATURE
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(n), label] -= 1.0  # d loss / d logits, × n
        du = p @ c / (TEMPERATURE * n)
        dz = (du - u * np.sum(du * u, axis=1, keepdims=True)) / norm
        grad = x.T @ dz + 2 * PULL * (w - eye)
        moment = beta1 * moment + (1 - beta1) * grad
        square = beta2 * square + (1 - beta2) * grad**2
        w -= LEARNING_RATE * (moment / (1 - beta1**t)) / (np.sqrt(square / (1 - beta2**t)) + eps)
    return w.astype(np.float32)


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
    negatives: np.ndarray | None = None,
    ridge: float | None = None,
) -> QueryAdapter:
    """The map learned from (question, [(doc_id, article), …]) pairs: `embed` gives a question's
    vector as it is searched with, `vector_of` an article's passage vector; pairs none of whose
    articles has a vector are skipped. Contrastive against `negatives` (passage vectors) as
    `rag tune` fits it; the closed form with `ridge` instead when that is given."""
    rows, targets = gold_targets([g for _, g in pairs], vector_of)
    if not rows:
        raise ValueError("no labelled pair has a gold article with a passage vector")
    questions = unit_rows(np.stack([embed(pairs[i][0]) for i in rows]))
    if ridge is not None:
        return QueryAdapter(
            model, ridge_map(questions, targets, ridge), f"ridge {ridge:g}", len(rows)
        )
    if negatives is None or not len(negatives):
        negatives = np.zeros((0, questions.shape[1]), dtype=np.float32)
    answers = [tuple(sorted(pairs[i][1])) for i in rows]
    matrix = contrastive_map(questions, targets, answers, unit_rows(negatives))
    return QueryAdapter(model, matrix, "contrastive", len(rows))


def sample_negatives(
    ids: Sequence[str], read: Callable[[list[str]], Mapping[str, np.ndarray]], n: int = NEGATIVES
) -> np.ndarray:
    """The stored vectors of `n` passages drawn from `ids` (the same ones every time for the
    same ids): what a question's gold must be nearer than."""
    ordered = sorted(ids)
    if not ordered:
        return np.zeros((0, 0), dtype=np.float32)
    drawn = np.random.default_rng(0).choice(len(ordered), min(n, len(ordered)), replace=False)
    found = read([ordered[i] for i in sorted(drawn)])
    return np.stack(list(found.values())) if found else np.zeros((0, 0), dtype=np.float32)
