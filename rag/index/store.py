"""The vector store: one Chroma collection per embedding model.

Embedded (`PersistentClient` under data_dir/chroma) by default, or a Chroma server when
RAG_CHROMA_URL is set. We always pass our own vectors: Chroma's default embedding function
would download a model at run time.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlparse

import numpy as np

from ..config import Settings
from ..errors import ConfigError, RagError
from .embeddings import slug

# Records a Chroma call writes or deletes. Each call has a fixed cost: writing 7,155 passages
# with their texts and metadata took 10.5 s of CPU in calls of 256, 8.3 s in calls of 1,024
# (7.9 s of 4,096), and at 68,573 passages that CPU is taken from the encoders.
BATCH = 1024
# Seconds between tries of a settings write that SQLite refused as locked by another writer.
LOCK_WAITS = (0.1, 0.3, 1.0, 2.0)

log = logging.getLogger(__name__)


GENERATION = "generation"  # key in the collection's metadata
STAGING = "--staging"  # suffix of the collection a rebuild (`ingest --reset`) writes into


def collection_name(embedding_model: str) -> str:
    return f"policy-desk-{slug(embedding_model)}"


def where_clause(filters: dict[str, Any] | None) -> dict | None:
    """Chroma `where` from {"doc_type": "law", "language": ["zh", "en"], ...}."""
    if not filters:
        return None
    terms = []
    for key, value in filters.items():
        if value in (None, "", [], ()):
            continue
        if isinstance(value, (list, tuple, set)):
            terms.append({key: {"$in": list(value)}})
        else:
            terms.append({key: value})
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else {"$and": terms}


def in_reading_order(
    ids: list[str], texts: list[str], metas: list[dict]
) -> tuple[list[str], list[str], list[dict]]:
    """Records sorted by document, then position. Chroma returns records in no promised order,
    and the order leaks into every table built from them (which chunk of an article is its
    first, BM25's tie-breaks, which alias of a law is tried first): in reading order, two
    processes build the same index, from the store or from what an ingest wrote."""
    order = sorted(
        range(len(ids)),
        key=lambda i: (metas[i].get("doc_id", ""), metas[i].get("start", 0), ids[i]),
    )
    return [ids[i] for i in order], [texts[i] for i in order], [metas[i] for i in order]


class Store:
    def __init__(self, settings: Settings, staging: bool = False) -> None:
        self.settings = settings
        self.name = collection_name(settings.embedding_model) + (STAGING if staging else "")
        self._client = None
        self._collection = None
        self._lock = threading.RLock()
        self.version = 0  # bumped on every write; lets caches know they are stale

    @property
    def client(self) -> Any:  # a chromadb client; its own types are looser than its behaviour
        with self._lock:  # two first uses at once would each start a client and collide
            if self._client is None:
                self._client = self._connect()
        return self._client

    def _connect(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        url = self.settings.chroma_url
        if url:
            parsed = urlparse(url)
            if not parsed.hostname:
                raise ConfigError(f"RAG_CHROMA_URL must look like http://host:port, got {url!r}")
            try:
                return chromadb.HttpClient(
                    host=parsed.hostname,
                    port=parsed.port or 8000,
                    ssl=parsed.scheme == "https",
                    settings=chroma_settings,
                )
            except Exception as exc:
                raise RagError(f"cannot reach the Chroma server at {url}: {exc}") from exc
        else:
            path = self.settings.data_dir / "chroma"
            path.mkdir(parents=True, exist_ok=True)
            return chromadb.PersistentClient(path=str(path), settings=chroma_settings)

    def exists(self) -> bool:
        try:
            names = [getattr(c, "name", c) for c in self.client.list_collections()]
        except Exception as exc:
            raise RagError(f"cannot open the vector store: {exc}") from exc
        return self.name in names

    @property
    def collection(self) -> Any:  # a chromadb Collection
        with self._lock:
            return self._open_collection()

    def _open_collection(self) -> Any:
        if self._collection is None:
            collection = self.client.get_or_create_collection(
                self.name,
                embedding_function=None,
                metadata={"hnsw:space": "cosine", "embedding_model": self.settings.embedding_model},
            )
            hnsw = (collection.configuration or {}).get("hnsw") or {}
            if hnsw.get("ef_search") != self.settings.search_ef:
                self._set_search_ef(collection)
            self._collection = collection
        return self._collection

    def _set_search_ef(self, collection: Any) -> None:
        """Apply RAG_SEARCH_EF to the collection: a write, which SQLite refuses while another
        writer holds the database ("database is locked", seen under load). Retried for a few
        seconds; then the store is searched with the breadth it has, and told so."""
        ef = self.settings.search_ef
        for wait in (*LOCK_WAITS, None):
            try:
                collection.modify(configuration={"hnsw": {"ef_search": ef}})
                return
            except Exception as exc:
                if wait is None or "locked" not in str(exc):
                    log.warning("RAG_SEARCH_EF=%d not applied to %s: %s", ef, self.name, exc)
                    return
                time.sleep(wait)

    def count(self) -> int:
        if self._collection is None and not self.exists():
            return 0
        return self.collection.count()

    def generation(self) -> str:
        """The generation the last ingest that changed the index set, read fresh from the
        store: a serving process notices another process's ingest by it ("" if none)."""
        if self._collection is None and not self.exists():
            return ""
        try:
            metadata = self.client.get_collection(self.name).metadata or {}
        except Exception:  # the collection was deleted under us (ingest --reset)
            return ""
        return str(metadata.get(GENERATION, ""))

    def mark_generation(self) -> str:
        """Start a new generation: every process serving this index reloads on its next
        question. Called once an ingest has written all its changes."""
        with self._lock:
            if not self.exists():
                return ""
            current = self.client.get_collection(self.name).metadata or {}
            metadata = {k: v for k, v in current.items() if not k.startswith("hnsw:")}
            metadata[GENERATION] = uuid.uuid4().hex
            self.collection.modify(metadata=metadata)
            self.version += 1
            return str(metadata[GENERATION])

    def reopen(self) -> None:
        """Drop the connection so the next use reads the store afresh. The embedded store keeps
        its vector index in memory per process, so another process's writes are seen only by
        a new client on a new Chroma system (the old one stays with whoever still holds it)."""
        with self._lock:
            if self._client is not None and not self.settings.chroma_url:
                from chromadb.api.shared_system_client import SharedSystemClient

                identifier = getattr(self._client, "_identifier", None)
                SharedSystemClient._identifier_to_system.pop(identifier, None)
                SharedSystemClient._identifier_to_refcount.pop(identifier, None)
            self._client = None
            self._collection = None
            self.version += 1

    def upsert(
        self, ids: list[str], vectors: np.ndarray, texts: list[str], metas: list[dict]
    ) -> None:
        with self._lock:
            for i in range(0, len(ids), BATCH):
                self.collection.upsert(
                    ids=ids[i : i + BATCH],
                    embeddings=np.asarray(vectors[i : i + BATCH], dtype=np.float32),
                    documents=texts[i : i + BATCH],
                    metadatas=metas[i : i + BATCH],
                )
            self.version += 1

    def update_metadata(self, ids: list[str], metas: list[dict]) -> None:
        """Replace the metadata of stored chunks, keeping their texts and vectors."""
        with self._lock:
            for i in range(0, len(ids), BATCH):
                self.collection.update(ids=ids[i : i + BATCH], metadatas=metas[i : i + BATCH])
            self.version += 1

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        with self._lock:
            for i in range(0, len(ids), BATCH):
                self.collection.delete(ids=ids[i : i + BATCH])
            self.version += 1

    def replace(self, staged: Store) -> None:
        """Make the `staged` collection this one: the old collection is dropped and the staged
        one takes its name, so readers see the old index until the new one is complete."""
        with self._lock:
            # Renamed aside first, dropped last: the name is without a collection only between
            # the two renames, and readers retry once (Retriever._dense).
            old = f"{self.name}--old"
            if self.exists():
                if old in [getattr(c, "name", c) for c in self.client.list_collections()]:
                    self.client.delete_collection(old)
                self.client.get_collection(self.name).modify(name=old)
            staged.collection.modify(name=self.name)
            if old in [getattr(c, "name", c) for c in self.client.list_collections()]:
                self.client.delete_collection(old)
            staged._collection = None
            self._collection = None
            self.version += 1

    def reset(self) -> None:
        with self._lock:
            if self.exists():
                self.client.delete_collection(self.name)
            self._collection = None
            self.version += 1

    def all_records(self, include_text: bool = True) -> tuple[list[str], list[str], list[dict]]:
        """Every chunk id, text and metadata (for BM25 and the document index)."""
        if self._collection is None and not self.exists():
            return [], [], []
        include = ["metadatas", "documents"] if include_text else ["metadatas"]
        ids: list[str] = []
        texts: list[str] = []
        metas: list[dict] = []
        total = self.collection.count()
        for offset in range(0, total, 2000):
            page = self.collection.get(include=include, limit=2000, offset=offset)
            ids.extend(page["ids"])
            metas.extend(page["metadatas"])
            texts.extend(page["documents"] if include_text else [""] * len(page["ids"]))
        return in_reading_order(ids, texts, metas)

    def vectors(self, ids: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these chunks, by id (an id the store does not hold is left
        out). Read by id, they are exact where the nearest-neighbour search is not."""
        if not ids:
            return {}
        got = self.collection.get(ids=ids, include=["embeddings"])
        return {
            cid: np.asarray(vector, dtype=np.float32)
            for cid, vector in zip(got["ids"], got["embeddings"], strict=True)
        }

    def query(
        self, vector: np.ndarray, n: int, filters: dict | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the n nearest chunks."""
        total = self.count()
        if total == 0:
            return []
        result = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=min(n, total),
            where=where_clause(filters),
            include=["distances"],
        )
        return [
            (cid, 1.0 - float(d))
            for cid, d in zip(result["ids"][0], result["distances"][0], strict=True)
        ]
