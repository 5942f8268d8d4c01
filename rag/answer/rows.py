"""A table row of an English text, stated in Chinese for a Chinese question.

A plan's indicator table is data: "Forest coverage (森林覆盖率, %): 2020 baseline 23.2,
2025 target 24.1, Type binding." (`rag.text.row_sentence`) can be said as
"森林覆盖率（%）：2020年基数23.2，2025年目标24.1，约束性。" without translating anything but
the column names, the indicator type and the scale words of the figures. A row holding any
other English (a value such as "higher than GDP growth") is not restated: the quote serves.
"""

from __future__ import annotations

import re
from decimal import Decimal

from ..text import HAN, is_chinese

# "Label (中文名, unit): cells." The Chinese name is the label's last parenthesis.
_ROW = re.compile(rf"^(?P<label>.+)\((?P<zh>[^()]*[{HAN}][^()]*)\):\s+(?P<cells>.+?)\.?$")
_COLUMN = re.compile(
    r"^(?P<year>(?:19|20)\d\d)(?:\s+(?P<what>baseline|target|actual))?\s+(?P<value>.+)$"
)
_WHAT = {None: "", "baseline": "基数", "target": "目标", "actual": "实际"}
_TYPES = {"Type anticipatory": "预期性", "Type binding": "约束性"}
_FIGURE = re.compile(
    r"^(?P<number>\d+(?:\.\d+)?)(?P<pct>%)?(?:\s+(?P<scale>million|billion|trillion))?"
    r"(?P<cumulative>\s+\(cumulative\))?$"
)


def row_in_chinese(sentence: str) -> str | None:
    """`sentence`, a table row as `row_sentence` states it, said in Chinese; None when it is
    not such a row or holds words that would need translating."""
    found = _ROW.match(sentence.strip())
    if found is None:
        return None
    name, _, unit = (part.strip() for part in found["zh"].partition(","))
    if not is_chinese(name):
        return None
    parts: list[str] = []
    for cell in found["cells"].split(", "):
        if cell in _TYPES:
            parts.append(_TYPES[cell])
            continue
        column = _COLUMN.match(cell)
        value = column and _figure(column["value"])
        if not column or value is None:
            return None
        parts.append(f"{column['year']}年{_WHAT[column['what']]}{value}")
    if not parts:
        return None
    head = f"{name}（{unit}）" if unit else name
    return f"{head}：{'，'.join(parts)}。"


def _figure(value: str) -> str | None:
    """ "23.2", "7.8%", "989 million" (9.89亿), "18 (cumulative)" (18（累计）); else None."""
    found = _FIGURE.match(value.strip())
    if found is None:
        return None
    text = found["number"] + (found["pct"] or "")
    scale = found["scale"]
    if scale == "million":
        wan = Decimal(found["number"]) * 100
        text = f"{_plain(wan / 10_000)}亿" if wan >= 10_000 else f"{_plain(wan)}万"
    elif scale == "billion":
        text = f"{_plain(Decimal(found['number']) * 10)}亿"
    elif scale == "trillion":
        text = f"{found['number']}万亿"
    return text + ("（累计）" if found["cumulative"] else "")


def _plain(number: Decimal) -> str:
    return f"{number.normalize():f}"
