"""The corpus gold question set: its size and mix, and that every gold reference exists."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from rag.ingest import chunk_document, load_document
from tests.support.paths import CORPUS, ROOT

GOLD = ROOT / "eval" / "corpus_qa.jsonl"


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    return [
        json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def test_enough_questions_of_each_kind(questions):
    kinds = Counter((q["lang"], q["in_scope"]) for q in questions)
    assert len(questions) >= 120
    assert kinds[("en", True)] >= 70 and kinds[("zh", True)] >= 40
    assert kinds[("en", False)] + kinds[("zh", False)] == 12
    assert len({q["id"] for q in questions}) == len(questions)


def test_every_gold_reference_exists_in_the_corpus(questions):
    chunks_of: dict[str, list] = {}
    problems = []
    for q in questions:
        assert set(q) == {"id", "question", "lang", "in_scope", "gold", "facts"}, q.get("id")
        assert q["lang"] in ("en", "zh") and q["question"].strip(), q["id"]
        if q["in_scope"]:
            assert q["gold"] and q["facts"], f"{q['id']}: in-scope question needs gold and facts"
        if not q["in_scope"]:
            assert q["gold"] == [] and q["facts"] == [], q["id"]
            continue
        texts = []
        for ref in q["gold"]:
            path = CORPUS / f"{ref['doc_id']}.md"
            if not path.exists():
                problems.append(f"{q['id']}: no corpus document {ref['doc_id']}")
                continue
            if ref["doc_id"] not in chunks_of:
                chunks_of[ref["doc_id"]] = chunk_document(load_document(path, doc_id=ref["doc_id"]))
            chunks = chunks_of[ref["doc_id"]]
            if "article" in ref:
                n = ref["article"]
                found = [
                    c
                    for c in chunks
                    if c.article is not None and c.article <= n <= (c.article_end or c.article)
                ]
            else:
                found = [c for c in chunks if any(ref["section"] in h for h in c.heading_path)]
            if not found:
                problems.append(f"{q['id']}: {ref} matches no chunk of {ref['doc_id']}")
            texts.extend(c.text for c in found)
        for fact in q["facts"]:
            if texts and not any(fact.lower() in t.lower() for t in texts):
                problems.append(f"{q['id']}: fact {fact!r} not in its gold passages")
    assert not problems, "\n".join(problems)
