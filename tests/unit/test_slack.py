"""The Slack bot's checks that need no server: missing credentials, redacted secrets. The bot
itself, over real signed HTTP, is in tests/integration/test_slack.py."""

from __future__ import annotations

import argparse
import logging

import pytest

from rag.config import Settings
from rag.errors import ConfigError
from rag.interfaces.slack import RedactTokens, create_app, main
from tests.support.processes import free_port
from tests.support.slack_fakes import BOT_TOKEN, SECRET, FakeEngine


def test_missing_credentials_are_reported(tmp_path, monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RAG_DATA_DIR", str(tmp_path))
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        create_app(Settings(data_dir=tmp_path), FakeEngine())
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        main(argparse.Namespace(http=True, host="127.0.0.1", port=free_port()))


def test_tokens_and_secrets_are_redacted_from_log_records():
    record = logging.LogRecord(
        "x",
        logging.ERROR,
        __file__,
        1,
        "token %s, %s, secret %s",
        (BOT_TOKEN, "xapp-1-A0001-123-abcdef", SECRET),
        None,
    )
    assert RedactTokens((SECRET,)).filter(record)
    message = record.getMessage()
    assert BOT_TOKEN not in message and "abcdef" not in message and SECRET not in message
    assert "xoxb-[redacted]" in message and "xapp-[redacted]" in message
