"""The indexed documents as a reader browses them: the list, one document's passages and
source, a passage by id, and the values the filters can take. A part of `PolicyEngine`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .config import Settings
from .errors import DocumentError, RagError
from .ingest import load_document
from .retrieval import Retriever, primary_articles
from .types import Chunk, Document, FacetValue, Hit

log = logging.getLogger(__name__)
FACET_KEYS = ("doc_type", "language", "status", "short_name")
DOCUMENT_FIELDS = (
    "doc_id",
    "title",
    "title_zh",
    "short_name",
    "doc_type",
    "issuer",
    "status",
    "language",
    "promulgated",
    "effective",
    "as_of",
    "source_path",
    "source_url",
)


class Library:
    """What `PolicyEngine` offers about its documents, read from its retriever's index."""

    settings: Settings
    retriever: Retriever

    def document_passages(self, doc_id: str) -> list[Hit]:
        """Every stored passage of a document, in reading order (score 0: nothing was asked)."""
        index = self.retriever.refresh()
        if doc_id not in index.by_doc:
            raise RagError(f"no document {doc_id!r} in the index")
        found = (self.get_passage(cid) for cid in index.by_doc[doc_id])
        return [hit for hit in found if hit is not None]

    def get_passage(self, chunk_id: str) -> Hit | None:
        """A stored passage with its document's metadata and label, or None."""
        index = self.retriever.refresh()
        meta = index.passages.get(chunk_id)
        if meta is None:
            return None
        return Hit(chunk_id=chunk_id, text=index.records[chunk_id][0], score=0.0, meta=meta)

    def list_documents(self) -> list[dict[str, Any]]:
        """Every indexed document's metadata and its number of passages (`chunks`), ordered
        by title (then date, so the versions of one law follow each other)."""
        index = self.retriever.refresh()
        docs = []
        for chunks in index.by_doc.values():
            meta = index.records[chunks[0]][1]
            docs.append({k: meta.get(k, "") for k in DOCUMENT_FIELDS} | {"chunks": len(chunks)})
        return sorted(
            docs,
            key=lambda d: (
                (d["title"] or d["title_zh"]).casefold(),
                d["promulgated"] or d["effective"],
                d["doc_id"],
            ),
        )

    def facets(self) -> list[FacetValue]:
        """The values each filter can take in this index, with their numbers of documents:
        what a filter menu may offer (a value no document has would only empty the search)."""
        counts: dict[tuple[str, str], int] = {}
        for doc in self.list_documents():
            for key in FACET_KEYS:
                if value := str(doc.get(key) or ""):
                    counts[key, value] = counts.get((key, value), 0) + 1
        return [
            FacetValue(key=key, value=value, documents=n)
            for (key, value), n in sorted(counts.items())
        ]

    def primary_articles(self, chunk_id: str) -> list[Hit]:
        """The law's own articles, where they are indexed, that a summary's or commentary's
        passage paraphrases (`rag.retrieval.primary_articles`)."""
        return primary_articles(self.retriever.refresh(), self.list_documents(), chunk_id)

    def get_document(self, doc_id: str) -> Document:
        for doc in self.list_documents():
            if doc["doc_id"] == doc_id:
                path = Path(doc["source_path"])
                try:
                    return load_document(
                        path, doc_id=doc_id, max_bytes=int(self.settings.max_file_mb * 2**20)
                    )
                except DocumentError as exc:
                    # The server's file layout is not the reader's business: logged, not shown.
                    log.warning("document %r cannot be opened: %s", doc_id, exc)
                    raise RagError(
                        f"The source file of {doc_id!r} cannot be read any more (moved, deleted "
                        "or changed since it was indexed); ingest the corpus again to update it."
                    ) from None
        raise RagError(f"no document {doc_id!r} in the index")

    def get_chunk(self, chunk_id: str) -> Chunk | None:
        """A stored chunk by id (links from Slack carry only the id), or None."""
        index = self.retriever.refresh()
        meta = index.passages.get(chunk_id)
        if meta is None:
            return None
        return Chunk(
            chunk_id=chunk_id,
            doc_id=meta.doc_id,
            text=index.records[chunk_id][0],
            start=meta.start,
            end=meta.end,
            heading_path=[h for h in meta.heading_path.split(" › ") if h],
            article=meta.article,
            article_end=meta.article_end,
            paragraph=meta.paragraph,
            page=meta.page,
        )
