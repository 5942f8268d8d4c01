"""What `rag eval` measures of an answer, and the answer figures of a whole run.

Per answer (`answer_metrics`): citation hit = the answer cites at least one gold article (a
refusal is a miss); citation precision = share of its citations on a gold article; fact match =
share of the question's facts found in the answer text or citation quotes; fact first = the same
in the lead, the text before the first `[n]` (what a reader takes as the answer); named lead =
the first source is the document the question names; support on topic = share of the supporting
sentences (each "sentence [n]" unit after the lead) that share a key term with the question.
Facts are compared with white space removed and case folded (`normalise`).

Key terms are `rag.text.tokenize` tokens (jieba words, English stems, no stop words) of the
question and of the sentence, each side widened by its glossary renderings in the other
language, so "个人信息保护法的罚款" meets "personal information" through the glossary row
personal information | 个人信息. Without that, a Chinese question answered from the English
summaries would almost never be on topic.

With a chat model configured (`RAG_LLM` …), every answer also says which path produced it:
"llm" (the model's checked answer), "fallback" (the extractive answer with a notice: the model
failed or none of its sentences held up) or "extractive" (refused before the model was asked).
Over the answers that went to the model, in scope or not: the share of each path, and the
unsupported-sentence rate = unsupported checked sentences / checked sentences, pooled over all
answers; a fallback's `Answer.checks` still hold the verdicts on the discarded reply, which
count too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..text import tokenize
from ..types import Answer
from .gold import GoldQuestion, Ranked, matches

if TYPE_CHECKING:
    from ..retrieval import Glossary

_MARKER = re.compile(r"\[\d+\]")
_MARKER_RUN = re.compile(r"(?:\s*\[\d+\])+")
_WORD = re.compile(r"\w")


def lead(text: str) -> str:
    """The answer up to its first citation marker: the sentence a reader takes as the answer."""
    m = _MARKER.search(text)
    return text[: m.start()] if m else text


def supporting_sentences(text: str) -> list[str]:
    """The "sentence [n]" units after the lead: each stretch of text up to a run of markers
    (and any text after the last run). Stray punctuation between units is not a sentence."""
    return [u.strip() for u in _MARKER_RUN.split(text)[1:] if _WORD.search(u)]


def key_terms(text: str, glossary: Glossary | None = None) -> set[str]:
    """The tokens of `text` and, with a glossary, of its terms' renderings in the other language."""
    terms = set(tokenize(text))
    if glossary is not None:
        terms.update(tokenize(glossary.expand(text)))
    return terms


def support_on_topic(
    answer: Answer, question: str, glossary: Glossary | None = None
) -> float | None:
    """Share of the supporting sentences sharing a key term with the question (None: a
    refusal, or nothing after the lead). A sentence about another subject lowers it."""
    supports = [] if answer.refused else supporting_sentences(answer.text)
    if not supports:
        return None
    asked = key_terms(question, glossary)
    return sum(bool(asked & key_terms(s, glossary)) for s in supports) / len(supports)


def normalise(text: str) -> str:
    """A fact or an answer as facts are compared: white space removed, case folded."""
    return re.sub(r"\s+", "", text).casefold()


def answer_metrics(
    answer: Answer, q: GoldQuestion, glossary: Glossary | None = None
) -> dict[str, Any]:
    """Did the answer cite gold, how much of what it cites is gold, which facts it states and
    where, and whether its supporting sentences keep to the question; with its lead and text."""
    cited = [
        Ranked(
            c.doc_id,
            frozenset([c.article]) if c.article is not None else frozenset(),
            (c.heading_path,) if c.heading_path else (),
        )
        for c in answer.citations
    ]
    on_gold = [any(matches(g, c) for g in q.gold) for c in cited]
    said = normalise(answer.text + " ".join(c.quote for c in answer.citations))
    found = [f for f in q.facts if normalise(f) in said]
    first = normalise(lead(answer.text)) if not answer.refused else ""
    in_lead = [f for f in q.facts if normalise(f) in first]
    lead_doc = answer.citations[0].doc_id if answer.citations and not answer.refused else None
    return {
        "refused": bool(answer.refused),
        "cited_gold": any(on_gold),
        "citation_precision": sum(on_gold) / len(on_gold) if on_gold else None,
        "fact_match": len(found) / len(q.facts) if q.facts else None,
        "fact_first": len(in_lead) / len(q.facts) if q.facts else None,
        "named_lead": (lead_doc == q.names_doc) if q.names_doc else None,
        "support_on_topic": support_on_topic(answer, q.question, glossary),
        "citations": [f"{c.doc_id}#{c.article}" for c in answer.citations],
        "path": answer_path(answer),
        "notice": answer.notice,
        "checked": len(answer.checks),
        "unsupported": sum(not c.supported for c in answer.checks),
        "lead": lead(answer.text).strip(),
        "text": answer.text,
    }


def answer_path(answer: Answer) -> str:
    """ "llm", "fallback" (extractive with a notice saying why) or "extractive"."""
    if answer.mode == "llm":
        return "llm"
    return "fallback" if answer.notice else "extractive"


def mean(values: Iterable[float | None]) -> float | None:
    """The mean of the values that are not None (None when there are none)."""
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def answer_figures(rows: Sequence[dict[str, Any]]) -> dict[str, float | None]:
    """The answer figures over per-question rows (each with "in_scope" and "answer"): the
    answer metrics over answerable questions, and refusal on both sides of the scope line."""
    inside = [r["answer"] for r in rows if r["in_scope"]]
    outside = [r["answer"] for r in rows if not r["in_scope"]]
    return {
        "citation_hit_rate": mean(float(a["cited_gold"]) for a in inside),
        "citation_precision": mean(a["citation_precision"] for a in inside),
        "fact_match": mean(a["fact_match"] for a in inside),
        "fact_first": mean(a["fact_first"] for a in inside),
        "named_lead": mean(float(a["named_lead"]) for a in inside if a["named_lead"] is not None),
        "support_on_topic": mean(a["support_on_topic"] for a in inside),
        "out_of_scope_refused": mean(float(a["refused"]) for a in outside),
        "in_scope_refused": mean(float(a["refused"]) for a in inside),
    }


def figures_by_split(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """`answer_figures` of each split of the gold set ("dev", "held"), with its question counts;
    empty when the gold set has no splits."""
    out = {}
    for split in sorted({r["split"] for r in rows if r.get("split")}):
        part = [r for r in rows if r.get("split") == split]
        counts = {"n": len(part), "in_scope": sum(bool(r["in_scope"]) for r in part)}
        out[split] = counts | answer_figures(part)
    return out


def figures_by_kind(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Facts first and anywhere, and the share wrongly refused, per kind of answer asked for
    (answerable questions only; most frequent kind first); empty when no question has a kind."""
    kinds: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["in_scope"] and r.get("kind"):
            kinds.setdefault(r["kind"], []).append(r["answer"])
    ordered = sorted(kinds.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    return {
        kind: {
            "n": len(answers),
            "fact_first": mean(a["fact_first"] for a in answers),
            "fact_match": mean(a["fact_match"] for a in answers),
            "refused": mean(float(a["refused"]) for a in answers),
        }
        for kind, answers in ordered
    }


def llm_metrics(answers: Sequence[dict[str, Any]], model: str) -> dict[str, Any]:
    """Mode share and unsupported-sentence rate over the answers that went to the model."""
    asked = [a for a in answers if a["path"] != "extractive"]
    checked = sum(a["checked"] for a in asked)
    unsupported = sum(a["unsupported"] for a in asked)
    notices: dict[str, int] = {}
    for a in asked:
        if a["path"] == "fallback":
            notices[a["notice"]] = notices.get(a["notice"], 0) + 1
    return {
        "model": model,
        "asked": len(asked),
        "mode_share": {p: mean(float(a["path"] == p) for a in asked) for p in ("llm", "fallback")},
        "checked": checked,
        "unsupported": unsupported,
        "unsupported_rate": unsupported / checked if checked else None,
        "fallback_notices": dict(sorted(notices.items(), key=lambda kv: -kv[1])),
    }
