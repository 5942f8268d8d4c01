"""Several people asking the web UI at once, on loopback; figures written, never asserted.

    python bench/load.py --data-dir DIR [--users 8] [--questions 10] [--out FILE]

Starts the UI as `make run` does (`python app.py`, RAG_DATA_DIR=DIR, a free port), waits
for it to answer HTTP, then each user (a thread with its own Gradio session, as a browser
tab has) asks its questions one after another through the chat's API endpoint, each in a
new conversation. Reports per-request latency p50/p95/max, errors and throughput, and the
server's own peak memory.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from measure import PYTHON, ROOT, TreeMemory, child_env, reap, report, spread, stard_sample

ERROR_MARK = "⚠️"  # how the UI starts a reply it could not answer (rag/interfaces/web/ui.py)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float) -> float:
    """Seconds until `url` answers with a success (the UI opens the store and builds its
    indexes first; `/readyz` answers 503 until the index and models are loaded)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return time.perf_counter() - start
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the server did not answer at {url} within {timeout:.0f} s")


def chat_endpoint(client: Any) -> str:
    """The api_name of the chat's ask event: the named endpoint taking a `question`."""
    info = client.view_api(print_info=False, return_format="dict")
    names = [
        name
        for name, spec in info["named_endpoints"].items()
        if [p.get("parameter_name") for p in spec["parameters"]][:1] == ["question"]
    ]
    if not names:
        raise RuntimeError(f"no chat endpoint among {sorted(info['named_endpoints'])}")
    return min(names, key=len)  # "/ask" before "/ask_1" (the same function on other events)


def ask(client: Any, endpoint: str, question: str) -> tuple[float, str]:
    """(seconds, error or "") for one question in a new conversation."""
    client.reset_session()  # a new chat, as after "New chat": no history carried over
    start = time.perf_counter()
    try:
        result = client.predict(question=question, api_name=endpoint)
    except Exception as exc:  # a failed request is a figure here, not a crash
        return time.perf_counter() - start, f"{type(exc).__name__}: {exc}"[:300]
    seconds = time.perf_counter() - start
    messages = result[0] if isinstance(result, list | tuple) else []
    reply = _text(messages[-1].get("content", "")) if messages else ""
    if not reply or reply.startswith(ERROR_MARK):
        return seconds, f"reply: {reply[:300]}"
    return seconds, ""


def _text(content: Any) -> str:
    """A chat message's text: a string, or (Gradio 6) a list of {"type": "text", "text"} parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def _users(url: str, endpoint: str, batches: list[list[str]]) -> tuple[list[float], list[str]]:
    from gradio_client import Client

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    ready = threading.Barrier(len(batches))
    clients = [Client(url, verbose=False, download_files=False) for _ in batches]

    def user(client: Any, questions: list[str]) -> None:
        ready.wait()  # everyone starts at once
        for question in questions:
            seconds, error = ask(client, endpoint, question)
            with lock:
                latencies.append(seconds)
                if error:
                    errors.append(error)
        client.close()

    threads = [
        threading.Thread(target=user, args=pair) for pair in zip(clients, batches, strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def _stop(proc: subprocess.Popen, grace: float = 20) -> float:
    """Stop the server (killed if it lingers) and return its own peak RSS in MB."""
    proc.terminate()
    return round(reap(proc, grace).ru_maxrss / 1024, 1)


def run_load(
    data_dir: Path, users: int = 8, per_user: int = 10, timeout: float = 1800
) -> dict[str, Any]:
    """Serve `data_dir` with `python app.py` and measure `users` people asking at once."""
    from gradio_client import Client

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = child_env(data_dir, host="127.0.0.1", port=str(port), log_level="WARNING")
    rows = stard_sample(users * per_user + 1, seed=1)  # not the serving bench's questions
    first, rest = rows[0]["question"], [r["question"] for r in rows[1:]]
    batches = [rest[i * per_user : (i + 1) * per_user] for i in range(users)]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [PYTHON, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        memory = TreeMemory(proc.pid)
        try:
            startup_s = wait_for_http(url, proc, timeout)
            client = Client(url, verbose=False, download_files=False)
            endpoint = chat_endpoint(client)
            first_s, first_error = ask(client, endpoint, first)  # loads the model
            client.close()
            start = time.perf_counter()
            latencies, errors = _users(url, endpoint, batches)
            wall = time.perf_counter() - start
        finally:
            server_rss_mb = _stop(proc)
            server_tree_mb = memory.stop()
        log.seek(0)
        server_log = log.read().decode("utf-8", "replace").strip().splitlines()
    return {
        "users": users,
        "questions_per_user": per_user,
        "endpoint": endpoint,
        "startup_s": round(startup_s, 1),
        "first_request_s": round(first_s, 2),
        "first_request_error": first_error,
        "requests": len(latencies),
        "latency_s": spread(latencies, 2),
        "errors": len(errors),
        "error_examples": sorted(set(errors))[:5],
        "wall_s": round(wall, 1),
        "answers_per_s": round(len(latencies) / wall, 2) if wall else 0.0,
        "server_peak_rss_mb": server_rss_mb,
        "server_peak_tree_pss_mb": server_tree_mb,
        "server_log_tail": server_log[-5:],
    }


def summary(figures: dict[str, Any]) -> str:
    lat = figures["latency_s"]
    return (
        f"web UI, {figures['users']} users × {figures['questions_per_user']} questions: "
        f"latency p50 {lat['p50']} s, p95 {lat['p95']} s, max {lat['max']} s; "
        f"{figures['errors']} errors; {figures['answers_per_s']} answers/s; "
        f"started in {figures['startup_s']} s, first answer {figures['first_request_s']} s; "
        f"server peak RSS {figures['server_peak_rss_mb']} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="an ingested RAG_DATA_DIR")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--questions", type=int, default=10, help="questions per user")
    parser.add_argument("--out", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    if not args.data_dir.is_dir():
        parser.error(f"no index under {args.data_dir}: ingest into it first")
    figures = run_load(args.data_dir, args.users, args.questions)
    return report(figures, args.out, summary(figures))


if __name__ == "__main__":
    sys.exit(main())
