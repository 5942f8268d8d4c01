"""What the index does not cover: laws a question names that are not indexed, and subjects
no indexed passage mentions.

Both refuse a question before any passage is quoted: a question about corporate income tax
answered from the Data Security Law's articles on "taxation" would mislead more than a
refusal that says what is missing. Both read the index, so adding the missing law's text
(the Labour Contract Law, the Enterprise Income Tax Law) makes its questions answerable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..knowledge import FOREIGN_LAW_ACRONYMS, NOT_A_LAW, SUBJECTS
from ..text import HAN
from .index import Index, name_pattern, title_words
from .question import Question

# A law named by its title: capitalised words (one may be in brackets: "Personal Data (Privacy)
# Ordinance", a Hong Kong law) before Law/Act/Code/Regulations/Ordinance; in Chinese a name
# ending in 法/条例 before a word that follows law names, or anything in 《》.
_EN_LAW_NAME = re.compile(
    r"(?:(?<![\w(])\(?[A-Z][\w'’-]*\)?\s+){1,6}(?:Law|Act|Code|Regulations?|Ordinance)\b"
)
_SENTENCE_START = re.compile(
    r"^(?:(?:Under|According|To|Per|In|By|Does|Do|Is|Are|What|How|Can|Must|When|Which|Who)\s+)+"
)
# A standard named by its number: GB/T 35273, GB 42590-2023, TC260-003.
_STANDARD = re.compile(r"\bGB(?:/[TZ])?\s?\d{4,5}(?:[.-]\d+)*|\bTC\s?260[-‐]\d+", re.I)
_FOREIGN_LAW_ACRONYM = re.compile(rf"\b(?:UK )?(?:{'|'.join(FOREIGN_LAW_ACRONYMS)})\b")
_ZH_LAW_NAME = re.compile(
    rf"《([^》]{{2,40}})》|([{HAN}]{{2,12}}?(?:法|条例))"
    r"(?=规定|中|里|第|的|对|下|要求|关于|有|是|怎|如何|？|\?|，|,|\s|$)"
)


@dataclass(frozen=True)
class Uncovered:
    """A subject of the question that no indexed passage mentions."""

    words: str  # as the question has it: "corporate income tax", 经济补偿金
    field: str  # "tax law"


_SUBJECT_PATTERNS = [
    (field, [name_pattern(name, plural=True) for name in names]) for field, names in SUBJECTS
]


def unknown_laws(index: Index, question: Question) -> list[str]:
    """Laws the question names that no indexed document is: "the Labour Contract Law",
    "California Consumer Privacy Act", 劳动合同法, 《公司法》, or a foreign law by its acronym (GDPR).

    When the question also names an indexed law (it may compare the two), only a standard
    named by a number no passage holds ("TC260-003") counts as missing. A name is
    indexed when an indexed title holds all its words ("Consumer Rights Protection Law") or,
    in Chinese, its last four characters or more (根据消费者权益保护法 → 消费者权益保护法).
    """
    topic = question.topic
    standards = [
        m.group(0) for m in _STANDARD.finditer(topic) if not _indexed_code(index, m.group(0))
    ]
    if question.mentions:
        return standards
    missing = []
    for m in _EN_LAW_NAME.finditer(topic):
        name = _SENTENCE_START.sub("", m.group(0).strip())
        words = title_words(name)
        if words and not any(words <= title for title, _ in index.titles):
            missing.append(name)
    missing += [
        m.group(0) for m in _FOREIGN_LAW_ACRONYM.finditer(topic) if m.group(0) not in missing
    ]
    missing += standards
    for m in _ZH_LAW_NAME.finditer(topic):
        name = m.group(1) or m.group(2)
        if m.group(2) and name.endswith(NOT_A_LAW):  # a title in 《》 is a title: 《…管理办法》
            continue
        tails = [name[i:] for i in range(max(1, len(name) - 3))]
        if any(tail in title for tail in tails for _, title in index.titles):
            continue
        if m.group(1) and name in index.all_text():
            continue  # not indexed itself, but a document describes it by its full title
        missing.append(name)
    return missing


def _indexed_code(index: Index, number: str) -> bool:
    """Whether a passage holds a standard's number, spaced or not, in any case ("GB/T 35273" is
    "GB/T35273-2020" in a passage)."""
    code = re.compile(r"\s*".join(map(re.escape, re.sub(r"\s", "", number))), re.I)
    return bool(code.search(index.all_text()))


def uncovered_subjects(
    index: Index, question: Question, *, named_too: bool = False
) -> list[Uncovered]:
    """Subjects of `SUBJECTS` the question is about that no indexed passage mentions under
    any of their names: "the standard corporate income tax rate", 经济补偿金怎么计算.

    Empty when the question names an indexed law ("Does PIPL apply to payroll and social
    insurance data?" asks about PIPL), unless `named_too`: the engine asks that of a
    question naming a law that its passages answer weakly (个人信息保护法规定的企业所得税税率).
    """
    if question.mentions and not named_too:
        return []
    topic = question.topic
    found = []
    for number, (field, patterns) in enumerate(_SUBJECT_PATTERNS):
        hit = next((m for p in patterns if (m := p.search(topic))), None)
        if hit and not _mentioned(index, number):
            found.append(Uncovered(hit.group(0), field))
    return found


def _mentioned(index: Index, number: int) -> bool:
    """Whether any indexed passage holds a name of subject `number` (worked out once per index)."""
    if number not in index.subjects:
        patterns = _SUBJECT_PATTERNS[number][1]
        index.subjects[number] = any(p.search(index.all_text()) for p in patterns)
    return index.subjects[number]
