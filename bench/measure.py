"""What the benches share: child processes timed and measured one at a time, percentiles,
and the shared texts they read (../shared/chinese-law, ../shared/stard)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
LAW_DOCS = SHARED / "chinese-law" / "docs"
STARD = SHARED / "stard" / "dev.jsonl"
PYTHON = sys.executable


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..1) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def spread(values: list[float], digits: int = 1) -> dict[str, float]:
    """p50, p95 and max of latencies, rounded; zeros for an empty list."""
    if not values:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    return {
        "p50": round(percentile(values, 0.5), digits),
        "p95": round(percentile(values, 0.95), digits),
        "max": round(max(values), digits),
    }


def child_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """The bench's environment for a child: no RAG_ setting from the caller's shell (the
    figures are for the defaults), offline, the given data folder and settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= {"HF_HUB_OFFLINE": "1", "RAG_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    env |= {f"RAG_{name.upper()}": value for name, value in settings.items()}
    return env


@dataclass
class Child:
    """A finished child process: its wall time from launch to exit and its peak memory, both
    of its largest process (ru_maxrss) and of it with its workers together (sampled PSS,
    where pages forked workers share are counted once)."""

    command: list[str]
    returncode: int
    seconds: float
    peak_rss_mb: float
    peak_tree_pss_mb: float
    stdout: str
    stderr: str

    def check(self) -> Child:
        if self.returncode != 0:
            tail = self.stderr.strip().splitlines()[-15:]
            raise RuntimeError(
                f"{' '.join(self.command[:4])} … exited {self.returncode}:\n" + "\n".join(tail)
            )
        return self

    def json(self) -> Any:
        """The last line of stdout, read as JSON (probes and `--json` commands print one)."""
        lines = self.stdout.strip().splitlines()
        return json.loads(lines[-1]) if lines else None


def _descendants(pid: int) -> list[int]:
    """`pid` and every process under it, from the parent ids in /proc/*/stat."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        parents.setdefault(ppid, []).append(int(entry))
    tree = [pid]
    for p in tree:
        tree.extend(parents.get(p, []))
    return tree


def _pss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


class TreeMemory:
    """Samples the summed PSS of a process and its descendants until stopped (Linux /proc)."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        self.pid, self.interval, self.peak_kib = pid, interval, 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(self.interval):
            total = sum(_pss_kib(p) for p in _descendants(self.pid))
            self.peak_kib = max(self.peak_kib, total)

    def stop(self) -> float:
        """The peak in MB (0 where /proc cannot be read)."""
        self._done.set()
        self._thread.join()
        return round(self.peak_kib / 1024, 1)


def reap(proc: subprocess.Popen, deadline: float) -> Any:
    """Wait for `proc` to end (killed after `deadline` seconds) and return its own resource
    usage; sets its returncode."""
    killer = threading.Timer(deadline, proc.kill)
    killer.start()
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return usage


def run_child(command: list[str], env: dict[str, str], timeout: float = 3600) -> Child:
    """Run `command` to its end. `os.wait4` reports this child's own peak RSS, which the
    RUSAGE_CHILDREN figure (the largest of all children so far) cannot."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=err)
        memory = TreeMemory(proc.pid)
        usage = reap(proc, timeout)
        seconds = time.perf_counter() - start
        tree_mb = memory.stop()
        out.seek(0)
        err.seek(0)
        return Child(
            command=command,
            returncode=proc.returncode,
            seconds=seconds,
            peak_rss_mb=round(usage.ru_maxrss / 1024, 1),  # Linux reports KiB
            peak_tree_pss_mb=tree_mb,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def stard_sample(n: int, seed: int = 0) -> list[dict[str, Any]]:
    """A fixed sample of STARD questions (id, question, gold, …); the same for every run."""
    rows = [json.loads(line) for line in STARD.read_text(encoding="utf-8").splitlines() if line]
    return random.Random(seed).sample(rows, min(n, len(rows)))


def answerable(row: dict[str, Any], doc_ids: set[str]) -> bool:
    """Whether every gold article of a STARD question lies in the documents indexed."""
    return bool(row["gold"]) and all(g["doc_id"] in doc_ids for g in row["gold"])


def folder_bytes(folder: Path) -> dict[str, int]:
    """Bytes on disk under `folder`, by top-level entry (a file at the top counts as its own)."""
    sizes: dict[str, int] = {}
    if not folder.is_dir():
        return sizes
    for entry in folder.iterdir():
        if entry.is_file() and not entry.is_symlink():
            sizes[entry.name] = entry.stat().st_size
            continue
        total = 0
        for parent, _, names in os.walk(entry):
            for name in names:
                path = Path(parent) / name
                if not path.is_symlink():
                    total += path.stat().st_size
        sizes[entry.name] = total
    return dict(sorted(sizes.items()))


def environment() -> dict[str, Any]:
    """What the figures were measured on."""
    import platform

    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "rag"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", ""
    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "commit": commit,
        # rag/ edited but not committed: the figures are for code the commit does not hold
        "rag_uncommitted_changes": bool(dirty),
        "when": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        # other work on the machine skews every figure: above the CPU count, it was busy
        "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
    }


def report(figures: dict[str, Any], out: Path | None, summary: str) -> int:
    """Print a bench's `summary` line and, given `out`, write its figures there as JSON."""
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(figures, indent=2, ensure_ascii=False), encoding="utf-8")
    print(summary)
    return 0
