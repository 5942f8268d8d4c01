"""The engine every interface calls: search and cited answers.

Nothing heavy happens on construction: the embedder, the store and the BM25 index load
on first use and are cached for the life of the process.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import shutil
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .answer import (
    MAX_RETRIES,
    asked_field,
    describe_search,
    extractive_answer,
    refusal,
    stated_fact,
    suggested_questions,
)
from .config import Settings
from .errors import RagError
from .index import Embedder, Store, get_embedder
from .ingest import SUFFIXES, IngestReport, ingest, is_source_file
from .library import Library
from .retrieval import (
    Question,
    Retriever,
    Trace,
    clean_filters,
    is_follow_up,
    join_follow_up,
    read_question,
    reading_order,
    uncovered_subjects,
    unknown_laws,
)
from .text import tokenize
from .types import Answer, Hit, Written

log = logging.getLogger(__name__)
PASSAGE_FLOOR = 0.12  # passages less similar than this are never quoted
NAMED_RELEVANCE = 0.8  # share of the refusal bar a question naming an indexed document must reach
UPLOADS = "uploads"  # under data_dir: the folder documents added from the web UI are kept in
SIDECAR = ".meta.yaml"  # metadata beside a PDF, DOCX or HTML file
SUGGESTIONS = 3  # questions offered with a refusal, one per nearest document
PARAPHRASES = ("summary", "commentary")  # kinds of text that restate a law in other words


class PolicyEngine(Library):
    """The engine over one index: the `rag.types.Engine` every interface is typed against."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings.from_env()
        self.store = Store(self.settings)
        self._embedder: Embedder | None = None
        self.retriever = Retriever(
            self.settings,
            self.store,
            lambda q: self.embedder.embed_query(q),
            lambda terms: self.embedder.embed_documents(terms),
        )

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = get_embedder(self.settings.embedding_model)
        return self._embedder

    def prepare(self, written: Written | None = None) -> int:
        """Load what the first question would: the index (built and saved if this generation
        of the store has none yet), the embedder and the word segmenter. Servers call it
        before taking requests and `rag ingest` after writing, so no user waits for it.
        `written`, what an ingest that wrote the whole store wrote, spares reading it back.
        Returns the number of passages indexed (0 when the store is empty)."""
        if not self.store.count():
            return 0
        index = self.retriever.refresh(written)
        self.embedder.embed_query("warm up")
        tokenize("预热")
        return len(index.bm25)

    # ---- status -----------------------------------------------------------------------
    def index_status(self) -> dict[str, Any]:
        chunks = self.store.count()
        return {
            "ready": chunks > 0,
            "documents": self.retriever.refresh().documents if chunks else 0,
            "chunks": chunks,
            "generation": self.store.generation(),
            "embedding_model": self.settings.embedding_model,
            "data_dir": str(self.settings.data_dir),
            "llm": self.settings.llm,
            # the longest a question waits for the model before the quoted answer is shown
            "llm_wait_seconds": self.settings.llm_timeout * (1 + MAX_RETRIES),
            "uploads": self.settings.ui_uploads,
        }

    def index_ready(self) -> bool:
        """Whether a question would be answered now from the store's current index: False
        before the first load, while an ingest --reset swaps collections, and after another
        process's ingest until this one has loaded the new generation. Loads nothing."""
        loaded = self.retriever.loaded_generation
        # "" on both sides is a store written before generations, not an ingest under way.
        return loaded is not None and loaded == self.store.generation()

    def add_documents(self, files: Sequence[Path]) -> IngestReport:
        """Add files to the index as `rag ingest` would, with its report (each file that
        failed, and why). They are kept under data_dir/uploads/uploads, so their ids start
        with "uploads/" and never replace a corpus document; an upload of the same name
        replaces the earlier one. Only with RAG_UI_UPLOADS=1."""
        if not self.settings.ui_uploads:
            raise RagError(
                "Adding documents from the web UI is off (RAG_UI_UPLOADS=1 turns it on)."
            )
        root = Path(self.settings.data_dir) / UPLOADS
        folder = root / UPLOADS
        folder.mkdir(parents=True, exist_ok=True)
        refused: list[tuple[str, str]] = []
        for file in files:
            target = folder / Path(file).name
            shutil.copyfile(file, target)
            if not (is_source_file(target) or target.name.lower().endswith(SIDECAR)):
                target.unlink()
                kinds = ", ".join(s.lstrip(".") for s in sorted(SUFFIXES))
                refused.append((target.name, f"not a kind of file Policy Desk reads ({kinds})"))
        report = ingest(self.settings, [root], progress=False)
        report.failed[:0] = refused
        if report.changed:
            self.prepare()  # the next question, the document list and the filters see them
        return report

    # ---- search -----------------------------------------------------------------------
    def search(
        self,
        query: str,
        k: int | None = None,
        filters: dict[str, Any] | None = None,
        explain: bool = False,
    ) -> list[Hit]:
        """The `k` best passages; `explain` adds to each the legs that found it (and its rank
        in each) and the rules that moved its score."""
        query = (query or "").strip()
        if not query:
            raise RagError("The question is empty.")
        return self._search(self.retriever.read(query), k, filters, explain)

    def _search(
        self,
        question: Question,
        k: int | None,
        filters: dict[str, Any] | None,
        explain: bool = False,
    ) -> list[Hit]:
        k = self.settings.top_k if k is None else k
        if k <= 0:
            raise RagError(f"k must be greater than 0, got {k}")
        if not explain:
            return self.retriever.search(question, k, clean_filters(filters))
        trace = Trace()
        hits = self.retriever.search(question, k, clean_filters(filters), trace)

        def explained(hit: Hit) -> Hit:
            return dataclasses.replace(
                hit,
                explain=trace.of(hit.chunk_id),
                companions=[explained(c) for c in hit.companions],
            )

        return [explained(h) for h in hits]

    # ---- answers ----------------------------------------------------------------------
    def standalone_question(self, question: str, history: list[dict[str, str]] | None) -> str:
        """A follow-up ("and for minors?") made searchable on its own, as one readable
        question; a question that does not lean on the previous one is left as it is."""
        previous = [
            m["content"] for m in (history or []) if m.get("role") == "user" and m.get("content")
        ]
        if not previous:
            return question
        if self.settings.llm:
            from .answer import rewrite_question

            return rewrite_question(question, history, self.settings)
        index = self.retriever.refresh()
        if not is_follow_up(question, names_a_law=bool(read_question(index, question).named)):
            return question
        return join_follow_up(previous[-1], question, self._law_named_in(previous[-1]))

    def _law_named_in(self, text: str) -> str:
        """The short name of the first indexed law `text` names ("PIPL"), or ""."""
        asked = read_question(self.retriever.refresh(), text)
        if not asked.mentions:
            return ""
        names = {d["doc_id"]: d["short_name"] for d in self.list_documents()}
        first = sorted(asked.mentions[0])
        return next((names[d] for d in first if names.get(d)), "")

    def answer(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        filters: dict[str, Any] | None = None,
        *,
        on_token: Callable[[str], None] | None = None,
        on_hits: Callable[[list[Hit]], None] | None = None,
    ) -> Answer:
        question = (question or "").strip()
        if not question:
            raise RagError("The question is empty.")
        standalone = self.standalone_question(question, history)
        asked = self.retriever.read(standalone)
        hits = self._search(asked, None, filters)
        if on_hits is not None:
            on_hits(hits)
        # A question about a law that is not indexed, or about a subject no passage mentions,
        # gets no answer from the laws that are.
        index = self.retriever.index
        missing = unknown_laws(index, asked)
        subjects = [] if missing else uncovered_subjects(index, asked)
        stated = (
            stated_fact(
                asked, self.retriever.passages_of(asked.named, clean_filters(filters)), index.older
            )
            if asked.named and asked_field(asked)
            else None
        )
        # A question that names an indexed document is held to a lower bar: the name is most
        # of its evidence ("标准合同办法最初规定的适用条件有哪些？" shares few words with the
        # English summary); below it, only a subject no passage mentions refuses it.
        bar = self.settings.min_relevance * (NAMED_RELEVANCE if asked.named else 1.0)
        # A fact the named document's own metadata and text state ("how many articles does
        # it have") is answered whatever the passages found score.
        weak = stated is None and self.retriever.evidence(asked, hits) < bar
        if weak and not missing and any(h.doc_id in asked.named for h in hits):
            # The name is the evidence: weak passages of a named document still answer,
            # unless the question's subject is one no passage mentions (its tax rate).
            subjects = uncovered_subjects(index, asked, named_too=True)
            weak = bool(subjects)
        if missing or subjects or weak:
            searched = describe_search(
                hits, index.documents, clean_filters(filters), missing, subjects, standalone
            )
            answer = refusal(question, searched)
            answer.suggestions = suggested_questions(hits, asked.chinese)
        else:
            # Passages far below the relevance bar only add noise to the quoted answer.
            # (A passage without a similarity, when the vector store could not be read, stays.)
            # The answer reads each hit's translation and other versions beside it.
            read = reading_order(hits)
            # A passage of a document the question names stays: the name is its relevance.
            usable = [
                h
                for h in read
                if h.dense_score is None
                or h.dense_score >= PASSAGE_FLOOR
                or h.doc_id in asked.named
            ]

            def offline() -> Answer:
                result = extractive_answer(
                    asked,
                    usable,
                    stated=stated,
                    embed=self.embedder.embed_documents,
                    idf=self.retriever.index.bm25.idf,
                )
                result.question = question
                return result

            if self.settings.llm:
                from .answer import llm_answer

                answer = llm_answer(
                    asked,
                    read,
                    history,
                    self.settings,
                    stated=stated,
                    on_token=on_token,
                    extractive=offline,
                )
                answer.question = question
            else:
                answer = offline()
        answer.hits = hits
        if asked.chinese:
            # A Chinese reader sees an English source under its Chinese title too.
            for c in answer.citations:
                meta = index.passages.get(c.chunk_id)
                if meta is not None and meta.language != "zh" and meta.title_zh:
                    c.title = f"{meta.title_zh} · {c.title}"
        dated = [c for c in answer.citations if c.status and c.status != "in_force"]
        if dated and not answer.refused:
            which = ", ".join(f"[{c.n}] {c.label} is {c.status.replace('_', ' ')}" for c in dated)
            note = f"Check the version: {which}; a newer text may be in force."
            answer.notice = f"{answer.notice} {note}".strip()
        if standalone != question:
            answer.standalone_question = standalone
        return answer

    def answer_stream(
        self,
        question: str,
        history: list[dict[str, str]] | None = None,
        filters: dict[str, Any] | None = None,
    ) -> Iterator[tuple[str, Any]]:
        """Yield ("hits", [Hit]) as soon as retrieval ends, ("token", str)..., ("answer", Answer)."""
        events: queue.Queue = queue.Queue()

        def work() -> None:
            try:
                result = self.answer(
                    question,
                    history,
                    filters,
                    on_token=lambda t: events.put(("token", t)),
                    on_hits=lambda h: events.put(("hits", h)),
                )
                events.put(("answer", result))
            except BaseException as exc:  # handed to the consumer, which re-raises it
                events.put(("error", exc))

        threading.Thread(target=work, daemon=True).start()
        while True:
            kind, value = events.get()
            if kind == "error":
                raise value
            yield kind, value
            if kind == "answer":
                return


_default: PolicyEngine | None = None
_default_lock = threading.Lock()


def get_engine(settings: Settings | None = None) -> PolicyEngine:
    global _default
    if settings is not None:
        return PolicyEngine(settings)
    with _default_lock:
        if _default is None:
            _default = PolicyEngine(Settings.from_env())
        return _default
