"""Ingest folders of documents into the vector store, incrementally.

A document whose content hash is unchanged is skipped; a changed one is replaced (new
chunks are written before the old ones are removed, so a crash never leaves it missing);
a deleted file's chunks are removed. A file that cannot be read is reported by name and
the others are still ingested.

Chunks are embedded in batches that run across documents (most laws are a few chunks long)
and written batch by batch, in order; each chunk carries its document's chunk count, so the
next run rewrites a document a crash cut off between two batches.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..answer import build_label
from ..config import Settings
from ..errors import DocumentError, RagError
from ..index import Store, get_embedder, in_reading_order
from ..types import Chunk, Document, PassageMeta, Written
from .chunking import CHUNKER_VERSION, chunk_document
from .documents import content_hash, is_source_file, load_document
from .encoder import EncoderPool
from .progress import LINE_EVERY, Progress

log = logging.getLogger(__name__)

EMBED_BATCH = 256
WRITE_BATCH = 1024  # chunks written to the store at once (see rag.index.store.BATCH)
CHILD_FROM = 1_000  # chunks from which embedding in child processes pays for their start
MAX_ENCODERS = 4  # child processes embedding at once (each holds a copy of the model)


@dataclass
class IngestReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    moved: int = 0  # unchanged documents found at another path: their stored path is updated
    chunks: int = 0  # chunks written in this run
    seconds: float = 0.0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    generation: str = ""  # the store's, when this run changed it
    written: Written | None = None  # when this run wrote the whole store

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.moved)

    def summary(self) -> str:
        line = (
            f"ingest: {self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed, {len(self.failed)} failed, {self.chunks} chunks, "
            f"{self.seconds:.1f} s"
        )
        if self.moved:
            line += f"; {self.moved} moved (their paths updated)"
        if not self.changed and not self.failed:
            line += " (nothing changed)"
        return line


def discover(dirs: list[Path], unreadable: list[Path] | None = None) -> list[tuple[str, Path]]:
    """(doc_id, path) for every ingestible file; doc_id is the path inside its folder.
    Folders that cannot be read are added to `unreadable` (their files are not "gone")."""
    found: dict[str, Path] = {}
    blocked = unreadable if unreadable is not None else []
    for root in dirs:
        if not root.is_dir():
            raise RagError(f"corpus folder not found: {root}")
        paths: list[Path] = []
        for folder, subfolders, names in os.walk(
            root, onerror=lambda exc: blocked.append(Path(exc.filename))
        ):
            subfolders[:] = [d for d in subfolders if not d.startswith(".")]
            paths.extend(Path(folder) / name for name in names)
        for path in sorted(paths):
            if not is_source_file(path) or any(
                p.startswith(".") for p in path.relative_to(root).parts
            ):
                continue
            doc_id = path.relative_to(root).with_suffix("").as_posix()
            if doc_id in found and found[doc_id].resolve() != path.resolve():
                doc_id = f"{root.name}/{doc_id}"
            found[doc_id] = path
    return sorted(found.items())


def chunk_metadata(doc: Document, chunk: Chunk, doc_chunks: int = 0) -> dict:
    """Flat metadata stored with each chunk (Chroma takes scalars only). `doc_chunks`, the
    number of chunks of the whole document, lets the next ingest tell a document written
    whole from one a crash cut off between two batches."""
    m = doc.meta
    meta = {
        "doc_id": doc.doc_id,
        "source_path": doc.source_path,
        "doc_hash": doc.content_hash,
        "doc_chunks": doc_chunks,
        "title": m.title,
        "title_zh": m.title_zh,
        "short_name": m.short_name,
        "doc_type": m.doc_type,
        "status": m.status,
        "language": m.language,
        "issuer": m.issuer,
        "promulgated": m.promulgated,
        "effective": m.effective,
        "source_url": m.source_url,
        "supersedes": m.supersedes,
        "as_of": m.as_of,
        "aliases": m.aliases,
        "heading_path": " › ".join(chunk.heading_path),
        "article": -1 if chunk.article is None else chunk.article,
        "article_end": -1 if chunk.article_end is None else chunk.article_end,
        "paragraph": -1 if chunk.paragraph is None else chunk.paragraph,
        "page": -1 if chunk.page is None else chunk.page,
        "start": chunk.start,
        "end": chunk.end,
    }
    meta["label"] = build_label(PassageMeta.from_record(meta))
    return meta


def ingest(
    settings: Settings,
    corpus_dirs: list[Path] | None = None,
    *,
    reset: bool = False,
    progress: bool | None = None,
    progress_every: float = LINE_EVERY,
) -> IngestReport:
    """Bring the index in line with the folders. `progress=False` prints nothing; otherwise a
    bar shows on a terminal, and a line every `progress_every` seconds when stderr is a log."""
    started = time.monotonic()
    dirs = [Path(d) for d in (corpus_dirs or settings.corpus_paths)]
    report = IngestReport()
    live = Store(settings)
    # A rebuild writes into a staging collection and replaces the live one only when done:
    # questions asked meanwhile are answered from the old index, never from a half-built one.
    store = Store(settings, staging=True) if reset else live
    if reset:
        store.reset()  # what a crashed rebuild left
    unreadable: list[Path] = []
    files = discover(dirs, unreadable)
    for folder in unreadable:
        report.failed.append(
            (str(folder), "cannot read this folder; its indexed documents are kept")
        )

    stored: dict[str, dict] = {}  # doc_id -> {"hash", "hashes", "path", "ids", "metas", "chunks"}
    ids, _, metas = store.all_records(include_text=False)
    for cid, meta in zip(ids, metas, strict=True):
        entry = stored.setdefault(
            meta["doc_id"],
            {
                "hashes": set(),
                "path": meta.get("source_path", ""),
                "ids": [],
                "metas": [],
                "chunks": set(),
            },
        )
        entry["metas"].append(meta)
        entry["ids"].append(cid)
        entry["hashes"].add(meta.get("doc_hash"))
        entry["chunks"].add(int(meta.get("doc_chunks") or 0))
    for entry in stored.values():
        # Whole: one version, all its chunks there. A kill between two batches of a long
        # document, or between writing a new version and deleting the old one, leaves it
        # partial or mixed, and it is written again.
        (expected,) = entry["chunks"] if len(entry["chunks"]) == 1 else (-1,)
        whole = len(entry["hashes"]) == 1 and expected in (0, len(entry["ids"]))
        entry["hash"] = next(iter(entry["hashes"])) if whole else None

    salt = f"{CHUNKER_VERSION}:{settings.chunk_tokens}"
    max_bytes = int(settings.max_file_mb * 2**20)
    pending: list[tuple[Document, list[Chunk]]] = []
    for doc_id, path in files:
        try:
            if doc_id in stored and stored[doc_id]["hash"] == content_hash(path, salt):
                report.unchanged += 1
                where = str(path.resolve())
                if stored[doc_id]["path"] != where:
                    # The folder moved (or was named another way): the viewer opens the file
                    # by this path, and the glossary is told apart by it.
                    entry = stored[doc_id]
                    metas = [meta | {"source_path": where} for meta in entry["metas"]]
                    store.update_metadata(entry["ids"], metas)
                    entry["path"] = where
                    report.moved += 1
                continue
            doc = load_document(path, doc_id=doc_id, max_bytes=max_bytes, salt=salt)
            chunks = chunk_document(doc, settings.chunk_tokens)
            if not chunks:
                raise DocumentError(path, "no text to index after parsing")
        except DocumentError as exc:
            report.failed.append((str(path), exc.reason))
            continue
        except OSError as exc:
            report.failed.append((str(path), f"cannot read: {exc.strerror or exc}"))
            continue
        report.warnings.extend((str(path), w) for w in doc.warnings)
        pending.append((doc, chunks))

    # Kept only when the store starts empty: then what is written is all it holds.
    written: list[tuple[str, str, dict]] | None = [] if not stored else None
    if pending:
        meter = Progress(
            len(pending),
            sum(len(chunks) for _, chunks in pending),
            show=progress is not False,
            every=progress_every,
        )
        try:
            _write(store, settings, pending, stored, report, meter, written)
        finally:
            meter.close()

    scanned = [d.resolve() for d in dirs]
    present = {doc_id for doc_id, _ in files}
    for doc_id, entry in stored.items():
        path = Path(entry["path"])
        inside = any(path.is_relative_to(root) for root in scanned)
        hidden = any(path.is_relative_to(folder.resolve()) for folder in unreadable)
        if inside and not hidden and doc_id not in present:
            store.delete(entry["ids"])
            report.removed += 1
    if reset and files and not report.chunks:
        store.reset()  # every file failed: nothing to rebuild from, the old index stays
        report.failed.append(("--reset", "no document could be indexed; the index is unchanged"))
        reset = False
    elif reset:
        report.generation = store.mark_generation()  # the rebuilt index carries it when live
        live.replace(store)
    elif report.changed:
        report.generation = live.mark_generation()  # serving processes reload on it
    elif not live.generation() and live.count():
        # A store written before generations existed: without one its index is never saved
        # (every start rebuilds it) and a server cannot tell when it is ready.
        live.mark_generation()
    if written and report.generation:
        ids, texts, metas = (list(column) for column in zip(*written, strict=True))
        report.written = Written(report.generation, in_reading_order(ids, texts, metas))
    report.seconds = time.monotonic() - started
    return report


@dataclass
class _Batch:
    """Chunks of one or more documents, embedded together: many documents are a few chunks
    long, and one call per document left the encoder waiting on the store."""

    items: list[tuple[int, Chunk]] = field(default_factory=list)  # (index in pending, chunk)
    finished: list[int] = field(default_factory=list)  # documents whose last chunk is here


def _batches(pending: list[tuple[Document, list[Chunk]]], size: int) -> Iterator[_Batch]:
    batch = _Batch()
    for n, (_, chunks) in enumerate(pending):
        for i, chunk in enumerate(chunks):
            batch.items.append((n, chunk))
            if i == len(chunks) - 1:
                batch.finished.append(n)
            if len(batch.items) == size:
                yield batch
                batch = _Batch()
    if batch.items:
        yield batch


def _write(
    store: Store,
    settings: Settings,
    pending: list[tuple[Document, list[Chunk]]],
    stored: dict[str, dict[str, Any]],
    report: IngestReport,
    meter: Progress,
    written: list[tuple[str, str, dict]] | None,
) -> None:
    """Embed in batches across documents and write each batch as its vectors come back; a
    large ingest embeds in child processes meanwhile, one a core. Written records are added
    to `written` unless it is None."""
    batches = list(_batches(pending, EMBED_BATCH))
    total = sum(len(batch.items) for batch in batches)
    # The chunk alone: prefixing its law's name and heading was measured on
    # eval/policy_texts_qa.jsonl and did not help (hit@5 0.74 with, 0.78 without).
    texts = ([c.text for _, c in batch.items] for batch in batches)
    encoders = None
    if total >= CHILD_FROM:
        try:
            encoders = EncoderPool(settings.embedding_model, processes=_cores())
        except RagError as exc:  # no processes to be had: embed here
            log.warning("embedding in this process only: %s", exc)
    vectors: Iterator[np.ndarray]
    if encoders is None:
        vectors = map(get_embedder(settings.embedding_model).embed_documents, texts)
    else:
        vectors = encoders.embed(texts)
    with encoders or contextlib.nullcontext():
        # Large ingests write in fewer, larger calls; a small one still in eight or more, so
        # its progress shows as it goes.
        size = min(WRITE_BATCH, max(EMBED_BATCH, total // 8))
        for batch, batch_vectors in _grouped(zip(batches, vectors, strict=True), size):
            written_now = _write_batch(store, pending, stored, report, batch, batch_vectors)
            if written is not None:
                written.extend(written_now)
            meter.advance(len(batch.finished), len(batch.items))


def _grouped(
    embedded: Iterable[tuple[_Batch, np.ndarray]], size: int
) -> Iterator[tuple[_Batch, np.ndarray]]:
    """Embedded batches joined until they hold `size` chunks: the store writes fewer, larger
    calls (Store.BATCH), while the encoders keep their own batch size."""
    group: list[tuple[_Batch, np.ndarray]] = []
    for pair in embedded:
        group.append(pair)
        if sum(len(batch.items) for batch, _ in group) >= size:
            yield _joined(group)
            group = []
    if group:
        yield _joined(group)


def _joined(group: list[tuple[_Batch, np.ndarray]]) -> tuple[_Batch, np.ndarray]:
    if len(group) == 1:
        return group[0]
    joined = _Batch()
    for batch, _ in group:
        joined.items.extend(batch.items)
        joined.finished.extend(batch.finished)
    return joined, np.concatenate([vectors for _, vectors in group])


def _write_batch(
    store: Store,
    pending: list[tuple[Document, list[Chunk]]],
    stored: dict[str, dict[str, Any]],
    report: IngestReport,
    batch: _Batch,
    vectors: np.ndarray,
) -> list[tuple[str, str, dict]]:
    docs = [pending[n] for n, _ in batch.items]
    ids = [c.chunk_id for _, c in batch.items]
    texts = [c.text for _, c in batch.items]
    metas = [
        chunk_metadata(doc, c, len(chunks))
        for (doc, chunks), (_, c) in zip(docs, batch.items, strict=True)
    ]
    store.upsert(ids, vectors, texts, metas)
    for n in batch.finished:
        # Only once the whole new version is written is the old one deleted.
        doc, chunks = pending[n]
        old = stored.get(doc.doc_id)
        if old:
            new_ids = {c.chunk_id for c in chunks}
            store.delete([cid for cid in old["ids"] if cid not in new_ids])
            report.updated += 1
        else:
            report.added += 1
        report.chunks += len(chunks)
    return list(zip(ids, texts, metas, strict=True))


def _cores() -> int:
    """Encoder processes to start: one per core this process may use, up to MAX_ENCODERS."""
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return max(1, min(MAX_ENCODERS, len(usable) if usable else os.cpu_count() or 1))
