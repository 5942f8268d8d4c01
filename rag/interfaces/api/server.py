"""`rag serve`: the one app under uvicorn on RAG_HOST:RAG_PORT."""

from __future__ import annotations

import logging

from ...config import Settings
from .access import check_exposure, parse_keys
from .middleware import log_request_ids

log = logging.getLogger("rag.api")
APP_FACTORY = "rag.interfaces.api.server:app_from_env"
API_FACTORY = "rag.interfaces.api.server:api_from_env"


_configured = False


def configure_logs(settings: Settings) -> None:
    """Once per process (each worker builds its own app): Slack tokens redacted from every
    line, and every line written while serving a request names its request id."""
    global _configured
    if _configured:
        return
    from ..slack import configure_logging

    configure_logging(settings.log_level)
    log_request_ids()
    _configured = True


def app_from_env(ui: bool = True):  # type: ignore[no-untyped-def]
    """The app as configured by the environment: what each worker process builds."""
    from ...engine import PolicyEngine
    from .app import create_app
    from .events import engine_bot, slack_configured

    settings = Settings.from_env()
    configure_logs(settings)
    engine = PolicyEngine(settings)
    bot = engine_bot(settings, engine) if slack_configured() else None
    if bot is not None:
        log.info("Slack events accepted on /slack/events")
    return create_app(engine, settings, slack=bot, ui=ui)


def api_from_env():  # type: ignore[no-untyped-def]
    """Without the UI, for several workers: Gradio keeps each browser session's queue in
    the process that took it, so a session spread over processes would stall."""
    return app_from_env(ui=False)


def serve(host: str | None = None, port: int | None = None, workers: int = 1) -> None:
    """Serve until interrupted; refuses to listen beyond loopback without API keys."""
    import uvicorn

    settings = Settings.from_env()
    host = host or settings.host
    port = port or settings.port
    check_exposure(host, parse_keys(settings.api_keys))
    configure_logs(settings)
    if workers > 1:
        log.info(
            "%d workers on http://%s:%s serve the API and Slack events; the web UI needs a "
            "process of its own (`rag serve --workers 1` on another port)",
            workers,
            host,
            port,
        )
    else:
        log.info("Policy Desk on http://%s:%s (UI /, API /api/v1, docs /docs)", host, port)
    uvicorn.run(
        APP_FACTORY if workers == 1 else API_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_config=None,  # our logging: one format, tokens redacted
        access_log=False,  # the request log line is ours, with its request id
        timeout_graceful_shutdown=10,
    )
