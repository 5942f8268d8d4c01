"""The embedded default answerer: no LLM, only sentences quoted from the best passages.

Each sentence of the answer is a verbatim sentence of a retrieved chunk followed by `[n]`;
`Answer.citations[n-1]` quotes it. (What a refused question is told is in `refusal`.)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..knowledge import intents
from ..text import HAN, is_chinese, sentence_spans, tokenize
from ..types import Answer, Citation, Hit, PassageMeta
from .citations import make_citation
from .facts import Stated
from .kinds import asks_share, holds, holds_share
from .refusal import REFUSAL_EN
from .rows import row_in_chinese

if TYPE_CHECKING:
    from ..retrieval import Question

MAX_SENTENCES = 4
MAX_PASSAGES = 4
# Passages below the first MAX_PASSAGES may still give the lead when one of their sentences holds
# the value asked for (a date, an amount, a count, the year's figure) and none above does; they
# give no supporting sentences. (Reaching them for a list of conditions as well cost the policy
# texts' held-out set a lead: a list-opening article of another law took over.)
MAX_LEAD_PASSAGES = 6
MAX_ARTICLE_CHARS = 800  # a named article up to this long is quoted as one sentence
MAX_LIST_CHARS = 400  # list items quoted after a sentence that introduces them
LEAD_FLOOR = 0.5  # a lead holding the value asked for must score at least this share of the best
# When no sentence that close holds the value a "how much / when / how many" question asks for,
# one that holds it may still lead at this share of the best; a sentence without it never
# answers such a question.
VALUE_FLOOR = 0.3
SUBJECT_WEIGHT = 0.5  # more weight on the question's words between sentences holding its value
# "Can we…", "what conditions…", "what is…": the shape such an answer has (a "must", an "if", a
# "means") is in most sentences of a law, so it decides the lead only between sentences this
# close to the best; below it the best sentence answers.
SHAPE_FLOOR = 0.8
_SHAPE_KINDS = ("yesno", "conditions", "definition")
OVERLAP_WEIGHT = 0.5  # the question's rare words a sentence holds, against its similarity
RANK_WEIGHT = 0.15  # the passage's rank: 0.15 for the first, 0.075 for the second…
# A Chinese question's words met through their English renderings count at this share, so a
# Chinese sentence that holds them itself comes first (staff set: facts anywhere, held-out half,
# 0.713 -> 0.74; the policy texts unchanged).
OTHER_LANGUAGE = 0.5
SUPPORT_FLOOR = 0.7  # a supporting sentence must score at least this share of the best
OWN_PASSAGE_FLOOR = 0.4  # the bar for a sentence of the lead's own passage
# A bare article marker or a summary's heading line ("Article 66 (第六十六条) Penalties"), not a
# sentence that starts with an article ("Articles 17, 18(1) and 19 do not apply if …").
_MARKER_ONLY = re.compile(
    r"^(?:第[^条]{1,8}条|Articles?\s+\d+(?:\s*[–-]\s*\d+)?(?:\s*[（(]第[^)）]*[)）].*)?|Art\.\s*\d+)$"
)


# A list item: "(3) …", "（三）…", "- …", "2. …", "一是…".
_LIST_ITEM = re.compile(
    r"\s*(?:[-*•]\s|\(?\d{1,2}[.)）]\s?|[（(][一二三四五六七八九十\d]{1,3}[)）]|[一二三四五六七八九十]{1,3}[是、]|[a-z][.)]\s)"
)
# A sentence that opens a list: it ends with a colon, or holds the first item after one.
_OPENS_LIST = re.compile(r"[:：]\s*$|[:：]\s*[（(]?[1一][)）.、]")
# A list stated in one sentence: "…all four conditions: it was not…; it handled…; it…".
_INLINE_LIST = re.compile(r"[:：][^;；]+[;；][^;；]+[;；]")
# A clause that starts in the middle of a sentence ("if the user switches it off, …").
_LOWER_START = re.compile(r"[a-z]")
# A sentence whose subject is in the sentence before it: "It adopted the Recommendations…",
# "These are the departments…", "该办法…", "上述…".
_ANAPHOR = re.compile(
    r"(?:It|They|These|This|Such|Together,? these)\b(?!\s+(?:Law|Measures|Provisions|"
    r"Regulations|Plan|summary|fact sheet|document)\b)|(?:该|其(?!他)|上述|这些)"
)
# A sentence that says what a term is (no figure in it): "Sensitive personal information
# (敏感个人信息) is data whose …", "Biometric information is sensitive personal information
# (敏感个人信息), …", "本法所称个人信息，是指…". The term is the Chinese one in the parentheses,
# or the one before 是指.
_DEFINES = re.compile(
    r"^(?!(?:This|That|These|Those|It|They|There|Such)\b)(?:"
    rf"(?P<e>[A-Z][A-Za-z ,'-]{{0,80}}?) \((?P<a>[{HAN}]{{2,}})\) (?:is|are|means|refers to) "
    r"|(?P<f>[A-Z][A-Za-z ,'-]{0,80}?) (?:is|are|means|refers to) (?!to |not |\w+ed )"
    r"[A-Za-z ,'-]{0,80}?"
    rf"\((?P<b>[{HAN}]{{2,}})\))"
    rf"|^(?:[本前]\w{{0,3}}所称)?(?P<c>[{HAN}]{{2,12}})[，,]?是指"
)
# A line of a Markdown table kept as written, as the glossary keeps its two-language term list
# ("Fine | 罚款 |"): a term and its rendering, which names a subject but states nothing of it.
_TABLE_LINE = re.compile(r"^\s*\|?[^|\n]+(?:\|[^|\n]*)+\|?\s*$")
# A summary's provenance line: where the official text is, not what it says.
_SOURCE_LINE = re.compile(
    r"(?:Official text|Source documents?|Sources?)\s*:|(?:正式文本|原文|来源)[:：]", re.I
)


def extractive_answer(
    question: Question,
    hits: list[Hit],
    *,
    embed: Callable[[list[str]], np.ndarray] | None = None,
    idf: Callable[[str], float] | None = None,
    max_sentences: int = MAX_SENTENCES,
    stated: Stated | None = None,
) -> Answer:
    """Pick the sentences of the top passages that best answer `question`, cite each.

    The lead, what a reader takes as the answer, is the best sentence that holds the kind of
    value the question asks for (a date for "when", an amount for "how much") and its key
    terms, from the document the question names when one of its passages is here; or
    `stated`, a fact from the named document's metadata, in the asker's words. Then at most
    `max_sentences - 1` supporting sentences, each on the question's terms, none from a
    document the question did not name unless it compares or the named one is silent.
    """
    passages, notice = _passages(question, hits, stated)
    candidates = _candidates(passages)
    quoted: int | None = None
    if stated is not None:
        quoted = _add_quote(passages, candidates, stated)
    if not candidates:
        return Answer(question=question.text, text=REFUSAL_EN, refused=True, hits=hits)
    texts = [passages[p].text[s:e] for p, s, e in candidates]
    scores, overlap = _score(question, texts, [p for p, _, _ in candidates], embed, idf)
    order = np.argsort(-scores)
    deep = [p >= MAX_PASSAGES for p, _, _ in candidates]
    # The support's bar is set by the passages it may quote.
    best = max((float(scores[i]) for i in order if not deep[i]), default=float(scores[order[0]]))
    eligible = [_on_topic(question, texts[i]) for i in range(len(candidates))]
    article = _named_article(question, passages)
    whole = [i for i, (p, _, _) in enumerate(candidates) if p == article]
    if quoted is not None:
        first: int | None = quoted
        lead = [quoted]
    elif whole:
        # "What does PIPL Article 38 require?": that article, whole and as one quote (each of
        # its sentences answers only in part), then the best of the rest.
        first, lead = whole[0], whole
        p, start, end = candidates[whole[0]][0], candidates[whole[0]][1], candidates[whole[-1]][2]
        if end - start <= MAX_ARTICLE_CHARS:
            _widen(passages, candidates, texts, first, start, end)
            lead = [first]
            for i in whole[1:]:
                eligible[i] = False
    else:
        metas = [passages[p].meta for p, _, _ in candidates]
        first = _lead(question, texts, scores, order, eligible, overlap, deep, metas)
        lead = [] if first is None else [first]
        if first is not None and question.compared:
            docs = [passages[p].doc_id for p, _, _ in candidates]
            lead += _other_side(question, docs, texts, scores, order, eligible, overlap, first)
        elif first is not None and question.two_parts:
            _with_second_part(question, passages, candidates, texts, scores, eligible, first)
        elif first is not None and question.kind == "conditions":
            _whole_article(passages, candidates, texts, eligible, first)
    eligible = [e and not d for e, d in zip(eligible, deep, strict=True)]
    if question.kind != "definition":
        # What another term means is no support for a question that did not use it.
        asked = f"{question.text} {question.expansion} {question.gloss}"
        eligible = [e and not _defines_another(texts[i], asked) for i, e in enumerate(eligible)]
    limit = max(0, max_sentences - len(lead))
    chosen = lead + _support(
        candidates, texts, scores, order, eligible, lead, limit, best, overlap, question.kind
    )
    _complete_lists(passages, candidates, texts, chosen)
    if first is not None and quoted is None and not whole:
        _with_antecedent(passages, candidates, texts, chosen, first)
    # Passages in order of their best sentence, so [1] is the strongest evidence, the lead's
    # passage first and the lead first in it; other sentences of a passage in reading order.
    rank: dict[int, float] = {}
    if first is not None:
        rank[candidates[first][0]] = -np.inf
    for i in lead[1:]:  # the other side of a comparison comes next
        rank.setdefault(candidates[i][0], -np.finfo(float).max)
    for i in chosen:
        rank.setdefault(candidates[i][0], -scores[i])
    chosen.sort(key=lambda i: (rank[candidates[i][0]], i != first, candidates[i][1]))

    # A Chinese question answered by an English table row hears the row in Chinese first.
    said = stated.text or None if stated is not None else None
    if said is None and first is not None and question.chinese:
        said = row_in_chinese(texts[first])
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
    lines: list[str] = []
    for p in numbers:
        sentences = [texts[i] for i in chosen if candidates[i][0] == p]
        if said is not None and not lines:
            sentences.insert(0, said)
        lines.append(" ".join(f"{sentence} [{numbers[p]}]" for sentence in sentences))
    return Answer(
        question=question.text,
        text="\n\n".join(lines),
        citations=citations,
        hits=hits,
        notice=notice,
    )


def _passages(question: Question, hits: list[Hit], stated: Stated | None) -> tuple[list[Hit], str]:
    """The passages an answer may quote, and a notice when the named document is silent.

    A question that names one document is answered from it; others come in when it compares
    documents, or when no passage of the named one was found, and then the notice says so.
    """
    # A term list takes a passage's place only when fewer than MAX_PASSAGES passages of prose
    # were found: its rows outscored the sentences that answer ("市场支配地位" asked, "Market
    # dominance | 市场支配地位 |" quoted).
    passages = [h for h in hits if not _term_list(h.text)] + [h for h in hits if _term_list(h.text)]
    if stated is not None:  # the passage the stated fact is quoted from comes first
        passages = [stated.hit, *(h for h in passages if h.chunk_id != stated.hit.chunk_id)]
    named = question.named
    if not named or question.compares:
        return passages[:MAX_LEAD_PASSAGES], ""
    own = [h for h in passages if h.doc_id in named]
    if not question.years:
        # Of two versions of the law named, the one in force, unless the question names a year.
        current = [h for h in own if h.meta.status == "in_force"]
        own = current or own
    if own:
        return own[:MAX_LEAD_PASSAGES], ""
    names = ", ".join(
        sorted({h.meta.short_name or h.meta.title for h in hits if h.doc_id in named})
    ) or ("the document named")
    if question.chinese:
        return passages[
            :MAX_LEAD_PASSAGES
        ], f"检索到的{names}段落没有回答这个问题；以下引自其他文件。"
    return passages[:MAX_LEAD_PASSAGES], (
        f"No passage found in {names} answers this; the answer quotes other documents."
    )


def _term_list(text: str) -> bool:
    """Whether a passage is mostly table lines kept as written (a glossary's term rows)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and sum(bool(_TABLE_LINE.match(line)) for line in lines) * 2 > len(lines)


def _candidates(passages: list[Hit]) -> list[tuple[int, int, int]]:
    """(passage index, start, end) of every sentence of the passages that could be quoted.

    A clause cut at ";" is not a sentence: it joins the clause before it, unless it opens a
    list item ("(3) sign the standard contract…;"), which stands on its own.
    """
    candidates: list[tuple[int, int, int]] = []
    for p, hit in enumerate(passages):
        spans: list[list[int]] = []
        for start, end in sentence_spans(hit.text):
            previous = spans[-1] if spans else None
            if (
                previous is not None
                and hit.text[previous[1] - 1] in ";；"
                and "\n" not in hit.text[previous[1] : start]
                and not _LIST_ITEM.match(hit.text, start)
            ):
                previous[1] = end
            else:
                spans.append([start, end])
        for start, end in spans:
            sentence = hit.text[start:end]
            if len(sentence) < 6 or _MARKER_ONLY.match(sentence):
                continue
            candidates.append((p, start, end))
    return candidates


def _add_quote(passages: list[Hit], candidates: list[tuple[int, int, int]], stated: Stated) -> int:
    """The candidate that is `stated`'s quote, added if the splitter cut it differently."""
    p = next(i for i, h in enumerate(passages) if h.chunk_id == stated.hit.chunk_id)
    start = passages[p].text.find(stated.quote)
    end = start + len(stated.quote)
    for i, (q, s, e) in enumerate(candidates):
        if q == p and s == start and e == end:
            return i
    # Sentences the quote overlaps would say it twice.
    candidates[:] = [c for c in candidates if c[0] != p or c[2] <= start or c[1] >= end]
    candidates.append((p, start, end))
    return len(candidates) - 1


def _defines_another(sentence: str, asked: str) -> bool:
    """Whether `sentence` says what a term is and the question (with its renderings in the
    other language) does not use that term, in Chinese or in all its English words."""
    match = _DEFINES.match(sentence)
    if match is None:
        return False
    if (match.group("a") or match.group("b") or match.group("c")) in asked:
        return False
    english = set(tokenize(match.group("e") or match.group("f") or ""))
    return not english or not english <= set(tokenize(asked))


def _on_topic(question: Question, sentence: str) -> bool:
    """Whether a sentence may be quoted: not a provenance line, and holding one of the
    question's key terms, in its own language or through the glossary and dictionary, when the
    question has terms in the sentence's language at all."""
    if _SOURCE_LINE.match(sentence):
        return False
    chinese = is_chinese(sentence)
    terms = {t for t in question.terms if is_chinese(t) == chinese}
    return not terms or bool(terms & set(tokenize(sentence)))


def _named_article(question: Question, passages: list[Hit]) -> int | None:
    """The passage holding the article the question names ("Article 38", 第三十八条), from the
    document it names when it names one: the first such passage, or None."""
    numbers = set(question.articles)
    if not numbers:
        return None
    named = question.named
    for p, hit in enumerate(passages):
        start = hit.meta.article
        if start is None or (named and hit.doc_id not in named):
            continue
        if numbers & set(range(start, (hit.meta.article_end or start) + 1)):
            return p
    return None


def _lead(
    question: Question,
    texts: list[str],
    scores: np.ndarray,
    order: np.ndarray,
    eligible: list[bool],
    overlap: np.ndarray,
    deep: list[bool],
    metas: list[PassageMeta],
) -> int | None:
    """The candidate to open the answer with (`order`: the candidates by descending score):
    the best that holds the kind of answer asked for, and the year the question names if it
    names one ("2030年非化石能源…比重" wants the 2030 figure, not the 2025 one); else the best
    that may lead at all. A list item or a clause that starts in lower case never leads."""
    able = [
        int(i)
        for i in order
        if eligible[i] and not _LOWER_START.match(texts[i]) and not _LIST_ITEM.match(texts[i])
    ]
    # A term row ("Fine | 罚款 |") leads only when no sentence may.
    able = [i for i in able if not _TABLE_LINE.match(texts[i])] or able
    if not question.years and not question.compares:
        # A text no longer in force (the 2016 Cybersecurity Law) leads only when no text in
        # force may, unless the question names a year.
        able = [i for i in able if metas[i].status == "in_force"] or able
    if not able:  # nothing may lead: the best sentence, but never a provenance line
        return next((int(i) for i in order if not _SOURCE_LINE.match(texts[i])), int(order[0]))
    # A sentence of a passage past the first MAX_PASSAGES leads only by holding what is asked.
    reach, able = able, [i for i in able if not deep[i]] or able
    # The bar is set by the best sentence that may lead: a provenance line that scores high
    # ("Official text: 国务院关于印发…") must not push the answer below it.
    best = float(scores[able[0]])
    kind, years = question.compared or question.kind, question.years
    floor = SHAPE_FLOOR if kind in _SHAPE_KINDS else LEAD_FLOOR
    close = [i for i in able if scores[i] >= best * floor]
    if kind in _SHAPE_KINDS and not question.named:
        # What the law says ("Can a landlord…?", "What conditions…?") is quoted from a law or
        # its summary before a commentary's paraphrase of it, when both are this close.
        close = [i for i in close if metas[i].doc_type != "commentary"] or close
    holding = [i for i in close if holds(kind, texts[i])]
    dated = [
        i
        for i in reach
        if scores[i] >= best * floor
        and holds(kind, texts[i])
        and years & _years_of(texts[i], metas[i])
    ]
    value = (
        []
        if kind not in intents.VALUE_KINDS
        else [i for i in reach if scores[i] >= best * VALUE_FLOOR and holds(kind, texts[i])]
    )
    if kind in intents.VALUE_KINDS:
        # Sentences holding the value asked for are all alike to the embedding ("a fine of…",
        # "a target of…"): of those, the one on the question's own subject answers.
        for group in (dated, holding, value):
            group.sort(key=lambda i: -(scores[i] + SUBJECT_WEIGHT * overlap[i]))
    # "What conditions…": a sentence that opens the list of them ("…apply when: (1) …") or
    # states it ("…only if it met all four conditions: it was not…; it handled…;") is the
    # answer, even well below the best sentence on the subject.
    listing = (
        [
            i
            for i in able
            if scores[i] >= best * VALUE_FLOOR
            and (_OPENS_LIST.search(texts[i]) or _INLINE_LIST.search(texts[i]))
        ]
        if kind == "conditions"
        else []
    )
    # "美团因“二选一”被罚款多少": Meituan's fine, not Tencent's from the same fact sheet, however
    # low USE scores the English sentence with it (below the value's floor).
    about = (
        [i for i in reach if holds(kind, texts[i]) and _names(question.parties, texts[i])]
        if question.parties and kind in intents.VALUE_KINDS
        else []
    )
    groups = [dated, about, listing, holding, value, close]
    if kind == "percentage" and asks_share(question.text):
        # "2030年…比重要达到多少": "about 25%" before "the '30·60' goals… before 2030".
        groups = [
            g for group in groups for g in ([i for i in group if holds_share(texts[i])], group)
        ]
    for group in groups:
        if group:
            return group[0]
    return able[0]


def _names(parties: tuple[str, ...], sentence: str) -> bool:
    """Whether `sentence` names one of `parties` (in either language)."""
    lowered = sentence.lower()
    return any(p.lower() in lowered for p in parties)


def _other_side(
    question: Question,
    docs: list[str],
    texts: list[str],
    scores: np.ndarray,
    order: np.ndarray,
    eligible: list[bool],
    overlap: np.ndarray,
    first: int,
) -> list[int]:
    """A comparison of values ("阿里巴巴和美团的罚款分别是多少", "…罚款倍数有什么不同", "the
    maximum fines under PIPL and the DSL") is answered by two of them: after the lead, the
    best sentence that holds the kind of value asked and says something else (two versions
    of a law say one fine alike), at least `LEAD_FLOOR` of the lead's score; from another
    document the question names when it names two, else from another passage of any.
    `docs`: each candidate's doc id. [] when none does."""
    kind = question.compared or question.kind
    said = re.sub(r"\s+", "", texts[first])
    others = [m for m in question.mentions if docs[first] not in m]
    wanted = frozenset().union(*others) if len(question.mentions) > 1 else None
    sides = [
        int(i)
        for i in order
        if (docs[i] in wanted if wanted is not None else i != first)
        and eligible[i]
        and scores[i] >= scores[first] * LEAD_FLOOR
        and holds(kind, texts[i])
        and re.sub(r"\s+", "", texts[i]) != said
        and not _LIST_ITEM.match(texts[i])
        and not _LOWER_START.match(texts[i])
    ]
    # "阿里巴巴和美团的罚款分别是多少": after Alibaba's fine, Meituan's, however low it scores.
    named = tuple(p for p in question.parties if _names((p,), texts[first]))
    unnamed = tuple(p for p in question.parties if p not in named)
    parties = [
        int(i)
        for i in order
        if unnamed
        and eligible[i]
        and holds(kind, texts[i])
        and _names(unnamed, texts[i])
        and not _names(named, texts[i])
    ]
    if parties:
        sides = parties
    if not sides:
        return []
    other = max(sides, key=lambda i: scores[i] + SUBJECT_WEIGHT * overlap[i])
    eligible[other] = False
    return [other]


def _years_of(sentence: str, meta: PassageMeta) -> set[str]:
    """The years a sentence is about: those it names, else those its section's heading names
    ("The scale of core AI industries is to exceed 150 billion yuan" under "Step one: 2020")."""
    named = {m.group(0) for m in intents.YEAR.finditer(sentence)}
    return named or {m.group(0) for m in intents.YEAR.finditer(meta.heading_path)}


def _support(
    candidates: list[tuple[int, int, int]],
    texts: list[str],
    scores: np.ndarray,
    order: np.ndarray,
    eligible: list[bool],
    lead: list[int],
    limit: int,
    best: float,
    overlap: np.ndarray,
    kind: str,
) -> list[int]:
    """Up to `limit` sentences after the lead that pass the relevance bar: the best sentence
    of each passage first, then seconds (breadth before depth); a sentence said twice (two
    versions of a law) once."""
    chosen: list[int] = []
    words = [re.sub(r"\s+", "", t) for t in texts]  # a sentence as two versions say it alike
    seen = {words[i] for i in lead}
    for round_limit in (1, 2):
        per_passage: dict[int, int] = {}
        for i in lead + chosen:
            per_passage[candidates[i][0]] = per_passage.get(candidates[i][0], 0) + 1
        for i in order:
            p = candidates[i][0]
            if len(chosen) >= limit or scores[i] < best * SUPPORT_FLOOR:
                break
            if not eligible[i] or i in lead or i in chosen or words[i] in seen:
                continue
            if per_passage.get(p, 0) >= round_limit:
                continue
            chosen.append(int(i))
            seen.add(words[i])
            per_passage[p] = per_passage.get(p, 0) + 1
    # The lead's own passage says more of the same thing: one more of its sentences that holds
    # some of the question's words and the kind of answer asked may follow at a lower bar,
    # under the same citation. (Not for open questions, which any sentence "answers": the
    # corpus set's support drifted to dates and document numbers.)
    own = {candidates[i][0] for i in lead} if kind not in ("comparison", "open") else set()
    for i in order:
        p = candidates[i][0]
        if len(chosen) >= limit or scores[i] < best * OWN_PASSAGE_FLOOR:
            break
        if p not in own or not eligible[i] or not overlap[i] or i in lead or i in chosen:
            continue
        if not holds(kind, texts[i]):
            continue
        if sum(candidates[j][0] == p for j in lead + chosen) >= 2:
            continue
        if words[i] not in seen:
            chosen.append(int(i))
    return chosen


def _complete_lists(
    passages: list[Hit], candidates: list[tuple[int, int, int]], texts: list[str], chosen: list[int]
) -> None:
    """A chosen sentence that opens a list ("有下列情形之一的…：", "…the following:", or
    "…one condition: (1) …;" with its first item) brings the list's items, which are the
    answer; an item already chosen is not quoted twice."""
    for i in list(chosen):
        p, start, end = candidates[i]
        if i not in chosen or not _OPENS_LIST.search(texts[i]):
            continue
        stop = end
        numbered: bool | None = None  # items that each start with a marker ("2. …", "（二）…")
        for j, (q, s, e) in enumerate(candidates):
            if q != p or s < end:
                continue
            item = passages[p].text[s:e]
            if numbered is None:
                numbered = bool(_LIST_ITEM.match(item))
            if e - end > MAX_LIST_CHARS or numbered and not _LIST_ITEM.match(item):
                break
            stop = e
            if j in chosen:
                chosen.remove(j)
            if not numbered and item.rstrip().endswith(("。", ".")):
                break  # the list ends with its sentence
        _widen(passages, candidates, texts, i, start, stop)


def _with_second_part(
    question: Question,
    passages: list[Hit],
    candidates: list[tuple[int, int, int]],
    texts: list[str],
    scores: np.ndarray,
    eligible: list[bool],
    first: int,
) -> None:
    """A question asking two things ("how long…, and by how much can it be extended?") is
    answered by the lead and the sentence beside it that holds the other part, quoted as one
    in reading order ("…within 90 days… The agency may extend the period by up to 60 days…")."""
    p, start, end = candidates[first]
    before = [j for j, (q, _, e) in enumerate(candidates) if q == p and e <= start]
    after = [j for j, (q, s, _) in enumerate(candidates) if q == p and s >= end]
    beside = [max(before, key=lambda k: candidates[k][2])] if before else []
    beside += [min(after, key=lambda k: candidates[k][1])] if after else []
    beside = [j for j in beside if eligible[j] and holds(question.kind, texts[j])]
    if not beside:
        return
    j = max(beside, key=lambda k: scores[k])
    eligible[j] = False
    _widen(
        passages, candidates, texts, first, min(start, candidates[j][1]), max(end, candidates[j][2])
    )


def _whole_article(
    passages: list[Hit],
    candidates: list[tuple[int, int, int]],
    texts: list[str],
    eligible: list[bool],
    first: int,
) -> None:
    """A condition is rarely the lead sentence alone: "must honour commitments… Where a
    change is needed, it must follow statutory authority and procedures and compensate…".
    A lead from a short article is quoted with the whole article."""
    p = candidates[first][0]
    if passages[p].meta.article is None:
        return
    own = [j for j, (q, _, _) in enumerate(candidates) if q == p]
    start, end = candidates[own[0]][1], candidates[own[-1]][2]
    if len(own) < 2 or end - start > MAX_ARTICLE_CHARS:
        return
    for j in own:
        if j != first:
            eligible[j] = False
    _widen(passages, candidates, texts, first, start, end)


def _with_antecedent(
    passages: list[Hit],
    candidates: list[tuple[int, int, int]],
    texts: list[str],
    chosen: list[int],
    first: int,
) -> None:
    """A lead whose subject is in the sentence before it ("It adopted the Recommendations…")
    is quoted with that sentence ("The Fourth Plenary Session… was held… It adopted…"): a
    reader takes the first sentence as the answer, and "It" answers nothing."""
    p, start, end = candidates[first]
    if not _ANAPHOR.match(texts[first]):
        return
    before = [j for j, (q, _, e) in enumerate(candidates) if q == p and e <= start]
    if not before:
        return
    j = max(before, key=lambda k: candidates[k][2])
    if j in chosen:
        chosen.remove(j)
    _widen(passages, candidates, texts, first, candidates[j][1], end)


def _widen(
    passages: list[Hit],
    candidates: list[tuple[int, int, int]],
    texts: list[str],
    i: int,
    start: int,
    end: int,
) -> None:
    """Candidate `i` becomes the span `start:end` of its passage, quoted on one line."""
    p = candidates[i][0]
    candidates[i] = (p, start, end)
    texts[i] = re.sub(r"\s+", " ", passages[p].text[start:end])


def _score(
    question: Question,
    sentences: list[str],
    passage_index: list[int],
    embed: Callable[[list[str]], np.ndarray] | None,
    idf: Callable[[str], float] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each sentence's score, semantic similarity to the question plus rare-word overlap plus
    the passage's rank, and the overlap on its own.

    The overlap is with the question's own words or, for a Chinese question, with their English
    renderings (glossary, dictionary) at `OTHER_LANGUAGE` weight, whichever is higher: the
    corpus summarises Chinese texts in English. For English questions the Chinese renderings
    are not counted: that cut the policy texts' held-out leads from 0.52 to 0.47, Chinese
    articles outscoring their English twins.
    """
    weight = idf or (lambda _token: 1.0)

    def share(tokens: set[str], words: set[str]) -> float:
        total = sum(weight(t) for t in tokens)
        return sum(weight(t) for t in tokens & words) / total if total else 0.0

    own = set(tokenize(question.text))
    other = (
        set(tokenize(f"{question.expansion} {question.gloss}")) - own if question.chinese else set()
    )
    words = [set(tokenize(s)) for s in sentences]
    overlap = np.array([max(share(own, w), OTHER_LANGUAGE * share(other, w)) for w in words])
    prior = np.array([RANK_WEIGHT / (1 + p) for p in passage_index])
    if embed is None:
        return overlap + prior, overlap
    vectors = embed([question.text, *sentences])
    similarity = vectors[1:] @ vectors[0]
    return similarity + OVERLAP_WEIGHT * overlap + prior, overlap
