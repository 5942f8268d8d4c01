"""The HTTP API under a real uvicorn on a loopback port, in a thread, and signed Slack bodies."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator

import httpx
import uvicorn

from tests.support.processes import free_port
from tests.support.slack_fakes import SECRET

READ_KEY = "read-key-7b1e0c55d2a94f3e"
ADMIN_KEY = "admin-key-40c9e1f7aa31b6d2"
BURST_KEY = "burst-key-93a4d0e6c2f8b157"  # a read key only the rate-limit test spends
API_KEYS = f"{READ_KEY}:read,{ADMIN_KEY}:admin,{BURST_KEY}:read"


class RunningServer:
    def __init__(self, app: object) -> None:
        self.port = free_port()
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_config=None, access_log=False
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60  # hang guard only
        while not self.server.started:
            assert self.thread.is_alive(), "the server stopped while starting"
            assert time.monotonic() < deadline, "the server never started"
            time.sleep(0.05)
        self.url = f"http://127.0.0.1:{self.port}"

    def client(self, key: str | None = READ_KEY, **kw: object) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kw)  # type: ignore[arg-type]

    def wait_ready(self, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            reply = httpx.get(self.url + "/readyz", timeout=10)
            if reply.status_code == 200:
                return reply.json()
            assert time.monotonic() < deadline, reply.text
            time.sleep(0.2)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def slack_headers(body: str, secret: str = SECRET, timestamp: str | None = None) -> dict:
    timestamp = timestamp or str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def mention_body(text: str, event_id: str, bot_user: str, team: str) -> str:
    ts = f"{int(time.time())}.000100"
    return json.dumps(
        {
            "token": "deprecated",
            "team_id": team,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {
                "type": "app_mention",
                "user": "U0001",
                "text": f"<@{bot_user}> {text}",
                "ts": ts,
                "channel": "C0001",
                "event_ts": ts,
            },
            "authorizations": [{"team_id": team, "user_id": bot_user, "is_bot": True}],
        }
    )


def sse_events(response: httpx.Response) -> Iterator[tuple[str, str, float]]:
    """(event, data, arrival time) for each server-sent event, as it arrives."""
    event, data = "message", []
    for line in response.iter_lines():
        if line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            yield event, "\n".join(data), time.monotonic()
            event, data = "message", []
