"""Errors that speak to the user.

Every interface (CLI, web UI, Slack, HTTP API) catches `RagError` and shows its message;
any other exception is a bug and is logged with its traceback.
"""

from __future__ import annotations

from pathlib import Path


class RagError(Exception):
    """A problem the user can act on; `str(err)` is the message to show."""


class IndexNotBuilt(RagError):
    def __init__(self, detail: str = "") -> None:
        msg = "The document index is empty or missing: run `python ingest.py` first."
        super().__init__(f"{msg} ({detail})" if detail else msg)


class DocumentError(RagError):
    """A file that cannot be read or parsed; the rest of the corpus is unaffected."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


class ModelUnavailable(RagError):
    """An embedding model, reranker or chat model that cannot be loaded or reached."""


class ConfigError(RagError):
    """A setting with a value we cannot use."""
