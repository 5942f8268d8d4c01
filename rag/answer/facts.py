"""Facts the system states itself: a document's dates, issuer and status, from its metadata.

"When did the Data Security Law take effect?" must not depend on which passage ranks first:
the named document's front matter says 2021-09-01. The answer states it in the asker's
language ("The Data Security Law took effect on 2021-09-01." / 《数据安全法》自2021-09-01起施行。)
and cites the document's own sentence that gives the date, or, when no sentence does, its
opening line with "(document metadata)".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from ..knowledge import ISSUERS_ZH, intents
from ..text import HAN_RUN, sentence_spans
from ..types import Hit, PassageMeta
from .citations import short_zh_title

if TYPE_CHECKING:
    from ..retrieval import Question

# A date question about when a text applies, beyond "take effect" / 施行.
_APPLIES = re.compile(r"\bappl(?:y|ies)\b|\bin force\b|起施行|开始施行|实施|适用", re.I)
_ISSUED = re.compile(
    r"\b(?:issu|publish|promulgat|adopt|enact|releas|made|draft)|印发|发布|公布|颁布|制定|通过|出台",
    re.I,
)
# The day a text was made public, which for a plan can be weeks after the date it bears (the
# front matter's `promulgated`): the sentence that says so answers, not the metadata.
_MADE_PUBLIC = re.compile(
    r"\bmade public\b|\breleased to the public\b|\bpublicly released\b|对外公布|对外发布|向社会公布",
    re.I,
)
# "Which meeting adopted…": a session or plenum, which the text names, not the issuing body.
_MEETING = re.compile(r"\b(?:meeting|session|plenum|plenary)\b|会议|全会", re.I)
# A question about whether a text still applies.
_STATUS = re.compile(
    r"\bstill (?:in force|valid|appl)|\b(?:repealed|superseded|replaced|amended|in force)\b"
    r"|现行有效|还有效|仍然有效|是否有效|废止|失效|被取代|修改过|修正过|还适用",
    re.I,
)
# A question about how a text is laid out: "How many articles does PIPL have?", 共有几个部分、多少条.
_STRUCTURE = re.compile(
    r"\bhow many (?:articles|chapters|parts|sections)\b|多少条|几条|多少章|几章|几个部分|多少个部分|多少篇|几篇",
    re.I,
)
# Where a text says how it is laid out: "8 chapters and 74 articles", "19 parts (篇) and 65
# chapters (章)", "16 articles".
_LAYOUT = re.compile(
    r"(?<![\d.,])\d+ (?:parts|chapters|articles)(?: \([^)]{1,6}\))?"
    r"(?:,? and \d+ (?:chapters|articles)(?: \([^)]{1,6}\))?)?"
)
# Where a sentence says the value is the one asked for.
_CUES = {
    "effective": re.compile(r"effect|in force|appl|施行|生效|实施", re.I),
    "promulgated": re.compile(r"adopt|promulgat|issu|publish|revis|印发|发布|公布|通过|修订", re.I),
    "issuer": re.compile(r"issu|publish|adopt|印发|发布|公布|通过|制定", re.I),
    "status": re.compile(r"replac|supersed|amend|repeal|in force|取代|修改|修正|废止|施行", re.I),
}
# A sentence that says which text replaces which.
_REPLACES = re.compile(r"replac|supersed|取代|原|original", re.I)
# How a fact said from the front matter alone is marked, before its full stop.
_FROM_METADATA = {"en": " (document metadata)", "zh": "（文件元数据）"}
_SECONDARY = ("summary", "commentary")  # the law's own text is quoted before a paraphrase
_MONTHS = (
    "January February March April May June July August September October November December"
).split()


@dataclass(frozen=True)
class Stated:
    """A sentence the system writes (`text`, in the asker's language), backed by `quote`, a
    verbatim sentence of `hit`; with no `text`, the quote itself is the answer's lead."""

    text: str
    hit: Hit
    quote: str
    field: str  # the field stated: effective, promulgated, issuer, status, structure


def asked_field(question: Question) -> str | None:
    """The metadata field the question asks for, if it asks for one."""
    if question.kind == "date" and not _MADE_PUBLIC.search(question.text):
        if "effective" in question.asks or _APPLIES.search(question.text):
            return "effective"
        if "adoption" in question.asks:
            return "promulgated"
    if (
        question.kind == "who"
        and _ISSUED.search(question.text)
        and not _MEETING.search(question.text)
    ):
        return "issuer"
    if question.kind == "yesno" and _STATUS.search(question.text):
        return "status"
    if question.kind == "count" and _STRUCTURE.search(question.text):
        return "structure"
    return None


def stated_fact(
    question: Question,
    passages: Mapping[str, Sequence[Hit]],
    older: Mapping[str, str],
    today: date | None = None,
) -> Stated | None:
    """The metadata fact `question` asks of the document it names, or None.

    `passages`: every passage of each named document, in reading order; `older`: doc id → year
    of the documents a newer version of the same law replaces (the older one is meant only when
    the question names its year).
    """
    field = asked_field(question)
    if field is None or not passages:
        return None
    doc = _document(question, passages, older)
    if doc is None:
        return None
    hits = passages[doc]
    meta = hits[0].meta
    if field == "structure":
        return _structure(question, hits)
    value = getattr(meta, field)
    if not value:
        return None
    if field == "status":
        return _status(question, doc, passages)
    text = _sentence(question.language, field, value, meta, today or date.today())
    found = _sentence_stating(field, value, hits)
    if found is None:
        return _from_metadata(text, question.language, hits, field)
    return Stated(text=text, hit=found[0], quote=found[1], field=field)


def _document(
    question: Question, passages: Mapping[str, Sequence[Hit]], older: Mapping[str, str]
) -> str | None:
    """The one document meant: a single law name, its current version unless the question
    names the older one's year, its text in the asker's language when both are indexed."""
    if len(question.mentions) != 1:
        return None
    docs = [d for d in sorted(question.mentions[0]) if d in passages]
    meant = [d for d in docs if d in older and older[d] in question.years]
    current = [d for d in docs if d not in older]
    docs = meant or current or docs
    same_language = [d for d in docs if passages[d][0].meta.language == question.language]
    docs = same_language or docs
    primary = [d for d in docs if passages[d][0].meta.doc_type not in _SECONDARY]
    docs = primary or docs
    return docs[0] if docs else None


def _status(question: Question, doc: str, passages: Mapping[str, Sequence[Hit]]) -> Stated:
    """Whether the document is in force, and which indexed text replaces it or it replaces
    (front matter `status` and `supersedes`), cited to its sentence that says so."""
    meta = passages[doc][0].meta
    newer = next((d for d, hits in passages.items() if hits[0].meta.supersedes == doc), None)
    older = meta.supersedes if meta.supersedes in passages else None
    zh = question.chinese

    def name(d: str) -> str:
        m = passages[d][0].meta
        if zh:  # versions share a short title: keep the year in brackets
            return f"《{m.title_zh.removeprefix('中华人民共和国') or m.short_name or m.title}》"
        return f"the {english_name(m)}"

    state = "in_force" if meta.status == "in_force" and newer is None else meta.status
    if zh:
        said = {"in_force": "现行有效", "repealed": "已废止"}.get(state, "已被修改")
        text = f"{name(doc)}{said}"
        if newer:
            text += f"，由{name(newer)}取代"
        elif older:
            text += f"，取代{name(older)}"
        text += "。"
    else:
        said = {"in_force": "in force", "repealed": "repealed"}.get(state, "amended")
        text = f"{name(doc)[0].upper()}{name(doc)[1:]} is {said}"
        if newer:
            text += f": {name(newer)} replaces it"
        elif older:
            text += f"; it replaces {name(older)}"
        text += "."
    hits = passages[doc]
    for hit, sentence in _sentences(hits):
        if _CUES["status"].search(sentence) and (
            newer is None and older is None or _REPLACES.search(sentence)
        ):
            return Stated(text=text, hit=hit, quote=sentence, field="status")
    return _from_metadata(text, question.language, hits, "status")


def _structure(question: Question, hits: Sequence[Hit]) -> Stated | None:
    """How many parts, chapters or articles the document has, as its own sentence says ("It
    has 8 chapters and 74 articles, covering…"): said for an English question ("The Personal
    Information Protection Law has 8 chapters and 74 articles."), quoted as it stands for a
    Chinese one, whose lead then is that sentence."""
    for hit, sentence in _sentences(hits):
        found = _LAYOUT.search(sentence)
        if found is None:
            continue
        if question.chinese:
            name = short_zh_title(hit.meta.title_zh) or hit.meta.short_name or hit.meta.title
            text = f"《{name}》共{_layout_zh(found.group(0))}（{found.group(0)}）。"
            return Stated(text=text, hit=hit, quote=sentence, field="structure")
        text = f"The {english_name(hit.meta)} has {found.group(0)}."
        return Stated(text=text, hit=hit, quote=sentence, field="structure")
    return None


_ZH_UNITS = {"parts": "个部分", "chapters": "章", "articles": "条"}


def _layout_zh(layout: str) -> str:
    """ "8 chapters and 74 articles" as 8章74条; a unit the text gives in Chinese ("19 parts
    (篇)") is said as given."""
    counts = re.findall(r"(\d+) (parts|chapters|articles)(?: \(([^)]{1,6})\))?", layout)
    return "".join(f"{n}{zh if HAN_RUN.search(zh) else _ZH_UNITS[unit]}" for n, unit, zh in counts)


def _sentences(hits: Sequence[Hit]) -> Iterator[tuple[Hit, str]]:
    """Every whole sentence of a document's passages, in reading order."""
    for hit in hits:
        for start, end in sentence_spans(hit.text, clauses=False):
            yield hit, hit.text[start:end]


def _from_metadata(text: str, language: str, hits: Sequence[Hit], field: str) -> Stated:
    """`text` said from the front matter alone, and so marked, cited to the document's first
    sentence."""
    hit = hits[0]
    start, end = sentence_spans(hit.text)[0]
    marked = text[:-1] + _FROM_METADATA[language] + text[-1]
    return Stated(text=marked, hit=hit, quote=hit.text[start:end], field=field)


def _spellings(field: str, value: str) -> list[str]:
    """How a text may write `value`: 2021-09-01, 2021年9月1日, 1 September 2021, September 1, 2021."""
    if field == "issuer":
        return [value.split(";")[0].strip()]
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", value)
    if not m:
        return [value]
    y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    month = _MONTHS[mo - 1]
    return [value, f"{y}年{mo}月{d}日", f"{d} {month} {y}", f"{month} {d}, {y}"]


def _sentence_stating(field: str, value: str, hits: Sequence[Hit]) -> tuple[Hit, str] | None:
    """The first sentence of the document that holds `value`: the commencement article's
    (本法自…起施行, "shall come into force") before one with the field's cue word ("in force",
    施行), before any other."""
    spellings = _spellings(field, value)
    found: list[tuple[int, Hit, str]] = []
    for hit, sentence in _sentences(hits):
        if not any(s in sentence for s in spellings):
            continue
        if field == "effective" and intents.COMMENCEMENT.search(sentence):
            return hit, sentence
        found.append((0 if _CUES[field].search(sentence) else 1, hit, sentence))
    if not found:
        return None
    _, hit, sentence = min(found, key=lambda f: f[0])
    return hit, sentence


def _sentence(language: str, field: str, value: str, meta: PassageMeta, today: date) -> str:
    issuer = value.split(";")[0].strip()
    if language == "zh":
        name = f"《{short_zh_title(meta.title_zh) or meta.short_name or meta.title}》"
        if field == "effective":
            return f"{name}自{value}起施行。"
        if field == "promulgated":
            return f"{name}于{value}发布。"  # "issued": 公布 is a law's word, 印发 a plan's
        zh = ISSUERS_ZH.get(issuer)
        return f"{name}由{zh}（{issuer}）发布。" if zh else f"{name}由{issuer}发布。"
    name = f"The {english_name(meta)}"
    if field == "effective":
        verb = "takes" if value > today.isoformat() else "took"
        return f"{name} {verb} effect on {value}."
    if field == "promulgated":
        return f"{name} was issued on {value}."
    return f"{name} was issued by the {issuer}."


def english_name(meta: PassageMeta) -> str:
    """A document's name as a sentence can use it: "Advertising Law", "Cybersecurity Law (as
    amended 2025)", from titles like "Advertising Law of the PRC: article summary"."""
    title = meta.title or meta.short_name or meta.doc_id
    head, _, tail = title.partition(":")
    if tail and re.match(r"\s*fact sheet\s*$", head, re.I):
        title = tail.strip()
    elif tail and re.search(r"summary|overview|priorities", tail, re.I):
        title = head.strip()
    return re.sub(r"\s+of the (?:PRC|People's Republic of China)\b", "", title)
