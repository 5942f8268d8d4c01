"""What the index covers, as the web UI shows it: the Documents view, the document picker,
and filters built from the values the index holds (with the chips that show them)."""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ...answer import describe_filters, filter_value_words
from ...types import FacetValue, IngestOutcome, doc_kind
from .ui import url_label, viewer_link, year_of

# The filter menus, in the order the panel shows them: the engine's key and the menu's label.
FILTER_MENUS = (
    ("doc_type", "Kind of text"),
    ("language", "Language"),
    ("status", "Status"),
    ("short_name", "Documents"),
)
LANGUAGE_LABELS = {"en": "English", "zh": "中文 Chinese"}


def _esc(value: Any) -> str:
    return html.escape(str(value or ""), quote=True)


def facet_choices(facets: Sequence[FacetValue], key: str) -> list[tuple[str, str]]:
    """One filter's menu: each value the index holds, in plain words with its documents."""
    choices = []
    for f in facets:
        if f.key != key:
            continue
        words = LANGUAGE_LABELS.get(f.value, f.value) if key == "language" else None
        words = words or filter_value_words(key, f.value)
        words = words[:1].upper() + words[1:] if key != "short_name" else words
        choices.append((f"{words} ({f.documents})", f.value))
    return sorted(choices, key=lambda c: c[0].casefold())


def document_choice(doc: dict[str, Any]) -> tuple[str, str]:
    """The picker's entry for a document: name, version year, kind and language, so that two
    versions of one law ("CSL · en" twice) can be told apart."""
    name = doc.get("short_name") or doc.get("title") or doc["doc_id"]
    parts = [
        name,
        year_of(doc.get("promulgated", ""), doc.get("effective", "")),
        doc_kind(doc.get("doc_type", "")) if doc.get("doc_type") else "",
        doc.get("language", ""),
    ]
    return " · ".join(p for p in parts if p), doc["doc_id"]


def chips_html(filters: dict[str, list[str]] | None) -> str:
    """The active filters as removable chips, shown above the closed filter panel."""
    if not filters:
        return ""
    chips = []
    for key, values in filters.items():
        for value in values:
            words = describe_filters({key: [value]})
            chips.append(
                f'<button type="button" class="pd-chip" data-key="{_esc(key)}" '
                f'data-value="{_esc(value)}" aria-label="Remove filter {_esc(words)}">'
                f'{_esc(words)} <span aria-hidden="true">✕</span></button>'
            )
    return f'<div class="pd-chips" role="group" aria-label="Active filters">{"".join(chips)}</div>'


COLUMNS = ("Title", "Kind", "Issuer", "Version", "Effective", "Status", "Passages")


def documents_html(docs: Sequence[dict[str, Any]]) -> str:
    """The Documents view: every indexed document, searchable and sortable in the page."""
    if not docs:
        return '<div class="pd-empty">No document is indexed yet.</div>'
    heads = "".join(
        f'<th scope="col"><button type="button" class="pd-sort" data-col="{i}">{name}</button></th>'
        for i, name in enumerate(COLUMNS)
    )
    rows = []
    for doc in docs:
        title = doc.get("title") or doc.get("title_zh") or doc["doc_id"]
        other = doc.get("title_zh") if doc.get("title_zh") and doc.get("title_zh") != title else ""
        url = doc.get("source_url", "")
        link = (
            f' · <a href="{_esc(url)}" target="_blank" rel="noopener noreferrer">'
            f"{_esc(url_label(url))} ↗</a>"
            if url.startswith(("http://", "https://"))
            else ""
        )
        cells = [
            f'<a href="{_esc(viewer_link(doc["doc_id"]))}">{_esc(title)}</a>'
            + (f'<div class="pd-meta" lang="zh">{_esc(other)}</div>' if other else ""),
            _esc(doc_kind(doc.get("doc_type", ""))) + link,
            _esc(doc.get("issuer")),
            _esc(year_of(doc.get("promulgated", ""), doc.get("effective", ""))),
            _esc(doc.get("effective")),
            _esc(str(doc.get("status", "")).replace("_", " ")),
            f"{int(doc.get('chunks', 0)):,}",
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    count = f"{len(docs):,} document{'s' if len(docs) != 1 else ''}"
    return (
        '<div class="pd-docs">'
        '<label class="pd-docs-search">Search the documents '
        '<input type="search" placeholder="title, issuer, kind, year…"></label>'
        f'<p class="pd-meta pd-docs-count" aria-live="polite">{count}</p>'
        f'<table class="pd-table pd-docs-table"><caption class="pd-sr">Indexed documents'
        f"</caption><thead><tr>{heads}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


def upload_report(report: IngestOutcome) -> str:
    """What an upload did, as `rag ingest` reports it: the summary, then each file that
    failed with its reason (and warnings, such as metadata that had to be guessed)."""
    lines = [f"**{_esc(report.summary())}**"]
    lines += [f"- FAILED {_esc(Path(path).name)}: {_esc(reason)}" for path, reason in report.failed]
    lines += [f"- warning: {_esc(Path(path).name)}: {_esc(w)}" for path, w in report.warnings]
    return "\n".join(lines)
