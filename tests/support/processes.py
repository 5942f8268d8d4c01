"""Helpers for tests that start real server processes on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx

from tests.support.paths import ROOT


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stop(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Terminate a server process, killing it if it does not exit in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def serve(*args: str, env: dict[str, str]) -> subprocess.Popen:
    """`rag serve ARGS` started as an operator starts it, its output kept for the assertions."""
    return subprocess.Popen(
        [sys.executable, "-m", "rag", "serve", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_ready(proc: subprocess.Popen, url: str, in_a_row: int = 1, timeout: float = 180) -> None:
    """Until `url`/readyz has answered 200 `in_a_row` times in a row (with several workers,
    each must have loaded). `timeout` is a hang guard: imports, model and index load."""
    deadline = time.monotonic() + timeout
    ready = 0
    while ready < in_a_row:
        assert proc.poll() is None, proc.stdout.read() if proc.stdout else proc.returncode
        try:
            ok = httpx.get(url + "/readyz", timeout=5).status_code == 200
        except httpx.TransportError:
            ok = False
        ready = ready + 1 if ok else 0
        assert time.monotonic() < deadline, "never ready"
        if ready < in_a_row:
            time.sleep(0.1 if ok else 0.3)
