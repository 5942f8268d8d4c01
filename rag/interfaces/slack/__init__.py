"""The Slack bot: mentions, DMs and thread follow-ups (Socket Mode or HTTP), with feedback."""

from .bot import SlackBot, create_app, engine_answer_fn, main
from .feedback import FeedbackStore, print_summary
from .runtime import QuestionLimiter, RedactTokens, serve_http

__all__ = [
    "FeedbackStore",
    "QuestionLimiter",
    "RedactTokens",
    "SlackBot",
    "create_app",
    "engine_answer_fn",
    "main",
    "print_summary",
    "serve_http",
]
