"""Who may call the API: keys with a scope, a rate per key, and the loopback rule."""

from __future__ import annotations

import ipaddress
import math
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from ...errors import ConfigError

SCOPES = ("read", "admin")  # admin may do everything read may, and ingest
LOCAL_CALLER = "local"  # the name of an unauthenticated caller on a loopback-only server


@dataclass(frozen=True)
class Caller:
    """An authenticated caller: a key's public name (never the key) and its scope."""

    name: str
    scope: str

    def may(self, scope: str) -> bool:
        return self.scope == "admin" or self.scope == scope


def parse_keys(value: str) -> dict[str, Caller]:
    """`key1:read,key2:admin` → {key: Caller}. A caller is named by the key's first four
    characters, so logs and metrics can tell keys apart without holding them."""
    keys: dict[str, Caller] = {}
    for number, item in enumerate((part.strip() for part in value.split(",")), 1):
        if not item:
            continue
        key, sep, scope = item.rpartition(":")
        if not sep or not key:
            raise ConfigError(f"RAG_API_KEYS entry {number} must be key:scope (read or admin)")
        if scope not in SCOPES:
            raise ConfigError(
                f"RAG_API_KEYS entry {number}: scope must be read or admin, got {scope!r}"
            )
        if len(key) < 16:
            raise ConfigError(f"RAG_API_KEYS entry {number}: a key needs at least 16 characters")
        keys[key] = Caller(name=f"key-{key[:4]}…#{number}", scope=scope)
    return keys


def find_caller(keys: dict[str, Caller], presented: str) -> Caller | None:
    """The caller whose key was presented; compared in constant time."""
    found = None
    for key, caller in keys.items():
        if secrets.compare_digest(key.encode(), presented.encode()):
            found = caller
    return found


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def check_exposure(host: str, keys: dict[str, Caller]) -> None:
    """Refuse to serve the API beyond this machine without keys."""
    if not keys and not is_loopback(host):
        raise ConfigError(
            f"RAG_HOST={host} listens beyond this machine, and RAG_API_KEYS is empty: set "
            "RAG_API_KEYS (e.g. a long random key with :read, another with :admin) or listen "
            "on 127.0.0.1 behind a proxy that authenticates."
        )


class RateLimiter:
    """At most `per_minute` requests per caller in any sliding minute."""

    def __init__(self, per_minute: int, window: float = 60.0) -> None:
        if per_minute <= 0:
            raise ValueError(f"per_minute must be greater than 0, got {per_minute}")
        self.per_minute, self.window = per_minute, window
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, caller: str) -> int:
        """0 when the request may go ahead (and counts it), else whole seconds to wait."""
        now = time.monotonic()
        with self._lock:
            times = self._seen.setdefault(caller, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.per_minute:
                return max(1, math.ceil(times[0] + self.window - now))
            times.append(now)
            return 0
