"""Speed and memory figures, written to a file (never asserted in tests).

    python bench/run.py --out bench/results/latest.json

Measures, on the real policy texts in ../shared/policy-texts/docs: ingest throughput
(chunks/s, cold, into a fresh store), the first search (in-memory indexes built), search
latency p50/p95 and answer latency p50/p95 over
the gold questions (after the model is loaded), peak resident memory, and answer latency
while another process rebuilds the index (`ingest --reset`), against the normal figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rag.config import Settings
from rag.engine import PolicyEngine
from rag.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT.parent / "shared" / "policy-texts" / "docs"
GOLD = ROOT / "eval" / "policy_texts_qa.jsonl"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _answers_during_rebuild(
    engine: PolicyEngine, settings: Settings, questions: list[str], refused_before: set[str]
) -> dict[str, float]:
    """Answer the questions in a loop while another process rebuilds the same index
    (`rag ingest --reset`, which takes both cores to embed): how much slower a reader gets,
    and whether any answerable question is refused meanwhile."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= {"RAG_DATA_DIR": str(settings.data_dir), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "rag", "ingest", "--reset", "--quiet", "--corpus", str(DOCS)]
    times, refused = [], 0
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    try:
        i = 0
        while proc.poll() is None:
            t = time.perf_counter()
            question = questions[i % len(questions)]
            refused += engine.answer(question).refused and question not in refused_before
            times.append((time.perf_counter() - t) * 1000)
            i += 1
    finally:
        proc.wait()
    return {
        "answers_during_rebuild": len(times),
        "answer_ms_p50_during_rebuild": round(statistics.median(times), 1) if times else 0.0,
        "answer_ms_p95_during_rebuild": round(percentile(times, 0.95), 1) if times else 0.0,
        "newly_refused_during_rebuild": refused,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "latest.json")
    parser.add_argument("--questions", type=int, default=60)
    args = parser.parse_args()
    questions = [
        json.loads(line)["question"]
        for line in GOLD.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    questions = questions[: args.questions]
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data")
        report = ingest(settings, [DOCS], progress=False)
        engine = PolicyEngine(settings)
        engine.embedder.embed_query("warm up")  # model load
        t = time.perf_counter()
        engine.search("warm up")  # builds BM25, the dictionary bridge's glosses: not query latency
        first_search_s = time.perf_counter() - t
        search_ms, answer_ms = [], []
        refused: set[str] = set()  # refused when nothing else runs: not counted below
        for q in questions:
            t = time.perf_counter()
            engine.search(q)
            search_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            if engine.answer(q).refused:
                refused.add(q)
            answer_ms.append((time.perf_counter() - t) * 1000)
        during = _answers_during_rebuild(engine, settings, questions, refused)
    figures = {
        "machine": f"{platform.machine()} · {platform.python_version()}",
        "documents": report.added,
        "chunks": report.chunks,
        "ingest_seconds": round(report.seconds, 1),
        "ingest_chunks_per_second": round(report.chunks / report.seconds, 1),
        "first_search_seconds": round(first_search_s, 2),
        "questions": len(questions),
        "search_ms_p50": round(statistics.median(search_ms), 1),
        "search_ms_p95": round(percentile(search_ms, 0.95), 1),
        "answer_ms_p50": round(statistics.median(answer_ms), 1),
        "answer_ms_p95": round(percentile(answer_ms, 0.95), 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        **during,
        "answer_p50_ratio_during_rebuild": round(
            during["answer_ms_p50_during_rebuild"] / statistics.median(answer_ms), 2
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    for key, value in figures.items():
        print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
