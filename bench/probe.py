"""Measurements taken inside a fresh process, run by `bench/scale.py` with RAG_DATA_DIR set:
each prints one JSON object on its last line of stdout.

    python bench/probe.py encoder [--passages 5000]
    python bench/probe.py serving QUESTIONS.json
    python bench/probe.py first-answer QUESTION
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import resource
import time
from pathlib import Path
from typing import Any

from measure import spread


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def encoder(passages: int, seed: int = 0) -> dict[str, Any]:
    """The embedder alone on chunk texts sampled from the built store, in ingest's batches:
    the ceiling ingest's chunks/s is compared with."""
    from rag.config import Settings
    from rag.index import Store, get_embedder
    from rag.ingest import pipeline
    from rag.interfaces import cli

    batch = int(getattr(pipeline, "EMBED_BATCH", 32))
    # At ingest's priority: on a busy machine a niced ingest loses more than an encoder
    # that is not, and the ratio of the two would then measure the neighbours.
    niceness = int(getattr(cli, "INGEST_NICENESS", 0))
    os.nice(niceness)
    settings = Settings.from_env()
    ids, texts, _ = Store(settings).all_records()
    by_id = sorted(zip(ids, texts, strict=True))  # the store's order is not promised
    sample = [text for _, text in random.Random(seed).sample(by_id, min(passages, len(by_id)))]
    start = time.perf_counter()
    # The encoder at its fastest in one process (two threads), not the serving default of
    # one: ingest is measured against the best a single encoder does.
    embedder = get_embedder(settings.embedding_model, threads=2)
    embedder.embed_documents(sample[:2])  # the model loads on first use, not counted below
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    for i in range(0, len(sample), batch):
        embedder.embed_documents(sample[i : i + batch])
    seconds = time.perf_counter() - start
    return {
        "embedding_model": settings.embedding_model,
        "store_chunks": len(ids),
        "passages": len(sample),
        "batch": batch,
        "niceness": niceness,
        "characters_mean": round(sum(map(len, sample)) / max(1, len(sample)), 1),
        "model_load_s": round(load_s, 2),
        "seconds": round(seconds, 2),
        "passages_per_s": round(len(sample) / seconds, 1) if seconds else 0.0,
    }


def serving(questions: list[str]) -> dict[str, Any]:
    """One engine answering the questions in turn, as a long-running server does: the first
    question (which loads the model and the indexes) apart from the rest."""
    start = time.perf_counter()
    from rag.config import Settings
    from rag.engine import PolicyEngine

    import_s = time.perf_counter() - start
    engine = PolicyEngine(Settings.from_env())
    first, rest = questions[0], questions[1:]
    start = time.perf_counter()
    engine.search(first, k=10)
    first_search_s = time.perf_counter() - start
    start = time.perf_counter()
    engine.answer(first)
    first_answer_s = time.perf_counter() - start
    search_ms, answer_ms, refused = [], [], 0
    for question in rest:
        start = time.perf_counter()
        engine.search(question, k=10)
        search_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        refused += engine.answer(question).refused
        answer_ms.append((time.perf_counter() - start) * 1000)
    return {
        "questions": len(questions),
        "import_s": round(import_s, 2),
        "first_search_s": round(first_search_s, 2),
        "first_answer_s": round(first_answer_s, 2),
        "search_ms": spread(search_ms),
        "answer_ms": spread(answer_ms),
        "refused_after_first": refused,
        "peak_rss_mb": _peak_rss_mb(),
    }


def first_answer(question: str) -> dict[str, Any]:
    """What `python -m rag ask QUESTION --json` does, timed inside: the imports, then the
    command (engine, model, indexes and the answer)."""
    start = time.perf_counter()
    import rag.engine  # noqa: F401  (what `ask` imports before it answers)
    from rag.interfaces.cli import main

    import_s = time.perf_counter() - start
    printed = io.StringIO()
    start = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        code = main(["ask", question, "--json"])
    answer_s = time.perf_counter() - start
    answer = json.loads(printed.getvalue() or "{}")
    return {
        "exit_code": code,
        "import_s": round(import_s, 2),
        "answer_s": round(answer_s, 2),
        "refused": answer.get("refused"),
        "citations": len(answer.get("citations", [])),
        "peak_rss_mb": _peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="probe", required=True)
    sub.add_parser("encoder").add_argument("--passages", type=int, default=5000)
    sub.add_parser("serving").add_argument("questions", type=Path, help="a JSON list of strings")
    sub.add_parser("first-answer").add_argument("question")
    args = parser.parse_args()
    if args.probe == "encoder":
        result = encoder(args.passages)
    elif args.probe == "serving":
        result = serving(json.loads(args.questions.read_text(encoding="utf-8")))
    else:
        result = first_answer(args.question)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
