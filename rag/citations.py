"""Citation labels built from metadata, sentence spans, and `Citation` records.

A label is never taken from model output: "PIPL Art. 66" for English texts and summaries,
"《个人信息保护法》第六十六条" for Chinese texts, "14th FYP, Chapter 5" for sections.
"""

from __future__ import annotations

import re

from .numerals import int_to_zh
from .types import Citation, Hit

_PRC_PREFIX = "中华人民共和国"
_TRAILING_BRACKETS = re.compile(r"[（(][^（()）]*[)）]\s*$")
_SPLIT = re.compile(r"(?<=[。！？；!?])|(?<=;)|(?<=\.)(?=\s+[A-Z(“\"])|\n+")


DOC_KINDS = {
    "law": "law",
    "administrative_regulation": "regulation",
    "departmental_rule": "rule",
    "judicial_interpretation": "judicial interpretation",
    "five_year_plan": "plan",
    "guideline": "guideline",
    "summary": "summary",
    "commentary": "commentary",
}


def doc_kind(doc_type: str) -> str:
    """What kind of text a citation rests on, in a word or two ("law", "summary")."""
    return DOC_KINDS.get(doc_type, doc_type.replace("_", " "))


def short_zh_title(title_zh: str) -> str:
    title = _TRAILING_BRACKETS.sub("", title_zh.strip()).rstrip("）) ")
    return title[len(_PRC_PREFIX):] if title.startswith(_PRC_PREFIX) else title


def build_label(meta: dict) -> str:
    """Human label of a chunk from its flat metadata."""
    article = meta.get("article", -1)
    article = None if article is None or article < 0 else int(article)
    article_end = meta.get("article_end", -1)
    article_end = None if article_end is None or article_end < 0 else int(article_end)
    language = meta.get("language", "")
    short = meta.get("short_name") or ""
    title = meta.get("title") or meta.get("doc_id", "")
    if article is not None:
        if language == "zh" and meta.get("doc_type") != "summary":
            name = short_zh_title(meta.get("title_zh") or title)
            span = f"第{int_to_zh(article)}条"
            if article_end:
                span += f"至第{int_to_zh(article_end)}条"
            return f"《{name}》{span}"
        name = short or title
        if article_end:
            return f"{name} Arts. {article}–{article_end}"
        return f"{name} Art. {article}"
    heading = section_title(meta)
    name = short or title
    return f"{name}, {heading}" if heading else name


def section_title(meta: dict) -> str:
    """The innermost heading a passage sits under ("第三章 个人信息跨境提供的规则"), or ""."""
    return (meta.get("heading_path") or "").split(" › ")[-1]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, whitespace and Markdown markers trimmed."""
    spans = []
    pos = 0
    for piece in _SPLIT.split(text):
        if piece is None:
            continue
        start = text.find(piece, pos)
        if start < 0:
            continue
        end = start + len(piece)
        pos = end
        s, e = start, end
        while s < e and (text[s].isspace() or text[s] in "#*>-|"):
            s += 1
        while e > s and (text[e - 1].isspace() or text[e - 1] == "*"):
            e -= 1
        if e > s:
            spans.append((s, e))
    return spans


def make_citation(n: int, hit: Hit, quote: str) -> Citation:
    """A citation of `hit` quoting `quote`, which must be a verbatim part of the chunk."""
    offset = hit.text.find(quote)
    if not quote or offset < 0:
        raise ValueError(f"quote is not a verbatim part of chunk {hit.chunk_id}: {quote[:60]!r}")
    meta = hit.meta
    start = int(meta.get("start", 0)) + offset
    page = meta.get("page", -1)
    return Citation(
        n=n,
        chunk_id=hit.chunk_id,
        doc_id=hit.doc_id,
        source_path=meta.get("source_path", ""),
        title=meta.get("title", ""),
        label=meta.get("label") or build_label(meta),
        article=hit.article,
        quote=quote,
        quote_start=start,
        quote_end=start + len(quote),
        heading_path=meta.get("heading_path", ""),
        issuer=meta.get("issuer", ""),
        promulgated=meta.get("promulgated", ""),
        effective=meta.get("effective", ""),
        status=meta.get("status", ""),
        doc_type=meta.get("doc_type", ""),
        url=meta.get("source_url", ""),
        page=None if page is None or page < 0 else int(page),
        chunk_text=hit.text,
    )
