"""An answer as the conversation shows it and as it is taken away: each answer carries its own
sources, and its `[n]` markers link to them.

In the chat, `[n]` and each source's label are links of the form `?doc=…&chunk=…&start=…&end=…`
(the viewer link Slack also uses), made absolute with the page's address when it is known so
that a copied answer's links work where it is pasted: the page opens them in the Document view;
opened in a new tab they open the same passage. A refusal's suggested questions are `?q=…`
links, asked in place; "Link to this answer" (`?q=…&share=1`) opens in a new tab. The export
is plain Markdown with a sources list (quote, label, URL) a reader can paste.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlencode

from ...text import is_chinese
from ...types import Answer, Citation, doc_kind
from .ui import NO_CITATION_WARNING, inert, url_label, viewer_link, year_of

MARKER = re.compile(r"\[(\d{1,3})\]")
QUOTE_CHARS = 240  # characters of a quote shown under an answer; the export keeps it whole
NEAREST_DOCUMENTS = 3


def plain_url(url: str) -> str:
    """`url` if it is a plain http(s) address a Markdown link can hold, else ""."""
    return url if re.fullmatch(r"https?://[^\s()<>\[\]\"'`]+", url or "") else ""


def share_link(question: str, base: str = "") -> str:
    """A link that reopens `question` and its answer; `base` is the page's address."""
    return (base or "./") + "?" + urlencode({"q": question, "share": 1})


def ask_link(question: str, base: str = "") -> str:
    """A link the page asks in place (a refusal's suggested questions)."""
    return base + "?" + urlencode({"q": question})


def cite_link(c: Citation, base: str = "") -> str:
    return base + viewer_link(c.doc_id, c.chunk_id, c.quote_start, c.quote_end)


def _md_text(text: str) -> str:
    """Metadata as Markdown link text: brackets would end the link early."""
    return inert(text).replace("[", "(").replace("]", ")")


def linked_markers(text: str, citations: Sequence[Citation], base: str = "") -> str:
    """`[n]` in (already inert) answer text as links that open source n."""
    by_n = {c.n: c for c in citations}

    def link(m: re.Match[str]) -> str:
        c = by_n.get(int(m.group(1)))
        return f"[\\[{c.n}\\]]({cite_link(c, base)})" if c else m.group(0)

    return MARKER.sub(link, text)


def provenance(c: Citation) -> str:
    """Kind of text, version year and status: "summary · 2021 · in force"."""
    parts = [doc_kind(c.doc_type) if c.doc_type else "", year_of(c.promulgated, c.effective)]
    if c.status:
        parts.append(c.status.replace("_", " "))
    return " · ".join(p for p in parts if p)


def _short(quote: str) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= QUOTE_CHARS else quote[: QUOTE_CHARS - 1].rstrip() + "…"


def also_markdown(c: Citation, base: str = "") -> str:
    """The texts the cited article rides with, each a link that opens it: "Also: 《…》第三十八条
    (Chinese original) · CSL Art. 47 (2016 version)"."""
    links = [
        f"[{_md_text(a.label)}]({base}{viewer_link(a.doc_id, a.chunk_id)}) ({a.kind})"
        for a in c.also
    ]
    return "*Also:* " + " · ".join(links)


def sources_markdown(citations: Sequence[Citation], base: str = "") -> str:
    """The answer's own sources, under it in the conversation."""
    lines = ["**Sources**", ""]
    for c in citations:
        label = _md_text(c.label or c.title)
        line = f"\\[{c.n}\\] **[{label}]({cite_link(c, base)})** · {provenance(c)} · {_md_text(c.title)}"
        if url := plain_url(c.url):
            line += f" · [{url_label(url)}]({url})"
        lines.append(f"{line}  \n“{inert(_short(c.quote))}”")
        if c.also:
            lines[-1] += "  \n" + also_markdown(c, base)
        lines.append("")
    return "\n".join(lines).rstrip()


def nearest_documents(answer: Answer, base: str = "") -> list[str]:
    """The indexed documents nearest a refused question, as Markdown links to open them."""
    seen: dict[str, str] = {}
    for hit in answer.hits:
        if hit.doc_id in seen:
            continue
        meta = hit.meta
        facts = ", ".join(
            x for x in (doc_kind(meta.doc_type), year_of(meta.promulgated, meta.effective)) if x
        )
        title = _md_text(meta.title or meta.title_zh or hit.doc_id)
        seen[hit.doc_id] = f"[{title}]({base}{viewer_link(hit.doc_id)})" + (
            f" ({facts})" if facts else ""
        )
        if len(seen) == NEAREST_DOCUMENTS:
            break
    return list(seen.values())


def follow_up_line(answer: Answer, question: str) -> str:
    rewritten = answer.standalone_question
    if rewritten and rewritten.strip() != (question or answer.question).strip():
        return f"*Follow-up, read as:* {inert(rewritten)}"
    return ""


# A refusal's headings, in the question's language: (English, Chinese).
REFUSAL_HEADINGS = {
    "none": ("No answer found in the indexed documents.", "已收录的文件中没有找到答案。"),
    "nearest": ("Nearest documents covered:", "最接近的已收录文件："),
    "asks": ("Questions these documents answer:", "这些文件能回答的问题："),
}


def refusal_heading(answer: Answer, key: str) -> str:
    english, chinese = REFUSAL_HEADINGS[key]
    return chinese if is_chinese(answer.question) else english


def refusal_markdown(answer: Answer, base: str = "") -> list[str]:
    parts = [f"**{refusal_heading(answer, 'none')}**"]
    if answer.searched:
        parts.append(inert(answer.searched))
    if nearest := nearest_documents(answer, base):
        parts.append(f"**{refusal_heading(answer, 'nearest')}** " + " · ".join(nearest))
    if answer.suggestions:
        asks = [f"- [{_md_text(q)}]({ask_link(q, base)})" for q in answer.suggestions]
        parts.append(f"**{refusal_heading(answer, 'asks')}**\n\n" + "\n".join(asks))
    return parts


def answer_message(answer: Answer, question: str = "", base: str = "") -> str:
    """The assistant's chat message (Markdown): notice, how a follow-up was read, the answer
    with linked `[n]`, its sources, and a link that reopens it; `base`: the page's address
    (links are relative without it)."""
    parts = []
    if answer.notice:
        parts.append(f"> ℹ️ {inert(answer.notice)}")
    parts.append(follow_up_line(answer, question))
    if answer.refused:
        return "\n\n".join(p for p in [*parts, *refusal_markdown(answer, base)] if p)
    parts.append(linked_markers(inert(answer.text or ""), answer.citations, base))
    if not answer.citations:
        parts.append(NO_CITATION_WARNING)
    unsupported = [c for c in answer.checks if not c.supported]
    if unsupported:
        n = len(unsupported)
        parts.append(
            f"⚠️ {n} sentence{'s' if n > 1 else ''} could not be matched to the cited source; "
            "check the quotes below."
        )
    if answer.citations:
        parts.append(sources_markdown(answer.citations, base))
    shared = answer.standalone_question or question or answer.question
    parts.append(f"[Link to this answer]({share_link(shared, base)})")
    return "\n\n".join(p for p in parts if p)


def export_markdown(answers: Sequence[Answer], base_url: str = "") -> str:
    """The conversation as Markdown to keep or paste: each question, its answer with `[n]`,
    and its sources, each with the label, the exact quote and the URL."""
    out = ["# Policy Desk answers", ""]
    for answer in answers:
        out += [f"## {answer.question}", ""]
        if answer.standalone_question:
            out += [f"*Follow-up, read as:* {answer.standalone_question}", ""]
        if answer.refused:
            out += [f"{refusal_heading(answer, 'none')} {answer.searched}", ""]
            continue
        out += [answer.text, "", "### Sources", ""]
        for c in answer.citations:
            facts = ", ".join(x for x in (c.title, provenance(c)) if x)
            out.append(f"{c.n}. **{c.label or c.title}** ({facts})")
            out.append(f"   > {' '.join(c.quote.split())}")
            if base_url:
                out.append(f"   - In Policy Desk: {cite_link(c, base_url)}")
            if url := plain_url(c.url):
                out.append(f"   - {url_label(url)}: {url}")
        out.append("")
    return "\n".join(out).rstrip() + "\n"
