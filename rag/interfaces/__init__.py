"""Thin adapters around one engine: the CLI, the HTTP API (one server with the Gradio web
UI and the Slack events), the Slack bot and LangChain.

Each translates its input into `Engine.answer`/`Engine.search` and the `Answer` back; none
reaches into the store or the retriever."""

from .cli import main

__all__ = ["main"]
