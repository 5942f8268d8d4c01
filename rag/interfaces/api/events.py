"""The Slack events endpoint on the shared server: slack-bolt's Starlette/FastAPI adapter,
with today's protections kept: Bolt checks the signature and timestamp (401 for anything
forged or stale), the body is capped (413), retried deliveries are dropped by the bot's own
middleware, and a body Bolt cannot parse is answered 400 without being logged."""

from __future__ import annotations

import logging
import os

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool

from ...config import Settings
from ...types import Answer, Engine
from ..slack import MAX_BODY_BYTES, SLACK_EVENTS_PATH, create_app

log = logging.getLogger("rag.slack")


def slack_configured() -> bool:
    """HTTP events need both the bot token and the signing secret."""
    return bool(os.environ.get("SLACK_BOT_TOKEN") and os.environ.get("SLACK_SIGNING_SECRET"))


def engine_bot(settings: Settings, engine: Engine) -> App:
    """The Slack bot answering from the server's own engine (no second index in memory)."""

    def answer(question: str, history: list[dict[str, str]]) -> Answer:
        return engine.answer(question, history=history or None)

    return create_app(settings, answer)


def events_router(bolt: App, path: str = SLACK_EVENTS_PATH) -> APIRouter:
    # Bolt logs the body of a rejected request at INFO; it is not ours to log.
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)
    router = APIRouter(max_body_size=MAX_BODY_BYTES)

    @router.post(path, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        try:
            # Bolt's dispatch verifies, acknowledges and hands the work to its own threads;
            # run here it would hold the event loop while it does.
            reply = await run_in_threadpool(bolt.dispatch, to_bolt_request(request, body))
        except Exception as exc:  # a body that is not UTF-8 or not JSON: never logged
            log.warning("rejected a request Slack's parser could not read (%s)", type(exc).__name__)
            return PlainTextResponse("Bad Request", status_code=400)
        return to_starlette_response(reply)

    return router
