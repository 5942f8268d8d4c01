"""Markdown tables in a text, with offsets, and a table row stated as one sentence.

A table is a header row, a separator row (`| --- | :-: |`, one cell per header cell) and
the body rows under it, every line starting with `|`. Lines of pipes without a separator
are not a table here. A body row is a fact; `row_sentence` states it with its column names
("Forest coverage (森林覆盖率, %): 2020 baseline 23.2, 2025 target 24.1, Type binding."),
each cell verbatim, so a figure quoted from it is the figure in the document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .language import is_chinese

_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_SEPARATOR_CELL = re.compile(r"^\s*:?-+:?\s*$")
_PLACEHOLDER = re.compile(r"^[\s\-–—―…/]*$|^n/?a$", re.I)  # "—", "-", "…", "n/a": no value


@dataclass(frozen=True)
class TableRow:
    start: int  # offsets of the row's line, without its indent and line break
    end: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class MarkdownTable:
    header: TableRow
    rows: tuple[TableRow, ...]  # body rows; the separator row is neither header nor body

    @property
    def start(self) -> int:
        return self.header.start

    @property
    def end(self) -> int:
        return self.rows[-1].end if self.rows else self.header.end


def markdown_tables(text: str) -> list[MarkdownTable]:
    """The Markdown tables of `text`, in order."""
    lines: list[tuple[int, str]] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        lines.append((offset, line.rstrip("\r\n")))
        offset += len(line)
    tables: list[MarkdownTable] = []
    i = 0
    while i + 1 < len(lines):
        header = _row(*lines[i])
        separator = _row(*lines[i + 1])
        if (
            header is None
            or separator is None
            or len(separator.cells) != len(header.cells)
            or not all(_SEPARATOR_CELL.match(c) for c in separator.cells)
        ):
            i += 1
            continue
        rows: list[TableRow] = []
        i += 2
        while i < len(lines) and (row := _row(*lines[i])) is not None:
            rows.append(row)
            i += 1
        tables.append(MarkdownTable(header=header, rows=tuple(rows)))
    return tables


def _row(offset: int, line: str) -> TableRow | None:
    """A line that starts with `|`, cut into its cells (white space trimmed, `\\|` unescaped)."""
    body = line.strip()
    if not body.startswith("|"):
        return None
    start = offset + line.index("|")
    inner = body[1:-1] if len(body) > 1 and body.endswith("|") and body[-2] != "\\" else body[1:]
    cells = tuple(c.strip().replace("\\|", "|") for c in _CELL_SPLIT.split(inner))
    return TableRow(start=start, end=start + len(body), cells=cells)


def row_sentence(header: Sequence[str], cells: Sequence[str]) -> str:
    """A body row as one sentence: the first cell, then each other cell after its column name.

    `sentence_spans` reads it as one sentence (commas, never semicolons, between the cells;
    a cell's own punctuation is kept as written). Empty and "—" cells are left out; "" for a
    row with no value at all.
    """
    values = [(h.strip(), c.strip()) for h, c in zip(header, cells, strict=False)]
    values += [("", c.strip()) for c in cells[len(header) :]]  # a cell beyond the header
    filled = [(h, c) for h, c in values if not _PLACEHOLDER.match(c)]
    if not filled:
        return ""
    # The table's language, from its column names and the row's name: an English glossary
    # row quoting a long Chinese term is still English.
    chinese = is_chinese(" ".join([*header, *cells[:1]]))
    colon, comma, stop = ("：", "，", "。") if chinese else (": ", ", ", ".")
    label = ""
    if values and not _PLACEHOLDER.match(values[0][1]):
        label, filled = filled[0][1], filled[1:]
    stated = comma.join(f"{h} {c}" if h else c for h, c in filled)
    sentence = f"{label}{colon}{stated}" if label and stated else label or stated
    return sentence if sentence.endswith((".", "。", "!", "?", "！", "？")) else sentence + stop
