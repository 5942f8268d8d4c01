"""Sentences of a text, as (start, end) spans: one splitter for passages, answers and chunking.

A sentence ends at 。！？!? (and, for `clauses`, at ；/;), at a line break, or at a '.' that is
followed by white space, a citation marker or the end, unless it closes an abbreviation
("Art. 5", "e.g."), sits between digits ("3.5") or numbers a list item at a line's start
("2. A higher level…"). Closing quotes and brackets, and `[n]`
markers after the end, stay with their sentence.
"""

from __future__ import annotations

import re

_ABBREVIATIONS = (
    "art",
    "arts",
    "no",
    "nos",
    "para",
    "paras",
    "e.g",
    "i.e",
    "etc",
    "vs",
    "cf",
    "p",
    "pp",
    "mr",
    "ms",
    "dr",
    "st",
    "fig",
    "sec",
    "ch",
    "u.s",
    "prc",
)
_SENTENCE_END = re.compile(r"[。！？!?]+|\.(?=[\s\[【［]|$)|\n+")
_CLAUSE_END = re.compile(r"[。！？!?]+|[；;]|\.(?=[\s\[【［]|$)|\n+")
_TRAIL = re.compile(r"(?:\s*(?:\[\d+\])+|[”’\"')）」』*])+")
_MARKUP = "#*>-|"
_ITEM_NUMBER = re.compile(
    r"(?:^|\n)[ \t]*\d{1,2}$"
)  # Markdown a passage's sentence may start with: heading, bold, quote, list, table


def sentence_spans(
    text: str, *, clauses: bool = True, markup: bool = True
) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`, white space trimmed.

    `clauses`: also end at ；/; — what a quote of a long article wants; an answer's sentence
    keeps its clauses together, so a claim and its citation stay one. `markup`: also trim
    Markdown markers at the edges (passages); an answer keeps them, so a heading stays one.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for m in (_CLAUSE_END if clauses else _SENTENCE_END).finditer(text):
        if m.start() < start or m.group(0) == "." and _abbreviation_before(text, m.start()):
            continue
        end = m.end()
        if not m.group(0).startswith("\n") and (trail := _TRAIL.match(text, end)):
            end = trail.end()
        _add(spans, text, start, end, markup)
        start = end
    _add(spans, text, start, len(text), markup)
    return spans


def _abbreviation_before(text: str, dot: int) -> bool:
    if _ITEM_NUMBER.search(text, max(0, dot - 4), dot):  # "2. A higher level…": an item's number
        return True
    word = re.search(r"([A-Za-z.]+)$", text[max(0, dot - 6) : dot])
    if word and word.group(1).lower() in _ABBREVIATIONS:
        return True
    return dot > 0 and text[dot - 1].isdigit() and dot + 1 < len(text) and text[dot + 1].isdigit()


def _add(spans: list[tuple[int, int]], text: str, start: int, end: int, markup: bool) -> None:
    s, e = start, end
    while s < e and (text[s].isspace() or markup and text[s] in _MARKUP):
        s += 1
    while e > s and (text[e - 1].isspace() or markup and text[e - 1] == "*"):
        e -= 1
    if e > s:
        spans.append((s, e))
