"""Sentences of a passage, as spans, for quoting: what an answer cites is one or more of them."""

from __future__ import annotations

import re

_SPLIT = re.compile(r"(?<=[。！？；!?])|(?<=;)|(?<=\.)(?=\s+[A-Z(“\"])|\n+")


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
