"""The engine every interface calls: hybrid search and cited answers.

Nothing heavy happens on construction: the embedder, the store and the BM25 index load
on first use and are cached for the life of the process.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .citations import short_zh_title
from .config import Settings
from .documents import KNOWN_SHORT_NAMES, load_document
from .embeddings import Embedder, get_embedder
from .errors import IndexNotBuilt, RagError
from .extractive import describe_search, extractive_answer, is_chinese, refusal
from .lexical import BM25Index
from .store import Store
from .types import Answer, Chunk, Document, Hit

log = logging.getLogger(__name__)
RRF_K = 60
NAMED_DOC_BOOST = 1.3
FILTER_KEYS = ("doc_type", "short_name", "language", "status", "doc_id")
# An older version should lose a tie against the text in force.
STATUS_WEIGHT = {"in_force": 1.0, "amended": 0.85, "superseded": 0.8, "repealed": 0.7}


class Engine:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.store = Store(self.settings)
        self._embedder: Embedder | None = None
        self._records: dict[str, tuple[str, dict]] = {}
        self._bm25: BM25Index | None = None
        self._records_key: tuple[int, int] | None = None
        self._aliases: dict[str, tuple[re.Pattern, set[str]]] = {}
        self._lock = threading.Lock()

    # ---- lazy parts -------------------------------------------------------------------
    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings.embedding_model)
        return self._embedder

    def _load_records(self) -> None:
        """(Re)build the in-memory records and BM25 whenever the store changed."""
        with self._lock:
            key = (self.store.version, self.store.count())
            if key == self._records_key:
                return
            ids, texts, metas = self.store.all_records()
            self._records = {cid: (text, meta) for cid, text, meta in zip(ids, texts, metas, strict=True)}
            self._bm25 = BM25Index(ids, texts)
            self._aliases = _aliases(metas)
            self._records_key = key

    # ---- status -----------------------------------------------------------------------
    def index_status(self) -> dict[str, Any]:
        chunks = self.store.count()
        documents = len({m.get("doc_id") for _, m in self._records.values()}) if chunks else 0
        if chunks and not documents:
            self._load_records()
            documents = len({m.get("doc_id") for _, m in self._records.values()})
        return {
            "ready": chunks > 0,
            "documents": documents,
            "chunks": chunks,
            "embedding_model": self.settings.embedding_model,
            "data_dir": str(self.settings.data_dir),
        }

    def list_documents(self) -> list[dict[str, Any]]:
        self._require_index()
        docs: dict[str, dict[str, Any]] = {}
        for _, meta in self._records.values():
            entry = docs.setdefault(meta["doc_id"], {
                k: meta.get(k, "") for k in (
                    "doc_id", "title", "title_zh", "short_name", "doc_type", "status",
                    "language", "promulgated", "effective", "source_path", "source_url",
                )
            } | {"chunks": 0})
            entry["chunks"] += 1
        return sorted(docs.values(), key=lambda d: d["doc_id"])

    def get_document(self, doc_id: str) -> Document:
        for doc in self.list_documents():
            if doc["doc_id"] == doc_id:
                path = Path(doc["source_path"])
                return load_document(
                    path, doc_id=doc_id, max_bytes=int(self.settings.max_file_mb * 2**20)
                )
        raise RagError(f"no document {doc_id!r} in the index")

    def get_chunk(self, chunk_id: str) -> Chunk | None:
        """A stored chunk by id (links from Slack carry only the id), or None."""
        self._require_index()
        record = self._records.get(chunk_id)
        if record is None:
            return None
        text, meta = record
        def opt(key):
            value = meta.get(key, -1)
            return None if value is None or value < 0 else int(value)
        return Chunk(
            chunk_id=chunk_id, doc_id=meta["doc_id"], text=text,
            start=int(meta.get("start", 0)), end=int(meta.get("end", 0)),
            heading_path=[h for h in meta.get("heading_path", "").split(" › ") if h],
            article=opt("article"), article_end=opt("article_end"),
            paragraph=opt("paragraph"), page=opt("page"),
        )

    def _require_index(self) -> None:
        if self.store.count() == 0:
            raise IndexNotBuilt(f"no passages in {self.store.name} under {self.settings.data_dir}")
        self._load_records()

    # ---- search -----------------------------------------------------------------------
    def search(self, query: str, k: int | None = None, filters: dict[str, Any] | None = None) -> list[Hit]:
        query = (query or "").strip()
        if not query:
            raise RagError("The question is empty.")
        k = k or self.settings.top_k
        if k <= 0:
            raise RagError(f"k must be greater than 0, got {k}")
        filters = _clean_filters(filters)
        self._require_index()
        pool = max(k * 5, 40)
        named_docs = self._named_documents(query)
        query_vector = self.embedder.embed_query(query)
        dense = self.store.query(query_vector, pool, filters)
        allow = None
        if filters:
            ids = self._bm25.ids
            allow = lambda i: _matches(self._records[ids[i]][1], filters)  # noqa: E731
        lexical = self._bm25.search(query, pool, allow)

        fused: dict[str, float] = {}
        for ranking in (dense, lexical):
            for rank, (cid, _) in enumerate(ranking):
                fused[cid] = fused.get(cid, 0.0) + 1.0 / (RRF_K + rank + 1)
        dense_scores = dict(dense)
        lexical_scores = dict(lexical)
        for cid in fused:
            status = self._records.get(cid, ("", {}))[1].get("status", "in_force")
            fused[cid] *= STATUS_WEIGHT.get(status, 1.0)
            if self._records.get(cid, ("", {}))[1].get("doc_id") in named_docs:
                fused[cid] *= NAMED_DOC_BOOST
        ranked = sorted(fused, key=lambda cid: -fused[cid])[:k]
        self._fill_dense_scores(ranked, dense_scores, query_vector)
        hits = []
        for rank, cid in enumerate(ranked, 1):
            text, meta = self._records[cid]
            hits.append(Hit(
                chunk_id=cid, doc_id=meta["doc_id"], text=text, score=fused[cid], meta=meta,
                dense_score=dense_scores.get(cid), lexical_score=lexical_scores.get(cid), rank=rank,
            ))
        return hits

    def _named_documents(self, query: str) -> set[str]:
        """Documents the query names by short name ("PIPL", "数据安全法").

        The embedder does not know that PIPL is the Personal Information Protection Law, so
        passages of the named documents are preferred. (Adding the full titles to the query
        was tried and made it match the laws' generic opening articles instead.)
        """
        docs: set[str] = set()
        for pattern, doc_ids in self._aliases.values():
            if pattern.search(query):
                docs |= doc_ids
        return docs

    def _fill_dense_scores(self, ids: list[str], scores: dict[str, float], vector: np.ndarray) -> None:
        """Cosine similarity for hits only the lexical leg found (used to judge relevance)."""
        missing = [cid for cid in ids if cid not in scores]
        if not missing:
            return
        got = self.store.collection.get(ids=missing, include=["embeddings"])
        for cid, emb in zip(got["ids"], got["embeddings"], strict=True):
            scores[cid] = float(np.asarray(emb) @ vector)

    # ---- answers ----------------------------------------------------------------------
    def standalone_question(self, question: str, history: list[dict[str, str]] | None) -> str:
        """A follow-up ("and for minors?") made searchable on its own."""
        previous = [m["content"] for m in (history or []) if m.get("role") == "user" and m.get("content")]
        if not previous:
            return question
        if self.settings.llm:
            from .generate import rewrite_question

            return rewrite_question(question, history, self.settings)
        short = len(question) < 20 if is_chinese(question) else len(question.split()) < 8
        return f"{previous[-1]} {question}" if short else question

    def answer(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        filters: dict[str, Any] | None = None,
        *,
        on_token: Callable[[str], None] | None = None,
        on_hits: Callable[[list[Hit]], None] | None = None,
    ) -> Answer:
        question = (question or "").strip()
        if not question:
            raise RagError("The question is empty.")
        standalone = self.standalone_question(question, history)
        hits = self.search(standalone, filters=filters)
        if on_hits is not None:
            on_hits(hits)
        best = max((h.dense_score or 0.0 for h in hits), default=0.0)
        if best < self.settings.min_relevance:
            documents = len({m.get("doc_id") for _, m in self._records.values()})
            answer = refusal(question, describe_search(hits, documents, _clean_filters(filters)))
        else:
            # Passages far below the relevance bar only add noise to the quoted answer.
            floor = self.settings.min_relevance / 2
            usable = [h for h in hits if (h.dense_score or 0.0) >= floor]

            def offline() -> Answer:
                return extractive_answer(
                    question, usable, embed=self.embedder.embed_documents, idf=self._bm25.idf
                )

            if self.settings.llm:
                from .generate import llm_answer

                answer = llm_answer(
                    question, hits, history, self.settings, on_token=on_token, extractive=offline
                )
            else:
                answer = offline()
        answer.hits = hits
        if standalone != question:
            answer.standalone_question = standalone
        return answer

    def answer_stream(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        filters: dict[str, Any] | None = None,
    ) -> Iterator[tuple[str, Any]]:
        """Yield ("hits", [Hit]) as soon as retrieval ends, ("token", str)..., ("answer", Answer)."""
        events: queue.Queue = queue.Queue()

        def work() -> None:
            try:
                result = self.answer(
                    question, history, filters,
                    on_token=lambda t: events.put(("token", t)),
                    on_hits=lambda h: events.put(("hits", h)),
                )
                events.put(("answer", result))
            except BaseException as exc:  # handed to the consumer, which re-raises it
                events.put(("error", exc))

        threading.Thread(target=work, daemon=True).start()
        while True:
            kind, value = events.get()
            if kind == "error":
                raise value
            yield kind, value
            if kind == "answer":
                return


def _aliases(metas: list[dict]) -> dict[str, tuple[re.Pattern, set[str]]]:
    """short name or short Chinese title -> (pattern matching it in a query, doc ids)."""
    table: dict[str, tuple[re.Pattern, set[str]]] = {}
    for meta in metas:
        names = {meta.get("short_name", "")}
        if meta.get("title_zh"):
            names.add(short_zh_title(meta["title_zh"]))
        names |= {alias for alias, short in KNOWN_SHORT_NAMES.items() if short == meta.get("short_name")}
        for name in names:
            if len(name) < 2:
                continue
            if name not in table:
                if name.isascii():
                    flags = 0 if name.isupper() else re.I
                    pattern = re.compile(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", flags)
                else:
                    pattern = re.compile(re.escape(name))
                table[name] = (pattern, set())
            table[name][1].add(meta["doc_id"])
    return table


def _clean_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    if not filters:
        return None
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise RagError(f"unknown filter {sorted(unknown)}: expected one of {', '.join(FILTER_KEYS)}")
    cleaned = {k: v for k, v in filters.items() if v not in (None, "", [], ())}
    return cleaned or None


def _matches(meta: dict, filters: dict[str, Any]) -> bool:
    for key, value in filters.items():
        allowed = value if isinstance(value, (list, tuple, set)) else [value]
        if meta.get(key) not in allowed:
            return False
    return True


_default: Engine | None = None
_default_lock = threading.Lock()


def get_engine(settings: Settings | None = None) -> Engine:
    global _default
    if settings is not None:
        return Engine(settings)
    with _default_lock:
        if _default is None:
            _default = Engine(Settings.from_env())
        return _default
