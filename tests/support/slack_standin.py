"""A Slack Web API stand-in on loopback for the Slack bot tests.

It answers the methods the bot calls (auth.test, chat.*, reactions.*, conversations.replies)
and the `response_url` webhooks, records every call in order, and can answer a method with
429 + Retry-After once, as Slack does when a bot posts too fast.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0001"


@dataclass
class Call:
    method: str  # "chat.postMessage", ... or "respond" for a response_url webhook
    params: dict[str, Any]
    path: str
    status: int
    at: float = field(default_factory=time.monotonic)
    authorization: str = ""


class SlackStandIn:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.threads: dict[tuple[str, str], list[dict]] = {}  # conversations.replies data
        self._rate_limit: dict[str, int] = {}  # method -> Retry-After seconds, answered once
        self._ts = 1_700_000_000
        self._cond = threading.Condition()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- control ----------------------------------------------------------------------------

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.base}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.base}/respond/{name}"

    def rate_limit_once(self, method: str, retry_after: int = 1) -> None:
        self._rate_limit[method] = retry_after

    def start(self) -> SlackStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def ok_calls(self, method: str) -> list[Call]:
        with self._cond:
            return [c for c in self.calls if c.method == method and c.status == 200]

    def methods(self) -> list[str]:
        with self._cond:
            return [c.method for c in self.calls]

    def wait_for(self, method: str, count: int = 1, timeout: float = 60.0) -> list[Call]:
        """Block until `count` successful calls of `method` were recorded (a hang guard, not
        a timing assertion: the bot has no deadline here)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len([c for c in self.calls if c.method == method and c.status == 200]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {count}× {method}; calls so far: {self.methods()}")
                self._cond.wait(left)
            return [c for c in self.calls if c.method == method and c.status == 200]

    # -- the fake API ---------------------------------------------------------------------------

    def _next_ts(self) -> str:
        self._ts += 1
        return f"{self._ts}.000100"

    def _reply(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "team_id": TEAM_ID,
                "user": "policy-desk",
                "team": "Test",
                "url": f"{self.base}/",
            }
        if method == "chat.postMessage":
            ts = self._next_ts()
            return {
                "ok": True,
                "channel": params.get("channel"),
                "ts": ts,
                "message": {
                    "ts": ts,
                    "user": BOT_USER_ID,
                    "bot_id": BOT_ID,
                    "text": params.get("text", ""),
                },
            }
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method in ("chat.update", "reactions.add", "reactions.remove"):
            return {"ok": True}
        if method == "conversations.replies":
            key = (params.get("channel", ""), params.get("ts", ""))
            return {"ok": True, "messages": self.threads.get(key, []), "has_more": False}
        return {"ok": False, "error": "unknown_method"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                path, _, query = self.path.partition("?")
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw)) | dict(parse_qsl(query))
                for key in ("blocks",):
                    if isinstance(params.get(key), str):
                        params[key] = json.loads(params[key])
                method = "respond" if path.startswith("/respond/") else path.rsplit("/", 1)[-1]
                status, headers = 200, {"Content-Type": "application/json"}
                with standin._cond:
                    if standin._rate_limit.get(method):
                        status = 429
                        headers["Retry-After"] = str(standin._rate_limit.pop(method))
                        body: Any = {"ok": False, "error": "ratelimited"}
                    elif method == "respond":
                        body = "ok"
                        headers["Content-Type"] = "text/plain"
                    else:
                        body = standin._reply(method, params)
                    standin.calls.append(
                        Call(
                            method,
                            params,
                            path,
                            status,
                            authorization=self.headers.get("Authorization", ""),
                        )
                    )
                    standin._cond.notify_all()
                data = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
