"""The Gradio web UI: chat, sources panel and document viewer (`rag serve`, `python app.py`)."""

from .app import build_app, main, ui_options

__all__ = ["build_app", "main", "ui_options"]
