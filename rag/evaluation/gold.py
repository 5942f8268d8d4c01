"""Gold sets: one JSON object a line, read into `GoldQuestion`s, and when a passage matches one.

A gold set may carry a `split` per question ("dev": looked at while developing, "held": never
looked at); `rag eval` then reports the answer figures of each half apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import RagError


@dataclass(frozen=True)
class GoldItem:
    doc_id: str
    article: int | None = None
    section: str | None = None


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    question: str
    lang: str
    in_scope: bool
    gold: tuple[GoldItem, ...] = ()
    facts: tuple[str, ...] = ()
    kind: str | None = None  # the kind of answer asked for: date, amount, who, yesno …
    names_doc: str | None = None  # the document the question names, which should answer it
    split: str = ""  # "dev" (looked at while developing) or "held" (never looked at); "" if none


@dataclass(frozen=True)
class Ranked:
    """A retrieved passage reduced to what scoring needs: the articles or headings it covers."""

    doc_id: str
    articles: frozenset[int] = field(default_factory=frozenset)
    sections: tuple[str, ...] = ()
    # the article's other texts that ride with it (`Hit.companions`): one place for all
    also: tuple[Ranked, ...] = ()

    @property
    def keys(self) -> set[tuple[str, Any]]:
        own: set[tuple[str, Any]]
        if self.articles:
            own = {(self.doc_id, a) for a in self.articles}
        else:
            own = {(self.doc_id, s) for s in self.sections} or {(self.doc_id, None)}
        return own.union(*(other.keys for other in self.also))


def load_gold(path: Path) -> list[GoldQuestion]:
    """Read a gold set, one JSON object a line; say which line is wrong."""
    questions = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            gold = tuple(
                GoldItem(g["doc_id"], g.get("article"), g.get("section"))
                for g in row.get("gold", [])
            )
            q = GoldQuestion(
                id=row["id"],
                question=row["question"],
                lang=row["lang"],
                in_scope=bool(row.get("in_scope", True)),
                gold=gold,
                facts=tuple(row.get("facts", [])),
                kind=row.get("kind"),
                names_doc=row.get("names_doc"),
                split=row.get("split", ""),
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise RagError(f"{path}:{n}: not a gold question ({exc})") from exc
        if q.lang not in ("en", "zh"):
            raise RagError(f"{path}:{n}: lang must be 'en' or 'zh', got {q.lang!r}")
        if not isinstance(q.split, str):
            raise RagError(f"{path}:{n}: split must be a string such as 'dev', got {q.split!r}")
        if q.in_scope and (not gold or any(g.article is None and not g.section for g in gold)):
            raise RagError(
                f"{path}:{n}: an in-scope question needs gold items with an article or section"
            )
        questions.append(q)
    if not questions:
        raise RagError(f"{path}: no questions")
    return questions


def matches(item: GoldItem, passage: Ranked) -> bool:
    """Whether the passage, or a text riding with it, covers the gold item."""
    return _covers(item, passage) or any(_covers(item, other) for other in passage.also)


def _covers(item: GoldItem, passage: Ranked) -> bool:
    if item.doc_id != passage.doc_id:
        return False
    if item.article is not None:
        return item.article in passage.articles
    section = item.section
    if not section:
        return False
    return any(section in s for s in passage.sections)
