"""The vector store's search breadth (RAG_SEARCH_EF) on a real embedded Chroma.

Chroma's HNSW index is approximate, and its graph differs between processes, so the dense
leg's lower ranks moved between two runs of the same code. `rag eval --exact` raises the
breadth until the search is exhaustive: then it returns what a full scan returns.
"""

from __future__ import annotations

import numpy as np
import pytest

from rag.config import Settings
from rag.evaluation.evaluate import EXACT_SEARCH_EF
from rag.index import Store

pytestmark = pytest.mark.slow

DIM, PASSAGES = 32, 3000


def _store(tmp_path, search_ef: int) -> Store:
    return Store(Settings(data_dir=tmp_path / "data", search_ef=search_ef))


def _fill(store: Store, vectors: np.ndarray) -> list[str]:
    ids = [f"c{i}" for i in range(len(vectors))]
    metas = [{"doc_id": f"d{i % 7}"} for i in range(len(vectors))]
    store.upsert(ids, vectors, [f"passage {i}" for i in range(len(vectors))], metas)
    return ids


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_exhaustive_search_returns_what_a_full_scan_returns(tmp_path):
    rng = np.random.default_rng(7)
    vectors = _unit(rng.standard_normal((PASSAGES, DIM)).astype(np.float32))
    store = _store(tmp_path, EXACT_SEARCH_EF)
    ids = _fill(store, vectors)
    for query in _unit(rng.standard_normal((20, DIM)).astype(np.float32)):
        scan = [ids[i] for i in np.argsort(-(vectors @ query))]
        assert [cid for cid, _ in store.query(query, 40)] == scan[:40]
        in_d3 = [cid for cid in scan if int(cid[1:]) % 7 == 3]
        assert [cid for cid, _ in store.query(query, 10, {"doc_id": ["d3"]})] == in_d3[:10]


def test_the_setting_reaches_the_collection_and_follows_a_change(tmp_path):
    store = _store(tmp_path, 100)
    _fill(store, _unit(np.eye(DIM, dtype=np.float32)))
    assert store.collection.configuration["hnsw"]["ef_search"] == 100
    reopened = _store(tmp_path, 500)  # a later process with another setting
    assert reopened.collection.configuration["hnsw"]["ef_search"] == 500
    assert reopened.count() == DIM


@pytest.mark.parametrize("refusals", [2, 99])
def test_a_store_opens_while_another_writer_holds_the_database(tmp_path, monkeypatch, refusals):
    """Applying RAG_SEARCH_EF is a write; under load CI saw SQLite refuse it ("database is
    locked") and the store could not be opened at all. It is retried, and given up with a
    warning if the lock stays: searching does not need the new breadth."""
    from chromadb.api.models.Collection import Collection

    store = _store(tmp_path, 100)
    vectors = _unit(np.eye(DIM, dtype=np.float32))
    _fill(store, vectors)
    modify, tries = Collection.modify, []

    def locked(self, *args, **kwargs):
        tries.append(1)
        if len(tries) <= refusals:
            raise RuntimeError("Database error: (code: 5) database is locked")
        return modify(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "modify", locked)
    reopened = _store(tmp_path, 500)
    reopened.reopen()  # a new client, as a later process has
    assert reopened.query(vectors[3], 1)[0][0] == "c3"
    applied = reopened.collection.configuration["hnsw"]["ef_search"]
    assert applied == (500 if refusals == 2 else 100)
