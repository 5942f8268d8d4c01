"""Files → `Document` → `Chunk` → the index: loading, chunking by article, and the pipeline
that hashes, embeds and writes only what changed."""

from .chunking import CHUNKER_VERSION, chunk_document, estimate_tokens
from .documents import SUFFIXES, content_hash, is_source_file, load_document
from .pipeline import IngestReport, chunk_metadata, discover, ingest
from .progress import time_left

__all__ = [
    "CHUNKER_VERSION",
    "SUFFIXES",
    "IngestReport",
    "chunk_document",
    "chunk_metadata",
    "content_hash",
    "discover",
    "estimate_tokens",
    "ingest",
    "is_source_file",
    "load_document",
    "time_left",
]
