"""Filters on document metadata (`doc_type`, `short_name`, `language`, `status`, `doc_id`)."""

from __future__ import annotations

from typing import Any

from ..errors import RagError

FILTER_KEYS = ("doc_type", "short_name", "language", "status", "doc_id")


def clean_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    if not filters:
        return None
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise RagError(
            f"unknown filter {sorted(unknown)}: expected one of {', '.join(FILTER_KEYS)}"
        )
    cleaned = {k: v for k, v in filters.items() if v not in (None, "", [], ())}
    return cleaned or None


def matches(meta: dict, filters: dict[str, Any]) -> bool:
    for key, value in filters.items():
        allowed = value if isinstance(value, (list, tuple, set)) else [value]
        if meta.get(key) not in allowed:
            return False
    return True
