"""Optional second stage: a cross-encoder re-scores the best fused hits.

Off by default (`RAG_RERANKER` empty), so the default path stays offline and fast. When set,
it names a sentence-transformers CrossEncoder by model id or local path (for example
`BAAI/bge-reranker-v2-m3`); the model is loaded on first use, once per process, on the CPU.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import TYPE_CHECKING

from ..errors import ModelUnavailable
from ..types import Hit

if TYPE_CHECKING:
    from ..config import Settings

BATCH_SIZE = 16
MAX_TOKENS = 512  # query + passage; our chunks are ~200 tokens, so this rarely truncates
MIN_POOL = 20  # the engine reranks the best max(k * 3, MIN_POOL) fused hits


def _unavailable(name: str, reason: str) -> ModelUnavailable:
    return ModelUnavailable(
        f"cannot load the reranker {name!r} named by RAG_RERANKER: {reason}. Give a local path "
        "or a model in the Hugging Face cache, or leave RAG_RERANKER empty: the default needs "
        "no reranker."
    )


class Reranker:
    """A cross-encoder that scores (question, passage) pairs; higher means more relevant."""

    def __init__(self, name: str) -> None:
        try:
            from sentence_transformers import CrossEncoder
        except ImportError as exc:  # pragma: no cover - it is a core dependency
            raise _unavailable(name, "the package sentence-transformers is not installed") from exc
        self.name = name
        try:
            self._model = CrossEncoder(name, device="cpu")
        except Exception as exc:  # OSError, HTTP errors, missing files: all mean "not available"
            raise _unavailable(name, str(exc).strip().rstrip(".") or type(exc).__name__) from exc
        if self._model.num_labels != 1:
            raise _unavailable(
                name, f"it is a classifier with {self._model.num_labels} labels, not a reranker"
            )
        limit = self._model.max_seq_length
        self._model.max_seq_length = min(limit, MAX_TOKENS) if limit else MAX_TOKENS
        self._lock = threading.Lock()  # one forward pass at a time; the UI serves threads

    def rerank(self, query: str, hits: list[Hit], top_k: int | None = None) -> list[Hit]:
        """New `Hit`s ordered by cross-encoder score, `score` replaced by it and `rank` 1..n."""
        if top_k is not None and top_k <= 0:
            raise ValueError(f"top_k must be greater than 0, got {top_k}")
        if not hits:
            return []
        pairs = [(query, _passage(hit)) for hit in hits]
        with self._lock:
            scores = self._model.predict(pairs, batch_size=BATCH_SIZE, show_progress_bar=False)
        # ties keep the fused order
        order = sorted(range(len(hits)), key=lambda i: (-float(scores[i]), i))[:top_k]
        return [
            dataclasses.replace(hits[i], score=float(scores[i]), rank=rank)
            for rank, i in enumerate(order, 1)
        ]


def _passage(hit: Hit) -> str:
    """The passage with its label ("PIPL Art. 13") as context, as the user will see it cited."""
    context = hit.label or hit.title
    return f"{context}\n{hit.text}" if context else hit.text


_cache: dict[str, Reranker] = {}
_cache_lock = threading.Lock()


def get_reranker(name: str) -> Reranker:
    """Build (once per process) the cross-encoder named by model id or local path."""
    with _cache_lock:
        if name not in _cache:
            _cache[name] = Reranker(name)
        return _cache[name]


def rerank_hits(settings: Settings, query: str, hits: list[Hit], k: int) -> list[Hit]:
    """The engine's second stage: rerank the best `max(k * 3, 20)` fused hits, keep `k`.

    Without `settings.reranker` the fused order stands and the first `k` hits are returned.
    """
    if not settings.reranker:
        return hits[:k]
    pool = hits[: max(k * 3, MIN_POOL)]
    return get_reranker(settings.reranker).rerank(query, pool, top_k=k)
