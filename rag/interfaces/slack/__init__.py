"""The Slack bot: mentions, DMs and thread follow-ups (Socket Mode or HTTP), with feedback."""

from .bot import SlackBot, create_app, engine_answer_fn, main
from .feedback import FeedbackStore, export_pairs, print_summary
from .runtime import (
    MAX_BODY_BYTES,
    SLACK_EVENTS_PATH,
    QuestionLimiter,
    RedactTokens,
    configure_logging,
    serve_http,
)

__all__ = [
    "MAX_BODY_BYTES",
    "SLACK_EVENTS_PATH",
    "configure_logging",
    "FeedbackStore",
    "QuestionLimiter",
    "RedactTokens",
    "SlackBot",
    "create_app",
    "engine_answer_fn",
    "main",
    "export_pairs",
    "print_summary",
    "serve_http",
]
