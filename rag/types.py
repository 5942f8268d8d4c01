"""Data passed between pipeline stages: Document → Chunk → Hit → Citation/Answer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DOC_TYPES = (
    "five_year_plan",
    "law",
    "administrative_regulation",
    "departmental_rule",
    "judicial_interpretation",
    "guideline",
    "summary",
    "commentary",
)
STATUSES = ("in_force", "amended", "repealed", "superseded")


@dataclass(kw_only=True)
class DocMeta:
    """Front matter of a document (or its sidecar `NAME.meta.yaml`)."""

    title: str = ""
    title_zh: str = ""
    short_name: str = ""
    doc_type: str = ""
    issuer: str = ""
    promulgated: str = ""  # ISO date
    effective: str = ""  # ISO date
    status: str = "in_force"
    supersedes: str = ""  # doc_id of the document this one replaces
    language: str = ""  # "zh" or "en"
    source_url: str = ""
    as_of: str = ""  # date the summary's facts were checked
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(kw_only=True)
class Page:
    """Where a PDF page starts in `Document.text` (character offset)."""

    number: int
    start: int


@dataclass(kw_only=True)
class Document:
    doc_id: str
    source_path: str
    text: str  # body text; chunk offsets point into it
    meta: DocMeta
    content_hash: str
    pages: list[Page] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(kw_only=True)
class Chunk:
    chunk_id: str
    doc_id: str
    text: str  # verbatim slice of Document.text[start:end]
    start: int
    end: int
    heading_path: list[str] = field(default_factory=list)
    article: int | None = None
    article_end: int | None = None  # for "Articles 13–18" sections of summaries
    paragraph: int | None = None  # 1-based 款 number when an article was split
    page: int | None = None


@dataclass(kw_only=True)
class Hit:
    """One retrieved chunk with the metadata of its document."""

    chunk_id: str
    doc_id: str
    text: str
    score: float  # fused score; higher is better
    meta: dict[str, Any]  # flat chunk + document metadata as stored
    dense_score: float | None = None  # cosine similarity, when the dense leg found it
    lexical_score: float | None = None  # BM25, when the lexical leg found it
    rank: int = 0

    @property
    def article(self) -> int | None:
        value = self.meta.get("article", -1)
        return None if value is None or value < 0 else int(value)

    @property
    def title(self) -> str:
        return self.meta.get("title", "")

    @property
    def label(self) -> str:
        return self.meta.get("label", "")

    @property
    def source_path(self) -> str:
        return self.meta.get("source_path", "")

    @property
    def heading_path(self) -> str:
        return self.meta.get("heading_path", "")


@dataclass(kw_only=True)
class Citation:
    """What an `[n]` in an answer points at; labels come from metadata, never from a model."""

    n: int
    chunk_id: str
    doc_id: str
    source_path: str
    title: str
    label: str
    article: int | None
    quote: str  # verbatim substring of the source document
    quote_start: int  # offsets of `quote` in Document.text
    quote_end: int
    heading_path: str = ""
    issuer: str = ""
    promulgated: str = ""
    effective: str = ""
    status: str = ""
    doc_type: str = ""
    url: str = ""
    page: int | None = None
    chunk_text: str = ""

    def to_json(self) -> dict[str, Any]:
        keys = ("n", "source_path", "doc_id", "title", "label", "article", "quote", "url", "page")
        return {k: getattr(self, k) for k in keys}


@dataclass(kw_only=True)
class Check:
    """The verdict on one sentence of an answer written by a model."""

    sentence: str
    cited: list[int]
    supported: bool
    reason: str = ""


@dataclass(kw_only=True)
class Answer:
    question: str
    text: str
    citations: list[Citation] = field(default_factory=list)
    refused: bool = False
    searched: str = ""  # what was searched, shown with a refusal
    standalone_question: str = ""  # the follow-up rewritten into a self-contained question
    mode: str = "extractive"  # "extractive" or "llm"
    notice: str = ""  # one-line notice, e.g. the LLM failed and we fell back
    checks: list[Check] = field(default_factory=list)
    hits: list[Hit] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "answer": self.text,
            "refused": self.refused,
            "citations": [c.to_json() for c in self.citations],
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
