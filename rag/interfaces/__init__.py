"""Thin adapters around one engine: the CLI, the HTTP API (one server with the Gradio web
UI and the Slack events), the Slack bot and LangChain.

Each translates its input into `Engine.answer`/`Engine.search` and the `Answer` back; none
reaches into the store or the retriever."""

from __future__ import annotations

from typing import Any

from ..types import Engine
from .cli import main

__all__ = ["as_retriever", "as_runnable", "main"]


def as_retriever(
    engine: Engine, k: int | None = None, filters: dict[str, Any] | None = None
) -> Any:
    """A LangChain `BaseRetriever` over `engine` (LangChain is imported only now)."""
    from .langchain import as_retriever as build

    return build(engine, k=k, filters=filters)


def as_runnable(engine: Engine) -> Any:
    """The answerer as a LangChain `Runnable` (LangChain is imported only now)."""
    from .langchain import as_runnable as build

    return build(engine)
