"""The embedded default answerer: no LLM, only sentences quoted from the best passages.

Each sentence of the answer is a verbatim sentence of a retrieved chunk followed by `[n]`;
`Answer.citations[n-1]` quotes it. When no passage is relevant enough, it refuses and says
what it searched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..knowledge import intents
from ..text import ARTICLE_REF, is_chinese, numbers_matched, sentence_spans, tokenize
from ..types import Answer, Citation, Hit
from .citations import make_citation
from .figures import figures

if TYPE_CHECKING:
    from ..retrieval import Uncovered

REFUSAL_EN = "The corpus does not cover this."
REFUSAL_ZH = "资料库中没有涉及这个问题的内容。"
MAX_SENTENCES = 4
MAX_PASSAGES = 4
MAX_LIST_CHARS = 400  # list items quoted after a sentence that introduces them
LEAD_FLOOR = 0.5  # a lead holding the value asked for must score at least this share of the best
# A bare article marker or a summary's heading line ("Article 66 (第六十六条) Penalties"), not a
# sentence that starts with an article ("Articles 17, 18(1) and 19 do not apply if …").
_MARKER_ONLY = re.compile(
    r"^(?:第[^条]{1,8}条|Articles?\s+\d+(?:\s*[–-]\s*\d+)?(?:\s*[（(]第[^)）]*[)）].*)?|Art\.\s*\d+)$"
)


def refusal(question: str, searched: str) -> Answer:
    lead = REFUSAL_ZH if is_chinese(question) else REFUSAL_EN
    return Answer(question=question, text=f"{lead} {searched}", refused=True, searched=searched)


def describe_search(
    hits: list[Hit],
    documents: int,
    filters: dict[str, Any] | None,
    missing: Sequence[str] = (),
    subjects: Sequence[Uncovered] = (),
) -> str:
    where = f"{documents} documents"
    if filters:
        shown = ", ".join(f"{k}={v}" for k, v in filters.items() if v)
        if shown:
            where += f" (filters: {shown})"
    if missing:
        names = ", ".join(missing)
        return f"The question names {names}, which is not among the {where} searched."
    if subjects:
        about = ", ".join(f"{s.words} ({s.field})" for s in subjects)
        return f"The question is about {about}: none of the {where} searched mentions it."
    if not hits:
        return f"Searched {where}: no passage matched."
    best = hits[0]
    similarity = "" if best.dense_score is None else f", similarity {best.dense_score:.2f}"
    return (
        f"Searched {where}; the closest passage ({best.label or best.title}{similarity}) "
        "is not relevant enough to answer from."
    )


def extractive_answer(
    question: str,
    hits: list[Hit],
    *,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    idf: Callable[[str], float] | None = None,
    max_sentences: int = MAX_SENTENCES,
    named: Collection[str] = (),
) -> Answer:
    """Pick the sentences of the top passages that best answer `question`, cite each.

    The lead, what a reader takes as the answer, is the best sentence that holds the kind of
    value the question asks for (a date for "when", an amount for "how much"), from the
    document the question names (`named`, doc ids) when one of its passages is here.
    """
    passages = hits[:MAX_PASSAGES]
    candidates: list[tuple[int, int, int]] = []  # (passage index, start, end) in hit.text
    for p, hit in enumerate(passages):
        for start, end in sentence_spans(hit.text):
            sentence = hit.text[start:end]
            if len(sentence) < 6 or _MARKER_ONLY.match(sentence):
                continue
            candidates.append((p, start, end))
    if not candidates:
        return Answer(question=question, text=REFUSAL_EN, refused=True, hits=hits)
    texts = [passages[p].text[s:e] for p, s, e in candidates]
    scores = _score(question, texts, [p for p, _, _ in candidates], embed, idf)
    order = np.argsort(-scores)
    best = float(scores[order[0]])
    chosen: list[int] = []
    seen: set[str] = set()
    # First the best sentence of each passage, then seconds: breadth before depth.
    for round_limit in (1, 2):
        per_passage: dict[int, int] = {}
        for i in chosen:
            per_passage[candidates[i][0]] = per_passage.get(candidates[i][0], 0) + 1
        for i in order:
            p = candidates[i][0]
            if len(chosen) >= max_sentences or scores[i] < best * 0.7:
                break
            key = re.sub(r"\s+", "", texts[i])
            if i in chosen or key in seen or per_passage.get(p, 0) >= round_limit:
                continue
            chosen.append(int(i))
            seen.add(key)  # the same sentence in two versions of a law is quoted once
            per_passage[p] = per_passage.get(p, 0) + 1
    article = _named_article(question, passages, named)
    whole = [i for i, (p, _, _) in enumerate(candidates) if p == article]
    if whole:
        # "What does PIPL Article 38 require?": that article, whole, then the best of the rest.
        others = [i for i in chosen if candidates[i][0] != article]
        chosen = whole + others[: max(0, max_sentences - len(whole))]
        first: int | None = whole[0]
    else:
        first = _lead(question, passages, candidates, texts, scores, order, named)
        if first is not None and first not in chosen:
            chosen.insert(0, first)
            if len(chosen) > max_sentences:
                chosen.pop()
    _complete_lists(passages, candidates, texts, chosen)
    # Passages in order of their best sentence, so [1] is the strongest evidence, the lead's
    # passage first and the lead first in it; other sentences of a passage in reading order.
    rank: dict[int, float] = {}
    if first is not None:
        rank[candidates[first][0]] = -np.inf
    for i in chosen:
        rank.setdefault(candidates[i][0], -scores[i])
    chosen.sort(key=lambda i: (rank[candidates[i][0]], i != first, candidates[i][1]))

    citations: list[Citation] = []
    numbers: dict[int, int] = {}
    spans: dict[int, list[int]] = {}
    for i in chosen:
        p, s, e = candidates[i]
        if p not in numbers:
            numbers[p] = len(numbers) + 1
            spans[p] = [s, e]
        spans[p] = [min(spans[p][0], s), max(spans[p][1], e)]
    for p, n in numbers.items():
        hit = passages[p]
        s, e = spans[p]
        citations.append(make_citation(n, hit, hit.text[s:e]))
    lines = []
    for p in numbers:
        sentences = [texts[i] for i in chosen if candidates[i][0] == p]
        lines.append(" ".join(f"{sentence} [{numbers[p]}]" for sentence in sentences))
    return Answer(question=question, text="\n\n".join(lines), citations=citations, hits=hits)


def _named_article(question: str, passages: list[Hit], named: Collection[str]) -> int | None:
    """The passage holding the article the question names ("Article 38", 第三十八条), from the
    document it names when it names one: the first such passage, or None."""
    numbers = set(numbers_matched(ARTICLE_REF, question))
    if not numbers:
        return None
    for p, hit in enumerate(passages):
        start = hit.meta.article
        if start is None or (named and hit.doc_id not in named):
            continue
        if numbers & set(range(start, (hit.meta.article_end or start) + 1)):
            return p
    return None


def _lead(
    question: str,
    passages: list[Hit],
    candidates: list[tuple[int, int, int]],
    texts: list[str],
    scores: np.ndarray,
    order: np.ndarray,
    named: Collection[str],
) -> int | None:
    """The candidate to open the answer with, or None to keep the best-scoring order
    (`order`: the candidates by descending score)."""
    kind = intents.answer_kind(question)
    here = {passages[p].doc_id for p, _, _ in candidates} & set(named)
    if kind is None and not here:
        return None
    floor = float(scores[order[0]]) * LEAD_FLOOR
    for i in order:
        if scores[i] < floor:
            break
        from_named = not here or passages[candidates[i][0]].doc_id in here
        if from_named and (kind is None or _holds(kind, texts[i])):
            return int(i)
    return None


def _holds(kind: str, text: str) -> bool:
    """Whether `text` states a value of the kind asked for."""
    if kind == "duration":
        return bool(intents.PERIOD.search(text))
    found = figures(text)
    if kind == "date":
        return any(f.kind == "date" for f in found)
    if kind == "percentage":
        return any(f.kind == "pct" for f in found)
    if kind == "amount":
        return bool(intents.MONEY.search(text)) and any(f.kind == "num" for f in found)
    return any(f.kind == "num" and f.strong for f in found)  # count


def _complete_lists(
    passages: list[Hit], candidates: list[tuple[int, int, int]], texts: list[str], chosen: list[int]
) -> None:
    """A chosen sentence that opens a list ("有下列情形之一的…：", "…the following:") brings
    the list's items, which are the answer; an item already chosen is not quoted twice."""
    for i in list(chosen):
        p, start, end = candidates[i]
        if i not in chosen or not texts[i].rstrip().endswith(("：", ":")):
            continue
        stop = end
        for j, (q, s, e) in enumerate(candidates):
            if q != p or s < end:
                continue
            if e - end > MAX_LIST_CHARS:
                break
            stop = e
            if j in chosen:
                chosen.remove(j)
            if passages[p].text[s:e].rstrip().endswith(("。", ".")):
                break  # the list ends with its sentence
        candidates[i] = (p, start, stop)
        texts[i] = re.sub(r"\s+", " ", passages[p].text[start:stop])


def _score(
    question: str,
    sentences: list[str],
    passage_index: list[int],
    embed: Callable[[list[str]], np.ndarray] | None,
    idf: Callable[[str], float] | None,
) -> np.ndarray:
    """Semantic similarity to the question, plus rare-word overlap, plus the passage's rank."""
    query_tokens = set(tokenize(question))
    weight = idf or (lambda _token: 1.0)
    total = sum(weight(t) for t in query_tokens) or 1.0
    overlap = np.array(
        [sum(weight(t) for t in query_tokens & set(tokenize(s))) / total for s in sentences]
    )
    prior = np.array([0.15 / (1 + p) for p in passage_index])
    if embed is None:
        return overlap + prior
    vectors = embed([question, *sentences])
    similarity = vectors[1:] @ vectors[0]
    return similarity + 0.5 * overlap + prior
