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


@pytest.mark.fault
def test_a_documents_hostile_text_never_becomes_live_slack_markup():
    # Issue 15: a document's text and its source_url reached posts as live <!here>, <@U…> and
    # disguised links.
    import json

    from rag.interfaces.slack.blocks import answer_blocks
    from rag.types import Answer, Citation

    hostile = (
        "Fines apply <!here> <@U123> <https://evil.example|Official text> "
        "[the official text](https://evil.example/phish). [1]"
    )
    citation = Citation(
        n=1,
        chunk_id="c1",
        doc_id="doc",
        source_path="doc.md",
        title="A law <!channel>",
        label="Law Art. 1",
        article=1,
        quote="Fines apply.",
        quote_start=0,
        quote_end=12,
        url="https://evil.example|Official source",
    )
    answer = Answer(question="fines?", text=hostile, citations=[citation])
    posted = json.dumps(answer_blocks(answer), ensure_ascii=False)
    for live in ("<!here>", "<@U123>", "<!channel>", "<https://evil.example|", "|Official source>"):
        assert live not in posted, live
    assert "the official text (https://evil.example/phish)" in posted  # the address is shown
    assert "&lt;!here&gt;" in posted


def test_the_bot_loads_its_index_at_start_not_on_the_first_question(tmp_path, monkeypatch):
    import threading

    import rag.engine
    from rag.interfaces.slack import engine_answer_fn

    prepared = threading.Event()

    class Engine:
        def __init__(self, settings):
            pass

        def prepare(self):
            prepared.set()
            return 1

    monkeypatch.setattr(rag.engine, "PolicyEngine", Engine)
    engine_answer_fn(Settings(data_dir=tmp_path), warm=True)
    assert prepared.wait(10), "the engine was not prepared before any question"
    prepared.clear()
    engine_answer_fn(Settings(data_dir=tmp_path))
    assert not prepared.wait(0.5)  # tests and embedders of the bot build nothing up front


def test_a_refusal_says_what_was_searched_once_in_the_askers_language():
    import json

    from rag.interfaces.slack.blocks import answer_blocks
    from rag.types import Answer

    searched = "已在已收录的36份文件中检索“公司法对注册资本有什么规定？”，没有匹配的段落。"
    answer = Answer(
        question="公司法对注册资本有什么规定？",
        text=f"资料库中没有涉及这个问题的内容。 {searched}",
        refused=True,
        searched=searched,
    )
    posted = json.dumps(answer_blocks(answer), ensure_ascii=False)
    assert posted.count("已在已收录的36份文件中检索") == 1
    assert "资料库中没有涉及这个问题的内容。" in posted and "Searched" not in posted
