"""Block Kit rendering of an `Answer` for Slack: answer sections, notices, Sources, buttons.

Pure functions over `rag.types` (no Slack client here), so the layout is easy to test and
the same blocks serve thread replies, ephemeral `/policy` answers and reposts.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from ...text import is_chinese, sentence_spans
from ...types import Also, Answer, Citation, doc_kind

SECTION_LIMIT = 2900  # Slack rejects section text over 3,000 characters; keep a margin
MAX_BLOCKS = 50  # Slack's limit per message
FALLBACK_LIMIT = 3000  # `text` shown in notifications and kept as thread history

ACTION_VOTE_UP = "policy_feedback_up"
ACTION_VOTE_DOWN = "policy_feedback_down"
ACTION_POST = "policy_post_to_channel"

NO_CITATION_WARNING = (
    ":warning: *No supporting citation.* This answer is not backed by a quoted passage; "
    "check it against the documents before relying on it."
)

_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.MULTILINE)
_BULLET = re.compile(r"^(\s*)[-*]\s+", re.MULTILINE)


def escape(text: str) -> str:
    """Escape the three characters Slack mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _inline(text: str) -> str:
    text = escape(text)
    text = _BULLET.sub(lambda m: f"{m.group(1)}• ", text)
    text = _HEADING.sub(lambda m: f"*{m.group(1)}*", text)
    return _BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", text)


def to_mrkdwn(text: str) -> str:
    """Markdown-ish answer text → Slack mrkdwn; `[n]` markers pass through unchanged.

    A Markdown link shows its address: the text may quote a document, and a document must not
    put a disguised link (`<https://evil.example|Official text>`) into a post. `<!here>`,
    `<@U…>` and the like are escaped, never live."""
    parts, pos = [], 0
    for m in _LINK.finditer(text):
        parts.append(_inline(text[pos : m.start()]))
        parts.append(f"{escape(m.group(1))} ({escape(m.group(2))})")
        pos = m.end()
    parts.append(_inline(text[pos:]))
    return "".join(parts)


_SAFE_URL = re.compile(r"https?://[^\s<>|]+\Z")


def safe_url(url: str) -> str:
    """`url` if it can be a Slack link target as it is: http(s), no space, `<`, `>` or `|`
    (which would let a document's source_url write its own link text); else ""."""
    return url if _SAFE_URL.match(url or "") else ""


def split_text(text: str, limit: int = SECTION_LIMIT) -> list[str]:
    """Split into pieces of at most `limit` characters, preferring paragraph, line and
    sentence boundaries, so no piece breaks Slack's per-block limit."""
    if len(text) <= limit:
        return [text] if text.strip() else []
    for separator in ("\n\n", "\n", None):
        units = text.split(separator) if separator else _sentences(text)
        if len(units) > 1:
            joiner = separator or ""
            break
    else:  # one unbreakable run: cut it, preferring a space
        cut = text.rfind(" ", 0, limit)
        cut = cut if cut > limit // 2 else limit
        return [text[:cut], *split_text(text[cut:].lstrip(), limit)]
    pieces: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{joiner}{unit}" if current else unit
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if len(unit) <= limit:
            current = unit
        else:
            pieces.extend(split_text(unit, limit))
            current = ""
    if current.strip():
        pieces.append(current)
    return [p for p in pieces if p.strip()]


def _sentences(text: str) -> list[str]:
    """`text` cut after each sentence, nothing lost: joined again they are `text`."""
    cuts = [end for _, end in sentence_spans(text, markup=False)][:-1]
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]


def document_link(citation: Citation, public_url: str = "") -> str:
    """The web UI's document view when a public URL is configured, else the official URL."""
    if public_url:
        return viewer_url(public_url, citation.doc_id, citation.chunk_id)
    return citation.url


def viewer_url(public_url: str, doc_id: str, chunk_id: str) -> str:
    query = urlencode({"doc": doc_id, "chunk": chunk_id})
    return f"{public_url.rstrip('/')}/?{query}"


def also_text(also: Also, public_url: str = "") -> str:
    """A text the cited article rides with, "label (Chinese original)", linked to the web UI's
    document view when a public URL is configured."""
    label = escape(also.label)
    if public_url:
        label = f"<{safe_url(viewer_url(public_url, also.doc_id, also.chunk_id))}|{label}>"
    return f"{label} ({also.kind})"


def source_line(citation: Citation, public_url: str = "") -> str:
    """`[n] <link|label> — title · effective date`, one line per citation."""
    label = escape(citation.label or citation.title or citation.source_path or citation.doc_id)
    link = safe_url(document_link(citation, public_url))
    head = f"<{link}|{label}>" if link else f"*{label}*"
    parts = [f"*[{citation.n}]* {head}"]
    if citation.title and citation.title != citation.label:
        parts.append(f"— {escape(citation.title)}")
    details = [doc_kind(citation.doc_type)] if citation.doc_type else []
    if citation.effective:
        details.append(f"effective {citation.effective}")
    elif citation.promulgated:
        details.append(f"promulgated {citation.promulgated}")
    if citation.status and citation.status != "in_force":
        details.append(citation.status.replace("_", " "))
    if citation.page:
        details.append(f"p. {citation.page}")
    if details:
        parts.append("· " + ", ".join(details))
    if citation.also:
        parts.append("· also " + ", ".join(also_text(a, public_url) for a in citation.also))
    return " ".join(parts)


def needs_warning(answer: Answer) -> bool:
    """An answer (not a refusal) with no citation, or whose every checked sentence failed."""
    if answer.refused:
        return False
    if not answer.citations:
        return True
    return bool(answer.checks) and not any(check.supported for check in answer.checks)


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_LIMIT]}]}


def _button(text: str, action_id: str, value: str, style: str = "") -> dict:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def answer_blocks(
    answer: Answer,
    *,
    public_url: str = "",
    answer_id: str = "",
    post_button: bool = False,
    header: str = "",
) -> list[dict]:
    """Blocks for one answer: text sections, notices, Sources, then the action buttons."""
    blocks: list[dict] = []
    if header:
        blocks.append(_context(header))
    text = answer.text or "(no answer)"
    if answer.refused and answer.searched and text.endswith(answer.searched):
        # A refusal's text ends with what was searched, which the context line below says.
        text = text[: -len(answer.searched)].rstrip() or text
    blocks += [_section(piece) for piece in split_text(to_mrkdwn(text))]
    if answer.refused and answer.searched:
        # The engine's wording may already open with "Searched …" (已在…中检索): not said twice.
        said = answer.searched
        if not said.startswith("Searched") and not is_chinese(said):
            said = f"Searched: {said}"
        blocks.append(_context(f":mag: {escape(said)}"))
    if needs_warning(answer):
        blocks.append(_context(NO_CITATION_WARNING))
    if answer.notice:
        blocks.append(_context(f":information_source: {escape(answer.notice)}"))
    tail: list[dict] = []
    if answer.citations:
        lines = [source_line(c, public_url) for c in sorted(answer.citations, key=lambda c: c.n)]
        tail.append({"type": "divider"})
        tail += [_section(piece) for piece in split_text("*Sources*\n" + "\n".join(lines))]
    if answer_id:
        buttons = [
            _button("👍 Helpful", ACTION_VOTE_UP, answer_id),
            _button("👎 Not helpful", ACTION_VOTE_DOWN, answer_id),
        ]
        if post_button:
            buttons.insert(0, _button("Post to channel", ACTION_POST, answer_id, "primary"))
        tail.append({"type": "actions", "block_id": "policy_actions", "elements": buttons})
    room = MAX_BLOCKS - len(tail)
    if len(blocks) > room:
        blocks = blocks[: room - 1] + [_context("… (answer shortened to fit in Slack)")]
    return blocks + tail[:MAX_BLOCKS]


def fallback_text(answer: Answer) -> str:
    """Plain text for notifications and screen readers; also read back as thread history."""
    text = answer.text or "(no answer)"
    if len(text) > FALLBACK_LIMIT:
        text = text[: FALLBACK_LIMIT - 1] + "…"
    return escape(text)
