"""The API's request and response bodies: the CLI's `--json` shapes, typed for OpenAPI."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

MAX_QUESTION_CHARS = 2000


class Filters(BaseModel):
    """Each list keeps passages whose field is one of its values; empty or absent: any."""

    doc_type: list[str] = Field(default_factory=list, examples=[["law"]])
    short_name: list[str] = Field(default_factory=list, examples=[["PIPL"]])
    language: list[Literal["zh", "en"]] = Field(default_factory=list)
    status: list[str] = Field(default_factory=list, examples=[["in_force"]])

    def as_engine(self) -> dict[str, Any] | None:
        chosen = {k: v for k, v in self.model_dump().items() if v}
        return chosen or None


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    k: int | None = Field(default=None, ge=1, le=50, description="default RAG_TOP_K")
    filters: Filters = Field(default_factory=Filters)
    explain: bool = False


class CompanionOut(BaseModel):
    """The hit's article in another text, riding with it instead of ranked on its own."""

    chunk_id: str
    doc_id: str
    label: str
    relation: Literal["translation", "version"]
    language: str
    promulgated: str
    text: str


class HitOut(BaseModel):
    """One passage, as `rag search --json` prints it, plus its id."""

    rank: int
    score: float
    chunk_id: str
    source_path: str
    doc_id: str
    title: str
    label: str
    article: int | None
    heading_path: str
    text: str
    companions: list[CompanionOut] = Field(
        default_factory=list, description="its translation and other versions, in one place"
    )
    explain: dict[str, Any] | None = None


class SearchResponse(BaseModel):
    query: str
    hits: list[HitOut]


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class AnswerRequest(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    history: list[Turn] = Field(default_factory=list, max_length=40)
    filters: Filters = Field(default_factory=Filters)


class AlsoOut(BaseModel):
    """A text the cited article rides with; open it with `GET /api/v1/documents/{doc_id}`."""

    chunk_id: str
    doc_id: str
    label: str
    language: str
    relation: Literal["translation", "version"]
    promulgated: str = ""
    status: str = ""


class CitationOut(BaseModel):
    """What `[n]` points at; `quote_start`/`quote_end` are offsets in the document's text,
    for `GET /api/v1/source`."""

    n: int
    chunk_id: str
    source_path: str
    doc_id: str
    title: str
    label: str
    article: int | None
    quote: str
    quote_start: int
    quote_end: int
    url: str
    page: int | None
    also: list[AlsoOut] = Field(
        default_factory=list, description="the cited article's translation and other versions"
    )


class AnswerResponse(BaseModel):
    """`rag ask --json`, plus what a program needs to vote on it or explain a refusal."""

    question: str
    answer: str
    refused: bool
    citations: list[CitationOut]
    answer_id: str = Field(description="pass to /api/v1/feedback")
    mode: str = Field(description="extractive, or llm when a chat model wrote it")
    notice: str = ""
    searched: str = Field(default="", description="what was searched, with a refusal")


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    title_zh: str
    short_name: str
    doc_type: str
    status: str
    language: str
    promulgated: str
    effective: str
    source_path: str
    source_url: str
    chunks: int


class PassageOut(BaseModel):
    chunk_id: str
    doc_id: str
    title: str
    label: str
    article: int | None
    paragraph: int | None
    page: int | None
    heading_path: str
    start: int
    end: int
    text: str


class DocumentDetail(DocumentOut):
    passages: list[PassageOut]


class SourceSpan(BaseModel):
    """The document text around a quote: what the web UI's viewer shows highlighted."""

    doc_id: str
    title: str
    start: int
    end: int
    before: str
    quote: str
    after: str


class FeedbackRequest(BaseModel):
    answer_id: str = Field(min_length=1, max_length=64)
    vote: Literal[1, -1] = Field(description="1 helpful, -1 not")


class FeedbackResponse(BaseModel):
    recorded: bool


class FileResult(BaseModel):
    name: str
    error: str = ""


JobState = Literal["queued", "running", "done", "failed"]


class JobOut(BaseModel):
    """An ingest of uploaded files; poll `GET /api/v1/ingest/{job_id}` until `state` is done
    or failed."""

    job_id: str
    state: JobState
    files: list[str]
    failed: list[FileResult] = Field(default_factory=list)
    summary: str = ""
    error: str = ""


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    ready: bool
    reason: str = ""
    documents: int = 0
    passages: int = 0
