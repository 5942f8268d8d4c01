"""The one server: HTTP API (/api/v1), Slack events and the web UI on one ASGI app."""

from .access import Caller, RateLimiter, check_exposure, is_loopback, parse_keys
from .app import create_app, openapi_text
from .server import serve

__all__ = [
    "Caller",
    "RateLimiter",
    "check_exposure",
    "create_app",
    "is_loopback",
    "openapi_text",
    "parse_keys",
    "serve",
]
