"""Figures at the scale of the whole body of Chinese law (issue 16), written to a file and
never asserted.

    make bench-scale        (or `make bench`, after bench/run.py)
    python bench/scale.py [--scales 10,30,100] [--docs DIR] [--out FILE] [--no-load]

For each share of ../shared/chinese-law/docs (a fixed subset: every path sorted, those whose
position modulo 10 is in SHARES[percent]), in a fresh data folder, each step in a fresh
process as a user runs it:

- ingest: `python -m rag ingest --corpus DIR --quiet`, the whole command timed;
- the encoder alone on 5,000 of the stored passages (1,500 measured 178 and 335 passages/s at 10% and 100% for the same mean length), and ingest's share of its speed;
- cold start: `python -m rag ask QUESTION --json` from launch to exit, twice, then once
  timed inside (imports, then the command);
- serving: one engine answering 200 STARD questions (search and answer p50/p95);
- the index's size on disk by top-level folder;
- on the largest share built, 8 web UI users at once (`bench/load.py`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import load
from measure import (
    LAW_DOCS,
    PYTHON,
    ROOT,
    STARD,
    answerable,
    child_env,
    environment,
    folder_bytes,
    run_child,
    stard_sample,
)

SHARES = {10: {0}, 30: {0, 3, 6}, 100: set(range(10))}  # positions modulo 10 kept
SERVING_QUESTIONS = 200
ENCODER_PASSAGES = 5000
PROBE = str(Path(__file__).resolve().parent / "probe.py")


def subset(docs: Path, percent: int) -> list[str]:
    """The documents of a share: paths under `docs`, sorted, every tenth from fixed offsets."""
    paths = sorted(p.relative_to(docs).as_posix() for p in docs.rglob("*.md"))
    return [p for i, p in enumerate(paths) if i % 10 in SHARES[percent]]


def link_subset(docs: Path, paths: list[str], folder: Path) -> None:
    """The share as a folder of symlinks with the same relative paths (so the same doc ids)."""
    for rel in paths:
        link = folder / rel
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(docs / rel)


def _ingest(corpus: Path, env: dict[str, str]) -> dict[str, Any]:
    child = run_child([PYTHON, "-m", "rag", "ingest", "--corpus", str(corpus), "--quiet"], env)
    child.check()
    summary = child.stdout.strip().splitlines()[-1] if child.stdout.strip() else ""
    chunks = re.search(r"(\d+) chunks", summary)
    reported = re.search(r"([\d.]+) s\b", summary)
    return {
        "wall_s": round(child.seconds, 1),
        "reported_s": float(reported.group(1)) if reported else None,  # the pipeline's own clock
        "chunks": int(chunks.group(1)) if chunks else None,
        "peak_rss_mb": child.peak_rss_mb,
        "peak_tree_pss_mb": child.peak_tree_pss_mb,  # with its forked workers
        "summary": summary,
    }


def _cold_start(question: str, env: dict[str, str]) -> dict[str, Any]:
    """Launch to exit of `rag ask --json`, twice: the first run may find the page cache cold
    (the store was just written, so it seldom is), then the same command timed inside."""
    runs = []
    for _ in range(2):
        child = run_child([PYTHON, "-m", "rag", "ask", question, "--json"], env).check()
        answer = child.json()
        runs.append(
            {
                "wall_s": round(child.seconds, 2),
                "peak_rss_mb": child.peak_rss_mb,
                "peak_tree_pss_mb": child.peak_tree_pss_mb,
                "refused": answer["refused"],
                "citations": len(answer["citations"]),
            }
        )
    inside = run_child([PYTHON, PROBE, "first-answer", question], env).check()
    timed = inside.json() | {"wall_s": round(inside.seconds, 2)}
    # what is neither the imports nor the command: the interpreter starting and exiting
    timed["interpreter_s"] = round(timed["wall_s"] - timed["import_s"] - timed["answer_s"], 2)
    return {"question": question, "runs": runs, "timed_inside": timed}


def measure_share(docs: Path, percent: int, work: Path, rows: list[dict]) -> dict[str, Any]:
    """Every figure for one share, built under `work` (left there for the load test)."""
    corpus, data = work / "corpus", work / "data"
    paths = subset(docs, percent)
    link_subset(docs, paths, corpus)
    env = child_env(data)
    doc_ids = {Path(p).with_suffix("").as_posix() for p in paths}
    print(f"[{percent}%] ingesting {len(paths)} documents…", file=sys.stderr, flush=True)
    ingest = _ingest(corpus, env)
    size_after_ingest = folder_bytes(data)
    print(f"[{percent}%] {ingest['summary']}; the encoder alone…", file=sys.stderr, flush=True)
    encoder = run_child([PYTHON, PROBE, "encoder", "--passages", str(ENCODER_PASSAGES)], env)
    encoder_figures = encoder.check().json()
    chunks = ingest["chunks"] or encoder_figures["store_chunks"]
    chunks_per_s = chunks / ingest["wall_s"]
    ingest["chunks_per_s"] = round(chunks_per_s, 1)
    encoder_figures["ingest_share"] = round(chunks_per_s / encoder_figures["passages_per_s"], 3)

    # A question whose gold articles are indexed, so the cold start ends in a real answer.
    cold_question = next((r for r in rows if answerable(r, doc_ids)), rows[0])["question"]
    print(f"[{percent}%] cold start…", file=sys.stderr, flush=True)
    cold = _cold_start(cold_question, env)
    print(f"[{percent}%] serving {len(rows)} questions…", file=sys.stderr, flush=True)
    questions = work / "questions.json"
    questions.write_text(json.dumps([r["question"] for r in rows], ensure_ascii=False), "utf-8")
    serve = run_child([PYTHON, PROBE, "serving", str(questions)], env).check()
    serving = serve.json() | {
        "process_wall_s": round(serve.seconds, 1),
        "peak_tree_pss_mb": serve.peak_tree_pss_mb,
    }
    serving["answerable_here"] = sum(answerable(r, doc_ids) for r in rows)

    size = folder_bytes(data)
    return {
        "documents": len(paths),
        "chunks": chunks,
        "ingest": ingest,
        "encoder": encoder_figures,
        "cold_start": cold,
        "serving": serving,
        "disk": {
            "after_ingest": size_after_ingest,
            "after_serving": size,
            "chroma_bytes": size.get("chroma", 0),
            "other_bytes": sum(v for k, v in size.items() if k != "chroma"),
        },
    }


def _mb(value: float) -> str:
    return f"{value / 2**20:.0f}"


def table(scales: dict[str, dict[str, Any]]) -> str:
    """The figures people compare, one row each, a column a share."""
    rows: list[tuple[str, Any]] = [
        ("documents", lambda s: s["documents"]),
        ("chunks", lambda s: s["chunks"]),
        ("ingest wall s", lambda s: s["ingest"]["wall_s"]),
        ("ingest chunks/s", lambda s: s["ingest"]["chunks_per_s"]),
        ("ingest peak MB: RSS / tree PSS", lambda s: f"{s['ingest']['peak_rss_mb']:.0f} / "
         f"{s['ingest']['peak_tree_pss_mb']:.0f}"),
        ("encoder passages/s", lambda s: s["encoder"]["passages_per_s"]),
        ("ingest ÷ encoder", lambda s: s["encoder"]["ingest_share"]),
        ("cold ask s (1st, 2nd)", lambda s: "{}, {}".format(*cold_walls(s))),
        ("  of which imports s", lambda s: s["cold_start"]["timed_inside"]["import_s"]),
        ("  of which answering s", lambda s: s["cold_start"]["timed_inside"]["answer_s"]),
        ("first search s (serving)", lambda s: s["serving"]["first_search_s"]),
        ("search ms p50 / p95", lambda s: "{p50} / {p95}".format(**s["serving"]["search_ms"])),
        ("answer ms p50 / p95", lambda s: "{p50} / {p95}".format(**s["serving"]["answer_ms"])),
        ("serving peak MB: RSS / tree PSS", lambda s: f"{s['serving']['peak_rss_mb']:.0f} / "
         f"{s['serving']['peak_tree_pss_mb']:.0f}"),
        ("disk MB chroma / other", lambda s: f"{_mb(s['disk']['chroma_bytes'])} / "
         f"{_mb(s['disk']['other_bytes'])}"),
    ]  # fmt: skip
    names = list(scales)
    width = max(len(r[0]) for r in rows)
    lines = [f"{'':<{width}}  " + "  ".join(f"{n + '%':>14}" for n in names)]
    for label, get in rows:
        lines.append(f"{label:<{width}}  " + "  ".join(f"{get(scales[n])!s:>14}" for n in names))
    return "\n".join(lines)


def cold_walls(share: dict[str, Any]) -> list[float]:
    return [run["wall_s"] for run in share["cold_start"]["runs"]]


def _write(out: Path, report: dict[str, Any]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="10,30,100", help="shares in percent: 10, 30, 100")
    parser.add_argument("--docs", type=Path, default=LAW_DOCS, help="folder of the laws")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "scale.json")
    parser.add_argument("--work", type=Path, default=None, help="where to build (default: tmp)")
    parser.add_argument("--no-load", action="store_true", help="skip the 8-user web UI test")
    args = parser.parse_args()
    percents = sorted({int(s) for s in args.scales.split(",") if s.strip()})
    unknown = [p for p in percents if p not in SHARES]
    if unknown:
        parser.error(f"--scales takes {', '.join(map(str, SHARES))}; got {unknown}")
    missing = [p for p in (args.docs, STARD) if not p.exists()]
    if missing:
        print(f"scale bench skipped: {', '.join(map(str, missing))} not found (the shared texts).")
        return 0

    rows = stard_sample(SERVING_QUESTIONS)
    report: dict[str, Any] = {
        "environment": environment(),
        "docs": str(args.docs),
        "serving_questions": len(rows),
        "scales": {},
    }
    for percent in percents:
        with tempfile.TemporaryDirectory(prefix=f"scale{percent}-", dir=args.work) as tmp:
            report["scales"][str(percent)] = measure_share(args.docs, percent, Path(tmp), rows)
            _write(args.out, report)  # what a long run measured survives its failing later
            if percent == percents[-1] and not args.no_load:
                print(f"[{percent}%] 8 web UI users at once…", file=sys.stderr, flush=True)
                try:
                    report["load"] = {"scale": percent, **load.run_load(Path(tmp) / "data")}
                except RuntimeError as exc:  # the UI did not start: a finding, not a crash
                    report["load"] = {"scale": percent, "error": str(exc)}
    report["environment"]["load_average_at_end"] = environment()["load_average_1_5_15"]
    _write(args.out, report)
    print(table(report["scales"]))
    if "load" in report:
        print(report["load"].get("error") or load.summary(report["load"]))
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
