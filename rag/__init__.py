"""Policy Desk: cited answers about Chinese policy documents.

The one engine behind every interface (web UI, Slack, HTTP API, CLI):

    import rag
    hits = rag.search("maximum PIPL fine", k=5)
    ans = rag.answer("What is the maximum fine under PIPL?")
    print(ans.text)            # sentences ending in [n]
    print(ans.citations[0])    # label, title, quote, url ...

In LangChain or LangGraph: `rag.as_retriever()` is a `BaseRetriever` whose Documents carry
the citation metadata, and `rag.as_runnable()` the answerer as a `Runnable`.

Importing is instant and offline: models and the store load on first use.
"""

from __future__ import annotations

from typing import Any

from .config import Settings
from .errors import DocumentError, IndexNotBuilt, ModelUnavailable, RagError
from .types import Answer, Chunk, Citation, Document, Engine, FacetValue, Hit, PassageMeta

__all__ = [
    "Answer",
    "Chunk",
    "Citation",
    "Document",
    "Engine",
    "FacetValue",
    "Hit",
    "PassageMeta",
    "Settings",
    "RagError",
    "IndexNotBuilt",
    "DocumentError",
    "ModelUnavailable",
    "search",
    "answer",
    "get_engine",
    "index_status",
    "get_document",
    "as_retriever",
    "as_runnable",
]


def get_engine(settings: Settings | None = None) -> Engine:
    """The process-wide engine (or a fresh one for explicit settings)."""
    from .engine import get_engine as _get

    return _get(settings)


def search(query: str, k: int | None = None, filters: dict[str, Any] | None = None) -> list[Hit]:
    return get_engine().search(query, k=k, filters=filters)


def answer(
    question: str,
    history: list[dict[str, str]] | None = None,
    filters: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Answer:
    return get_engine().answer(question, history=history, filters=filters, **kwargs)


def index_status() -> dict[str, Any]:
    return get_engine().index_status()


def get_document(doc_id: str) -> Document:
    return get_engine().get_document(doc_id)


def as_retriever(
    k: int | None = None, filters: dict[str, Any] | None = None, engine: Engine | None = None
) -> Any:
    """A LangChain `BaseRetriever` over the engine (default: the process-wide one); each
    `Document` carries the passage's label, title, article, offsets and source."""
    from .interfaces import as_retriever as build

    return build(engine or get_engine(), k=k, filters=filters)


def as_runnable(engine: Engine | None = None) -> Any:
    """The answerer as a LangChain `Runnable`: invoke, batch and stream return cited Answers."""
    from .interfaces import as_runnable as build

    return build(engine or get_engine())
