"""Chinese numerals ↔ integers, for article numbers (第一千零三十二条) and figures (五千万)."""

from __future__ import annotations

import re

DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
UNITS = {"十": 10, "百": 100, "千": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS) + "".join(BIG_UNITS)
# An article reference in either language: 第六十六条, Article 66, Art. 66.
ARTICLE_REF = re.compile(rf"第([{NUMERAL_CHARS}\d]+)条|\b(?:Articles?|Art\.)\s*(\d+)", re.I)


def zh_to_int(text: str) -> int:
    """'一千零三十二' → 1032, '十三' → 13, '五千万' → 50000000; ASCII digits pass through."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if not text or any(ch not in NUMERAL_CHARS for ch in text):
        raise ValueError(f"not a Chinese numeral: {text!r}")
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
        elif ch in UNITS:
            section += (1 if digit is None else digit) * UNITS[ch]
            digit = None
        elif ch == "万":  # scales this section only: 一亿五千万 = 1亿 + 5000万
            total += (section + (digit or 0)) * BIG_UNITS[ch]
            section, digit = 0, None
        else:  # 亿 scales everything before it
            total = (total + section + (digit or 0)) * BIG_UNITS[ch]
            section, digit = 0, None
    return total + section + (digit or 0)


def int_to_zh(number: int) -> str:
    """1032 → '一千零三十二', 13 → '十三' (the form used in article numbers)."""
    if number < 0:
        raise ValueError(f"negative numbers have no article form, got {number}")
    if number == 0:
        return "零"
    names = "零一二三四五六七八九"
    parts, zero_pending = [], False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // value % 10
        if digit:
            if zero_pending:
                parts.append("零")
            parts.append(names[digit] + unit)
            zero_pending = False
        elif parts:
            zero_pending = True
    text = "".join(parts)
    return text[1:] if text.startswith("一十") else text


def numbers_matched(pattern: re.Pattern[str], text: str) -> list[int]:
    """The number each match of `pattern` captured (first non-empty group, Chinese or digits)."""
    numbers = []
    for m in pattern.finditer(text):
        value = next((g for g in m.groups() if g), None)
        if value is None:
            continue
        try:
            numbers.append(zh_to_int(value))
        except ValueError:
            continue
    return numbers
