"""Data passed between pipeline stages: Document → Chunk → Hit → Citation/Answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

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
LANGUAGES = {"zh": "Chinese", "en": "English"}

DOC_KINDS = {
    "law": "law",
    "administrative_regulation": "regulation",
    "departmental_rule": "rule",
    "judicial_interpretation": "judicial interpretation",
    "five_year_plan": "plan",
    "guideline": "guideline",
    "summary": "summary",
    "commentary": "commentary",
}


def doc_kind(doc_type: str) -> str:
    """What kind of text a citation rests on, in a word or two ("law", "summary")."""
    return DOC_KINDS.get(doc_type, doc_type.replace("_", " "))


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
    # Other names people call it, ";"-separated (a YAML list is accepted): 个保法, "the Didi
    # case". A question naming one is about this document.
    aliases: str = ""
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
    # Document.text[start:end] verbatim; for a Markdown table row, the row stated as one
    # sentence with its column names (rag.text.row_sentence), start/end being the row's line.
    text: str
    start: int
    end: int
    heading_path: list[str] = field(default_factory=list)
    article: int | None = None
    article_end: int | None = None  # for "Articles 13–18" sections of summaries
    paragraph: int | None = None  # 1-based 款 number when an article was split
    page: int | None = None


@dataclass(frozen=True, kw_only=True)
class PassageMeta:
    """What is known of a passage: its document's metadata and its place in it.

    The store keeps it flat, with -1 for "no article/page" (Chroma takes scalars only);
    `from_record` reads that form and `PassageMeta` never holds the sentinel.
    """

    doc_id: str
    title: str = ""
    title_zh: str = ""
    short_name: str = ""
    doc_type: str = ""
    issuer: str = ""
    promulgated: str = ""
    effective: str = ""
    status: str = "in_force"
    supersedes: str = ""  # doc_id of the document this one replaces
    language: str = ""
    source_path: str = ""
    source_url: str = ""
    label: str = ""  # "PIPL Art. 66", 《个人信息保护法》第六十六条: built at ingest
    heading_path: str = ""  # "第五章 … › 第二节 …"
    article: int | None = None
    article_end: int | None = None  # for "Articles 13–18" sections of summaries
    paragraph: int | None = None
    page: int | None = None
    start: int = 0  # offsets of the passage in its document's text
    end: int = 0

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> PassageMeta:
        """From the store's flat metadata; keys it does not know are ignored."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            value = record.get(f.name)
            if value is None:
                continue
            if f.name in _OPTIONAL_NUMBERS:
                values[f.name] = None if int(value) < 0 else int(value)
            elif f.name in ("start", "end"):
                values[f.name] = int(value)
            else:
                values[f.name] = str(value)
        return cls(**values)


_OPTIONAL_NUMBERS = ("article", "article_end", "paragraph", "page")


@dataclass(kw_only=True)
class Hit:
    """One retrieved chunk with the metadata of its document."""

    chunk_id: str
    text: str
    score: float  # fused score; higher is better
    meta: PassageMeta
    dense_score: float | None = None  # cosine similarity, when the dense leg found it
    lexical_score: float | None = None  # BM25, when the lexical leg found it
    rank: int = 0
    # `search(..., explain=True)`: the legs that found it and the rules that moved it
    explain: dict[str, Any] | None = None
    # The same article in another text, shown with this hit instead of ranked on its own: its
    # translation, or its other version (`relation`); a companion's own score is 0 when it was
    # not found by search but added as the hit's translation.
    companions: list[Hit] = field(default_factory=list)
    relation: str = ""  # of a companion: "translation" or "version"

    @property
    def doc_id(self) -> str:
        return self.meta.doc_id

    @property
    def article(self) -> int | None:
        return self.meta.article

    @property
    def title(self) -> str:
        return self.meta.title

    @property
    def label(self) -> str:
        return self.meta.label

    @property
    def source_path(self) -> str:
        return self.meta.source_path

    @property
    def heading_path(self) -> str:
        return self.meta.heading_path


@dataclass(frozen=True, kw_only=True)
class Also:
    """A text a citation's article rides with: its translation or another version."""

    chunk_id: str
    doc_id: str
    label: str
    language: str
    relation: str  # "translation" or "version"
    promulgated: str = ""
    status: str = ""

    @classmethod
    def of(cls, hit: Hit) -> Also:
        meta = hit.meta
        return cls(
            chunk_id=hit.chunk_id,
            doc_id=hit.doc_id,
            label=meta.label or meta.title,
            language=meta.language,
            relation=hit.relation,
            promulgated=meta.promulgated,
            status=meta.status,
        )

    @property
    def kind(self) -> str:
        """How a source list names it: "Chinese original", "English translation", "2016
        version" (the Chinese text controls; a translation is for reference)."""
        if self.relation == "translation":
            if self.language == "zh":
                return "Chinese original"
            return f"{LANGUAGES.get(self.language, self.language)} translation"
        year = self.promulgated[:4]
        return f"{year} version" if year else "other version"


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
    quote: str  # verbatim part of the chunk: of the document too, unless a table row's
    quote_start: int  # offsets of `quote` in Document.text (a table row: the row's line)
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
    also: list[Also] = field(default_factory=list)  # the article's translation, other versions

    def __post_init__(self) -> None:
        # as stored (JSON), `also` comes back as dicts
        self.also = [a if isinstance(a, Also) else Also(**a) for a in self.also]

    def to_json(self) -> dict[str, Any]:
        keys = ("n", "source_path", "doc_id", "title", "label", "article", "quote", "url", "page")
        out = {k: getattr(self, k) for k in keys}
        out["also"] = [asdict(a) for a in self.also]
        return out


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
    # with a refusal: questions about the nearest indexed documents that the index can answer
    suggestions: list[str] = field(default_factory=list)
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


@dataclass(frozen=True, kw_only=True)
class FacetValue:
    """One value a filter can take, as the index holds it, and how many documents have it."""

    key: str  # a filter key: "doc_type", "language", "status" or "short_name"
    value: str  # "summary", "zh", "in_force", "PIPL"
    documents: int


class IngestOutcome(Protocol):
    """What adding files reports, as `rag ingest` prints it (`rag.ingest.IngestReport`)."""

    failed: list[tuple[str, str]]  # (path, reason) of each file that could not be indexed
    warnings: list[tuple[str, str]]

    def summary(self) -> str: ...


class Engine(Protocol):
    """What the interfaces (web UI, Slack, CLI, HTTP API) may ask of the engine: nothing else."""

    def search(
        self,
        query: str,
        k: int | None = None,
        filters: dict[str, Any] | None = None,
        explain: bool = False,
    ) -> list[Hit]: ...

    def answer(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        filters: dict[str, Any] | None = None,
        *,
        on_token: Callable[[str], None] | None = None,
        on_hits: Callable[[list[Hit]], None] | None = None,
    ) -> Answer: ...

    def answer_stream(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        filters: dict[str, Any] | None = None,
    ) -> Iterator[tuple[str, Any]]: ...

    def index_status(self) -> dict[str, Any]: ...

    def prepare(self) -> int: ...

    def list_documents(self) -> list[dict[str, Any]]: ...

    def facets(self) -> list[FacetValue]: ...

    def add_documents(self, files: Sequence[Path]) -> IngestOutcome: ...

    def get_document(self, doc_id: str) -> Document: ...

    def get_chunk(self, chunk_id: str) -> Chunk | None: ...

    def primary_articles(self, chunk_id: str) -> list[Hit]: ...

    def get_passage(self, chunk_id: str) -> Hit | None: ...

    def document_passages(self, doc_id: str) -> list[Hit]: ...

    def index_ready(self) -> bool: ...


Records = tuple[list[str], list[str], list[dict]]  # chunk ids, texts, metadata: one per chunk


@dataclass(frozen=True)
class Written:
    """Every record an ingest wrote when it wrote the whole store (a first ingest, or
    --reset), in reading order, and the store generation they make up: the search index is
    built from them instead of reading 68,573 records back from Chroma (11 s)."""

    generation: str
    records: Records
