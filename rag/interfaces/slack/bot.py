"""Slack bot: ask in Slack, get cited answers in the thread (slack-bolt).

`rag slack` runs it in Socket Mode (when SLACK_APP_TOKEN is set) or HTTP mode (`--http`,
serving /slack/events). Every event is acknowledged at once and answered after the ack;
the answer itself is one call, `answer_fn(question, history) -> Answer`.
Tokens come only from the environment and never reach a log line.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler, default_retry_handlers

from ...config import Settings
from ...errors import ConfigError, RagError
from ...types import Answer, Engine
from .blocks import (
    ACTION_POST,
    ACTION_VOTE_DOWN,
    ACTION_VOTE_UP,
    answer_blocks,
    escape,
    fallback_text,
    unescape,
)
from .feedback import FeedbackStore
from .runtime import (
    QuestionLimiter,
    SeenEvents,
    configure_logging,
    run_http,
    run_socket_mode,
)

log = logging.getLogger(__name__)

AnswerFn = Callable[[str, list[dict[str, str]]], Answer]
WORKING_REACTION = "eyes"
HISTORY_MESSAGES = 12  # the last few turns of a thread are enough to resolve "and for minors?"
USAGE = "Ask me about Chinese policy texts, e.g. `What is the maximum fine under PIPL?`"
SORRY = "Sorry, something went wrong while answering; the error has been logged."


def clean_question(text: str, bot_user_id: str | None) -> str:
    """A Slack message as a question: the bot's mention removed, entities decoded."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    return unescape(re.sub(r"\s+", " ", text)).strip()


def build_client(token: str, base_url: str | None = None) -> WebClient:
    """A Web API client that retries 429s after Retry-After (and connection errors)."""
    base_url = base_url or os.environ.get("SLACK_API_URL") or WebClient.BASE_URL
    return WebClient(
        token=token,
        base_url=base_url.rstrip("/") + "/",
        retry_handlers=[*default_retry_handlers(), RateLimitErrorRetryHandler(max_retry_count=3)],
    )


def engine_answer_fn(settings: Settings, warm: bool = False) -> AnswerFn:
    """The real engine, built on the first question so start-up stays instant; with `warm`,
    a background thread loads its index and models at once, so the first asker does not
    wait for them either."""
    state: dict[str, Engine] = {}
    lock = threading.Lock()

    def engine() -> Engine:
        with lock:
            if "engine" not in state:
                from ...engine import PolicyEngine

                state["engine"] = PolicyEngine(settings)
        return state["engine"]

    def answer(question: str, history: list[dict[str, str]]) -> Answer:
        return engine().answer(question, history=history or None)

    def prepare() -> None:
        try:
            engine().prepare()
        except RagError as exc:  # no index yet: the first question will say so
            log.warning("%s", exc)

    if warm:
        threading.Thread(target=prepare, name="warm-up", daemon=True).start()
    return answer


class SlackBot:
    """The listeners; each translates one Slack interaction around `answer_fn`."""

    def __init__(
        self,
        settings: Settings,
        answer_fn: AnswerFn,
        feedback: FeedbackStore,
        limiter: QuestionLimiter,
        concurrency: int = 2,
    ) -> None:
        self.public_url = settings.public_url
        self.channels = {c.strip() for c in settings.slack_channels.split(",") if c.strip()}
        self.answer_fn, self.feedback, self.limiter = answer_fn, feedback, limiter
        self.seen = SeenEvents()
        # Answers are CPU-bound: a couple at a time; the rest wait (within the limiter's cap).
        self.answer_slots = threading.BoundedSemaphore(concurrency)

    def allowed(self, channel: str, channel_type: str | None = None) -> bool:
        """Direct messages always; channels only when on the allow-list (if there is one)."""
        is_dm = channel_type == "im" or channel.startswith("D")
        return is_dm or not self.channels or channel in self.channels

    # -- events ---------------------------------------------------------------------------

    def skip_retried_events(
        self, body: dict, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        """Global middleware: a redelivered event_id is acknowledged and dropped."""
        event_id = body.get("event_id")
        if body.get("type") == "event_callback" and event_id and not self.seen.claim(event_id):
            log.info("ignoring repeated delivery of event %s", event_id)
            return BoltResponse(status=200, body="")
        return next()

    def on_mention(self, event: dict, context: Any, client: WebClient) -> None:
        self._answer_message(event, context, client, source="mention")

    def on_message(self, event: dict, context: Any, client: WebClient) -> None:
        if event.get("subtype") or event.get("bot_id") or not event.get("user"):
            return  # edits, joins, other bots
        bot = context.bot_user_id
        if event.get("channel_type") == "im":
            source = "dm"
        elif bot and f"<@{bot}" in event.get("text", ""):
            return  # the app_mention event for the same message answers it
        elif event.get("thread_ts") and event["thread_ts"] != event["ts"]:
            source = "thread"
        else:
            return
        self._answer_message(event, context, client, source=source)

    def _answer_message(self, event: dict, context: Any, client: WebClient, *, source: str) -> None:
        if event.get("bot_id") or event.get("subtype") == "bot_message":
            return
        channel, ts, user = event["channel"], event["ts"], event.get("user", "")
        if not self.allowed(channel, event.get("channel_type")):
            log.info("ignoring %s in %s: not in RAG_SLACK_CHANNELS", source, channel)
            return
        if not self.seen.claim(f"{channel}:{ts}"):
            return  # a mention also arrives as a message event
        thread_ts = event.get("thread_ts") or ts
        history: list[dict[str, str]] = []
        if thread_ts != ts:
            history, bot_in_thread = self._thread_history(client, context, channel, thread_ts, ts)
            if source == "thread" and not bot_in_thread:
                return  # someone else's thread
        question = clean_question(event.get("text", ""), context.bot_user_id)
        if not question:
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=USAGE)
            return
        refusal = self.limiter.acquire(user)
        if refusal:
            client.chat_postEphemeral(channel=channel, user=user, thread_ts=thread_ts, text=refusal)
            return
        try:
            self._react(client, "reactions_add", channel, ts)
            try:
                answer = self._answer(question, history)
                self._post(
                    client, answer, source=source, channel=channel, user=user, thread_ts=thread_ts
                )
            finally:
                self._react(client, "reactions_remove", channel, ts)
        finally:
            self.limiter.release()

    def _thread_history(
        self, client: WebClient, context: Any, channel: str, thread_ts: str, current_ts: str
    ) -> tuple[list[dict[str, str]], bool]:
        """The thread as chat history, and whether the bot has spoken in it."""
        try:
            replies = client.conversations_replies(channel=channel, ts=thread_ts, limit=100)
        except SlackApiError as err:
            log.warning("reading thread %s failed: %s", thread_ts, err.response.get("error"))
            return [], False
        history: list[dict[str, str]] = []
        bot_in_thread = False
        messages: list[dict[str, Any]] = replies.get("messages", [])
        for message in messages:
            if message.get("ts") == current_ts:
                continue
            mine = message.get("user") == context.bot_user_id or (
                message.get("bot_id") and message.get("bot_id") == context.bot_id
            )
            bot_in_thread = bot_in_thread or bool(mine)
            if mine:
                history.append({"role": "assistant", "content": unescape(message.get("text", ""))})
            elif not message.get("bot_id") and message.get("user"):
                text = clean_question(message.get("text", ""), context.bot_user_id)
                history.append({"role": "user", "content": text})
        return [h for h in history if h["content"]][-HISTORY_MESSAGES:], bot_in_thread

    @staticmethod
    def _react(client: WebClient, method: str, channel: str, ts: str) -> None:
        try:
            getattr(client, method)(channel=channel, timestamp=ts, name=WORKING_REACTION)
        except SlackApiError as err:  # a missing reaction must never cost the answer
            log.warning("%s failed: %s", method, err.response.get("error"))

    def _answer(self, question: str, history: list[dict[str, str]]) -> Answer | str:
        """The Answer, or a message to show instead when answering failed."""
        try:
            with self.answer_slots:
                return self.answer_fn(question, history)
        except RagError as err:
            return f":warning: {escape(str(err))}"
        except Exception:
            log.exception("answering %r failed", question)
            return SORRY

    def _record(self, answer: Answer, **where: str) -> str:
        try:
            return self.feedback.record_answer(answer, **where)
        except Exception:  # feedback is a bonus: answer without buttons rather than not at all
            log.exception("could not store the answer for feedback")
            return ""

    def _post(
        self,
        client: WebClient,
        answer: Answer | str,
        *,
        source: str,
        channel: str,
        user: str,
        thread_ts: str,
    ) -> None:
        if isinstance(answer, str):
            client.chat_postMessage(channel=channel, thread_ts=thread_ts, text=answer)
            return
        answer_id = self._record(
            answer, source=source, channel=channel, user=user, thread_ts=thread_ts
        )
        blocks = answer_blocks(answer, public_url=self.public_url, answer_id=answer_id)
        try:
            client.chat_postMessage(
                channel=channel,
                thread_ts=thread_ts,
                blocks=blocks,
                text=fallback_text(answer),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as err:
            log.error(
                "posting the answer failed (%s); posting plain text", err.response.get("error")
            )
            client.chat_postMessage(
                channel=channel, thread_ts=thread_ts, text=fallback_text(answer)
            )

    # -- /policy and buttons --------------------------------------------------------------

    def on_command(self, ack: Callable, command: dict, respond: Callable) -> None:
        question = unescape(command.get("text", "")).strip()
        channel, user = command["channel_id"], command["user_id"]
        if not question:
            ack(text=f"Usage: `{command.get('command', '/policy')} your question`. {USAGE}")
            return
        if not self.allowed(channel):
            ack(text="I'm not enabled in this channel; ask me in a direct message instead.")
            return
        refusal = self.limiter.acquire(user)
        if refusal:
            ack(text=refusal)
            return
        ack(text=f":mag: Looking up: {escape(question)}")
        try:
            answer = self._answer(question, [])
            if isinstance(answer, str):
                respond(text=answer, response_type="ephemeral", replace_original=False)
                return
            answer_id = self._record(answer, source="slash", channel=channel, user=user)
            blocks = answer_blocks(
                answer,
                public_url=self.public_url,
                answer_id=answer_id,
                post_button=bool(answer_id),
                header=f"You asked: {escape(question)}",
            )
            respond(
                text=fallback_text(answer),
                blocks=blocks,
                response_type="ephemeral",
                replace_original=False,
            )
        finally:
            self.limiter.release()

    def on_vote(self, ack: Callable, body: dict, action: dict, respond: Callable) -> None:
        ack()
        vote = 1 if action["action_id"] == ACTION_VOTE_UP else -1
        stored = self.feedback.record_vote(action["value"], body["user"]["id"], vote)
        text = (
            "Thanks for the feedback."
            if stored
            else "That answer is no longer on record, so the vote was not stored."
        )
        respond(text=text, response_type="ephemeral", replace_original=False)

    def on_post(
        self, ack: Callable, body: dict, action: dict, respond: Callable, client: WebClient
    ) -> None:
        """ "Post to channel" under an ephemeral /policy answer: repost it for everyone."""
        ack()
        answer = self.feedback.load_answer(action["value"])
        if answer is None:
            respond(
                text="That answer is no longer available; please ask again.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        user = body["user"]["id"]
        channel = body.get("channel", {}).get("id") or body["container"]["channel_id"]
        blocks = answer_blocks(
            answer,
            public_url=self.public_url,
            answer_id=action["value"],
            header=f"<@{user}> asked: {escape(answer.question)}",
        )
        try:
            client.chat_postMessage(
                channel=channel,
                blocks=blocks,
                text=fallback_text(answer),
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as err:
            respond(
                text=f"I couldn't post here ({err.response.get('error')}); invite me to the "
                "channel with `/invite @Policy Desk` and try again.",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        respond(delete_original=True)


def _not_token_unused_warning(record: logging.LogRecord) -> bool:
    return record.getMessage() != warning_client_prioritized_and_token_skipped()


def create_app(
    settings: Settings,
    answer_fn: AnswerFn | None = None,
    *,
    client: WebClient | None = None,
    signing_secret: str | None = None,
    feedback: FeedbackStore | None = None,
    limiter: QuestionLimiter | None = None,
    concurrency: int = 2,
) -> App:
    """The Bolt app with every listener; makes no network call (no auth.test at start-up)."""
    if client is None:
        client = build_client(os.environ.get("SLACK_BOT_TOKEN", ""))
    if not client.token:
        raise ConfigError(
            "SLACK_BOT_TOKEN is not set: export the bot token (xoxb-…) of your Slack app."
        )
    if signing_secret is None:
        signing_secret = os.environ.get("SLACK_SIGNING_SECRET", "")
    limiter = limiter or QuestionLimiter()
    bot = SlackBot(
        settings,
        answer_fn or engine_answer_fn(settings),
        feedback or FeedbackStore.for_settings(settings),
        limiter,
        concurrency,
    )
    bolt_log = logging.getLogger("slack_bolt.App")
    bolt_log.addFilter(_not_token_unused_warning)  # the client carries SLACK_BOT_TOKEN
    try:
        app = App(
            name="policy-desk",
            client=client,
            # Without a secret no HTTP request can verify (Socket Mode does not need one).
            signing_secret=signing_secret or secrets.token_hex(32),
            token_verification_enabled=False,  # no auth.test at start-up: Slack may be away
            process_before_response=False,  # ack first, answer in Bolt's worker threads
            # Room for every question in progress plus spare workers, so a /policy or button
            # ack never waits behind answers.
            listener_executor=ThreadPoolExecutor(limiter.max_in_progress + 8, "slack-listener"),
        )
    finally:
        bolt_log.removeFilter(_not_token_unused_warning)
    app.middleware(bot.skip_retried_events)
    app.event("app_mention")(bot.on_mention)
    app.event("message")(bot.on_message)
    app.command("/policy")(bot.on_command)
    app.action(ACTION_VOTE_UP)(bot.on_vote)
    app.action(ACTION_VOTE_DOWN)(bot.on_vote)
    app.action(ACTION_POST)(bot.on_post)
    return app


def main(args: Any) -> None:
    """`rag slack [--http] [--host H] [--port N]`."""
    settings = Settings.from_env()
    app_token = os.environ.get("SLACK_APP_TOKEN", "")
    use_http = bool(getattr(args, "http", False)) or not app_token
    if use_http and not os.environ.get("SLACK_SIGNING_SECRET"):
        raise ConfigError(
            "SLACK_SIGNING_SECRET is not set: HTTP mode verifies every request "
            "with it (or set SLACK_APP_TOKEN to use Socket Mode)."
        )
    configure_logging(settings.log_level)  # before the app: Bolt copies the root level
    app = create_app(settings, engine_answer_fn(settings, warm=True))
    if use_http:
        run_http(
            app, getattr(args, "host", None) or "127.0.0.1", getattr(args, "port", None) or 3000
        )
    else:
        run_socket_mode(app, app_token)
