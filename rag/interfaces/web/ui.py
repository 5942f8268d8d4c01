"""The Gradio web UI: a thin adapter around `Engine.answer_stream`.

Everything here is layout and formatting. Retrieval, answering and citation building live
in the engine; this module only turns `Answer`/`Citation`/`Document` into HTML and Markdown.
The formatting helpers are pure functions (tested in `tests/unit/test_ui.py`); every string that
comes from a document or its metadata is HTML-escaped, because documents may be hostile.
Markdown tables are shown as HTML tables built here, cell by escaped cell.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import urlencode, urlparse

from ...errors import IndexNotBuilt, RagError
from ...text import MarkdownTable, TableRow, markdown_tables
from ...types import STATUSES, Document, Engine, Hit, doc_kind

log = logging.getLogger(__name__)

EXAMPLES = [
    "What is the maximum fine under PIPL?",
    "电子商务经营者搭售商品有什么要求？",
    "What are the main targets of the 14th Five-Year Plan?",
    "个人信息出境需要满足哪些条件？",
]
GENERIC_ERROR = "Something went wrong while answering. The error has been logged; please try again."
_MD_LINK = re.compile(r"!?\[([^\]\n]*)\]\(([^)\s]*)[^)]*\)")
# Above the model's words while they stream: the checked answer replaces them at the end.
DRAFT_LABEL = "*Draft from the model, being checked against the sources…*"
NO_CITATION_WARNING = "⚠️ **No citation:** this answer is not backed by a quoted source. Verify it before relying on it."
CONTEXT_CHARS = 1500  # characters of document text shown either side of a cited passage
PREVIEW_CHARS = 6000  # characters shown when a document is opened without a passage
LANGUAGES = [("English", "en"), ("中文 Chinese", "zh")]

# ---------------------------------------------------------------- formatting (pure functions)


def _esc(value: Any) -> str:
    return html.escape(str(value or ""), quote=True)


def _safe_url(url: str) -> str:
    """The URL if it is plain http(s), else "" (metadata may carry `javascript:` links)."""
    return url if urlparse(url or "").scheme in ("http", "https") else ""


def year_of(promulgated: str = "", effective: str = "") -> str:
    """The version's year ("2016"), from the promulgation date, else the effective date."""
    for date in (promulgated, effective):
        if re.match(r"\d{4}", date or ""):
            return date[:4]
    return ""


def exact_url(url: str) -> bool:
    """Whether `url` points at a page of its own, not at an issuer's home page."""
    parsed = urlparse(url or "")
    return parsed.scheme in ("http", "https") and parsed.path.strip("/") not in (
        "",
        "index.html",
        "index.htm",
    )


def url_label(url: str) -> str:
    """What a document's link opens, said honestly: most front matter names only the site."""
    return "Official text" if exact_url(url) else "issuer's site"


def kind_badge(doc_type: str) -> str:
    """Law, regulation, rule, judicial interpretation, plan, summary...: how much it weighs."""
    if not doc_type:
        return ""
    return f'<span class="pd-badge kind {_esc(doc_type)}">{_esc(doc_kind(doc_type))}</span>'


def status_badge(status: str) -> str:
    if not status:
        return ""
    kind = status if status in STATUSES else "other"
    return f'<span class="pd-badge {kind}">{_esc(status.replace("_", " "))}</span>'


def date_line(promulgated: str = "", effective: str = "", page: int | None = None) -> str:
    parts = []
    if promulgated:
        parts.append(f"Promulgated {promulgated}")
    if effective:
        parts.append(f"Effective {effective}")
    if page:
        parts.append(f"p. {page}")
    return " · ".join(parts)


def viewer_link(
    doc_id: str, chunk_id: str = "", start: int | None = None, end: int | None = None
) -> str:
    """A relative link that opens the document viewer, as Slack messages also use."""
    params: dict[str, Any] = {"doc": doc_id}
    if chunk_id:
        params["chunk"] = chunk_id
    if start is not None and end is not None and end > start:
        params.update(start=start, end=end)
    return "?" + urlencode(params)


def clean_question(text: str | None) -> str:
    """A typed question as the engine and the browser can both take it: a lone surrogate (half
    of an emoji pasted from elsewhere) cannot be sent back to the browser, and broke the event
    stream and wiped the conversation; it becomes "?"."""
    return (text or "").encode("utf-8", "replace").decode("utf-8").strip()


def inert(text: str) -> str:
    """Text from a document or a model as chat Markdown that cannot act: HTML tags shown as
    text (a `<form>` in a law's summary must not render and submit), and Markdown links and
    images shown with their address rather than as a disguised link or a loaded image."""
    text = html.escape(text, quote=False)
    return _MD_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})", text)


_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")
_HEADING = re.compile(r"^#{1,6} +(.+)$", re.MULTILINE)


def _light_markdown(text: str) -> str:
    """Escaped text with Markdown headings and **bold** shown as such (the only tags added)."""
    escaped = _BOLD.sub(r"<strong>\1</strong>", _esc(text))
    return _HEADING.sub(r'<span class="pd-h">\1</span>', escaped)


def _marked(text: str, lo: int, hi: int, mark: tuple[int, int] | None) -> str:
    """`_light_markdown` of text[lo:hi], with its part of the passage `mark` in <mark>."""
    if mark is None or mark[1] <= lo or mark[0] >= hi or lo >= hi:
        return _light_markdown(text[lo:hi])
    a, b = max(lo, mark[0]), min(hi, mark[1])
    return (
        f"{_light_markdown(text[lo:a])}<mark>{_light_markdown(text[a:b])}</mark>"
        f"{_light_markdown(text[b:hi])}"
    )


def _table_html(table: MarkdownTable, mark: tuple[int, int] | None) -> str:
    """A Markdown table as an HTML table of escaped cells; rows of the passage are marked."""

    def row(r: TableRow, tag: str) -> str:
        cells = "".join(f"<{tag}>{_light_markdown(c)}</{tag}>" for c in r.cells)
        hit = mark is not None and r.start < mark[1] and r.end > mark[0]
        return f'<tr class="pd-hit">{cells}</tr>' if hit else f"<tr>{cells}</tr>"

    head = row(table.header, "th")
    body = "".join(row(r, "td") for r in table.rows)
    return f'<table class="pd-table"><thead>{head}</thead><tbody>{body}</tbody></table>'


def _rich_text(
    text: str, lo: int, hi: int, tables: list[MarkdownTable], mark: tuple[int, int] | None
) -> str:
    """text[lo:hi] for the viewer: Markdown tables as tables, the passage `mark` highlighted."""
    parts, pos = [], lo
    for table in tables:
        if lo <= table.start and table.end <= hi:
            parts += [_marked(text, pos, table.start, mark), _table_html(table, mark)]
            pos = table.end + 1 if text.startswith("\n", table.end) else table.end  # a block
    parts.append(_marked(text, pos, hi, mark))
    return "".join(parts)


def _snap(text: str, pos: int, forward: bool) -> int:
    """Move a window edge to the nearest line break so the viewer starts on a whole line."""
    if forward:
        nl = text.find("\n", pos)
        return len(text) if nl == -1 else nl
    nl = text.rfind("\n", 0, pos)
    return 0 if nl == -1 else nl + 1


def document_html(
    doc: Document,
    start: int | None = None,
    end: int | None = None,
    *,
    full: bool = False,
    context: int = CONTEXT_CHARS,
    primary: Sequence[Hit] = (),
) -> str:
    """The document viewer: metadata, then the text around [start, end) with it highlighted;
    `primary`: the law's own articles the passage paraphrases, linked from the header."""
    meta, text = doc.meta, doc.text
    has_passage = start is not None and end is not None and 0 <= start < end <= len(text)
    if full:
        lo, hi = 0, len(text)
    elif start is not None and end is not None and has_passage:
        lo, hi = (
            _snap(text, max(0, start - context), False),
            _snap(text, min(len(text), end + context), True),
        )
    else:
        lo, hi = 0, _snap(text, min(len(text), PREVIEW_CHARS), True)
    tables = markdown_tables(text)
    for table in tables:  # a table is shown whole or not at all
        lo = table.start if table.start < lo < table.end else lo
        hi = table.end if table.start < hi < table.end else hi
    mark = None
    if start is not None and end is not None and has_passage and lo <= start and end <= hi:
        mark = (start, end)
    body = _rich_text(text, lo, hi, tables, mark)
    if lo > 0:
        body = f'<span class="pd-omitted">[… {lo:,} characters before]</span>\n' + body
    if hi < len(text):
        body += f'\n<span class="pd-omitted">[… {len(text) - hi:,} characters after]</span>'

    title = _esc(meta.title or meta.title_zh or doc.doc_id)
    subtitle = _esc(meta.title_zh) if meta.title and meta.title_zh != meta.title else ""
    year = year_of(meta.promulgated, meta.effective)
    version = f'<span class="pd-version">{_esc(year)} version</span>' if year else ""
    facts = [x for x in (meta.issuer, date_line(meta.promulgated, meta.effective)) if x]
    if meta.as_of and meta.doc_type in ("summary", "commentary"):
        facts.append(f"facts checked {meta.as_of}")
    source = _safe_url(meta.source_url)
    source_link = (
        f' · <a href="{_esc(source)}" target="_blank" rel="noopener noreferrer">'
        f"{_esc(url_label(source))} ↗</a>"
        if source
        else ""
    )
    return (
        f'<div class="pd-doc"><div class="pd-doc-title">{title}</div>'
        f'<div class="pd-doc-badges">{kind_badge(meta.doc_type)}{status_badge(meta.status)}'
        f"{version}</div>"
        + (f'<div class="pd-meta" lang="zh">{subtitle}</div>' if subtitle else "")
        + f'<div class="pd-meta">{_esc(" · ".join(facts))}{source_link}</div>'
        + f'<div class="pd-meta">Document ID: <code>{_esc(doc.doc_id)}</code></div>'
        + primary_links(primary)
        # focusable, so that a keyboard can scroll it
        + '<div class="pd-doc-text" tabindex="0" role="region" aria-label="Document text">'
        + f"{body}</div></div>"
    )


def primary_links(primary: Sequence[Hit]) -> str:
    """ "The law's own text: PDPL-T Art. 12 (law, en) · …", each opening that article."""
    if not primary:
        return ""
    links = []
    for hit in primary:
        m = hit.meta
        href = viewer_link(hit.doc_id, hit.chunk_id, m.start, m.end)
        facts = ", ".join(x for x in (doc_kind(m.doc_type), m.language) if x)
        links.append(f'<a href="{_esc(href)}">{_esc(m.label or m.title)}</a> ({_esc(facts)})')
    return (
        '<div class="pd-primary">This passage paraphrases the law. The law\'s own text: '
        f"{' · '.join(links)}</div>"
    )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def status_html(status: dict[str, Any]) -> str:
    if not status.get("ready"):
        return f'<div class="pd-banner">{_esc(str(IndexNotBuilt()))}</div>'
    return (
        f'<div class="pd-status">{_count(status.get("documents", 0), "document")} · '
        f"{_count(status.get('chunks', 0), 'passage')} indexed"
        f'<span class="pd-status-extra"> · embeddings: '
        f"{_esc(status.get('embedding_model', ''))}</span></div>"
    )


def build_filters(
    doc_types: list[str] | None = None,
    languages: list[str] | None = None,
    statuses: list[str] | None = None,
    short_names: list[str] | None = None,
) -> dict[str, list[str]] | None:
    """The engine's `filters` dict with only the fields the user narrowed; None for no filter."""
    chosen = {
        "doc_type": doc_types,
        "language": languages,
        "status": statuses,
        "short_name": short_names,
    }
    filters = {k: list(v) for k, v in chosen.items() if v}
    return filters or None


def parse_span(start: str | None, end: str | None) -> tuple[int | None, int | None]:
    """Character offsets from query parameters; (None, None) unless both are valid."""
    try:
        lo, hi = int(start or ""), int(end or "")
    except ValueError:
        return None, None
    return (lo, hi) if 0 <= lo < hi else (None, None)


# ---------------------------------------------------------------- engine calls


def stream_reply(
    engine: Engine, question: str, history: list[dict[str, str]], filters: dict[str, Any] | None
) -> Iterator[tuple[str, Any]]:
    """Engine events for the UI, turning errors into messages the user can read.

    Yields ("progress", markdown), ("token", text so far) and finally ("answer", Answer) or
    ("error", message).
    """
    text = ""
    try:
        for kind, value in engine.answer_stream(question, history=history or None, filters=filters):
            if kind == "hits":
                status = engine.index_status()
                n = len(value)
                found = f"Found {n} passage{'s' if n != 1 else ''}"
                # Without a model the answer follows within milliseconds: a progress message
                # would cost every user another round of the chat's rendering for nothing.
                if status.get("llm"):
                    wait = status.get("llm_wait_seconds") or 0
                    yield (
                        "progress",
                        (
                            f"*{found}; asking the language model (if it has not answered within "
                            f"{wait:.0f} s, the quoted answer is shown)…*"
                        ),
                    )
            elif kind == "token":
                text += value
                yield "token", text
            elif kind == "answer":
                yield "answer", value
                return
    except RagError as exc:
        yield "error", f"⚠️ {exc}"
        return
    except Exception:
        log.exception("answering %r failed", question)
        yield "error", f"⚠️ {GENERIC_ERROR}"
        return
    log.error("answer_stream ended without an answer for %r", question)
    yield "error", f"⚠️ {GENERIC_ERROR}"


def open_document(
    engine: Engine,
    doc_id: str,
    chunk_id: str = "",
    start: int | None = None,
    end: int | None = None,
    full: bool = False,
) -> str:
    """Viewer HTML for a document; the passage comes from offsets or else the chunk's span."""
    if not doc_id:
        return '<div class="pd-empty">Choose a source or a document to read it here.</div>'
    try:
        doc = engine.get_document(doc_id)
        if start is None and chunk_id:
            start, end = _chunk_span(engine, chunk_id)
        primary = engine.primary_articles(chunk_id) if chunk_id else []
        return document_html(doc, start, end, full=full, primary=primary)
    except (RagError, KeyError, LookupError) as exc:
        message = str(exc) if isinstance(exc, RagError) else f"No document with id {doc_id!r}."
        return f'<div class="pd-banner">{_esc(message)}</div>'
    except Exception:
        log.exception("opening document %r failed", doc_id)
        return f'<div class="pd-banner">{_esc(GENERIC_ERROR)}</div>'


def _chunk_span(engine: Engine, chunk_id: str) -> tuple[int | None, int | None]:
    """Offsets of a chunk (for `?doc=…&chunk=…` links); no highlight if it is unknown."""
    try:
        chunk = engine.get_chunk(chunk_id)
    except (RagError, KeyError, LookupError):
        chunk = None
    return (chunk.start, chunk.end) if chunk is not None else (None, None)
