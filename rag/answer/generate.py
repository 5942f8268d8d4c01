"""Answers written by a chat model, checked against the sources before anyone sees them.

`llm_answer` never raises because of the model: a timeout, an unreachable endpoint, a rate
limit, a server error or an unusable reply gives the extractive answer with a one-line
notice, and so does a reply in which no sentence survives the checks of `rag.answer.grounding`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import RagError
from ..text import is_chinese
from ..types import Answer, Hit
from . import prompts
from .citations import build_label, make_citation
from .extractive import extractive_answer
from .grounding import MARKER, CitationStream, ground

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from ..config import Settings

log = logging.getLogger(__name__)

HISTORY_TURNS = 4  # messages of earlier conversation given to the model
HISTORY_CHARS = 400  # each earlier message is cut to this length
SOURCE_CHARS = 2500  # a source longer than this is cut (chunks are ~200 tokens)


def llm_answer(
    question: str,
    hits: list[Hit],
    history: list[dict[str, Any]] | None,
    settings: Settings,
    *,
    on_token: Callable[[str], None] | None = None,
    chat_model: BaseChatModel | None = None,
    extractive: Callable[[], Answer] | None = None,
) -> Answer:
    """Ask the chat model, check every sentence, cite from metadata; fall back when needed.

    `on_token` receives the reply as it streams, with markers already renumbered to match the
    final answer. `extractive` builds the fallback answer (default: `extractive_answer` over
    `hits`); the engine passes its own, tuned one. On a fallback, `Answer.checks` still holds
    the verdicts on the discarded reply, so evaluation can count them.
    """

    def fallback(notice: str, checks: list | None = None) -> Answer:
        answer = extractive() if extractive else extractive_answer(question, hits)
        answer.notice = notice
        answer.mode = "extractive"
        answer.checks = checks or []
        return answer

    if not hits:
        return fallback("")
    try:
        model = chat_model or _build(settings)
        messages = answer_messages(question, hits, history)
        raw = (
            _stream(model, messages, len(hits), on_token) if on_token else _invoke(model, messages)
        )
    except _CallbackError as exc:
        assert exc.__cause__ is not None  # raised `from` the callback's own error
        raise exc.__cause__ from None
    except RagError as exc:
        return fallback(prompts.NOTICE_CONFIG.format(error=str(exc).rstrip(".") + "."))
    except Exception as exc:  # the model is another system: whatever it does, keep answering
        return fallback(failure_notice(exc, settings))
    if not raw.strip():
        return fallback(prompts.NOTICE_EMPTY)

    grounded = ground(raw, hits)
    if not grounded.supported:
        return fallback(prompts.NOTICE_UNGROUNDED, grounded.checks)
    citations = [
        make_citation(k, hits[n - 1], grounded.quotes[k]) for k, n in enumerate(grounded.order, 1)
    ]
    unsupported = len(grounded.checks) - grounded.supported
    notice = prompts.NOTICE_SOME_UNSUPPORTED.format(count=unsupported) if unsupported else ""
    return Answer(
        question=question,
        text=grounded.text,
        citations=citations,
        mode="llm",
        notice=notice,
        checks=grounded.checks,
        hits=hits,
    )


def rewrite_question(
    question: str,
    history: list[dict[str, Any]] | None,
    settings: Settings,
    *,
    chat_model: BaseChatModel | None = None,
) -> str:
    """A follow-up ("what about for minors?") rewritten to stand alone, for retrieval.

    Without history the question is returned as it is; if the model fails or replies with
    something that is not a question-sized line, the previous question is prepended instead.
    """
    turns = _recent_turns(history)
    previous = [text for role, text in turns if role == "user"]
    if not previous:
        return question
    naive = f"{previous[-1]} {question}"
    try:
        model = chat_model or _build(settings)
        reply = _invoke(model, rewrite_messages(question, turns))
    except Exception as exc:  # a failed rewrite must not stop the answer
        log.warning("question rewrite failed (%s); searching with the previous question added", exc)
        return naive
    line = next((ln.strip() for ln in reply.splitlines() if ln.strip()), "")
    line = re.sub(
        r"^(?:standalone question|question|独立问题|问题)\s*[:：]\s*", "", line, flags=re.I
    )
    line = line.strip("\"'“”「」` ")
    if not line or len(line) > 3 * len(naive) + 100:
        return naive
    return line


# --- prompts ----------------------------------------------------------------------------


def answer_messages(
    question: str, hits: list[Hit], history: list[dict[str, Any]] | None
) -> list[BaseMessage]:
    from langchain_core.messages import HumanMessage, SystemMessage

    language = prompts.LANGUAGES["zh" if is_chinese(question) else "en"]
    sources = "\n".join(format_source(n, hit) for n, hit in enumerate(hits, 1))
    turns = _recent_turns(history)
    history_text = (
        prompts.HISTORY.format(turns="\n".join(f"{role}: {text}" for role, text in turns))
        if turns
        else ""
    )
    return [
        SystemMessage(prompts.ANSWER_SYSTEM.format(language=language)),
        HumanMessage(
            prompts.ANSWER_USER.format(
                sources=sources, history=history_text, question=question, language=language
            )
        ),
    ]


def format_source(n: int, hit: Hit) -> str:
    meta = hit.meta
    title = meta.title
    if meta.title_zh and meta.title_zh != title:
        title = f"{title} ({meta.title_zh})" if title else meta.title_zh
    dates = ", ".join(
        f"{word} {value}"
        for word, value in (("promulgated", meta.promulgated), ("effective", meta.effective))
        if value
    )
    status = meta.status
    text = hit.text if len(hit.text) <= SOURCE_CHARS else hit.text[:SOURCE_CHARS] + " …"
    return prompts.SOURCE.format(
        n=n,
        label=_data(hit.label or build_label(meta)),
        title=_data(title),
        status=prompts.STATUS_WORDS.get(status, status or "unknown"),
        dates=dates or "unknown",
        text=_data(text),
    )


def rewrite_messages(question: str, turns: list[tuple[str, str]]) -> list[BaseMessage]:
    from langchain_core.messages import HumanMessage, SystemMessage

    return [
        SystemMessage(prompts.REWRITE_SYSTEM),
        HumanMessage(
            prompts.REWRITE_USER.format(
                turns="\n".join(f"{role}: {text}" for role, text in turns), question=question
            )
        ),
    ]


_TAG = re.compile(r"<\s*(/?)\s*(sources?)\b", re.I)


def _data(text: str) -> str:
    """Document text cannot open or close our <source> tags."""
    return _TAG.sub(lambda m: f"‹{m.group(1)}{m.group(2)}", text)


def _recent_turns(history: list[dict[str, Any]] | None) -> list[tuple[str, str]]:
    """The last few (role, text) turns, citation markers removed and long ones cut."""
    turns = []
    for message in (history or [])[-HISTORY_TURNS:]:
        role = message.get("role")
        content = message.get("content")
        if role not in ("user", "assistant") or not content:
            continue
        text = MARKER.sub("", content if isinstance(content, str) else str(content)).strip()
        if len(text) > HISTORY_CHARS:
            text = text[:HISTORY_CHARS] + " …"
        turns.append((role, text))
    return turns


# --- calling the model ------------------------------------------------------------------


class _CallbackError(Exception):
    """`on_token` itself failed: that is the caller's bug, not the model's, so it propagates."""


def _build(settings: Settings) -> BaseChatModel:
    from .llm import build_chat_model

    return build_chat_model(settings)


def _invoke(model: BaseChatModel, messages: list[BaseMessage]) -> str:
    return visible_text(_text(model.invoke(messages)), final=True)


_THINK = re.compile(r"<think>.*?(?:</think>\s*|\Z)", re.S)


def visible_text(raw: str, *, final: bool = False) -> str:
    """The reply without the <think>…</think> reasoning some local models (Qwen3, DeepSeek-R1)
    put first; while streaming (`final=False`) a tag still arriving ("<thi") is held back."""
    text = _THINK.sub("", raw)
    if not final:
        for k in range(min(len(text), len("<think>")), 0, -1):
            if "<think>".startswith(text[-k:]):
                return text[:-k]
    return text


def _stream(
    model: BaseChatModel,
    messages: list[BaseMessage],
    n_sources: int,
    on_token: Callable[[str], None],
) -> str:
    """Stream the reply, handing renumbered text to `on_token`; return the visible reply."""
    stream = CitationStream(n_sources)
    parts: list[str] = []
    shown = 0  # characters of the visible reply already fed to `stream`

    def emit(text: str) -> None:
        if not text:
            return
        try:
            on_token(text)
        except Exception as exc:
            raise _CallbackError() from exc

    for chunk in model.stream(messages):
        parts.append(_text(chunk))
        visible = visible_text("".join(parts))
        emit(stream.feed(visible[shown:]))
        shown = len(visible)
    visible = visible_text("".join(parts), final=True)
    emit(stream.feed(visible[shown:]) + stream.close())
    return visible


def _text(message: Any) -> str:
    text = getattr(message, "text", None)
    if not isinstance(text, str):
        raise ValueError(f"the model returned {type(message).__name__} without text")
    return text


def failure_notice(exc: BaseException, settings: Settings) -> str:
    """One line for the user; the details go to the log."""
    from langchain_core.exceptions import (
        ModelAuthenticationError,
        ModelConnectionError,
        ModelError,
        ModelNotFoundError,
        ModelRateLimitError,
        ModelTimeoutError,
    )

    if isinstance(exc, ModelTimeoutError | TimeoutError):
        notice = prompts.NOTICE_TIMEOUT.format(seconds=settings.llm_timeout)
    elif isinstance(exc, ModelRateLimitError):
        notice = prompts.NOTICE_RATE_LIMIT
    elif isinstance(exc, ModelAuthenticationError):
        notice = prompts.NOTICE_AUTH
    elif isinstance(exc, ModelNotFoundError):
        notice = prompts.NOTICE_NOT_FOUND.format(model=settings.llm)
    elif isinstance(exc, ModelConnectionError):
        notice = prompts.NOTICE_CONNECTION.format(where=settings.llm_base_url or settings.llm)
    elif isinstance(exc, ModelError):
        status = getattr(exc, "status_code", None)
        notice = prompts.NOTICE_SERVER.format(
            detail=f"HTTP {status}" if status else type(exc).__name__
        )
    else:
        log.warning("chat model %s failed unexpectedly", settings.llm, exc_info=exc)
        return prompts.NOTICE_EMPTY
    log.warning("chat model %s failed: %s", settings.llm, exc)
    return notice
