"""What a sentence must hold to answer each kind of question (`rag.knowledge.intents.KINDS`):
a date for "when", an amount for "how much", a body for "who", a rule for "can we"."""

from __future__ import annotations

import re
from decimal import Decimal

from ..knowledge import intents
from .figures import Figure, figures

# What a sentence that answers each kind of question looks like, beyond the figures in it.
_SHAPES = {
    "who": re.compile(
        r"\b(?:Administration|Commission|Council|Ministry|Committee|Congress|Court|Bureau|Office|"
        r"department|authorit|regulator|CAC|SAMR|MIIT|NDRC|NPC|SPC|Plenary|guardian|parent)"
        r"|部门|委员会|国务院|总局|网信|法院|办公室|人大|全会|机关|监护人|父母",
        re.I,
    ),
    "definition": re.compile(
        r"是指|含义|指的是|\brefers? to\b|\bmeans?\b|\bis defined\b|^[^:：]{2,80}[:：]\s*\S"
        # "A platform (平台) is an organisational form that…": a term, then what it is
        r"|^(?:An?|The)\s[^,.;:]{1,60}\sis\s(?:an?|the)\s",
        re.I,
    ),
    "yesno": re.compile(
        r"\b(?:must|shall|may|can(?:not)?|not|no|only|need|prohibit\w*|void|exempt\w*|allow\w*)\b"
        r"|不得|应当|可以|禁止|无效|不适用|无需|不需|必须|须",
        re.I,
    ),
    "conditions": re.compile(
        r"\b(?:if|where|unless|provided|when|only|must|shall|following|conditions?|requir\w*)\b"
        r"|条件|情形|下列|应当|须|的，|[:：]$",
        re.I,
    ),
}


# A period stated after its verb, which `intents.PERIOD` (a deadline) does not cover:
# "应当至少保存三年", "期限为五年".
_KEPT_FOR = re.compile(
    r"(?:保存|保留|留存|存储|期限为?|有效期为?|为期)[一二三四五六七八九十百\d]+个?(?:工作日|日|天|小时|月|年)"
)


# A question naming a share ("比重", "what percentage") wants a figure with a per cent sign; a
# target or a rate may be any figure ("Forest coverage…: 2025 target 24.1").
_SHARE = re.compile(f"{intents.SHARE_WORDS}|百分比", re.I)


def asks_share(question: str) -> bool:
    """Whether `question` asks for a share: a percentage, not just any figure."""
    return bool(_SHARE.search(question))


def holds_share(text: str) -> bool:
    """Whether `text` holds a percentage ("25%", "百分之二十五")."""
    return any(f.kind == "pct" for f in figures(text))


def holds(kind: str, text: str) -> bool:
    """Whether `text` holds the kind of answer asked for (`rag.knowledge.intents.KINDS`)."""
    if kind == "duration":
        return bool(intents.PERIOD.search(text) or _KEPT_FOR.search(text))
    if kind in ("comparison", "open"):
        return True
    if kind in _SHAPES:
        return bool(_SHAPES[kind].search(text))
    found = figures(text)
    if kind == "date":
        return any(f.kind == "date" for f in found)
    if kind == "percentage":  # a share or a target: a percentage or a figure that counts
        return any(f.kind == "pct" or _counts(f, text) for f in found)
    if kind == "amount":
        return bool(intents.MONEY.search(text)) and any(f.kind == "num" for f in found)
    return any(_counts(f, text) for f in found)  # count


def _counts(figure: Figure, text: str) -> bool:
    """A number that measures something: not a year ("reaching to 2035") nor an ordinal
    ("the 14th Five-Year Plan", 第十四个)."""
    if figure.kind != "num" or not figure.strong:
        return False
    value = figure.value
    if isinstance(value, Decimal) and value == value.to_integral() and 1900 <= value <= 2100:
        return False
    digits = re.escape(figure.text.strip())
    return not re.search(rf"第{digits}|(?<![\d.,]){digits}(?:st|nd|rd|th)\b", text)
