"""Policy Desk in LangChain's own terms, so LangChain and LangGraph apps can use it as a
component: a `BaseRetriever` whose `Document`s carry the citation metadata, and the answerer
as a `Runnable` (invoke, batch, stream) that returns the cited `Answer`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import ConfigDict

from ..types import Answer, Engine, Hit

DRAFT_NOTICE = "Draft from the model, not yet checked against the sources."


def hit_document(hit: Hit) -> Document:
    """A passage as a LangChain `Document`: the text, and what a citation needs."""
    m = hit.meta
    metadata = {
        "chunk_id": hit.chunk_id,
        "doc_id": m.doc_id,
        "label": m.label,
        "title": m.title,
        "short_name": m.short_name,
        "doc_type": m.doc_type,
        "status": m.status,
        "language": m.language,
        "article": m.article,
        "heading_path": m.heading_path,
        "page": m.page,
        "start": m.start,
        "end": m.end,
        "source": m.source_path,
        "url": m.source_url,
        "effective": m.effective,
        "score": hit.score,
        "rank": hit.rank,
    }
    return Document(page_content=hit.text, metadata=metadata, id=hit.chunk_id)


class PolicyDeskRetriever(BaseRetriever):
    """`retriever.invoke("maximum PIPL fine")` → the engine's ranked passages."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    engine: Any  # a rag.types.Engine (a Protocol, which pydantic cannot check)
    k: int | None = None  # default RAG_TOP_K
    filters: dict[str, Any] | None = None  # doc_type, short_name, language, status

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        return [hit_document(h) for h in self.engine.search(query, k=self.k, filters=self.filters)]


def _question(value: Any) -> tuple[str, list[dict[str, str]] | None, dict[str, Any] | None]:
    """A question as a string, or {"question", "history"?, "filters"?}."""
    if isinstance(value, str):
        return value, None, None
    if isinstance(value, dict) and isinstance(value.get("question"), str):
        return value["question"], value.get("history"), value.get("filters")
    raise TypeError(
        f"expected a question string or a dict with 'question', got {type(value).__name__}"
    )


class PolicyDeskAnswerer(Runnable[Any, Answer]):
    """The answerer as a Runnable. `invoke` and `batch` return cited `Answer`s; `stream`
    yields the answer as it grows: with a chat model, drafts of its words so far (no
    citations, `notice` says so), and always the checked answer last."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _answer(self, value: Any) -> Answer:
        question, history, filters = _question(value)
        return self.engine.answer(question, history, filters)

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        return self._call_with_config(self._answer, input, config)

    def _grow(self, inputs: Iterator[Any]) -> Iterator[Answer]:
        for value in inputs:
            question, history, filters = _question(value)
            words = ""
            for kind, item in self.engine.answer_stream(question, history, filters):
                if kind == "token":
                    words += item
                    yield Answer(question=question, text=words, mode="llm", notice=DRAFT_NOTICE)
                elif kind == "answer":
                    yield item

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Iterator[Answer]:
        yield from self._transform_stream_with_config(iter([input]), self._grow, config)


def as_retriever(
    engine: Engine, k: int | None = None, filters: dict[str, Any] | None = None
) -> PolicyDeskRetriever:
    return PolicyDeskRetriever(engine=engine, k=k, filters=filters)


def as_runnable(engine: Engine) -> PolicyDeskAnswerer:
    return PolicyDeskAnswerer(engine)
