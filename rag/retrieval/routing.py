"""Which laws a question is about, and its candidates in them raised: the `law-routing` rule.

A lay question rarely names its law, but the articles that answer it cluster in a law or two,
and questions alike are about the same laws even when no one asked about the same article: a
law generalises where an article does not. So the `ROUTING_NEIGHBOURS` questions asked before
(`rag tune`'s table, `rag.retrieval.asked`) most like this one, those at least
`ROUTING_MIN_SIMILARITY` alike, vote their similarity for the laws their answers are in; each
candidate's fused score is multiplied by 1 + `ROUTING_WEIGHT` × its law's share of the votes.
Versions of one law (one short name, language and kind of text) are one law. Without
`rag tune` the rule does nothing.

Chosen inside the fit half of STARD dev, each half of it answered from the other's questions
(docs/experiments.md): weight 2 against 0.25 to 4; 20 neighbours at 0.4 against 10 to 40 and
0.3 to 0.5 (flat). The candidates' own law distribution (the leading fused scores summed per
law) as a second estimate moved nothing there, alone or with this one: not kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import numpy as np

from .asked import AskedBefore
from .index import Index

ROUTING_NEIGHBOURS = 20  # questions asked before whose laws vote
ROUTING_MIN_SIMILARITY = 0.4  # how alike (cosine, the index's embedder) a voter must be
ROUTING_WEIGHT = 2.0  # a candidate × (1 + weight × its law's share of the votes)


def law_of(index: Index, doc_id: str) -> str:
    """The law a document is a version of: its short name, language and kind of text, or
    the document itself when it has no short name."""
    cids = index.by_doc.get(doc_id)
    meta = index.passages[cids[0]] if cids else None
    if meta is None or not meta.short_name:
        return doc_id
    return f"{meta.short_name}|{meta.language}|{meta.doc_type}"


def laws_asked_about(index: Index, asked: AskedBefore, vector: np.ndarray) -> dict[str, float]:
    """Each law's share of the votes of the most alike questions asked before: a question
    votes its similarity once for every law its answers are in."""
    votes: dict[str, float] = defaultdict(float)
    for j, similarity in asked.nearest(vector, ROUTING_NEIGHBOURS, ROUTING_MIN_SIMILARITY):
        for law in {law_of(index, doc) for doc, _ in asked.answers[j]}:
            votes[law] += similarity
    total = sum(votes.values())
    return {law: v / total for law, v in votes.items()} if total > 0 else {}


def favour_laws(index: Index, fused: dict[str, float], shares: Mapping[str, float]) -> None:
    """Each candidate × (1 + `ROUTING_WEIGHT` × the share of the votes its law holds)."""
    if not shares:
        return
    laws: dict[str, str] = {}  # doc -> its law, worked out once a document
    for cid in fused:
        doc = index.passages[cid].doc_id
        if doc not in laws:
            laws[doc] = law_of(index, doc)
        share = shares.get(laws[doc], 0.0)
        if share:
            fused[cid] *= 1 + ROUTING_WEIGHT * share
