"""One ASGI app: the HTTP API under /api/v1, health, readiness and metrics, the Slack events
endpoint (when Slack is configured) and the Gradio UI at `/`, all around one engine."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from slack_bolt import App

from ...config import Settings
from ...errors import IndexNotBuilt, RagError
from ...types import Engine
from .middleware import RequestContext
from .routes import UPLOAD_FILES_PER_JOB, ingest_router, router
from .schemas import Health, Readiness
from .service import Admin, Service, Svc

API_VERSION = "1"
DESCRIPTION = (
    "Cited answers about Chinese policy documents. Send a key from RAG_API_KEYS as "
    "`Authorization: Bearer KEY` (read scope for everything but ingest, which needs admin). "
    "The shapes are those of `rag search --json` and `rag ask --json`."
)


def create_app(
    engine: Engine,
    settings: Settings,
    *,
    slack: App | None = None,
    ui: bool = True,
    load: bool = True,
) -> FastAPI:
    """The app around `engine`. With `load`, the index and models load in the background at
    start-up (readiness is false until they have); `slack` adds the events endpoint."""
    svc = Service(engine, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if load:
            threading.Thread(target=svc.load, name="index-load", daemon=True).start()
        else:
            svc.loaded.set()
        yield

    app = FastAPI(
        title="Policy Desk",
        version=API_VERSION,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = svc
    add_error_handlers(app)
    add_operations(app)
    app.include_router(router)
    upload_bytes = int(UPLOAD_FILES_PER_JOB * settings.max_file_mb * 2**20) + 64 * 1024
    app.include_router(ingest_router, max_body_size=upload_bytes)
    if slack is not None:
        from .events import events_router

        app.include_router(events_router(slack))
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-API-Key", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    app.add_middleware(RequestContext, metrics=svc.metrics)
    if ui:
        import gradio as gr

        from ..web import build_app, ui_options

        # Mounted last: every path the API does not claim is the UI's.
        gr.mount_gradio_app(app, build_app(engine), path="/", **ui_options())
    return app


def add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RagError)
    async def rag_error(request: Request, exc: RagError) -> JSONResponse:
        # An empty index is the server's state, not the request's fault.
        status = 503 if isinstance(exc, IndexNotBuilt) else 400
        return JSONResponse({"detail": str(exc)}, status_code=status)


def add_operations(app: FastAPI) -> None:
    @app.get("/healthz", response_model=Health, tags=["operations"])
    def healthz() -> Health:
        """The process is up and answering HTTP."""
        return Health()

    @app.get(
        "/readyz",
        response_model=Readiness,
        tags=["operations"],
        responses={503: {"model": Readiness, "description": "not ready: see `reason`"}},
    )
    def readyz(svc: Svc) -> JSONResponse:
        """Whether questions are answered now from the current index: false (503) while the
        index loads at start, while an ingest's new index is being switched in, or when
        there is none."""
        ready, reason = svc.readiness()
        body = Readiness(ready=ready, reason=reason)
        if ready:
            status = svc.engine.index_status()
            svc.metrics.set_index(status)
            body.documents, body.passages = status["documents"], status["chunks"]
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def metrics(svc: Svc, caller: Admin) -> Response:
        """Prometheus metrics (admin scope when keys are set)."""
        if svc.loaded.is_set():
            try:
                svc.metrics.set_index(svc.engine.index_status())
            except RagError:
                pass  # no index: the gauges keep their last values
        return Response(svc.metrics.render(), media_type="text/plain; version=0.0.4")


def openapi_text() -> str:
    """The schema as committed in docs/openapi.json: sorted keys, so a diff shows what
    changed. It depends on no setting."""
    import json

    from ...engine import PolicyEngine

    settings = Settings()
    app = create_app(PolicyEngine(settings), settings, ui=False, load=False)
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
