"""The plain LangChain recipe, as a yardstick for `rag eval --baseline`.

RecursiveCharacterTextSplitter(1000, 200) over the same documents, Chroma in a temporary
folder, the project's own embedder, top-k similarity search. Its chunks know nothing of
articles, so each one is mapped back to every article (and heading) of the source text
it overlaps; a chunk spanning several articles matches any of them.

`article_spans` is also the independent parser the tests use to check the gold sets.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..index import Embedder
from ..ingest import load_document
from ..text import NUMERAL_CHARS, zh_to_int
from .evaluate import Ranked

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.vectorstores import VectorStore

CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
_ZH_ARTICLE = re.compile(rf"^第([{NUMERAL_CHARS}]+)条(?:[ \t\u3000]|$)", re.M)
_EN_ARTICLE = re.compile(r"^\*\*Article (\d+)\*\*", re.M)
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*$", re.M)


@dataclass(frozen=True)
class ArticleSpan:
    """Article `number` is `text[start:end]` (trailing blank lines excluded)."""

    number: int
    start: int
    end: int


def article_spans(text: str) -> list[ArticleSpan]:
    """Articles of a statute from 第X条 (Chinese) or **Article N** (English) at line start.

    An article runs to the next article or the next Markdown heading, so a chapter title
    is not part of the article before it. Cross-references mid-sentence are not markers.
    """
    marks = [(m.start(), zh_to_int(m.group(1))) for m in _ZH_ARTICLE.finditer(text)]
    marks += [(m.start(), int(m.group(1))) for m in _EN_ARTICLE.finditer(text)]
    marks.sort()
    stops = sorted(
        {m.start() for m in _HEADING.finditer(text)} | {p for p, _ in marks} | {len(text)}
    )
    spans = []
    for pos, number in marks:
        end = next(s for s in stops if s > pos)
        spans.append(ArticleSpan(number, pos, pos + len(text[pos:end].rstrip())))
    return spans


def article_texts(path: Path) -> dict[int, str]:
    """Article number → article text of one file (the first occurrence wins)."""
    text = path.read_text(encoding="utf-8")
    out: dict[int, str] = {}
    for span in article_spans(text):
        out.setdefault(span.number, text[span.start : span.end])
    return out


def heading_paths(text: str) -> list[tuple[int, str]]:
    """(offset, "第二章 … › 第一节 …") at every Markdown heading: the path in force from there."""
    stack: list[tuple[int, str]] = []
    out = []
    for m in _HEADING.finditer(text):
        level = len(m.group(1))
        stack = [(lv, t) for lv, t in stack if lv < level] + [(level, m.group(2))]
        out.append((m.start(), " › ".join(t for _, t in stack)))
    return out


def chunk_coverage(
    spans: list[ArticleSpan], paths: list[tuple[int, str]], start: int, end: int
) -> tuple[frozenset[int], tuple[str, ...]]:
    """Articles and heading paths that the slice [start, end) of a text overlaps."""
    articles = frozenset(s.number for s in spans if s.start < end and s.end > start)
    before = [p for off, p in paths if off <= start]
    inside = [p for off, p in paths if start < off < end]
    return articles, tuple(([before[-1]] if before else []) + inside)


def langchain_embeddings(embedder: Embedder) -> Embeddings:
    """The project's embedder as a LangChain `Embeddings`, which is what the recipe plugs in."""
    from langchain_core.embeddings import Embeddings

    class ProjectEmbeddings(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return np.asarray(embedder.embed_documents(list(texts))).tolist()

        def embed_query(self, text: str) -> list[float]:
            return np.asarray(embedder.embed_query(text)).tolist()

    return ProjectEmbeddings()


class BaselineIndex:
    """Chroma over RecursiveCharacterTextSplitter chunks; `.search` returns `Ranked` passages."""

    def __init__(self, store: VectorStore) -> None:
        self._store = store
        self.chunks = 0

    def search(self, query: str, k: int) -> list[Ranked]:
        out = []
        for doc in self._store.similarity_search(query, k=k):
            meta = doc.metadata
            articles = frozenset(int(a) for a in meta.get("articles", "").split(",") if a)
            sections = tuple(s for s in meta.get("sections", "").split("\n") if s)
            out.append(Ranked(doc_id=meta["doc_id"], articles=articles, sections=sections))
        return out


@contextmanager
def baseline_index(files: list[tuple[str, Path]], embedder: Embedder) -> Iterator[BaselineIndex]:
    """Build the plain recipe over (doc_id, path) files in a temporary folder."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP, add_start_index=True
    )
    docs = []
    for doc_id, path in files:
        text = load_document(path, doc_id=doc_id).text
        spans, paths = article_spans(text), heading_paths(text)
        for chunk in splitter.create_documents([text], metadatas=[{"doc_id": doc_id}]):
            start = chunk.metadata["start_index"]
            articles, sections = chunk_coverage(
                spans, paths, start, start + len(chunk.page_content)
            )
            chunk.metadata["articles"] = ",".join(str(a) for a in sorted(articles))
            chunk.metadata["sections"] = "\n".join(sections)
            docs.append(chunk)
    with tempfile.TemporaryDirectory(prefix="rag-baseline-") as tmp:
        client = chromadb.PersistentClient(
            path=tmp, settings=ChromaSettings(anonymized_telemetry=False)
        )
        store = Chroma(
            collection_name="baseline",
            embedding_function=langchain_embeddings(embedder),
            client=client,
        )
        for i in range(0, len(docs), 256):
            batch = docs[i : i + 256]
            store.add_documents(batch, ids=[f"chunk-{i + j}" for j in range(len(batch))])
        index = BaselineIndex(store)
        index.chunks = len(docs)
        yield index
