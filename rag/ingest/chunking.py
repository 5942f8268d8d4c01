"""Document → chunks that follow the structure of legal and plan texts.

- 编/章/节 and Part/Chapter/Section headings (Markdown or bare lines) form a heading path.
- Each article (第X条, `Article N`, `**Article N**`, `### Article N` or `### Articles N–M`)
  is one chunk when it fits the token budget, else it is split between paragraphs (款),
  and a single over-long paragraph between sentences. Articles are never merged.
- Other text (preambles, plan chapters) is grouped paragraph by paragraph under its heading.
- Each body row of a Markdown table (header and separator rows above it) is a chunk of its
  own, never merged with prose or other rows: a figure is found and cited row by row.
Every chunk's text is the verbatim slice `Document.text[start:end]`, except a table row's:
its text is the row stated as one sentence with its column names (`row_sentence`), and
start/end are the row's line, so the viewer highlights the row.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..text import (
    NUMERAL_CHARS,
    MarkdownTable,
    han_count,
    markdown_tables,
    row_sentence,
    sentence_spans,
    zh_to_int,
)
from ..types import Chunk, Document

CHUNKER_VERSION = "5"  # bump when chunks or what is embedded change: forces re-ingest
_ZH_ARTICLE = re.compile(
    rf"^[ \t　]*(?:\*\*)?第([{NUMERAL_CHARS}\d]+)条(?:\*\*)?(?=[ \t　]|$|\*\*)"
)
_EN_ARTICLE = re.compile(r"^[ \t]*(\*\*)?Article\s+(\d+)(?:\*\*)?(?=[\s.:—–-]|$)")
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_HEADING_ARTICLE = re.compile(
    rf"^(?:Articles?|Art\.)\s+(\d+)(?:\s*(?:[-–—]|to)\s*(\d+))?\b|^第([{NUMERAL_CHARS}\d]+)条"
)
_BARE_ZH_HEADING = re.compile(rf"^[ \t　]*第[{NUMERAL_CHARS}\d]+([编章节])(?:[ \t　]|$)")
_BARE_EN_HEADING = re.compile(r"^[ \t]*(Part|Chapter|Section)\s+([IVXLC]+|\d+)\b", re.I)
_ZH_LEVEL = {"编": 1, "章": 2, "节": 3}
_EN_LEVEL = {"part": 1, "chapter": 2, "section": 3}
_WORD = re.compile(r"[A-Za-z0-9]+(?:[.'’-][A-Za-z0-9]+)*")


# No chunk is longer than this many characters per token of budget, whatever its estimate:
# a run of symbols (no word, no Chinese character) estimates at one token.
CHARS_PER_TOKEN = 8


def estimate_tokens(text: str) -> int:
    """Rough USE sentencepiece count: ~0.7 per Chinese character, ~1.2 per English word."""
    return int(0.7 * han_count(text) + 1.2 * len(_WORD.findall(text))) + 1


@dataclass
class _Unit:
    """An article or a run of body text under one heading, before size splitting."""

    heading_path: list[str]
    article: int | None = None
    article_end: int | None = None
    paragraphs: list[tuple[int, int]] = field(default_factory=list)  # (start, end)
    row: str | None = None  # a table row stated as a sentence: the unit's one chunk


def chunk_document(doc: Document, max_tokens: int = 200) -> list[Chunk]:
    chunks: list[Chunk] = []
    for unit in _units(doc.text):
        if unit.row is not None:  # whole, whatever its length: a row is one fact
            start, end = unit.paragraphs[0]
            chunks.append(_chunk(doc, unit, None, start, end, unit.row))
            continue
        for index, start, end in _split(doc.text, unit, max_tokens):
            chunks.append(_chunk(doc, unit, index, start, end, doc.text[start:end]))
    return chunks


def _chunk(
    doc: Document, unit: _Unit, paragraph: int | None, start: int, end: int, text: str
) -> Chunk:
    return Chunk(
        chunk_id=_chunk_id(doc.doc_id, start, end, text),
        doc_id=doc.doc_id,
        text=text,
        start=start,
        end=end,
        heading_path=list(unit.heading_path),
        article=unit.article,
        article_end=unit.article_end,
        paragraph=paragraph,
        page=_page_at(doc, start),
    )


def _chunk_id(doc_id: str, start: int, end: int, text: str) -> str:
    return hashlib.sha1(f"{doc_id}\x00{start}\x00{end}\x00{text}".encode()).hexdigest()[:20]


def _page_at(doc: Document, offset: int) -> int | None:
    page = None
    for p in doc.pages:
        if p.start <= offset:
            page = p.number
    return page


def _lines(text: str) -> Iterator[tuple[int, str]]:
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line.rstrip("\r\n")
        offset += len(line)


def _heading(line: str) -> tuple[int, str] | None:
    """(level, text) for a structural heading line, else None."""
    if m := _MD_HEADING.match(line):
        return len(m.group(1)), m.group(2).strip().strip("*").strip()
    stripped = line.strip()
    if len(stripped) <= 40 and not stripped.endswith(("。", "；", ".", ";")):
        if m := _BARE_ZH_HEADING.match(line):
            return 1 + _ZH_LEVEL[m.group(1)], stripped
        if m := _BARE_EN_HEADING.match(line):
            return 1 + _EN_LEVEL[m.group(1).lower()], stripped
    return None


def _article_number(line: str, last: int | None) -> int | None:
    """The article a body line opens, if it opens one.

    A bare "Article 5 of this Law..." at a paragraph start must not open a new article,
    so unbolded forms only count when they move the numbering forward.
    """
    if m := _ZH_ARTICLE.match(line):
        number = zh_to_int(m.group(1))
        bold = line.lstrip().startswith("**")
    elif m := _EN_ARTICLE.match(line):
        number, bold = int(m.group(2)), bool(m.group(1))
    else:
        return None
    if bold or last is None or number > last:
        return number
    return None


_LANGUAGE_NAME = re.compile(r"English|Chinese|中文|英文|汉语", re.I)


def _term_list(table: MarkdownTable) -> bool:
    """A two-column table of terms in two languages ("| English | Chinese (中文) |"): a
    glossary, read as term pairs by `rag.retrieval.Glossary`, not a table of facts. Its rows as
    472 passages of their own shifted the word statistics refusals are decided on (corpus set:
    out-of-scope refused 1.000 → 0.917, wrongly refused 0.032 → 0.045); they stay grouped."""
    cells = table.header.cells
    return len(cells) == 2 and all(_LANGUAGE_NAME.search(c) for c in cells)


def _units(text: str) -> Iterator[_Unit]:
    tables = {t.start: t for t in markdown_tables(text) if not _term_list(t)}
    table_end = -1  # lines before it belong to the table just chunked
    stack: list[tuple[int, str]] = []  # (level, heading)
    seen_title = False
    current: _Unit | None = None
    last_article: int | None = None
    para_start: int | None = None
    para_end = 0

    def close_paragraph() -> None:
        nonlocal para_start
        if current is not None and para_start is not None:
            current.paragraphs.append((para_start, para_end))
        para_start = None

    def flush() -> Iterator[_Unit]:
        nonlocal current
        close_paragraph()
        if current is not None and current.paragraphs:
            yield current
        current = None

    for offset, line in _lines(text):
        if offset < table_end:
            continue
        stripped = line.strip()
        table = tables.get(offset + len(line) - len(line.lstrip()))
        if table is not None:
            article = (current.article, current.article_end) if current else (None, None)
            yield from flush()
            yield from _row_units(table, [h for _, h in stack], *article)
            table_end = table.end
            if article[0] is not None:  # the article goes on after its table
                current = _Unit([h for _, h in stack], *article)
            continue
        heading = _heading(line)
        if heading is not None:
            level, title = heading
            yield from flush()
            art = _HEADING_ARTICLE.match(title)
            if art:
                first = int(art.group(1)) if art.group(1) else zh_to_int(art.group(3))
                end = int(art.group(2)) if art.group(2) else None
                current = _Unit([h for _, h in stack], first, end)
                last_article = end or first
                para_start, para_end = offset + line.index(title[0]), offset + len(line)
                continue
            if level == 1 and not seen_title:
                seen_title = True  # the document title, not part of the path
                continue
            while stack and stack[-1][0] >= level:
                stack.pop()
            stack.append((level, title))
            last_article = last_article if level > 1 else None
            continue
        if not stripped or stripped.startswith("<!--"):
            close_paragraph()
            continue
        number = _article_number(line, last_article)
        if number is not None:
            yield from flush()
            current = _Unit([h for _, h in stack], number)
            last_article = number
        elif current is None:
            current = _Unit([h for _, h in stack])
        if para_start is None:
            para_start = offset + (len(line) - len(line.lstrip()))
        para_end = offset + len(line.rstrip())
    yield from flush()


def _row_units(
    table: MarkdownTable, heading_path: list[str], article: int | None, article_end: int | None
) -> Iterator[_Unit]:
    """One unit per body row that states something; the header only names the columns."""
    for row in table.rows:
        if sentence := row_sentence(table.header.cells, row.cells):
            yield _Unit(heading_path, article, article_end, [(row.start, row.end)], sentence)


def _fits(text: str, max_tokens: int) -> bool:
    return len(text) <= max_tokens * CHARS_PER_TOKEN and estimate_tokens(text) <= max_tokens


def _split(text: str, unit: _Unit, max_tokens: int) -> Iterator[tuple[int | None, int, int]]:
    """(paragraph index, start, end) pieces of a unit, each within the token budget."""
    if unit.article is not None:
        whole = text[unit.paragraphs[0][0] : unit.paragraphs[-1][1]]
        if _fits(whole, max_tokens):
            yield None, unit.paragraphs[0][0], unit.paragraphs[-1][1]
            return
    pieces: list[tuple[int, int, int]] = []  # (paragraph index, start, end)
    for index, (start, end) in enumerate(unit.paragraphs, 1):
        if _fits(text[start:end], max_tokens):
            pieces.append((index, start, end))
        else:
            pieces.extend((index, s, e) for s, e in _split_long(text, start, end, max_tokens))
    group: list[tuple[int, int, int]] = []
    for piece in pieces:
        if group and not _fits(text[group[0][1] : piece[2]], max_tokens):
            yield group[0][0], group[0][1], group[-1][2]
            group = []
        group.append(piece)
    if group:
        yield group[0][0], group[0][1], group[-1][2]


def _budget_end(text: str, start: int, end: int, max_tokens: int) -> int:
    """The furthest offset in (start, end) at which text[start:offset] fits `max_tokens`, moved
    back to a space if one is near; at least one character on."""
    low, high = start + 1, min(end, start + max_tokens * CHARS_PER_TOKEN)
    while low < high:  # binary search: estimate_tokens grows with the length
        middle = (low + high + 1) // 2
        if estimate_tokens(text[start:middle]) <= max_tokens:
            low = middle
        else:
            high = middle - 1
    space = text.rfind(" ", start + 1, low)
    return space + 1 if space > start + (low - start) // 2 else low


def _split_long(text: str, start: int, end: int, max_tokens: int) -> Iterator[tuple[int, int]]:
    """Split one paragraph between sentences (or table rows), then hard by length."""
    body = text[start:end]
    if body.lstrip().startswith("|"):  # a table: whole rows
        parts, offset = [], start
        for row in body.split("\n"):
            if row.strip():
                parts.append((offset + len(row) - len(row.lstrip()), offset + len(row)))
            offset += len(row) + 1
    else:
        parts = [(start + s, start + e) for s, e in sentence_spans(body, markup=False)]
    piece_start, piece_end = None, start
    for part_start, part_end in parts:
        if piece_start is not None and estimate_tokens(text[piece_start:part_end]) > max_tokens:
            yield piece_start, piece_end
            piece_start = None
        if piece_start is None:
            piece_start = part_start
        piece_end = part_end
        while (
            piece_end - piece_start > max_tokens * CHARS_PER_TOKEN  # first: no estimate over MBs
            or estimate_tokens(text[piece_start:piece_end]) > max_tokens * 1.5
        ):
            # No sentence end for too long (a file with no line breaks or full stops): cut
            # where the budget runs out. Halving left pieces of a million characters.
            cut = _budget_end(text, piece_start, piece_end, max_tokens)
            yield piece_start, cut
            piece_start = cut
    if piece_start is not None and piece_start < piece_end:
        yield piece_start, piece_end
