"""Answers written by a chat model, checked against the sources before anyone sees them.

`llm_answer` never raises because of the model: a timeout, an unreachable endpoint, a rate
limit, a server error or an unusable reply gives the extractive answer with a one-line
notice, and so does a reply in which no sentence survives the checks of `rag.answer.grounding`
or whose opening lacks the kind of value the question asks for (a date for "when").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import RagError
from ..types import Answer, Hit, PassageMeta
from . import prompts
from .citations import build_label, make_citation
from .extractive import extractive_answer
from .facts import Stated
from .grounding import MARKER, CitationStream, ground, opening
from .kinds import holds

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

    from ..config import Settings
    from ..retrieval import Question

log = logging.getLogger(__name__)

HISTORY_TURNS = 4  # messages of earlier conversation given to the model
HISTORY_CHARS = 400  # each earlier message is cut to this length
SOURCE_CHARS = 2500  # a source longer than this is cut (chunks are ~200 tokens)


def llm_answer(
    question: Question,
    hits: list[Hit],
    history: list[dict[str, Any]] | None,
    settings: Settings,
    *,
    stated: Stated | None = None,
    on_token: Callable[[str], None] | None = None,
    chat_model: BaseChatModel | None = None,
    extractive: Callable[[], Answer] | None = None,
) -> Answer:
    """Ask the chat model, check every sentence, cite from metadata; fall back when needed.

    The prompt carries what was read in `question` (its kind, the documents and articles it
    names) and `stated`, a fact from the named document's metadata, with the passage it quotes
    among the sources. `on_token` receives the reply as it streams, with markers already
    renumbered to match the final answer. `extractive` builds the fallback answer (default:
    `extractive_answer` over `hits`); the engine passes its own, tuned one. On a fallback,
    `Answer.checks` still holds the verdicts on the discarded reply, so evaluation can count
    them.
    """

    def fallback(notice: str, checks: list | None = None) -> Answer:
        answer = extractive() if extractive else extractive_answer(question, hits, stated=stated)
        answer.notice = notice
        answer.mode = "extractive"
        answer.checks = checks or []
        return answer

    sources = numbered_sources(hits, stated)
    if not sources:
        return fallback("")
    try:
        model = chat_model or _build(settings)
        messages = answer_messages(question, sources, history, stated)
        raw = (
            _stream(model, messages, len(sources), on_token)
            if on_token
            else _invoke(model, messages)
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

    grounded = ground(raw, sources)
    if not grounded.supported:
        return fallback(prompts.NOTICE_UNGROUNDED, grounded.checks)
    if not holds(question.kind, opening(grounded.text)):
        # "When did PIPL take effect?" answered "PIPL protects personal information [1].":
        # every sentence may check out, yet the reader is not told what was asked.
        what = prompts.KIND_WORDS.get(question.kind, "what was asked")
        return fallback(prompts.NOTICE_WRONG_OPENING.format(what=what), grounded.checks)
    citations = [
        make_citation(k, sources[n - 1], grounded.quotes[k])
        for k, n in enumerate(grounded.order, 1)
    ]
    unsupported = len(grounded.checks) - grounded.supported
    notice = prompts.NOTICE_SOME_UNSUPPORTED.format(count=unsupported) if unsupported else ""
    return Answer(
        question=question.text,
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


def numbered_sources(hits: list[Hit], stated: Stated | None) -> list[Hit]:
    """The passages the model is shown, in their [n] order: `hits`, and first the passage a
    stated fact quotes when it is not among them."""
    if stated is None or any(h.chunk_id == stated.hit.chunk_id for h in hits):
        return hits
    return [stated.hit, *hits]


def answer_messages(
    question: Question,
    hits: list[Hit],
    history: list[dict[str, Any]] | None,
    stated: Stated | None = None,
) -> list[BaseMessage]:
    """The system rules and the user message: numbered sources (`numbered_sources`), history,
    the question and what was read in it."""
    from langchain_core.messages import HumanMessage, SystemMessage

    hits = numbered_sources(hits, stated)
    language = prompts.LANGUAGES[question.language]
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
                sources=sources,
                history=history_text,
                question=question.text,
                analysis=question_analysis(question, hits, stated),
                language=language,
            )
        ),
    ]


def question_analysis(question: Question, hits: list[Hit], stated: Stated | None = None) -> str:
    """What was read in the question, in lines the model can act on: the kind of value its
    first sentence must hold, the documents (by title, with their source numbers) and articles
    the question names, and a fact already known with its source number. Empty for an open
    question that names nothing."""
    hits = numbered_sources(hits, stated)
    lines = [prompts.KIND_LINES[question.kind]] if question.kind in prompts.KIND_LINES else []
    numbers: dict[str, list[int]] = {}  # title -> source numbers, in order of first source
    for n, hit in enumerate(hits, 1):
        if hit.meta.doc_id in question.named:
            numbers.setdefault(_title(hit.meta), []).append(n)
    if numbers:
        if question.compares:  # other documents than the named ones belong in the answer
            template = prompts.NAMED_AND_OTHERS
        else:
            template = prompts.NAMED_ONE if len(numbers) == 1 else prompts.NAMED_MANY
        lines.append(
            template.format(
                titles=_and([_data(t) for t in numbers]),
                numbers=", ".join(str(n) for ns in numbers.values() for n in ns),
            )
        )
    if question.articles:
        word = "Article" if len(question.articles) == 1 else "Articles"
        lines.append(
            prompts.ARTICLES.format(articles=f"{word} {_and([str(a) for a in question.articles])}")
        )
    if stated is not None:
        n = next(i for i, h in enumerate(hits, 1) if h.chunk_id == stated.hit.chunk_id)
        lines.append(prompts.STATED.format(n=n, fact=_data(stated.text or stated.quote)))
    return prompts.ANALYSIS.format(lines="\n".join(f"- {line}" for line in lines)) if lines else ""


def _and(items: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _title(meta: PassageMeta) -> str:
    """A document's English title with its Chinese one: "Personal … Law (中华人民共和国…)"."""
    title = meta.title
    if meta.title_zh and meta.title_zh != title:
        title = f"{title} ({meta.title_zh})" if title else meta.title_zh
    return title


def format_source(n: int, hit: Hit) -> str:
    meta = hit.meta
    title = _title(meta)
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
