"""What the routes share: the engine, the settings, the keys and limits, the metrics, the
ingest jobs, the feedback store and whether the index is loaded."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ...config import Settings
from ...errors import RagError
from ...types import Engine
from ..slack import FeedbackStore
from .access import LOCAL_CALLER, Caller, RateLimiter, find_caller, parse_keys
from .jobs import IngestJobs
from .metrics import Metrics

log = logging.getLogger("rag.api")
bearer = HTTPBearer(auto_error=False, description="an API key from RAG_API_KEYS")


@dataclass
class Service:
    engine: Engine
    settings: Settings
    metrics: Metrics = field(default_factory=Metrics)
    loaded: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._loading = threading.Lock()
        self.keys = parse_keys(self.settings.api_keys)
        self.limiter = RateLimiter(self.settings.api_rate_limit)
        self.feedback = FeedbackStore.for_settings(self.settings)
        self.jobs = IngestJobs(self.settings, self.load, self.engine.list_documents)

    def load(self) -> None:
        """Load the index and the models (at start, and after an ingest job), so that no
        request waits for them; readiness is false until it has."""
        with self._loading:
            try:
                self.engine.prepare()
                self.metrics.set_index(self.engine.index_status())
            except RagError as exc:
                log.warning("%s", exc)
            finally:
                self.loaded.set()

    def reload_soon(self) -> None:
        """Load a new generation in the background (another process ingested): without a
        question to trigger it, readiness would stay false."""
        if not self._loading.locked():
            threading.Thread(target=self.load, name="index-reload", daemon=True).start()

    def readiness(self) -> tuple[bool, str]:
        if not self.loaded.is_set():
            return False, "loading the index and the models"
        if self.jobs.busy:
            return False, "switching to the index an ingest has just written"
        try:
            if not self.engine.index_ready():
                self.reload_soon()
                return False, "the index is empty, being rebuilt or switched to a new version"
        except RagError as exc:
            return False, str(exc)
        return True, ""


def service(request: Request) -> Service:
    found: Service = request.app.state.service
    return found


def caller_with(scope: str) -> Callable[..., Caller]:
    """A dependency: the caller, when its key has `scope` and its rate allows; else 401,
    403 or 429 with Retry-After. Without keys (a loopback-only server) everyone may."""

    def check(
        request: Request,
        svc: Annotated[Service, Depends(service)],
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> Caller:
        if not svc.keys:
            caller = Caller(name=LOCAL_CALLER, scope="admin")
        else:
            presented = credentials.credentials if credentials else ""
            presented = presented or request.headers.get("x-api-key", "")
            found = find_caller(svc.keys, presented) if presented else None
            if found is None:
                raise HTTPException(
                    401,
                    "an API key is required: send it as 'Authorization: Bearer KEY'",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            caller = found
        request.scope.setdefault("state", {})["caller"] = caller.name
        if not caller.may(scope):
            raise HTTPException(403, f"this key's scope is {caller.scope}; this needs {scope}")
        wait = svc.limiter.retry_after(caller.name)
        if wait:
            raise HTTPException(
                429,
                f"more than {svc.limiter.per_minute} requests in a minute with this key; "
                f"retry in {wait} s",
                headers={"Retry-After": str(wait)},
            )
        return caller

    return check


Svc = Annotated[Service, Depends(service)]
Reader = Annotated[Caller, Depends(caller_with("read"))]
Admin = Annotated[Caller, Depends(caller_with("admin"))]
