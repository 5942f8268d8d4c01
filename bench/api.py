"""Programs asking the HTTP API at once, on loopback; figures written, never asserted.

    python bench/api.py [--data-dir DIR | --corpus DIR] [--clients 8] [--questions 5] [--out FILE]

Starts the server as `make run` does (`python app.py`, a free port, an API key), waits for
`/readyz`, then each client (a thread with its own HTTP connection) posts its questions to
`/api/v1/answer` one after another; then the same clients ask the streamed endpoint and the
time to its first event (the passages found) is measured. Reports p50/p95/max latency,
errors, throughput and the server's peak memory. With `--corpus`, the folder is ingested
into a temporary data folder first.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from load import free_port, wait_for_http
from measure import PYTHON, ROOT, TreeMemory, child_env, reap, report, spread

KEY = "bench-key-5d1c9a7e3f20b846"
QUESTIONS = ROOT / "eval" / "corpus_qa.jsonl"  # the shipped corpus's gold questions


def answer(client: httpx.Client, question: str) -> tuple[float, str]:
    """(seconds, error or "") for one plain answer."""
    start = time.perf_counter()
    try:
        reply = client.post("/api/v1/answer", json={"question": question})
    except httpx.HTTPError as exc:
        return time.perf_counter() - start, f"{type(exc).__name__}: {exc}"[:300]
    seconds = time.perf_counter() - start
    if reply.status_code != 200:
        return seconds, f"{reply.status_code}: {reply.text[:300]}"
    return seconds, ""


def first_event(client: httpx.Client, question: str) -> tuple[float, str]:
    """(seconds to the stream's first event, error or "") for one streamed answer."""
    start = time.perf_counter()
    try:
        with client.stream("POST", "/api/v1/answer/stream", json={"question": question}) as s:
            if s.status_code != 200:
                return time.perf_counter() - start, f"{s.status_code}"
            seconds = 0.0
            for line in s.iter_lines():
                if line.startswith("event:") and not seconds:
                    seconds = time.perf_counter() - start
            return seconds, "" if seconds else "no event"
    except httpx.HTTPError as exc:
        return time.perf_counter() - start, f"{type(exc).__name__}: {exc}"[:300]


def clients_at_once(
    url: str, batches: list[list[str]], ask: Callable[[httpx.Client, str], tuple[float, str]]
) -> tuple[list[float], list[str], float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(len(batches))

    def run(questions: list[str]) -> None:
        headers = {"Authorization": f"Bearer {KEY}"}
        with httpx.Client(base_url=url, headers=headers, timeout=120) as client:
            ready.wait()  # everyone starts at once
            for question in questions:
                seconds, error = ask(client, question)
                with lock:
                    latencies.append(seconds)
                    if error:
                        errors.append(error)

    threads = [threading.Thread(target=run, args=(batch,)) for batch in batches]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors, time.perf_counter() - start


def run_api(
    data_dir: Path, clients: int = 8, per_client: int = 5, timeout: float = 900
) -> dict[str, Any]:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    questions = [r["question"] for r in rows][: clients * per_client * 2]
    plain, streamed = questions[: clients * per_client], questions[clients * per_client :]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # The limit is for people's scripts, not for a benchmark of the server.
    env = child_env(data_dir, port=str(port), api_keys=f"{KEY}:read", api_rate_limit="100000")
    env["RAG_LOG_LEVEL"] = "WARNING"
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [PYTHON, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        memory = TreeMemory(proc.pid)
        try:
            ready_s = wait_for_http(url + "/readyz", proc, timeout)
            latencies, errors, wall = clients_at_once(url, batches(plain, clients), answer)
            firsts, stream_errors, _ = clients_at_once(url, batches(streamed, clients), first_event)
        finally:
            proc.terminate()
            rss_mb = round(reap(proc, 20).ru_maxrss / 1024, 1)
            tree_mb = memory.stop()
        log.seek(0)
        server_log = log.read().decode("utf-8", "replace").strip().splitlines()
    return {
        "clients": clients,
        "questions_per_client": per_client,
        "ready_s": round(ready_s, 1),
        "requests": len(latencies),
        "answer_latency_s": spread(latencies, 2),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "answers_per_s": round(len(latencies) / wall, 2) if wall else 0.0,
        "stream_first_event_s": spread(firsts, 2),
        "stream_errors": len(stream_errors),
        "server_peak_rss_mb": rss_mb,
        "server_peak_tree_pss_mb": tree_mb,
        "server_log_tail": server_log[-5:],
    }


def batches(questions: list[str], clients: int) -> list[list[str]]:
    """The questions dealt out to the clients, in turn."""
    return [questions[i::clients] for i in range(clients)]


def summary(f: dict[str, Any]) -> str:
    lat, first = f["answer_latency_s"], f["stream_first_event_s"]
    return (
        f"HTTP API, {f['clients']} clients × {f['questions_per_client']} questions: answer "
        f"p50 {lat['p50']} s, p95 {lat['p95']} s, max {lat['max']} s; {f['errors']} errors; "
        f"{f['answers_per_s']} answers/s; streamed first event p50 {first['p50']} s, "
        f"p95 {first['p95']} s; ready in {f['ready_s']} s; server peak RSS "
        f"{f['server_peak_rss_mb']} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--data-dir", type=Path, help="an ingested RAG_DATA_DIR")
    where.add_argument("--corpus", type=Path, help="a folder to ingest into a temporary one")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--questions", type=int, default=5, help="questions per client")
    parser.add_argument("--out", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir
        if args.corpus is not None:
            data_dir = Path(tmp) / "data"
            env = child_env(data_dir)
            subprocess.run(
                [PYTHON, "-m", "rag", "ingest", "--corpus", str(args.corpus), "--quiet"],
                cwd=ROOT,
                env=env,
                check=True,
            )
        figures = run_api(data_dir, args.clients, args.questions)
    return report(figures, args.out, summary(figures))


if __name__ == "__main__":
    sys.exit(main())
