"""Which language a text is in, and what counts as a Chinese character.

One range for every stage: CJK Unified Ideographs, Extension A and the compatibility block.
"""

from __future__ import annotations

import re

HAN = "\u3400-\u9fff\uf900-\ufaff"
HAN_CHAR = re.compile(f"[{HAN}]")
HAN_RUN = re.compile(f"[{HAN}]+")


def han_count(text: str) -> int:
    return len(HAN_CHAR.findall(text))


def is_chinese(text: str) -> bool:
    """Whether a question or sentence is Chinese: at least two Chinese characters, and at
    least a fifth of its characters (English text quoting a Chinese term stays English)."""
    return han_count(text) >= max(2, len(text.strip()) * 0.2)


def document_language(text: str) -> str:
    """ "zh" or "en" for a whole document, read from its first 5,000 characters."""
    sample = text[:5000]
    letters = sum(1 for ch in sample if ch.isascii() and ch.isalpha())
    return "zh" if han_count(sample) * 2 > letters * 0.5 else "en"
