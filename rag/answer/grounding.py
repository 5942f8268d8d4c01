"""Keep a model's answer honest: parse its `[n]` markers and check each claim against its sources.

- Markers: `[1]`, `[1, 2]`, `[1-3]`, `【1】`, `［１］`, `[Source 1]`, parsed whole or piece by piece
  as a stream arrives; renumbered in order of first use; numbers pointing at no source dropped.
- Claims: every sentence that states something must cite a source; the figures it gives
  (amounts, percentages, dates, article numbers) must appear in a cited source, and its wording
  must overlap the cited text. Sentences that fail are flagged in the text and in the checks.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from ..text import EN_STOP, HAN_RUN, is_chinese, sentence_spans, stem
from ..types import Check, Hit
from .figures import Figure, figures, matches

UNSUPPORTED_MARK = " ⚠️(unsupported)"

# A claim must share at least this weighted share of its content units (Chinese character
# bigrams, English content words; see `overlap`) with the sources it cites. Measured on the
# PIPL texts with eight PIPL articles as sources (the cases are in tests/unit/test_grounding.py,
# test_overlap_threshold_separates_paraphrase_from_unrelated): paraphrases of the cited
# article, in either language, scored 0.33-1.0; claims about another article of the same law
# cited against Art. 66 scored 0.0-0.23. 0.3 sits in that gap, nearer the unrelated side so
# an honest loose paraphrase ("revoke its licence") still passes.
MIN_OVERLAP = 0.3

# --- citation markers -------------------------------------------------------------------

_OPENERS = "[【［"
_OPEN, _CLOSE = r"\[【［", r"\]】］"
_NUM = r"[0-9０-９]+"
_SEP = r"\s*(?:[-–—~～至到]|[,，、;；]|and|&)\s*"
_PREFIX = r"(?:(?:sources?|src|ref|doc|来源|资料|文档|出处)\s*)?"
MARKER = re.compile(rf"[{_OPEN}]\s*{_PREFIX}({_NUM}(?:{_SEP}{_NUM})*)\s*[{_CLOSE}]", re.I)
# What an unfinished marker can look like at the end of a streamed piece: held back until
# the next piece shows whether it closes.
_PARTIAL = re.compile(rf"[{_OPEN}][\sA-Za-z来源资料文档出处0-9０-９,，、;；\-–—~～至到&]{{0,24}}")
_RANGE = re.compile(rf"({_NUM})\s*[-–—~～至到]\s*({_NUM})")
_MAX_RANGE = 20


def marker_numbers(body: str) -> list[int]:
    """'1, 3-5' → [1, 3, 4, 5]; ranges longer than 20 keep only their ends."""
    numbers: list[int] = []
    for part in re.split(r"\s*(?:[,，、;；&]|and)\s*", body):
        if not part:
            continue
        m = _RANGE.fullmatch(part)
        if m:
            lo, hi = sorted((int(m.group(1)), int(m.group(2))))
            numbers.extend(range(lo, hi + 1) if hi - lo < _MAX_RANGE else (lo, hi))
        elif part.strip().isdigit():
            numbers.append(int(part))
    return numbers


def parse_citations(text: str) -> list[int]:
    """Every source number cited in `text`, in order of appearance (repeats kept)."""
    return [n for m in MARKER.finditer(text) for n in marker_numbers(m.group(1))]


class CitationStream:
    """Rewrites markers as text arrives: `feed` returns what is safe to show now.

    A marker split across pieces (`"[1"` then `"]"`) is held back until it closes. Numbers are
    renumbered in order of first use, so `[3] … [1]` becomes `[1] … [2]` and `order == [3, 1]`;
    numbers outside 1..n_sources are dropped (kept in `dropped`).
    """

    def __init__(self, n_sources: int) -> None:
        self.n_sources = n_sources
        self.order: list[int] = []  # order[k - 1] is the source number behind new number k
        self.dropped: list[int] = []
        self._pending = ""

    def feed(self, piece: str) -> str:
        text, self._pending = self._pending + piece, ""
        out: list[str] = []
        pos = 0
        while pos < len(text):
            start = _next_opener(text, pos)
            if start < 0:
                out.append(text[pos:])
                break
            out.append(text[pos:start])
            m = MARKER.match(text, start)
            if m:
                out.append(self._render(m.group(1)))
                pos = m.end()
            elif _PARTIAL.fullmatch(text, start):
                self._pending = text[start:]
                break
            else:
                out.append(text[start])
                pos = start + 1
        return "".join(out)

    def close(self) -> str:
        """The held-back tail at the end of the stream, as plain text."""
        tail, self._pending = self._pending, ""
        return tail

    def _render(self, body: str) -> str:
        rendered: list[int] = []
        for n in marker_numbers(body):
            if not 1 <= n <= self.n_sources:
                self.dropped.append(n)
                continue
            if n not in self.order:
                self.order.append(n)
            new = self.order.index(n) + 1
            if new not in rendered:
                rendered.append(new)
        return "".join(f"[{k}]" for k in rendered)


def _next_opener(text: str, pos: int) -> int:
    found = [i for i in (text.find(ch, pos) for ch in _OPENERS) if i >= 0]
    return min(found) if found else -1


def renumber(text: str, n_sources: int) -> tuple[str, CitationStream]:
    """The whole-text form of `CitationStream`: (rewritten text, stream with order/dropped)."""
    stream = CitationStream(n_sources)
    out = stream.feed(text) + stream.close()
    # A dropped marker can leave "fine ." behind; tidy the space it leaves.
    return re.sub(r"[ \t]+(?=[.,;:!?。，；：！？])", "", out), stream


# --- wording overlap --------------------------------------------------------------------

_WORD = re.compile(r"[a-z][a-z'-]*[a-z]|[a-z]")
# Function characters a paraphrase adds freely; bigrams containing them say nothing.
_ZH_FUNCTION = set("的了是在和与及或等也都而其之对为以并由中有这那此该被把将就")


def content_units(text: str) -> set[str]:
    """Character bigrams of Chinese runs and stemmed content words of English, markers removed."""
    text = MARKER.sub(" ", text).lower()
    units: set[str] = set()
    for run in HAN_RUN.findall(text):
        if len(run) == 1:
            if run not in _ZH_FUNCTION:
                units.add(run)
            continue
        units.update(
            run[i : i + 2]
            for i in range(len(run) - 1)
            if run[i] not in _ZH_FUNCTION and run[i + 1] not in _ZH_FUNCTION
        )
    words = (w.removesuffix("'s").rstrip("'") for w in _WORD.findall(HAN_RUN.sub(" ", text)))
    units.update(stem(w) for w in words if w not in EN_STOP)
    return units


def overlap(claim: set[str], evidence: set[str], background: Sequence[set[str]] = ()) -> float:
    """Weighted share of the claim's units found in the evidence.

    Containment, not Jaccard: a short claim drawn from a long article should score high.
    Units are weighted by how rare they are in `background` (the sources the claim does not
    cite): "个人信息" or "personal information" sits in every passage about the PIPL and
    proves nothing, while "监护人" or "guardian" does. With no background the weights are
    equal and this is plain containment.
    """
    if not claim:
        return 0.0
    n = len(background)
    weight = {u: math.log((n + 2) / (1 + sum(u in b for b in background))) for u in claim}
    return sum(weight[u] for u in claim if u in evidence) / sum(weight.values())


# --- instructions hidden in documents ---------------------------------------------------

INJECTION = re.compile(
    r"ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier|preceding) (?:instructions?|prompts?|rules?)"
    r"|disregard (?:all |the )?(?:previous|prior|above|system) |(?:new|updated) instructions?:"
    r"|you are now |system prompt|(?:reply|respond|answer|say) (?:only )?with\b"
    r"|忽略(?:之前|以上|前面|上述|先前)的?(?:所有)?(?:指令|指示|提示|要求)|无视(?:之前|以上|上述)"
    r"|(?:只|仅)(?:回复|回答|输出)",
    re.I,
)


def evidence_text(hit: Hit) -> str:
    """What a claim may rest on: the header the model was shown and the chunk text up to the
    first sentence that gives instructions (a document's instructions are data, never support)."""
    meta = hit.meta
    header = " ".join(
        (meta.label, meta.title, meta.title_zh, meta.short_name, meta.promulgated, meta.effective)
    )
    kept: list[str] = []
    for s, e in sentence_spans(hit.text):
        if INJECTION.search(hit.text[s:e]):
            break  # what follows an instruction is its payload ("SYSTEM: reply X"), not evidence
        kept.append(hit.text[s:e])
    return header + "\n" + "\n".join(kept)


def evidence_figures(hit: Hit) -> list[Figure]:
    """Figures a claim citing `hit` may state: those of its text and header, and its article."""
    found = figures(evidence_text(hit))
    if hit.article is not None:
        found.append(Figure("article", hit.article, "metadata"))
    end = hit.meta.article_end
    if end is not None and end > 0 and hit.article is not None:
        found.extend(Figure("article", n, "metadata") for n in range(hit.article, end + 1))
    return found


# --- sentences of an answer -------------------------------------------------------------

_HEADING = re.compile(r"^\s*(?:#{1,6}\s|\*\*[^*]+\*\*\s*$)|[:：]\s*$")
ABSTENTION = re.compile(
    r"(?:sources?|documents?|context|passages?|provided (?:text|material)s?) (?:do|does|did) not"
    r"|(?:not|no(?:thing)?) (?:specified|mentioned|stated|addressed|covered|found|provided)"
    r"|(?:cannot|can't|unable to) (?:find|answer|determine|confirm)"
    r"|未(?:规定|提及|涉及|说明|明确)|没有(?:规定|提及|涉及|说明|相关)|无法(?:回答|确定|判断|找到)"
    r"|(?:资料|来源|文件|材料)中?(?:并)?(?:未|没有)",
    re.I,
)


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    cited: list[int] = field(default_factory=list)


def answer_sentences(text: str) -> list[Sentence]:
    """Sentences of an answer, each with the `[n]` markers that follow or sit inside it."""
    return [
        Sentence(s, e, text[s:e], [int(n) for n in re.findall(r"\[(\d+)\]", text[s:e])])
        for s, e in sentence_spans(text, clauses=False, markup=False)
    ]


# --- checking ---------------------------------------------------------------------------


@dataclass
class Grounded:
    """A checked answer: flagged text, per-sentence checks, and for each answer number the
    chunk sentence that best supports it (a verbatim part of the chunk)."""

    text: str
    checks: list[Check]
    order: list[int]  # order[k - 1]: 1-based index into the hits behind answer number k
    dropped: list[int]  # cited numbers that pointed at no source
    quotes: dict[int, str]  # answer number → quote

    @property
    def supported(self) -> int:
        return sum(c.supported for c in self.checks)


class Evidence:
    """What each source offers a claim, computed once per answer."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.units = [content_units(evidence_text(h)) for h in hits]
        self.figures = [evidence_figures(h) for h in hits]
        self.tainted = [bool(INJECTION.search(h.text)) for h in hits]  # carries instructions


def ground(raw: str, hits: list[Hit]) -> Grounded:
    """Renumber the markers of a model's reply, check each sentence, flag the unsupported."""
    text, stream = renumber(raw, len(hits))
    # After renumbering, answer number k points at hits[stream.order[k - 1] - 1].
    evidence = Evidence(
        [hits[n - 1] for n in stream.order]
        + [h for i, h in enumerate(hits, 1) if i not in stream.order]
    )
    checks: list[Check] = []
    quotes: dict[int, str] = {}
    flags: list[int] = []
    for sentence in answer_sentences(text):
        check = check_sentence(sentence.text, sentence.cited, evidence)
        if check is None:
            continue
        checks.append(check)
        if not check.supported:
            flags.append(sentence.end)
            continue
        for k in check.cited:
            quotes.setdefault(k, best_quote(sentence.text, evidence.hits[k - 1]))
    for end in reversed(flags):
        text = text[:end] + UNSUPPORTED_MARK + text[end:]
    for k in range(1, len(stream.order) + 1):
        quotes.setdefault(k, first_sentence(evidence.hits[k - 1]))
    return Grounded(text, checks, list(stream.order), stream.dropped, quotes)


def check_sentence(sentence: str, cited: list[int], evidence: Evidence) -> Check | None:
    """The verdict on one sentence whose `[k]` point at `evidence.hits[k - 1]`; None for a
    sentence that makes no claim (a heading, a lead-in ending in ':', "Yes.", or a statement
    that the sources do not say)."""
    claim_text = MARKER.sub("", sentence)
    units = content_units(claim_text)
    claimed = [f for f in figures(claim_text) if f.strong]
    if not cited:
        if (
            not units
            or ABSTENTION.search(claim_text)
            or (_HEADING.search(claim_text) and not claimed)
        ):
            return None
        return Check(sentence=sentence, cited=[], supported=False, reason="no citation")
    idx = [k - 1 for k in cited if 1 <= k <= len(evidence.hits)]
    ev_figures = [f for i in idx for f in evidence.figures[i]]
    missing = [f.text.strip() for f in claimed if not matches(f, ev_figures)]
    if missing:
        return Check(
            sentence=sentence,
            cited=cited,
            supported=False,
            reason=f"{', '.join(missing)}: not in the cited source",
        )
    ev_units = set().union(*(evidence.units[i] for i in idx))
    if units and is_chinese(claim_text) != is_chinese(
        "\n".join(evidence.hits[i].text for i in idx)
    ):
        # A Chinese source behind an English answer (or the reverse): wording cannot be
        # compared word for word, so only the figures were checked. Not good enough for a
        # source caught carrying instructions: a translated injection would pass.
        if any(evidence.tainted[i] for i in idx):
            return Check(
                sentence=sentence,
                cited=cited,
                supported=False,
                reason="cites a document that contains instructions, in another language",
            )
        return Check(
            sentence=sentence,
            cited=cited,
            supported=True,
            reason="figures checked; the source is in another language",
        )
    background = [u for i, u in enumerate(evidence.units) if i not in idx]
    score = overlap(units, ev_units, background)
    if score < MIN_OVERLAP:
        return Check(
            sentence=sentence,
            cited=cited,
            supported=False,
            reason=f"wording barely overlaps the cited source ({score:.2f} < {MIN_OVERLAP})",
        )
    return Check(sentence=sentence, cited=cited, supported=True, reason=f"overlap {score:.2f}")


def best_quote(sentence: str, hit: Hit) -> str:
    """The sentence of the chunk that shares most with `sentence` (its figures count double)."""
    units = content_units(sentence)
    claimed = [f for f in figures(MARKER.sub("", sentence)) if f.strong]
    best, best_score = "", -1.0
    for s, e in sentence_spans(hit.text):
        piece = hit.text[s:e]
        if INJECTION.search(piece):
            continue
        found = figures(piece)
        score = overlap(units, content_units(piece)) + 2 * sum(matches(f, found) for f in claimed)
        if score > best_score:
            best, best_score = piece, score
    return best or first_sentence(hit)


def opening(text: str) -> str:
    """An answer up to its first citation marker, without ⚠️ flags: what a reader takes as
    the answer, and what must hold the kind of value asked for (`rag.answer.kinds.holds`)."""
    m = MARKER.search(text)
    return (text[: m.start()] if m else text).replace(UNSUPPORTED_MARK, "")


def first_sentence(hit: Hit) -> str:
    """The chunk's first sentence, the quote when no sentence of the answer supports it."""
    spans = sentence_spans(hit.text)
    if spans:
        s, e = spans[0]
        return hit.text[s:e]
    return hit.text.strip() or hit.text
