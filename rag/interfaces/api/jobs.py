"""Ingest jobs started over the API: uploaded files are saved under RAG_DATA_DIR/uploads and
ingested there, one job at a time, with the same per-file errors and limits as `rag ingest`."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from ...config import Settings
from ...errors import RagError
from ...ingest import SUFFIXES, ingest
from .schemas import FileResult, JobOut, JobState

log = logging.getLogger("rag.api.jobs")
KEEP_JOBS = 100  # finished jobs remembered for polling


def upload_dir(settings: Settings) -> Path:
    return Path(settings.data_dir) / "uploads"


def safe_name(filename: str) -> str | None:
    """The file's own name, without any folder a client put in it; None if unusable."""
    name = PurePath(filename.replace("\\", "/")).name.strip()
    if not name or name.startswith("."):
        return None
    return name


@dataclass
class Job:
    job_id: str
    files: list[str]
    state: JobState = "queued"
    failed: list[FileResult] = field(default_factory=list)
    summary: str = ""
    error: str = ""

    def out(self) -> JobOut:
        return JobOut(
            job_id=self.job_id,
            state=self.state,
            files=self.files,
            failed=self.failed,
            summary=self.summary,
            error=self.error,
        )


class IngestJobs:
    """Runs uploads through the ingest pipeline in a background thread; `reload` is called
    after a job that changed the index, and `busy` is true meanwhile (readiness says so)."""

    def __init__(
        self,
        settings: Settings,
        reload: Callable[[], object],
        indexed: Callable[[], list[dict[str, Any]]],
    ) -> None:
        self.settings, self.reload, self.indexed = settings, reload, indexed
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._one_at_a_time = threading.Lock()
        self.busy = False

    def start(self, uploads: list[tuple[str, bytes]]) -> Job:
        """Save the files and queue their ingest; unusable names or types fail at once."""
        folder = upload_dir(self.settings)
        folder.mkdir(parents=True, exist_ok=True)
        elsewhere = self._indexed_elsewhere(folder)
        job = Job(job_id=uuid.uuid4().hex, files=[])
        for filename, data in uploads:
            name = safe_name(filename)
            if name is None:
                job.failed.append(FileResult(name=filename, error="not a usable file name"))
                continue
            if PurePath(name).suffix.lower() not in SUFFIXES:
                wanted = ", ".join(sorted(SUFFIXES))
                job.failed.append(FileResult(name=name, error=f"not a supported type ({wanted})"))
                continue
            stem = PurePath(name).stem
            if stem in elsewhere:
                # The same document id from two folders would replace one another at every
                # ingest of either.
                job.failed.append(
                    FileResult(
                        name=name,
                        error=f"{stem!r} is already indexed from {elsewhere[stem]}; rename the file",
                    )
                )
                continue
            (folder / name).write_bytes(data)
            job.files.append(name)
        with self._lock:
            self.jobs[job.job_id] = job
            for old in list(self.jobs)[:-KEEP_JOBS]:
                del self.jobs[old]
        if job.files:
            threading.Thread(target=self._run, args=(job,), name="api-ingest", daemon=True).start()
        else:
            job.state = "failed"
            job.error = "no file could be ingested"
        return job

    def _indexed_elsewhere(self, folder: Path) -> dict[str, str]:
        """Ids of indexed documents whose file lies outside the upload folder: doc_id → name."""
        try:
            documents = self.indexed()
        except RagError:  # no index yet: nothing to collide with
            return {}
        root = folder.resolve()
        return {
            d["doc_id"]: Path(d["source_path"]).name
            for d in documents
            if not Path(d["source_path"]).resolve().is_relative_to(root)
        }

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self.jobs.get(job_id)

    def _run(self, job: Job) -> None:
        with self._one_at_a_time:
            job.state = "running"
            try:
                report = ingest(self.settings, [upload_dir(self.settings)], progress=False)
                mine = set(job.files)
                for path, reason in report.failed:
                    name = PurePath(path).name
                    if name in mine:
                        job.failed.append(FileResult(name=name, error=reason))
                job.summary = report.summary()
                if report.changed:
                    self.busy = True
                    self.reload()
                job.state = "done"
            except RagError as exc:
                job.state, job.error = "failed", str(exc)
            except Exception:
                log.exception("ingest job %s failed", job.job_id)
                job.state, job.error = "failed", "the ingest failed; the error has been logged"
            finally:
                self.busy = False
