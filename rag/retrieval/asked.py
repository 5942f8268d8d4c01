"""Questions asked before and the articles that answered them: the `asked-before` leg.

A team asks the same things again in other words: "公司不签劳动合同怎么办" and "入职半年没签合同
能要双倍工资吗" are answered by the same article. From labelled pairs (a question and its
gold articles: STARD's dev questions, a team's own gold set, or answers its analysts confirmed
with 👍, `rag feedback --export`), `rag tune` keeps each question with its vector by the
index's embedder. A new question's `NEIGHBOURS` most similar questions asked before, those at
least `MIN_SIMILARITY` alike, vote for their articles by their similarity; the leg ranks those
articles and fusion weighs it like any other leg. Without `rag tune` the leg does nothing.

`NEIGHBOURS` and `MIN_SIMILARITY` were chosen inside the fit half of STARD dev (two halves of
it, each answered from the other's pairs: 10 neighbours at 0.5 against 5 or 20, and 0.4 to
0.7); the held half is reported in docs/experiments.md.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import Settings
from .filters import matches
from .index import Index

NEIGHBOURS = 10  # questions asked before that vote
MIN_SIMILARITY = 0.5  # how alike (cosine, the index's embedder) a question must be to vote
FILENAME = "asked.json"
VECTORS = "asked.npy"

Article = tuple[str, int]


def asked_path(settings: Settings) -> Path:
    """Where `rag tune` writes the questions for the index under `settings.data_dir`."""
    return settings.data_dir / "learned" / FILENAME


@dataclass
class AskedBefore:
    """Labelled questions, the articles that answered each, and their unit vectors."""

    model: str  # the embedder the vectors are by: another one's are not comparable
    questions: list[str]
    answers: list[list[Article]]
    vectors: np.ndarray  # row i: questions[i]

    @classmethod
    def fit(
        cls,
        model: str,
        pairs: Sequence[tuple[str, Sequence[Article]]],
        embed: Callable[[str], np.ndarray],
    ) -> AskedBefore:
        questions = [q for q, _ in pairs]
        vectors = np.array([embed(q) for q in questions], dtype=np.float32).reshape(
            len(questions), -1
        )
        return cls(model, questions, [[(d, a) for d, a in g] for _, g in pairs], vectors)

    def nearest(self, vector: np.ndarray, n: int, floor: float) -> list[tuple[int, float]]:
        """(row, cosine) of the `n` questions most like `vector`, those at least `floor`
        alike, most alike first."""
        if not self.questions:
            return []
        similarity = self.vectors @ np.asarray(vector, dtype=np.float32)
        rows = [(int(j), float(similarity[j])) for j in np.argsort(-similarity)[:n]]
        return [(j, s) for j, s in rows if s >= floor]

    def search(
        self, index: Index, vector: np.ndarray, pool: int, filters: dict[str, Any] | None
    ) -> list[tuple[str, float]]:
        """The passages of the articles the most similar questions were answered by, best
        first: each article scores the summed similarity of the questions it answered."""
        votes: dict[str, float] = {}
        for j, similarity in self.nearest(vector, NEIGHBOURS, MIN_SIMILARITY):
            for article in self.answers[j]:
                for chunk in index.by_article.get(article, [])[:1]:
                    if not filters or matches(index.records[chunk][1], filters):
                        votes[chunk] = votes.get(chunk, 0.0) + similarity
        ranked = sorted(votes.items(), key=lambda pair: (-pair[1], pair[0]))
        return ranked[:pool]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "model": self.model,
            "pairs": [
                {"question": q, "gold": a}
                for q, a in zip(self.questions, self.answers, strict=True)
            ],
        }
        np.save(path.with_name(VECTORS), self.vectors)
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
        partial.replace(path)  # written last: a reader never sees questions without vectors

    @classmethod
    def load(cls, path: Path) -> AskedBefore:
        body = json.loads(path.read_text(encoding="utf-8"))
        vectors = np.load(path.with_name(VECTORS))
        pairs = body["pairs"]
        if len(vectors) != len(pairs):
            raise ValueError(f"{len(pairs)} questions for {len(vectors)} vectors")
        return cls(
            model=str(body["model"]),
            questions=[str(p["question"]) for p in pairs],
            answers=[[(str(d), int(a)) for d, a in p["gold"]] for p in pairs],
            vectors=vectors,
        )
