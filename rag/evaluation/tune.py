"""`rag tune`: refit the learned parts of retrieval from labelled pairs.

A labelled pair is a question and the articles that answer it, in the gold-set format
(`rag.evaluation.gold`): STARD's dev questions, a team's own gold set, or the answers its
analysts confirmed with 👍 (`rag feedback --export FILE`). The learned parts are the
questions with the articles that answered them (`rag.retrieval.asked`) and the map on the
dense leg's question vector (`rag.retrieval.adapter`), written beside the index of the data
dir they were fitted on; the `asked-before`, `law-routing`, `adapter` and `feedback` units read
them from the next question on.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ..errors import RagError
from ..retrieval import (
    AskedBefore,
    adapter_path,
    article_vectors,
    asked_path,
    fit_adapter,
    question_part,
    sample_negatives,
)
from .gold import load_gold


def main(args: argparse.Namespace) -> int:
    """`rag tune FILE... [--part fit|held|all] [--data-dir DIR]`."""
    from ..config import Settings
    from ..engine import PolicyEngine

    overrides = {"data_dir": args.data_dir} if getattr(args, "data_dir", None) else {}
    settings = Settings.from_env(**overrides)
    pairs = []
    for path in (Path(p) for p in args.file):
        if not path.exists():
            raise RagError(f"labelled pairs not found: {path}")
        for q in load_gold(path):
            if args.part != "all" and question_part(q.id) != args.part:
                continue
            gold = [(g.doc_id, g.article) for g in q.gold if g.article is not None]
            if gold:
                pairs.append((q.question, gold))
    if not pairs:
        raise RagError("no labelled pair with an article to learn from")
    retriever = PolicyEngine(settings).retriever
    index = retriever.refresh()
    # The questions whose articles the index holds, embedded as a question is when asked.
    known = [(q, gold) for q, gold in pairs if any(a in index.by_article for a in gold)]
    if not known:
        raise RagError(
            f"none of the {len(pairs)} pairs' articles is in the index under "
            f"{settings.data_dir}: pass --data-dir with the index they were written for"
        )
    embedded: dict[str, np.ndarray] = {}

    def embed(question: str) -> np.ndarray:
        if question not in embedded:
            embedded[question] = retriever.embed_query(retriever.read(question).spelled)
        return embedded[question]

    asked = AskedBefore.fit(settings.embedding_model, known, embed)
    out = asked_path(settings)
    asked.save(out)
    print(
        f"kept {len(known)} of {len(pairs)} questions ({args.part}) with the articles that "
        f"answered them; wrote {out}"
    )
    vectors = article_vectors(
        index, (a for _, gold in known for a in gold), retriever.store.vectors
    )
    negatives = sample_negatives(list(index.records), retriever.store.vectors)
    adapter = fit_adapter(settings.embedding_model, known, embed, vectors, negatives)
    out = adapter_path(settings)
    adapter.save(out)
    print(
        f"fitted the dense leg's question map ({adapter.method}) on {adapter.pairs} "
        f"pairs; wrote {out}"
    )
    return 0
