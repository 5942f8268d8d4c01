"""Questions read as the engine reads them, against an index of just the hits a test gives.

`read_question` needs the laws an index knows to find the ones a question names; a test that
hands the answerers its own hits builds that index from them (milliseconds for a few hits).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict

from rag.retrieval import Question, build_index, read_question
from rag.types import Hit


def asking(text: str, hits: Sequence[Hit]) -> Question:
    """`text` read against the documents of `hits`."""
    # The store's flat form: -1 for "no article/page" (see `PassageMeta.from_record`).
    records = [{k: -1 if v is None else v for k, v in asdict(h.meta).items()} for h in hits]
    index = build_index([h.chunk_id for h in hits], [h.text for h in hits], records)
    return read_question(index, text)
