"""/api/v1: each route translates around one engine call, as the CLI's `--json` does."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, UploadFile
from fastapi.sse import EventSourceResponse, ServerSentEvent

from ...errors import RagError
from ...types import Answer, Citation, Hit
from ..cli import hit_json
from .schemas import (
    AnswerRequest,
    AnswerResponse,
    CitationOut,
    DocumentDetail,
    DocumentOut,
    FeedbackRequest,
    FeedbackResponse,
    HitOut,
    JobOut,
    PassageOut,
    SearchRequest,
    SearchResponse,
    SourceSpan,
)
from .service import Admin, Reader, Service, Svc

MAX_JSON_BYTES = 256 * 1024  # a question, its history and filters
UPLOAD_FILES_PER_JOB = 4  # an upload request may carry this many files of RAG_MAX_FILE_MB
STREAM_FAILED = "Something went wrong while answering; the error has been logged."
SOURCE_CONTEXT = 600  # characters of the document shown on each side of a quote

log = logging.getLogger("rag.api")
router = APIRouter(prefix="/api/v1", max_body_size=MAX_JSON_BYTES)


def hit_out(hit: Hit) -> HitOut:
    return HitOut(chunk_id=hit.chunk_id, **hit_json(hit))


def citation_out(c: Citation) -> CitationOut:
    return CitationOut(
        chunk_id=c.chunk_id, quote_start=c.quote_start, quote_end=c.quote_end, **c.to_json()
    )


def passage_out(hit: Hit) -> PassageOut:
    m = hit.meta
    return PassageOut(
        chunk_id=hit.chunk_id,
        doc_id=m.doc_id,
        title=m.title,
        label=m.label,
        article=m.article,
        paragraph=m.paragraph,
        page=m.page,
        heading_path=m.heading_path,
        start=m.start,
        end=m.end,
        text=hit.text,
    )


def answer_out(svc: Service, answer: Answer, caller: str) -> AnswerResponse:
    svc.metrics.count_answer(answer, bool(svc.settings.llm))
    answer_id = svc.feedback.record_answer(answer, source="api", channel="", user=caller)
    return AnswerResponse(
        question=answer.question,
        answer=answer.text,
        refused=answer.refused,
        citations=[citation_out(c) for c in answer.citations],
        answer_id=answer_id,
        mode=answer.mode,
        notice=answer.notice,
        searched=answer.searched,
    )


@router.post("/search", response_model=SearchResponse)
def search(body: SearchRequest, svc: Svc, caller: Reader) -> SearchResponse:
    """The best passages for a query, as `rag search --json`."""
    hits = svc.engine.search(body.query, body.k, body.filters.as_engine(), body.explain)
    return SearchResponse(query=body.query, hits=[hit_out(h) for h in hits])


@router.post("/answer", response_model=AnswerResponse)
def answer(body: AnswerRequest, svc: Svc, caller: Reader) -> AnswerResponse:
    """A cited answer, as `rag ask --json`."""
    history = [t.model_dump() for t in body.history] or None
    result = svc.engine.answer(body.question, history, body.filters.as_engine())
    return answer_out(svc, result, caller.name)


@router.post("/answer/stream", response_class=EventSourceResponse)
def answer_stream(body: AnswerRequest, svc: Svc, caller: Reader) -> Iterator[ServerSentEvent]:
    """Server-sent events: `hits` (the passages found, as soon as the search ends), `token`
    (a chat model's words as it writes them: a draft, not yet checked), then `answer` (the
    checked answer with its citations, the same body as /answer) or `error`."""
    history = [t.model_dump() for t in body.history] or None
    events = svc.engine.answer_stream(body.question, history, body.filters.as_engine())
    try:
        for kind, value in events:
            if kind == "hits":
                yield ServerSentEvent(event="hits", data=[hit_out(h).model_dump() for h in value])
            elif kind == "token":
                yield ServerSentEvent(event="token", data=value)
            elif kind == "answer":
                out = answer_out(svc, value, caller.name)
                yield ServerSentEvent(event="answer", data=out.model_dump())
    except RagError as exc:  # the status is sent already: the error is an event
        yield ServerSentEvent(event="error", data={"detail": str(exc)})
    except Exception:  # a bug: logged with its trace, and the client told so
        log.exception("the answer stream failed")
        yield ServerSentEvent(event="error", data={"detail": STREAM_FAILED})


@router.get("/documents", response_model=list[DocumentOut])
def documents(
    svc: Svc,
    caller: Reader,
    doc_type: Annotated[list[str] | None, Query()] = None,
    short_name: Annotated[list[str] | None, Query()] = None,
    language: Annotated[list[str] | None, Query()] = None,
    status: Annotated[list[str] | None, Query()] = None,
) -> list[dict[str, Any]]:
    """Every indexed document with its metadata; each repeated filter keeps any of its values."""
    wanted = {"doc_type": doc_type, "short_name": short_name, "language": language}
    wanted["status"] = status
    return [
        d
        for d in svc.engine.list_documents()
        if all(not values or d.get(key) in values for key, values in wanted.items())
    ]


@router.get("/documents/{doc_id:path}", response_model=DocumentDetail)
def document(doc_id: str, svc: Svc, caller: Reader) -> DocumentDetail:
    """One document's metadata and its passages in reading order."""
    found = next((d for d in svc.engine.list_documents() if d["doc_id"] == doc_id), None)
    if found is None:
        raise HTTPException(404, f"no document {doc_id!r} in the index")
    passages = [passage_out(h) for h in svc.engine.document_passages(doc_id)]
    return DocumentDetail(**found, passages=passages)


@router.get("/passages/{chunk_id}", response_model=PassageOut)
def passage(chunk_id: str, svc: Svc, caller: Reader) -> PassageOut:
    """One passage by id (a citation's `chunk_id`)."""
    hit = svc.engine.get_passage(chunk_id)
    if hit is None:
        raise HTTPException(404, f"no passage {chunk_id!r} in the index")
    return passage_out(hit)


@router.get("/source", response_model=SourceSpan)
def source(
    svc: Svc,
    caller: Reader,
    doc_id: str,
    start: Annotated[int, Query(ge=0)],
    end: Annotated[int, Query(ge=0)],
    context: Annotated[int, Query(ge=0, le=5000)] = SOURCE_CONTEXT,
) -> SourceSpan:
    """The document's own text around a quote (a citation's `quote_start`/`quote_end`): what
    the web UI's document viewer shows highlighted."""
    if end < start:
        raise HTTPException(422, f"end must not be before start, got {start}..{end}")
    if not any(d["doc_id"] == doc_id for d in svc.engine.list_documents()):
        raise HTTPException(404, f"no document {doc_id!r} in the index")
    doc = svc.engine.get_document(doc_id)
    if end > len(doc.text):
        raise HTTPException(422, f"the document has {len(doc.text)} characters, got end={end}")
    return SourceSpan(
        doc_id=doc_id,
        title=doc.meta.title,
        start=start,
        end=end,
        before=doc.text[max(0, start - context) : start],
        quote=doc.text[start:end],
        after=doc.text[end : end + context],
    )


@router.post("/feedback", response_model=FeedbackResponse)
def feedback(body: FeedbackRequest, svc: Svc, caller: Reader) -> FeedbackResponse:
    """A vote on an answer given over the API (its `answer_id`); one vote per key, changeable."""
    if not svc.feedback.record_vote(body.answer_id, caller.name, body.vote):
        raise HTTPException(404, f"no answer {body.answer_id!r}")
    return FeedbackResponse(recorded=True)


# Its body limit is set where it is included, from RAG_MAX_FILE_MB.
ingest_router = APIRouter(prefix="/api/v1")


@ingest_router.post("/ingest", response_model=JobOut, status_code=202)
async def ingest(files: Annotated[list[UploadFile], File()], svc: Svc, caller: Admin) -> JobOut:
    """Add or replace documents (md, txt, pdf, docx, html); poll the job it returns. A file
    is refused with the reason, as `rag ingest` reports it, and the others go ahead."""
    uploads = [(f.filename or "", await f.read()) for f in files]
    return svc.jobs.start(uploads).out()


@ingest_router.get("/ingest/{job_id}", response_model=JobOut)
def ingest_job(job_id: str, svc: Svc, caller: Admin) -> JobOut:
    job = svc.jobs.get(job_id)
    if job is None:
        raise HTTPException(404, f"no ingest job {job_id!r}")
    return job.out()
