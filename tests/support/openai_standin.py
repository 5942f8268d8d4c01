"""A small OpenAI-compatible chat server on loopback, for driving the real client in tests.

    with OpenAIStandin() as server:
        server.script(Reply("The fine is RMB 50 million [1]."))
        ...  # point ChatOpenAI at server.base_url
        server.requests[-1]["messages"]  # what the client sent

Replies are served in order and the last one repeats, so `script(Reply(status=500))` fails
every attempt including the client's retries. A reply can be slow (`delay`), fail with any
status (500, 429 …), send a malformed body (`raw`), and streams as server-sent events when
the request asks for `stream: true`, a few characters per event so markers split across
chunks. Run it by hand with `python tests/support/openai_standin.py --reply "text [1]."`.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ERROR_TYPES = {429: "rate_limit_exceeded", 500: "server_error", 503: "server_error"}


@dataclass
class Reply:
    text: str = ""
    status: int = 200
    delay: float = 0.0  # seconds before the response starts
    raw: str | None = None  # a body sent as it is (for malformed replies)
    chunk_chars: int = 3  # characters per streamed event
    headers: dict[str, str] = field(default_factory=dict)


class OpenAIStandin:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, model: str = "standin") -> None:
        self.model = model
        self.requests: list[dict[str, Any]] = []  # JSON bodies received, in order
        self.headers: list[dict[str, str]] = []  # their headers
        self._replies: list[Reply] = [Reply("")]
        self._served = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer((host, port), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def script(self, *replies: Reply | str) -> None:
        """Replace the queue of replies; strings are plain 200 replies."""
        with self._lock:
            self._replies = [r if isinstance(r, Reply) else Reply(r) for r in replies] or [
                Reply("")
            ]
            self._served = 0

    def next_reply(self) -> Reply:
        with self._lock:
            reply = self._replies[min(self._served, len(self._replies) - 1)]
            self._served += 1
            return reply

    def start(self) -> OpenAIStandin:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes slow replies so their threads end
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> OpenAIStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler(standin: OpenAIStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._json(
                    404, {"error": {"message": f"no route {self.path}", "type": "not_found"}}
                )
                return
            request = json.loads(body or b"{}")
            standin.requests.append(request)
            standin.headers.append(dict(self.headers))
            reply = standin.next_reply()
            if reply.delay and standin._stopping.wait(reply.delay):
                return
            try:
                self._respond(request, reply)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def _respond(self, request: dict[str, Any], reply: Reply) -> None:
            if reply.status != 200:
                error = {
                    "message": f"stand-in error {reply.status}",
                    "type": ERROR_TYPES.get(reply.status, "error"),
                    "code": reply.status,
                }
                self._json(reply.status, {"error": error}, reply.headers)
            elif reply.raw is not None:
                self._send(200, reply.raw.encode(), "application/json", reply.headers)
            elif request.get("stream"):
                self._stream(reply)
            else:
                self._json(
                    200,
                    {
                        "id": "chatcmpl-standin",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": standin.model,
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": reply.text},
                            }
                        ],
                        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                    },
                    reply.headers,
                )

        def _stream(self, reply: Reply) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            step = max(1, reply.chunk_chars)
            pieces = [reply.text[i : i + step] for i in range(0, len(reply.text), step)]
            for i, piece in enumerate([*pieces, None]):
                delta: dict[str, Any] = {} if piece is None else {"content": piece}
                if i == 0:
                    delta["role"] = "assistant"
                event = {
                    "id": "chatcmpl-standin",
                    "object": "chat.completion.chunk",
                    "created": int(time.time()),
                    "model": standin.model,
                    "choices": [
                        {
                            "index": 0,
                            "delta": delta,
                            "finish_reason": "stop" if piece is None else None,
                        }
                    ],
                }
                self._chunk(f"data: {json.dumps(event, ensure_ascii=False)}\n\n")
            self._chunk("data: [DONE]\n\n")
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

        def _chunk(self, text: str) -> None:
            data = text.encode()
            self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
            self._send(
                status,
                json.dumps(payload, ensure_ascii=False).encode(),
                "application/json",
                headers,
            )

        def _send(
            self, status: int, data: bytes, kind: str, headers: dict[str, str] | None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--reply", default="This is the stand-in answer [1].")
    args = parser.parse_args()
    server = OpenAIStandin(port=args.port)
    server.script(Reply(args.reply))
    print(f"serving at {server.base_url} (Ctrl-C stops)")
    try:
        server._server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
