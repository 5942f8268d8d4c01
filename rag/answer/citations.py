"""Citation labels built from metadata, sentence spans, and `Citation` records.

A label is never taken from model output: "PIPL Art. 66" for English texts and summaries,
"《个人信息保护法》第六十六条" for Chinese texts, "14th FYP, Chapter 5" for sections.
"""

from __future__ import annotations

import re

from ..text import int_to_zh
from ..types import Also, Citation, Hit, PassageMeta

_PRC_PREFIX = "中华人民共和国"
_TRAILING_BRACKETS = re.compile(r"[（(][^（()）]*[)）]\s*$")


def short_zh_title(title_zh: str) -> str:
    title = _TRAILING_BRACKETS.sub("", title_zh.strip()).rstrip("）) ")
    return title[len(_PRC_PREFIX) :] if title.startswith(_PRC_PREFIX) else title


def build_label(meta: PassageMeta) -> str:
    """Human label of a passage from its metadata."""
    article, article_end = meta.article, meta.article_end
    language = meta.language
    short = meta.short_name
    title = meta.title or meta.doc_id
    if article is not None:
        if language == "zh" and meta.doc_type != "summary":
            name = short_zh_title(meta.title_zh or title)
            span = f"第{int_to_zh(article)}条"
            if article_end:
                span += f"至第{int_to_zh(article_end)}条"
            return f"《{name}》{span}"
        name = short or title
        if article_end:
            return f"{name} Arts. {article}–{article_end}"
        return f"{name} Art. {article}"
    heading = section_title(meta.heading_path)
    name = short or title
    return f"{name}, {heading}" if heading else name


def section_title(heading_path: str) -> str:
    """The innermost heading of a heading path ("第三章 个人信息跨境提供的规则"), or ""."""
    return heading_path.split(" › ")[-1]


def _also(hit: Hit) -> list[Also]:
    """The texts riding with the hit, one per article (not per chunk of it)."""
    each: dict[tuple[str, str], Also] = {}
    for other in hit.companions:
        each.setdefault((other.doc_id, other.meta.label), Also.of(other))
    return list(each.values())


def make_citation(n: int, hit: Hit, quote: str) -> Citation:
    """A citation of `hit` quoting `quote`, which must be a verbatim part of the chunk.

    The quote's offsets in the document are those of its span in the chunk, except for a
    table row stated as a sentence (its text is not a slice of the document, so it is not as
    long as its span): there the quote points at the row's line.
    """
    offset = hit.text.find(quote)
    if not quote or offset < 0:
        raise ValueError(f"quote is not a verbatim part of chunk {hit.chunk_id}: {quote[:60]!r}")
    meta = hit.meta
    start, end = meta.start + offset, meta.start + offset + len(quote)
    if meta.end > meta.start and len(hit.text) != meta.end - meta.start:
        start, end = meta.start, meta.end
    return Citation(
        n=n,
        chunk_id=hit.chunk_id,
        doc_id=hit.doc_id,
        source_path=meta.source_path,
        title=meta.title,
        label=meta.label or build_label(meta),
        article=meta.article,
        quote=quote,
        quote_start=start,
        quote_end=end,
        heading_path=meta.heading_path,
        issuer=meta.issuer,
        promulgated=meta.promulgated,
        effective=meta.effective,
        status=meta.status,
        doc_type=meta.doc_type,
        url=meta.source_url,
        page=meta.page,
        chunk_text=hit.text,
        also=_also(hit),
    )
