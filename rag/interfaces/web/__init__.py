"""The Gradio web UI: chat with each answer's sources, the document viewer and the Documents view (`rag serve`, `python app.py`)."""

from .app import build_app, main, ui_options

__all__ = ["build_app", "main", "ui_options"]
