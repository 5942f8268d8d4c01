"""Around every request: a request id (echoed in `X-Request-ID`), one structured log line
and the request metrics. Plain ASGI, so streamed answers pass through unbuffered."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .metrics import Metrics

log = logging.getLogger("rag.api.access")
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")
REQUEST_ID = "x-request-id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
OWN_PREFIXES = ("/api/", "/slack/", "/metrics", "/healthz", "/readyz", "/docs", "/openapi.json")


def route_label(scope: Scope) -> str:
    """The route's template (`/api/v1/documents/{doc_id}`), never the raw path, so metrics
    stay few; everything the UI serves is `ui`."""
    path = scope.get("path", "")
    if not path.startswith(OWN_PREFIXES):
        return "ui"
    route = scope.get("route")
    return getattr(route, "path", None) or "unmatched"


class RequestContext:
    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(REQUEST_ID.encode(), b"").decode("latin-1")
        request_id = given if _SAFE_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        # Every log line written while serving it carries the id: the routes' worker
        # threads and the engine's inherit this context.
        token = request_id_var.set(request_id)
        started = time.monotonic()
        status: dict[str, Any] = {"code": 500, "first_byte": None}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["first_byte"] = time.monotonic()
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k != REQUEST_ID.encode()
                ]
                message = {**message, "headers": [*headers, (b"x-request-id", request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, request_id, started, status)
            request_id_var.reset(token)

    def _record(
        self, scope: Scope, request_id: str, started: float, status: dict[str, Any]
    ) -> None:
        route = route_label(scope)
        first_byte = (status["first_byte"] or time.monotonic()) - started
        self.metrics.requests.labels(route=route, status=str(status["code"])).inc()
        self.metrics.latency.labels(route=route).observe(first_byte)
        if route == "ui" and status["code"] < 400:
            return  # the UI's assets and queue polls would drown the log
        log.info(
            json.dumps(
                {
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "route": route,
                    "status": status["code"],
                    "caller": scope.get("state", {}).get("caller", ""),
                    "ms": round((time.monotonic() - started) * 1000, 1),
                }
            )
        )


class RequestIdFilter(logging.Filter):
    """Puts the current request's id on every log record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def log_request_ids() -> None:
    """The root handlers' lines name the request they were written for."""
    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
