"""Where passages are kept and found: the embedders, the Chroma vector store and BM25."""

from .bm25 import BM25Index, Rows
from .embeddings import PROVIDERS, Embedder, get_embedder, slug, unit_rows
from .store import Store, collection_name, in_reading_order, where_clause

__all__ = [
    "PROVIDERS",
    "BM25Index",
    "Embedder",
    "Rows",
    "Store",
    "collection_name",
    "get_embedder",
    "in_reading_order",
    "slug",
    "unit_rows",
    "where_clause",
]
