"""The HTTP API's parts that need no server: keys, the rate, the loopback rule, the schema."""

from __future__ import annotations

import json

import pytest

from rag.errors import ConfigError
from rag.interfaces.api import RateLimiter, check_exposure, is_loopback, openapi_text, parse_keys
from tests.support.paths import ROOT


def test_keys_parse_with_their_scope_and_a_name_that_is_not_the_key():
    keys = parse_keys(" reader-0123456789abcd:read , admin-0123456789abcd:admin ")
    assert {k: c.scope for k, c in keys.items()} == {
        "reader-0123456789abcd": "read",
        "admin-0123456789abcd": "admin",
    }
    reader, admin = keys.values()
    assert "0123456789abcd" not in reader.name
    assert admin.may("read") and admin.may("admin")
    assert reader.may("read") and not reader.may("admin")
    assert parse_keys("") == {}


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("justakey-0123456789", "key:scope"),
        ("reader-0123456789abcd:write", "read or admin"),
        ("short:read", "16 characters"),
    ],
)
def test_a_bad_key_setting_says_what_is_wrong(value, says):
    with pytest.raises(ConfigError, match=says):
        parse_keys(value)


def test_keys_are_required_beyond_loopback_only():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3")
    assert not is_loopback("desk.example.org")  # a name may resolve anywhere
    check_exposure("127.0.0.1", {})
    check_exposure("0.0.0.0", parse_keys("reader-0123456789abcd:read"))
    with pytest.raises(ConfigError, match="RAG_API_KEYS"):
        check_exposure("0.0.0.0", {})


def test_the_rate_limit_counts_per_caller_and_says_how_long_to_wait():
    limiter = RateLimiter(per_minute=3)
    assert [limiter.retry_after("a") for _ in range(3)] == [0, 0, 0]
    wait = limiter.retry_after("a")
    assert 1 <= wait <= 60
    assert limiter.retry_after("b") == 0  # another key has its own allowance
    with pytest.raises(ValueError, match="got 0"):
        RateLimiter(per_minute=0)


def test_the_committed_openapi_schema_is_the_apps():
    """Regenerate with `make openapi` after changing a route or a schema."""
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_text(), "docs/openapi.json is stale: run `make openapi`"
    paths = json.loads(committed)["paths"]
    assert {"/api/v1/search", "/api/v1/answer", "/api/v1/answer/stream", "/readyz"} <= set(paths)
