"""What runs around the Slack bot: the HTTP endpoint, Socket Mode start-up, retry
de-duplication, question limits and token redaction in logs."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
import time
from collections import OrderedDict, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_bolt import App, BoltRequest

log = logging.getLogger("rag.slack")

MAX_BODY_BYTES = 1_000_000
SLACK_EVENTS_PATH = "/slack/events"  # the same on the shared server and in `rag slack --http`
_TOKEN_PATTERN = re.compile(r"\b(xox[a-z]|xapp)-[A-Za-z0-9-]+")


class SeenEvents:
    """Keys seen in the last hour, so Slack's retries of an event are answered only once."""

    def __init__(self, ttl: float = 3600.0, max_size: int = 10_000) -> None:
        self.ttl, self.max_size = ttl, max_size
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, key: str) -> bool:
        """True the first time `key` is seen, False for every repeat."""
        now = time.monotonic()
        with self._lock:
            while self._seen and (
                len(self._seen) >= self.max_size or next(iter(self._seen.values())) < now - self.ttl
            ):
                self._seen.popitem(last=False)
            if key in self._seen:
                return False
            self._seen[key] = now
            return True


class QuestionLimiter:
    """Questions per user and overall in a sliding window, and a cap on questions in progress
    (answering or waiting their turn). A refused question gets a polite message at once, so
    the backlog stays short instead of growing into a queue that never drains."""

    def __init__(
        self, per_user: int = 5, overall: int = 30, window: float = 60.0, in_progress: int = 8
    ) -> None:
        for name, value in (
            ("per_user", per_user),
            ("overall", overall),
            ("window", window),
            ("in_progress", in_progress),
        ):
            if value <= 0:
                raise ValueError(f"{name} must be greater than 0, got {value}")
        self.per_user, self.overall, self.window, self.max_in_progress = (
            per_user,
            overall,
            window,
            in_progress,
        )
        self._users: dict[str, deque[float]] = {}
        self._all: deque[float] = deque()
        self._in_progress = 0
        self._lock = threading.Lock()

    def acquire(self, user: str) -> str | None:
        """None when the question may go ahead (call `release` after), else the message to show."""
        now = time.monotonic()
        with self._lock:
            for times in (self._all, *self._users.values()):
                while times and times[0] <= now - self.window:
                    times.popleft()
            self._users = {u: t for u, t in self._users.items() if t}
            mine = self._users.setdefault(user, deque())
            if len(mine) >= self.per_user:
                wait = math.ceil(self.window - (now - mine[0]))
                return (
                    f"You've asked {self.per_user} questions in the last "
                    f"{self.window:.0f} seconds; please wait about {wait} seconds and ask again."
                )
            if self._in_progress >= self.max_in_progress or len(self._all) >= self.overall:
                return "I'm answering a lot of questions right now; please try again in a minute."
            mine.append(now)
            self._all.append(now)
            self._in_progress += 1
            return None

    def release(self) -> None:
        with self._lock:
            self._in_progress = max(0, self._in_progress - 1)


READ_TIMEOUT = 10.0  # seconds a client may take to send its request


def serve_http(
    app: App, host: str = "127.0.0.1", port: int = 3000, path: str = SLACK_EVENTS_PATH
) -> ThreadingHTTPServer:
    """An HTTP server (not yet serving) that hands POSTs on `path` to Bolt, which verifies
    the signature and timestamp and answers 401 to anything forged or stale."""

    class Handler(BaseHTTPRequestHandler):
        # A client that announces more bytes than it sends no longer holds a thread forever.
        timeout = READ_TIMEOUT

        def do_POST(self) -> None:
            url_path, _, query = self.path.partition("?")
            if url_path != path:
                return self._send(404, {}, "Not Found")
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                return self._send(400, {}, "Bad Request")
            if length < 0:
                return self._send(400, {}, "Bad Request")
            if length > MAX_BODY_BYTES:
                return self._send(413, {}, "Payload Too Large")
            try:
                raw = self.rfile.read(length)
            except TimeoutError:
                return self._send(408, {}, "Request Timeout")
            if len(raw) < length:
                return self._send(400, {}, "Bad Request")
            body = raw.decode("utf-8", errors="replace")
            try:
                response = app.dispatch(
                    BoltRequest(body=body, query=query, headers=dict(self.headers))
                )
            except Exception as exc:  # a body Bolt cannot parse (malformed JSON): never logged
                log.warning(
                    "rejected a request Slack's parser could not read (%s)", type(exc).__name__
                )
                return self._send(400, {}, "Bad Request")
            self._send(response.status, response.headers, response.body)

        def do_GET(self) -> None:
            self._send(404, {}, "Not Found")

        def _send(self, status: int, headers: dict, body: str | dict) -> None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            for name, values in headers.items():
                if name.lower() != "content-length":
                    for value in values:
                        self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("http: " + format, *args)

    # Bolt logs the body of a rejected request at INFO; it is not ours to log.
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server


class RedactTokens(logging.Filter):
    """Masks Slack tokens (by shape) and the given secret values in every log record."""

    def __init__(self, secret_values: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.secret_values = tuple(v for v in secret_values if len(v) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem, not a leak
            return True
        clean = _TOKEN_PATTERN.sub(r"\1-[redacted]", message)
        for value in self.secret_values:
            clean = clean.replace(value, "[redacted]")
        if clean != message:
            record.msg, record.args = clean, None
        return True


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    names = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "RAG_LLM_API_KEY")
    redact = RedactTokens(tuple(os.environ.get(name, "") for name in names))
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    # Bolt logs the body of a rejected request at INFO; it is not ours to log.
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)


def run_http(app: App, host: str, port: int) -> None:
    """Serve /slack/events until interrupted."""
    server = serve_http(app, host, port)
    log.info(
        "Slack bot (HTTP mode) listening on http://%s:%s/slack/events", *server.server_address[:2]
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def run_socket_mode(app: App, app_token: str) -> None:
    """Connect over Socket Mode, retrying while Slack is unreachable, then serve until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    handler = SocketModeHandler(app, app_token)
    delay = 5.0
    while True:
        try:
            handler.connect()
            break
        except Exception as err:  # never the token: only the error's type
            log.warning("cannot reach Slack (%s); retrying in %.0f s", type(err).__name__, delay)
            time.sleep(delay)
            delay = min(delay * 2, 300.0)
    log.info("Slack bot (Socket Mode) connected")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        handler.close()
