"""The Slack bot in HTTP mode on loopback, driven by requests signed exactly as Slack signs
them; its Web API calls go to a stand-in (tests/support/slack_standin.py) that records them.

Assertions are about what a Slack user would see: where the reply lands, its blocks, the
Sources numbering, the 👀 reaction, one answer per message, ephemeral messages. The checks
that need no server (credentials, redaction) are in tests/unit/test_slack.py.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from slack_bolt import App

from rag.config import Settings
from rag.interfaces.slack import (
    FeedbackStore,
    QuestionLimiter,
    create_app,
    print_summary,
    serve_http,
)
from tests.support.paths import FIXTURE_CORPUS, ROOT
from tests.support.processes import free_port
from tests.support.slack_fakes import BOT_TOKEN, SECRET, FakeEngine
from tests.support.slack_standin import BOT_ID, BOT_USER_ID, TEAM_ID, SlackStandIn

pytestmark = pytest.mark.server

QUESTION = "What is the maximum fine under PIPL?"
PDPL_DOC = FIXTURE_CORPUS / "fx_pdpl_2026_zh.md"  # a fixture law: its penalty article is 第十二条
_ids = itertools.count(1)


def sign(body: str, timestamp: str, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256)
    return "v0=" + digest.hexdigest()


@dataclass
class Bot:
    url: str
    app: App
    standin: SlackStandIn
    engine: FakeEngine
    feedback: FeedbackStore
    server: object = None
    thread: threading.Thread | None = None
    settled: bool = field(default=False)

    def post(
        self,
        body: str,
        content_type: str,
        *,
        secret: str = SECRET,
        timestamp: str | None = None,
        headers: dict | None = None,
    ) -> tuple[int, str]:
        timestamp = timestamp or str(int(time.time()))
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": timestamp,
                "X-Slack-Signature": sign(body, timestamp, secret),
                **(headers or {}),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()

    def event(self, event: dict, *, event_id: str | None = None, **kw) -> tuple[int, str]:
        envelope = {
            "token": "deprecated-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(_ids):08d}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
        return self.post(json.dumps(envelope), "application/json", **kw)

    def mention(
        self,
        text: str = QUESTION,
        *,
        channel: str = "C0001",
        ts: str = "100.000001",
        user: str = "U0001",
        thread_ts: str | None = None,
        **kw,
    ) -> tuple[int, str]:
        event = {
            "type": "app_mention",
            "user": user,
            "text": f"<@{BOT_USER_ID}> {text}",
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
        }
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, **kw)

    def form(self, fields: dict, **kw) -> tuple[int, str]:
        return self.post(urlencode(fields), "application/x-www-form-urlencoded", **kw)

    def click(
        self,
        action_id: str,
        value: str,
        *,
        channel: str = "C0001",
        user: str = "U0002",
        ephemeral: bool = False,
        respond_to: str = "click",
    ) -> tuple[int, str]:
        payload = {
            "type": "block_actions",
            "team": {"id": TEAM_ID},
            "api_app_id": "A0001",
            "user": {"id": user, "team_id": TEAM_ID},
            "channel": {"id": channel},
            "container": {
                "type": "message",
                "channel_id": channel,
                "is_ephemeral": ephemeral,
                "message_ts": "100.000002",
            },
            "trigger_id": "1.2.3",
            "response_url": self.standin.response_url(respond_to),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "value": value,
                    "block_id": "policy_actions",
                    "action_ts": str(time.time()),
                }
            ],
        }
        return self.form({"payload": json.dumps(payload)})

    def settle(self) -> None:
        """Wait until every listener the bot started has finished; after this, nothing more
        can happen, so 'exactly one' and 'nothing' assertions are final."""
        self.app.listener_runner.listener_executor.shutdown(wait=True)
        self.settled = True


@pytest.fixture
def start_bot(tmp_path, monkeypatch):
    """Start the bot from the environment as `rag slack --http` would (token, secret and
    SLACK_API_URL), on a free loopback port."""
    bots: list[Bot] = []

    def start(answer_fn=None, *, limiter: QuestionLimiter | None = None, **settings) -> Bot:
        standin = SlackStandIn().start()
        monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", SECRET)
        monkeypatch.setenv("SLACK_API_URL", standin.api_url)
        monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
        config = Settings(data_dir=tmp_path / "data", **settings)
        engine = answer_fn or FakeEngine()
        app = create_app(config, engine, limiter=limiter)
        server = serve_http(app, "127.0.0.1", 0)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        host, port = server.server_address[:2]
        bot = Bot(
            f"http://{host}:{port}/slack/events",
            app,
            standin,
            engine,
            FeedbackStore.for_settings(config),
            server,
            thread,
        )
        bots.append(bot)
        return bot

    yield start
    for bot in bots:
        bot.server.shutdown()
        bot.server.server_close()
        bot.app.listener_runner.listener_executor.shutdown(wait=True)
        bot.standin.stop()


# -- what a user sees -------------------------------------------------------------------------


def section_texts(blocks: list[dict]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section"]


def context_texts(blocks: list[dict]) -> str:
    return "\n".join(e["text"] for b in blocks if b["type"] == "context" for e in b["elements"])


def answer_text(blocks: list[dict]) -> str:
    return "\n".join(t for t in section_texts(blocks) if not t.startswith("*Sources*"))


def source_lines(blocks: list[dict]) -> list[str]:
    texts = [t for t in section_texts(blocks) if t.startswith("*Sources*")]
    return [line for t in texts for line in t.splitlines()[1:]]


def buttons(blocks: list[dict]) -> dict[str, str]:
    return {
        e["action_id"]: e["value"] for b in blocks if b["type"] == "actions" for e in b["elements"]
    }


def markers(text: str) -> list[int]:
    return sorted({int(n) for n in re.findall(r"\[(\d+)\]", text)})


def assert_numbering_matches(blocks: list[dict]) -> list[str]:
    lines = source_lines(blocks)
    numbers = [int(re.match(r"\*\[(\d+)\]\*", line).group(1)) for line in lines]
    assert numbers == sorted(numbers), lines
    assert markers(answer_text(blocks)) == numbers, (answer_text(blocks), lines)
    return lines


# -- tests ------------------------------------------------------------------------------------


def test_mention_gets_one_cited_answer_in_the_thread(start_bot, caplog):
    caplog.set_level(logging.DEBUG)
    bot = start_bot()
    status, _ = bot.mention(ts="100.000001")
    assert status == 200
    bot.settle()

    posts = bot.standin.ok_calls("chat.postMessage")
    assert len(posts) == 1
    reply = posts[0].params
    assert reply["channel"] == "C0001" and reply["thread_ts"] == "100.000001"
    blocks = reply["blocks"]
    assert "[1]" in answer_text(blocks) and "[2]" in answer_text(blocks)
    lines = assert_numbering_matches(blocks)
    assert "PIPL Art. 66" in lines[0] and "PIPL Art. 67" in lines[1]
    assert "<http://www.npc.gov.cn/pipl#66|PIPL Art. 66>" in lines[0]
    assert "Personal Information Protection Law" in lines[0] and "2021-11-01" in lines[0]
    # the article's Chinese original rides with the English source it quotes
    assert "also 《个人信息保护法》第66条 (Chinese original)" in lines[0]
    assert all(len(t) <= 3000 for t in section_texts(blocks))
    assert set(buttons(blocks)) == {"policy_feedback_up", "policy_feedback_down"}
    assert "No supporting citation" not in context_texts(blocks)

    # 👀 while working, removed after the answer is posted
    methods = [m for m in bot.standin.methods() if m != "auth.test"]
    assert methods == ["reactions.add", "chat.postMessage", "reactions.remove"]
    for call in bot.standin.ok_calls("reactions.add") + bot.standin.ok_calls("reactions.remove"):
        assert call.params | {"team_id": TEAM_ID} == call.params
        assert call.params == {
            "channel": "C0001",
            "timestamp": "100.000001",
            "name": "eyes",
            "team_id": TEAM_ID,
        }

    assert bot.engine.calls == [(QUESTION, [])]  # the mention is not part of the question
    assert posts[0].authorization == f"Bearer {BOT_TOKEN}"
    assert BOT_TOKEN not in caplog.text and SECRET not in caplog.text


def test_work_happens_after_the_ack(start_bot):
    bot = start_bot()
    bot.engine.gate = threading.Event()
    status, _ = bot.mention()  # returns while the answer is still being worked out
    assert status == 200
    assert bot.standin.ok_calls("chat.postMessage") == []
    bot.standin.wait_for("reactions.add")
    bot.engine.gate.set()
    bot.settle()
    assert len(bot.standin.ok_calls("chat.postMessage")) == 1


def test_direct_message_is_answered(start_bot):
    bot = start_bot()
    bot.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0001",
            "user": "U0001",
            "text": QUESTION,
            "ts": "200.000001",
        }
    )
    bot.settle()
    (post,) = bot.standin.ok_calls("chat.postMessage")
    assert post.params["channel"] == "D0001" and post.params["thread_ts"] == "200.000001"
    assert_numbering_matches(post.params["blocks"])


def test_thread_follow_up_uses_the_thread_as_history(start_bot):
    bot = start_bot()
    bot.standin.threads[("C0001", "100.000001")] = [
        {"ts": "100.000001", "user": "U0001", "text": f"<@{BOT_USER_ID}> {QUESTION}"},
        {
            "ts": "100.000002",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": "Up to RMB 50 million or 5% of turnover [1].",
        },
        {"ts": "100.000003", "user": "U0001", "text": "and for minors?"},
    ]
    bot.event(
        {
            "type": "message",
            "channel_type": "channel",
            "channel": "C0001",
            "user": "U0001",
            "text": "and for minors?",
            "ts": "100.000003",
            "thread_ts": "100.000001",
        }
    )
    # A thread the bot has no part in: it stays quiet.
    bot.standin.threads[("C0001", "300.000001")] = [
        {"ts": "300.000001", "user": "U0003", "text": "lunch?"},
        {"ts": "300.000002", "user": "U0004", "text": "sure"},
    ]
    bot.event(
        {
            "type": "message",
            "channel_type": "channel",
            "channel": "C0001",
            "user": "U0004",
            "text": "sure",
            "ts": "300.000002",
            "thread_ts": "300.000001",
        }
    )
    bot.settle()

    (post,) = bot.standin.ok_calls("chat.postMessage")
    assert post.params["thread_ts"] == "100.000001"
    assert bot.engine.calls == [
        (
            "and for minors?",
            [
                {"role": "user", "content": QUESTION},
                {"role": "assistant", "content": "Up to RMB 50 million or 5% of turnover [1]."},
            ],
        )
    ]


def test_retries_and_the_twin_message_event_get_one_answer(start_bot):
    bot = start_bot()
    assert bot.mention(event_id="EvRETRY1")[0] == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert bot.mention(event_id="EvRETRY1", headers=retry)[0] == 200
    # Slack also sends message.channels for the same message, with its own event_id.
    bot.event(
        {
            "type": "message",
            "channel_type": "channel",
            "channel": "C0001",
            "user": "U0001",
            "text": f"<@{BOT_USER_ID}> {QUESTION}",
            "ts": "100.000001",
        }
    )
    # The same twins for a mention inside a thread the bot is already part of.
    bot.standin.threads[("C0001", "100.000001")] = [
        {"ts": "100.000001", "user": "U0001", "text": f"<@{BOT_USER_ID}> {QUESTION}"},
        {"ts": "100.000002", "user": BOT_USER_ID, "bot_id": BOT_ID, "text": "RMB 50 million [1]."},
    ]
    follow_up = {
        "user": "U0001",
        "text": f"<@{BOT_USER_ID}> and for minors?",
        "ts": "100.000003",
        "thread_ts": "100.000001",
        "channel": "C0001",
    }
    bot.event({"type": "app_mention", **follow_up})
    bot.event({"type": "message", "channel_type": "channel", **follow_up})
    bot.settle()
    assert [p.params["thread_ts"] for p in bot.standin.ok_calls("chat.postMessage")] == [
        "100.000001",
        "100.000001",
    ]
    assert [question for question, _ in bot.engine.calls] == [QUESTION, "and for minors?"]


def test_bots_own_and_other_bots_messages_are_ignored(start_bot):
    bot = start_bot()
    bot.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0001",
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "text": "an answer [1]",
            "ts": "400.000001",
        }
    )
    bot.event(
        {
            "type": "message",
            "subtype": "bot_message",
            "channel_type": "im",
            "channel": "D0001",
            "bot_id": "BOTHER",
            "text": QUESTION,
            "ts": "400.000002",
        }
    )
    bot.event(
        {
            "type": "message",
            "channel_type": "channel",
            "channel": "C0001",
            "user": "U0001",
            "text": "no mention, no thread",
            "ts": "400.000003",
        }
    )
    bot.settle()
    assert bot.engine.calls == []
    assert [m for m in bot.standin.methods() if m != "auth.test"] == []


def test_forged_signature_is_rejected_and_does_nothing(start_bot, caplog):
    bot = start_bot()
    with caplog.at_level(logging.INFO):
        status, _ = bot.mention(secret="not-the-signing-secret")
    assert status == 401
    assert QUESTION not in caplog.text  # a rejected body is not logged (issue 15)
    status, _ = bot.form(
        {
            "command": "/policy",
            "text": QUESTION,
            "user_id": "U0001",
            "channel_id": "C0001",
            "response_url": bot.standin.response_url("x"),
        },
        secret="not-the-signing-secret",
    )
    assert status == 401
    bot.settle()
    assert bot.standin.calls == [] and bot.engine.calls == []


def test_stale_timestamp_is_rejected_and_does_nothing(start_bot):
    bot = start_bot()
    six_minutes_ago = str(int(time.time()) - 6 * 60)
    status, _ = bot.mention(timestamp=six_minutes_ago)  # correctly signed, but replayed late
    assert status == 401
    bot.settle()
    assert bot.standin.calls == [] and bot.engine.calls == []


def test_slash_command_answers_privately_and_can_post_to_channel(start_bot):
    bot = start_bot()
    status, body = bot.form(
        {
            "token": "deprecated",
            "team_id": TEAM_ID,
            "channel_id": "C0001",
            "channel_name": "policy",
            "user_id": "U0001",
            "user_name": "ana",
            "command": "/policy",
            "text": QUESTION,
            "api_app_id": "A0001",
            "response_url": bot.standin.response_url("slash"),
            "trigger_id": "1.2.3",
        }
    )
    assert status == 200 and "Looking up" in body
    (private,) = bot.standin.wait_for("respond")
    assert private.path == "/respond/slash"
    assert private.params["response_type"] == "ephemeral"
    blocks = private.params["blocks"]
    assert_numbering_matches(blocks)
    assert QUESTION in context_texts(blocks)
    answer_id = buttons(blocks)["policy_post_to_channel"]
    assert bot.standin.ok_calls("chat.postMessage") == []  # nobody else saw it yet

    assert bot.click("policy_post_to_channel", answer_id, user="U0001", ephemeral=True)[0] == 200
    bot.settle()
    (public,) = bot.standin.ok_calls("chat.postMessage")
    assert public.params["channel"] == "C0001"
    assert_numbering_matches(public.params["blocks"])
    assert "<@U0001> asked" in context_texts(public.params["blocks"])
    assert "policy_post_to_channel" not in buttons(public.params["blocks"])
    deleted = [c for c in bot.standin.ok_calls("respond") if c.path == "/respond/click"]
    assert [c.params.get("delete_original") for c in deleted] == [True]


def test_feedback_button_stores_the_vote(start_bot, capsys):
    bot = start_bot()
    bot.mention()
    (post,) = bot.standin.wait_for("chat.postMessage")
    answer_id = buttons(post.params["blocks"])["policy_feedback_down"]
    assert bot.click("policy_feedback_down", answer_id, user="U0002")[0] == 200
    bot.settle()

    (thanks,) = bot.standin.ok_calls("respond")
    assert thanks.params["response_type"] == "ephemeral" and "Thanks" in thanks.params["text"]
    (vote,) = bot.feedback.votes()
    assert vote["vote"] == -1 and vote["user"] == "U0002" and vote["question"] == QUESTION
    assert "[2]" in vote["answer"]
    assert [c["label"] for c in vote["citations"]] == ["PIPL Art. 67", "PIPL Art. 66"]

    print_summary(Settings(data_dir=bot.feedback.path.parent))
    out = capsys.readouterr().out
    assert "Answers posted: 1" in out and "0 👍  1 👎" in out and QUESTION in out


def test_rate_limited_post_is_retried_after_retry_after(start_bot):
    bot = start_bot()
    bot.standin.rate_limit_once("chat.postMessage", retry_after=1)
    bot.mention()
    bot.settle()
    attempts = [c for c in bot.standin.calls if c.method == "chat.postMessage"]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 1.0  # waited at least Retry-After
    assert bot.standin.methods()[-1] == "reactions.remove"


def test_per_user_limit_gets_a_polite_message(start_bot):
    bot = start_bot(limiter=QuestionLimiter(per_user=1, overall=100))
    bot.mention(ts="500.000001")
    bot.standin.wait_for("chat.postMessage")
    bot.mention(ts="500.000002")
    bot.mention(ts="500.000003", user="U0009")  # someone else is not held back
    bot.settle()
    (polite,) = bot.standin.ok_calls("chat.postEphemeral")
    assert polite.params["user"] == "U0001" and "please wait" in polite.params["text"]
    assert polite.params["thread_ts"] == "500.000002"
    assert len(bot.standin.ok_calls("chat.postMessage")) == 2
    assert [q for q, _ in bot.engine.calls] == [QUESTION, QUESTION]


def test_channel_allow_list(start_bot):
    bot = start_bot(slack_channels="C0ALLOWED, C0ALSO")
    bot.mention(channel="C0OTHER", ts="600.000001")
    bot.mention(channel="C0ALSO", ts="600.000002")
    bot.event(
        {
            "type": "message",
            "channel_type": "im",
            "channel": "D0001",
            "user": "U0001",
            "text": QUESTION,
            "ts": "600.000003",
        }
    )
    status, body = bot.form(
        {
            "command": "/policy",
            "text": QUESTION,
            "user_id": "U0001",
            "channel_id": "C0OTHER",
            "response_url": bot.standin.response_url("s"),
        }
    )
    assert status == 200 and "not enabled in this channel" in body
    bot.settle()
    assert sorted(c.params["channel"] for c in bot.standin.ok_calls("chat.postMessage")) == [
        "C0ALSO",
        "D0001",
    ]
    assert all(c.params.get("channel") != "C0OTHER" for c in bot.standin.calls)


def test_refusal_says_what_was_searched_and_uncited_answer_is_flagged(start_bot):
    bot = start_bot()
    bot.mention("what is the weather?", ts="700.000001")
    bot.mention("give me an uncited answer", ts="700.000002")
    bot.settle()
    by_thread = {
        c.params["thread_ts"]: c.params["blocks"] for c in bot.standin.ok_calls("chat.postMessage")
    }
    refusal = by_thread["700.000001"]
    assert "Searched: 14 documents" in context_texts(refusal)
    assert "No supporting citation" not in context_texts(refusal)
    assert "No supporting citation" in context_texts(by_thread["700.000002"])
    assert source_lines(by_thread["700.000002"]) == []


def test_long_answer_is_split_under_the_block_limit_and_links_to_the_web_ui(start_bot):
    bot = start_bot(public_url="https://policy.example.org/")
    bot.mention("a long answer please")
    bot.settle()
    (post,) = bot.standin.ok_calls("chat.postMessage")
    blocks = post.params["blocks"]
    texts = section_texts(blocks)
    assert len(texts) >= 4 and all(len(t) <= 3000 for t in texts)
    (line,) = assert_numbering_matches(blocks)
    assert "<https://policy.example.org/?doc=pipl-en&chunk=pipl-54|PIPL Art. 54>" in line
    original = "<https://policy.example.org/?doc=pipl-zh&chunk=pipl-zh-54|《个人信息保护法》第54条>"
    assert f"also {original} (Chinese original)" in line


def test_url_verification_challenge_is_answered(start_bot):
    bot = start_bot()
    status, body = bot.post(
        json.dumps({"type": "url_verification", "token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV"}),
        "application/json",
    )
    assert status == 200 and "3eZbrw1aBm2rZgRNFdxV" in body


def test_rag_slack_http_starts_without_calling_slack_and_shows_rag_errors(tmp_path):
    """`main()` as `rag slack --http` runs it, in its own process, with the default engine on
    an empty index: it starts with no Web API call and answers with the error's message."""
    standin = SlackStandIn().start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAG_"))}
    env |= {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
        "RAG_DATA_DIR": str(tmp_path / "empty"),
        "RAG_LOG_LEVEL": "DEBUG",
        "HF_HUB_OFFLINE": "1",
    }
    code = (
        "import argparse, rag.interfaces.slack as s; s.main(argparse.Namespace("
        f"http=True, host='127.0.0.1', port={port}))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60  # hang guard only
        while True:
            assert proc.poll() is None, proc.stdout.read()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "the bot never started listening"
                time.sleep(0.1)
        assert standin.calls == []  # no auth.test or anything else at start-up
        bot = Bot(f"http://127.0.0.1:{port}/slack/events", None, standin, None, None)
        assert bot.mention()[0] == 200
        (post,) = bot.standin.wait_for("chat.postMessage")
        assert post.params["thread_ts"] == "100.000001"
        assert "run `python ingest.py` first" in post.params["text"]
        bot.standin.wait_for("reactions.remove")
    finally:
        proc.terminate()
        output = proc.communicate(timeout=30)[0]
        standin.stop()
    assert "listening on http://127.0.0.1" in output
    assert BOT_TOKEN not in output and SECRET not in output


@pytest.mark.slow
def test_real_engine_answers_a_signed_mention_with_the_penalty_article(start_bot, tmp_path):
    from rag.engine import PolicyEngine
    from rag.ingest import ingest

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(PDPL_DOC, corpus / PDPL_DOC.name)
    settings = Settings(data_dir=tmp_path / "data")
    ingest(settings, [corpus])
    engine = PolicyEngine(settings)
    bot = start_bot(lambda question, history: engine.answer(question, history=history))
    bot.mention("What is the maximum fine under the PDPL-T?")
    bot.settle()
    (post,) = bot.standin.ok_calls("chat.postMessage")
    blocks = post.params["blocks"]
    lines = assert_numbering_matches(blocks)
    assert any(re.search(r"第十二条|Art\. ?12", line) for line in lines), lines


@pytest.mark.fault
def test_a_signed_body_that_is_not_json_gets_400_and_no_traceback(start_bot, caplog):
    # Issue 15: malformed JSON dropped the connection with a traceback.
    bot = start_bot()
    with caplog.at_level(logging.DEBUG):
        status, _ = bot.post('{"type": "event_callback", "event": ', "application/json")
    assert status == 400
    assert "Traceback" not in caplog.text and '"event_callback"' not in caplog.text
    bot.settle()
    assert bot.standin.calls == [] and bot.engine.calls == []


@pytest.mark.fault
def test_a_body_shorter_than_its_content_length_does_not_hold_the_server(start_bot, monkeypatch):
    # Issue 15: a Content-Length larger than the body held a thread with no timeout.
    from rag.interfaces.slack import runtime

    monkeypatch.setattr(runtime, "READ_TIMEOUT", 1.0)
    bot = start_bot()
    host, port = bot.server.server_address[:2]
    with socket.create_connection((host, port), timeout=10) as conn:
        conn.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"short": 1}'
        )
        reply = conn.recv(1024).decode()
    assert reply.startswith("HTTP/1.0 408") or reply.startswith("HTTP/1.1 408"), reply
    status, _ = bot.mention()  # and the bot still answers
    assert status == 200
