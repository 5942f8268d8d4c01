"""Figures in text, normalised so that a claim can be matched against its source.

五千万元 = 5000万元 = RMB 50 million = 50000000; 百分之五 = 5% = five percent; 2021年11月1日 =
1 November 2021 = 2021-11-01; 第六十六条 = Article 66 = Art. 66. Paragraph and chapter
references (第二款, Chapter 3) are recognised and skipped: they are not figures a claim asserts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ..text import NUMERAL_CHARS, zh_to_int

_ZH = f"[{NUMERAL_CHARS}]"
_EN_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_EN_SCALES = {"hundred": 100, "thousand": 1000, "million": 10**6, "billion": 10**9}
_EN_NUM = rf"(?:{'|'.join([*_EN_WORDS, *_EN_SCALES])})"
_MONTHS = {
    m: i
    for i, m in enumerate(
        "january february march april may june july august september october november december".split(),
        1,
    )
}
_MONTH = rf"\b(?:{'|'.join(_MONTHS)}|{'|'.join(m[:3] for m in _MONTHS)})\.?"
_ZH_UNIT = r"(?:元|周岁|岁|年|个月|月|日|天|小时|倍|人|名|次|个|家|项)"
_FIGURE = re.compile(
    "|".join(
        [
            rf"(?P<pct_zh>百分之(?:{_ZH}+|\d+(?:\.\d+)?))",
            r"(?P<pct>\d+(?:\.\d+)?)\s*(?:%|％|percent\b|per cent\b)",
            rf"\b(?P<pct_en>{_EN_NUM}(?:[\s-]+{_EN_NUM})*)\s+(?:percent|per cent)\b",
            r"(?P<ymd>\d{4})\s*[年\-/.]\s*(?P<ym_m>\d{1,2})\s*(?:月|[\-/.])\s*(?:(?P<ymd_d>\d{1,2})\s*日?)?",
            r"(?P<zymd>[〇零一二三四五六七八九]{4})年(?P<zym_m>[一二三四五六七八九十]{1,2})月"
            r"(?:(?P<zymd_d>[一二三四五六七八九十]{1,3})日)?",
            rf"(?P<mdy_m>{_MONTH})\s+(?P<mdy_d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<mdy_y>\d{{4}})",
            rf"(?P<dmy_d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<dmy_m>{_MONTH}),?\s+(?P<dmy_y>\d{{4}})",
            rf"(?P<my_m>{_MONTH}),?\s+(?P<my_y>\d{{4}})",
            rf"第(?P<art_zh>{_ZH}+|\d+)条",
            rf"第(?:{_ZH}+|\d+)[款项章节编目]",  # paragraph/chapter references are not claims
            r"\b(?:articles?|arts?\.)\s*(?P<art_en>\d+)",
            r"\b(?:paragraph|chapter|section|item|part)\s+\(?\d+\)?",
            r"(?<![A-Za-z])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s*"
            r"(?P<num_scale>[千百]?[万亿]|thousand\b|million\b|billion\b|mn\b|bn\b)?",
            rf"\b(?P<en>{_EN_NUM}(?:[\s-]+(?:and\s+)?{_EN_NUM})*)\b(?P<en_unit>\s+(?:years?|months?|days?|hours?|yuan|times)\b)?",
            rf"(?P<zh>{_ZH}+)(?P<zh_unit>{_ZH_UNIT})?",
        ]
    ),
    re.I,
)
_SCALE = {
    "千": 1000,
    "百": 100,
    "万": 10**4,
    "亿": 10**8,
    "thousand": 1000,
    "million": 10**6,
    "billion": 10**9,
    "mn": 10**6,
    "bn": 10**9,
}


@dataclass(frozen=True)
class Figure:
    """A figure in a text: kind is 'num', 'pct', 'date' (value 'YYYY-MM[-DD]') or 'article'."""

    kind: str
    value: object
    text: str
    strong: bool = True  # False: a Chinese or English number word that may be just a word


def figures(text: str) -> list[Figure]:
    """Figures in `text`, normalised: 五千万 = 5000万 = 50 million = 50000000."""
    out: list[Figure] = []
    for m in _FIGURE.finditer(text):
        g = {k: v for k, v in m.groupdict().items() if v is not None}
        try:
            figure = _figure(g, m.group(0))
        except (ValueError, InvalidOperation, KeyError):
            continue
        if figure is not None:
            out.append(figure)
    return out


def _figure(g: dict[str, str], raw: str) -> Figure | None:
    if "pct_zh" in g:
        return Figure("pct", _number(g["pct_zh"][3:]), raw)
    if "pct" in g:
        return Figure("pct", _number(g["pct"]), raw)
    if "pct_en" in g:
        return Figure("pct", Decimal(_english(g["pct_en"])), raw)
    if "ymd" in g:
        return Figure("date", _date(g["ymd"], g["ym_m"], g.get("ymd_d")), raw)
    if "zymd" in g:
        year = "".join(str(zh_to_int(ch)) for ch in g["zymd"])
        return Figure(
            "date",
            _date(year, zh_to_int(g["zym_m"]), g.get("zymd_d") and zh_to_int(g["zymd_d"])),
            raw,
        )
    for prefix in ("mdy", "dmy", "my"):
        if f"{prefix}_m" in g:
            month = _MONTHS_BY_ABBR[g[f"{prefix}_m"].lower().rstrip(".")[:3]]
            return Figure("date", _date(g[f"{prefix}_y"], month, g.get(f"{prefix}_d")), raw)
    if "art_zh" in g:
        return Figure("article", zh_to_int(g["art_zh"]), raw)
    if "art_en" in g:
        return Figure("article", int(g["art_en"]), raw)
    if "num" in g:
        value = Decimal(g["num"].replace(",", ""))
        scale = g.get("num_scale", "").lower()
        for unit in [scale] if scale in _SCALE else scale:  # 千万 = 千 × 万
            value *= _SCALE[unit]
        return Figure("num", value.normalize(), raw)
    if "en" in g:
        words = g["en"].lower()
        strong = "en_unit" in g or any(s in words for s in _EN_SCALES)
        return Figure("num", Decimal(_english(words)), raw, strong)
    if "zh" in g:
        run = g["zh"]
        if re.search(r"[一二两三四五六七八九]{2}", run) and re.search("[十百千万亿]", run):
            return None  # not a numeral: 十四五 is the 14th Five-Year Plan, 一一 a word
        number = zh_to_int(run)
        if number == 0 and run not in ("零", "〇"):
            return None  # a bare 万 or 亿 ("数万元")
        strong = "zh_unit" in g or (len(run) > 1 and any(ch in "十百千万亿" for ch in run))
        return Figure("num", Decimal(number), raw, strong)
    return None  # paragraph, chapter and similar references


_MONTHS_BY_ABBR = {name[:3]: i for name, i in _MONTHS.items()}


def _date(year: str | int, month: str | int, day: str | int | None) -> str:
    y, mo = int(year), int(month)
    if not 1 <= mo <= 12:
        raise ValueError(f"month {mo}")
    return f"{y:04d}-{mo:02d}" + (f"-{int(day):02d}" if day else "")


def _number(text: str) -> Decimal:
    text = text.replace("点", ".")
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return Decimal(text).normalize()
    return Decimal(zh_to_int(text))


def _english(words: str) -> int:
    """'fifty million' → 50000000, 'one hundred and twenty' → 120."""
    total, current = 0, 0
    for word in re.split(r"[\s-]+", words.lower()):
        if word in _EN_WORDS:
            current += _EN_WORDS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _EN_SCALES:
            total += (current or 1) * _EN_SCALES[word]
            current = 0
    return total + current


def matches(claim: Figure, evidence: list[Figure]) -> bool:
    for ev in evidence:
        if claim.kind == "date" and ev.kind == "date":
            if str(ev.value).startswith(str(claim.value)):  # "2021-11" matches "2021-11-01"
                return True
        elif claim.kind == "num" and ev.kind == "date":
            if str(claim.value) == str(ev.value)[:4]:  # a year named alone
                return True
        elif claim.kind == ev.kind and claim.value == ev.value:
            return True
        elif claim.kind == "num" and ev.kind == "article" and claim.value == ev.value:
            return True  # "Articles 13 and 14": the 14 is an article number too
    return False
