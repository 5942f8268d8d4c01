"""Speed and memory figures, written to a file (never asserted in tests).

    python bench/run.py --out bench/results/latest.json

Measures, on the real policy texts in ../shared/policy-texts/docs: ingest throughput
(chunks/s, cold, into a fresh store), the first search (in-memory indexes built), search
latency p50/p95 and answer latency p50/p95 over
the gold questions (after the model is loaded), and peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
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
        for q in questions:
            t = time.perf_counter()
            engine.search(q)
            search_ms.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            engine.answer(q)
            answer_ms.append((time.perf_counter() - t) * 1000)
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
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")
    for key, value in figures.items():
        print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
