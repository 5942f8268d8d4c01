"""`python -m rag.evaluation.weights`: fit the fusion's leg weights on the fit half of the dev sets.

The weight of the dense legs (USE's `dense` and the second embedder's `e5`) by question
language and passage language (`rag.retrieval.fusion.LegWeights`) is chosen by coordinate
descent over a small grid: each weight in turn takes the grid value that scores best with the
others held, until a pass changes nothing. The score is hit@5 + MRR@10 over the answerable
questions of the fit half (`rag.retrieval.question_part`) of the dev sets pooled; a tie keeps
the weight nearest 1 (the unweighted fusion). It prints the table to put in
`rag.retrieval.fusion.FITTED`; `rag eval --part held` and the other sets report it.

Each set is searched from its `rag eval` index (eval/.data/NAME, built if missing); the
question vectors are embedded once and remembered, so a grid point costs only the lexical legs
and the rules.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .evaluate import DEFAULT_CORPUS, EXACT_SEARCH_EF, ROOT, ranked_from_hit, score_question
from .gold import GoldQuestion, load_gold

# The sets the project's rules are developed on; their held halves, policy_texts_heldout and
# policy_texts_scope are never read here.
DEV_SETS = ("eval/policy_texts_qa.jsonl", "eval/corpus_qa.jsonl", "eval/staff_qa.jsonl")
GRID = (0.0, 0.5, 1.0, 2.0, 3.0)
FREE = tuple(
    (leg, question, passage)
    for leg in ("e5", "dense")
    for question in ("zh", "en")
    for passage in ("zh", "en")
)
MAX_PASSES = 2


class Remembered:
    """An embedder whose question vectors are computed once per text."""

    def __init__(self, embedder: Any) -> None:
        self.name = embedder.name
        self._embedder = embedder
        self.embed_query = functools.lru_cache(maxsize=None)(embedder.embed_query)

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        return self._embedder.embed_documents(texts)


@dataclass
class DevSet:
    name: str
    engine: Any  # PolicyEngine
    questions: list[GoldQuestion]
    languages: dict[str, str]


def open_set(path: Path, second_dense: str) -> DevSet:
    """The fit half of the gold set at `path`, and an engine over its `rag eval` index."""
    from ..config import Settings
    from ..engine import PolicyEngine
    from ..ingest import ingest
    from ..retrieval import Retriever, question_part

    name = path.stem
    settings = Settings.from_env(
        data_dir=ROOT / "eval" / ".data" / name,
        chroma_url="",
        corpus_dirs=str((ROOT / DEFAULT_CORPUS[name]).resolve()),
        search_ef=EXACT_SEARCH_EF,
        second_dense=second_dense,
    )
    ingest(settings, settings.corpus_paths, progress=False)
    engine = PolicyEngine(settings)
    first = Remembered(engine.embedder)
    second = Remembered(engine.retriever.second) if engine.retriever.second_model else None
    engine.retriever = Retriever(
        settings, engine.store, first.embed_query, first.embed_documents, second=second
    )
    questions = [q for q in load_gold(path) if q.in_scope and question_part(q.id) == "fit"]
    languages = {d["doc_id"]: d.get("language", "") for d in engine.list_documents()}
    return DevSet(name, engine, questions, languages)


def figures(sets: Sequence[DevSet], weights: Any) -> dict[str, tuple[float, float, int]]:
    """(hit@5, MRR@10, n) per set with these weights."""
    out = {}
    for dev in sets:
        dev.engine.retriever.weights = weights
        hits, mrrs = [], []
        for q in dev.questions:
            ranking = [ranked_from_hit(h) for h in dev.engine.search(q.question, k=10)]
            scores = score_question(ranking, q, dev.languages)["all"]
            hits.append(scores["hit@5"])
            mrrs.append(scores["mrr@10"])
        out[dev.name] = (float(np.mean(hits)), float(np.mean(mrrs)), len(hits))
    return out


def objective(found: dict[str, tuple[float, float, int]]) -> float:
    """hit@5 + MRR@10 over the pooled questions."""
    n = sum(c for _, _, c in found.values())
    return sum((h + m) * c for h, m, c in found.values()) / n


def fit(sets: Sequence[DevSet], free: Sequence[tuple[str, str, str]] = FREE) -> Any:
    from ..retrieval import LegWeights

    best = LegWeights({})
    best_score = objective(figures(sets, best))
    print(f"start: {best_score:.4f}", flush=True)
    for sweep in range(MAX_PASSES):
        changed = False
        for key in free:
            best_score = round(best_score, 6)  # a tie is no gain: the weight nearer 1 stays
            scored = [(best_score, -abs(best.of(*key) - 1.0), best.of(*key))]
            for value in GRID:
                if value == best.of(*key):
                    continue
                trial = best.with_weight(*key, value)
                scored.append((round(objective(figures(sets, trial)), 6), -abs(value - 1.0), value))
            score, _, value = max(scored)
            if value != best.of(*key) and score > best_score:
                best, best_score, changed = best.with_weight(*key, value), score, True
            print(
                f"pass {sweep + 1} {key}: {value} ({score:.4f}; best {best_score:.4f})", flush=True
            )
        if not changed:
            break
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="*", type=Path, default=[ROOT / p for p in DEV_SETS])
    parser.add_argument("--second-dense", default="e5")
    args = parser.parse_args(argv)
    sets = [open_set(Path(p).resolve(), args.second_dense) for p in args.file]
    fitted = fit(sets)
    print("\nfitted:", {(leg, q, p): w for leg, q, p, w in fitted.rows() if w != 1.0})
    for name, (hit, mrr, n) in figures(sets, fitted).items():
        print(f"{name} (fit half, {n} answerable): hit@5 {hit:.3f}  MRR@10 {mrr:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
