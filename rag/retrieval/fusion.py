"""How the legs' rankings become one score: reciprocal rank, each leg weighted by the question's
language and the passage's.

A leg's worth depends on the languages it bridges: multilingual-e5-small (the `e5` leg) is far
better than USE from a Chinese question to a Chinese article and far worse from an English
question to a Chinese one. So a leg's weight is looked up by (leg, question language, passage
language), 1.0 where the table says nothing. The table is fitted on the fit half of the dev
sets by `python -m rag.evaluation.weights` and reported on what it never saw
(docs/experiments.md); it is not set by hand.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from .rules import RRF_K

LANGUAGES = ("zh", "en")


@dataclass(frozen=True)
class LegWeights:
    """(leg, question language, passage language) -> weight; 1.0 for anything not listed."""

    table: Mapping[tuple[str, str, str], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for key, weight in self.table.items():
            if weight < 0:
                raise ValueError(f"a leg's weight must be 0 or more, got {weight} for {key}")

    def of(self, leg: str, question: str, passage: str) -> float:
        return self.table.get((leg, question, passage), 1.0)

    def with_weight(self, leg: str, question: str, passage: str, weight: float) -> LegWeights:
        """These weights with one entry changed (what a grid search steps through)."""
        return LegWeights({**self.table, (leg, question, passage): weight})

    def rows(self) -> list[tuple[str, str, str, float]]:
        """The table as (leg, question language, passage language, weight), for reports."""
        return [(*key, weight) for key, weight in sorted(self.table.items())]


# By RAG_SECOND_DENSE: the weights fitted with that leg on. Without a second leg the fusion is
# unweighted, as it was tuned. Fitted by `python -m rag.evaluation.weights` on the fit half
# (`question_part`) of eval/policy_texts_qa.jsonl, eval/corpus_qa.jsonl and
# eval/staff_qa.jsonl, objective hit@5 + MRR@10 pooled (1.676 with every weight 1, 1.698
# fitted); the held halves and the other sets are in docs/experiments.md.
FITTED = {
    "": LegWeights(),
    "e5": LegWeights(
        {
            ("e5", "zh", "zh"): 3.0,  # the grid's top: e5 is the better reader of Chinese
            ("e5", "en", "zh"): 2.0,
            ("dense", "zh", "zh"): 0.5,
            ("dense", "zh", "en"): 0.5,
            ("dense", "en", "zh"): 2.0,
            ("dense", "en", "en"): 0.5,
        }
    ),
}


def fitted(second_dense: str) -> LegWeights:
    """The weights fitted for this `RAG_SECOND_DENSE` (unweighted without a second leg)."""
    return FITTED.get(second_dense.strip(), LegWeights())


def fuse(
    rankings: Iterable[tuple[str, list[tuple[str, float]]]],
    question_language: str,
    passage_language: Callable[[str], str],
    weights: LegWeights,
    k: int = RRF_K,
) -> dict[str, float]:
    """Each passage's reciprocal-rank score summed over the legs that found it:
    weight(leg, question language, passage language) / (k + rank)."""
    fused: dict[str, float] = defaultdict(float)
    for name, ranking in rankings:
        by_passage = {p: weights.of(name, question_language, p) for p in LANGUAGES}
        alike = len(set(by_passage.values())) == 1  # no need to look the passages up
        for rank, (cid, _) in enumerate(ranking):
            if alike:
                weight = by_passage["zh"]
            else:
                weight = by_passage.get(passage_language(cid), 1.0)
            if weight:
                fused[cid] += weight / (k + rank + 1)
    return fused
