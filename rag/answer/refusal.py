"""What a refused question is told: that the corpus does not cover it, what was searched and
why nothing answers, in words a reader can act on, and questions the index can answer instead."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..text import is_chinese
from ..types import LANGUAGES, Answer, Hit, doc_kind

if TYPE_CHECKING:
    from ..retrieval import Uncovered

REFUSAL_EN = "The corpus does not cover this."
REFUSAL_ZH = "资料库中没有涉及这个问题的内容。"
SUGGESTIONS = 3  # questions offered with a refusal, one per nearest document


def suggested_questions(hits: list[Hit], chinese: bool = False) -> list[str]:
    """Questions the index can answer about the documents nearest a refused question: the
    article each of the nearest documents matched best, asked about by its label."""
    asked: list[str] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.doc_id in seen or not hit.label:
            continue
        seen.add(hit.doc_id)
        question = f"{hit.label}规定了什么？" if chinese else f"What does {hit.label} say?"
        if question not in asked:  # a law and its summary share labels
            asked.append(question)
        if len(asked) == SUGGESTIONS:
            break
    return asked


def refusal(question: str, searched: str) -> Answer:
    lead = REFUSAL_ZH if is_chinese(question) else REFUSAL_EN
    return Answer(question=question, text=f"{lead} {searched}", refused=True, searched=searched)


FILTER_NAMES = {
    "doc_type": "kind",
    "language": "language",
    "status": "status",
    "short_name": "document",
    "doc_id": "document",
}


def filter_value_words(key: str, value: str) -> str:
    """A filter's value as a reader says it: "summary", "Chinese", "in force", "PIPL"."""
    if key == "doc_type":
        return doc_kind(value)
    if key == "language":
        return LANGUAGES.get(value, value)
    if key == "status":
        return value.replace("_", " ")
    return value


def describe_filters(filters: dict[str, Any] | None) -> str:
    """Filters in plain words: "kind: law or summary; language: Chinese"; "" for none."""
    parts = []
    for key, value in (filters or {}).items():
        values = value if isinstance(value, (list, tuple, set)) else [value]
        words = [filter_value_words(key, str(v)) for v in values if v]
        if words:
            parts.append(f"{FILTER_NAMES.get(key, key)}: {' or '.join(words)}")
    return "; ".join(parts)


def describe_search(
    hits: list[Hit],
    documents: int,
    filters: dict[str, Any] | None,
    missing: Sequence[str] = (),
    subjects: Sequence[Uncovered] = (),
    query: str = "",
) -> str:
    """What was searched and why nothing answers, in words a reader can act on: no scores,
    no field names; in Chinese when the question is Chinese."""
    chosen = describe_filters(filters)
    if is_chinese(query):
        return _described_in_chinese(hits, documents, chosen, missing, subjects, query.strip())
    where = f"the {documents} indexed documents" + (f" ({chosen})" if chosen else "")
    asked = f" for “{query.strip()}”" if query.strip() else ""
    if missing:
        names = ", ".join(missing)
        return f"The question names {names}, which is not among {where}."
    if subjects:
        about = ", ".join(f"{s.words} ({s.field})" for s in subjects)
        return f"The question is about {about}: none of {where} mentions it."
    if not hits and chosen:
        return (
            f"No indexed document matches the filters you chose ({chosen}). "
            f"Remove a filter to search all {documents} documents."
        )
    if not hits:
        return f"Searched {where}{asked}: no passage matched."
    best = hits[0]
    return (
        f"Searched {where}{asked}. The closest passage, {best.label or best.title}, "
        "does not answer it closely enough to quote."
    )


def _described_in_chinese(
    hits: list[Hit],
    documents: int,
    chosen: str,
    missing: Sequence[str],
    subjects: Sequence[Uncovered],
    query: str,
) -> str:
    """`describe_search` for a Chinese question."""
    where = f"已收录的{documents}份文件" + (f"（筛选：{chosen}）" if chosen else "")
    if missing:
        return f"问题提到的{'、'.join(missing)}不在{where}之中。"
    if subjects:
        about = "、".join(f"{s.words}（{s.field}）" for s in subjects)
        return f"问题涉及{about}，{where}都没有提到。"
    if not hits and chosen:
        return f"没有已收录的文件符合所选筛选条件（{chosen}）。去掉一个筛选条件即可检索全部{documents}份文件。"
    if not hits:
        return f"已在{where}中检索“{query}”，没有匹配的段落。"
    best = hits[0]
    return (
        f"已在{where}中检索“{query}”。最接近的段落是{best.label or best.title}，"
        "但它与问题不够贴近，不足以引用作答。"
    )
