"""From a paraphrase to the text it paraphrases: the articles of the law itself, where they
are indexed, that a summary's or commentary's passage restates."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..types import Hit
from .index import Index

PARAPHRASES = ("summary", "commentary")  # kinds of text that restate a law in other words


def primary_articles(index: Index, documents: list[dict[str, Any]], chunk_id: str) -> list[Hit]:
    """The articles of the same law and version (same short name and promulgation date) with
    the numbers the passage `chunk_id` covers, each as a hit spanning the whole article; [] for
    a passage that is not a paraphrase, or when several versions exist and none is dated as
    the paraphrase (no guess)."""
    meta = index.passages.get(chunk_id)
    if meta is None or meta.doc_type not in PARAPHRASES or meta.article is None:
        return []
    laws = [
        d
        for d in documents
        if meta.short_name
        and d["short_name"] == meta.short_name
        and d["doc_type"] not in PARAPHRASES
    ]
    same_version = [d for d in laws if d["promulgated"] == meta.promulgated]
    if same_version:
        laws = same_version
    elif len({d["promulgated"] for d in laws}) > 1:
        return []  # several versions and none dated as the summary: no guess
    found = []
    for doc in laws:
        for number in range(meta.article, (meta.article_end or meta.article) + 1):
            ids = index.by_article.get((doc["doc_id"], number))
            if not ids:
                continue
            parts = [index.passages[cid] for cid in ids]
            whole = dataclasses.replace(parts[0], end=max(p.end for p in parts))
            found.append(Hit(chunk_id=ids[0], text=index.records[ids[0]][0], score=0.0, meta=whole))
    return found
