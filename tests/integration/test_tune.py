"""`rag tune` on the real fixture index: labelled pairs in, what it learned beside the index,
and the `asked-before` leg finding the article for a lay question worded like the pairs (the
`law-routing` rule, the `adapter` map and the `feedback` leg too) (issue 17: learning from
use). Also `rag feedback --export`, the pairs a team's 👍 give."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.config import Settings
from rag.engine import PolicyEngine
from rag.ingest import ingest
from rag.interfaces.slack import FeedbackStore
from rag.retrieval import adapter_path, article_vectors, asked_path
from rag.types import Answer, Citation

pytestmark = pytest.mark.slow
LAW = "fx_pdpl_2026_zh"
# A lay word the law never uses, asked about its penalty article (第十二条) three times.
PAIRS = ["聊天记录泄露了怎么罚？", "平台把聊天记录外泄要罚款吗？", "聊天记录被公开了能罚多少？"]
ASKED = "聊天记录外泄怎么办？"  # shares no word with the article


def _cli(*args: str, data_dir) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env |= {"RAG_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "rag", *args], env=env, capture_output=True, text=True, timeout=300
    )


def _pairs_file(tmp_path) -> Path:
    """`PAIRS`, each answered by Article 12, as a gold-set file `rag tune` reads."""
    pairs = tmp_path / "pairs.jsonl"
    rows = [
        {"id": f"p{n}", "question": q, "lang": "zh", "gold": [{"doc_id": LAW, "article": 12}]}
        for n, q in enumerate(PAIRS)
    ]
    pairs.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    return pairs


def _rank_of_article(hits, article: int) -> int:
    return next((h.rank for h in hits if h.doc_id == LAW and h.article == article), 99)


def test_rag_tune_learns_from_pairs_and_the_leg_brings_the_article(tmp_path, small_corpus):
    settings = Settings(data_dir=tmp_path / "data")
    ingest(settings, [small_corpus], progress=False)
    before = PolicyEngine(settings).search(ASKED, k=10, explain=True)
    pairs = _pairs_file(tmp_path)

    done = _cli("tune", str(pairs), data_dir=settings.data_dir)
    assert done.returncode == 0, done.stderr
    assert "kept 3 of 3 questions" in done.stdout and asked_path(settings).is_file()

    engine = PolicyEngine(settings)
    after = engine.search(ASKED, k=10, explain=True)
    twelve = next(h for h in after if h.doc_id == LAW and h.article == 12)
    # the questions asked before bring it
    assert "asked-before" in twelve.explain["legs"]
    assert _rank_of_article(before, 12) == 99 and _rank_of_article(after, 12) <= 10
    # and the law they were answered in is the law the question is about (`law-routing`)
    assert "law-routing" in {move["rule"] for move in twelve.explain["rules"]}
    engine.retriever.off = frozenset({"law-routing"})
    unrouted = engine.search(ASKED, k=10, explain=True)
    assert not any(m["rule"] == "law-routing" for h in unrouted for m in h.explain["rules"])
    assert [(h.chunk_id, h.score) for h in unrouted] != [(h.chunk_id, h.score) for h in after]
    # RAG_RULES_OFF: the dense leg's map, fitted on the same pairs, still finds it alone
    engine.retriever.off = frozenset({"asked-before"})
    assert _rank_of_article(engine.search(ASKED, k=10), 12) <= 10
    # both off, not
    engine.retriever.off = frozenset({"asked-before", "adapter"})
    assert _rank_of_article(engine.search(ASKED, k=10), 12) == _rank_of_article(before, 12)
    # the leading candidates' vectors search again (`feedback`), only once pairs are fitted
    engine.retriever.off = frozenset()
    assert any("feedback" in h.explain["legs"] for h in after)
    assert not any("feedback" in h.explain["legs"] for h in before)
    engine.retriever.off = frozenset({"feedback"})
    unfed = engine.search(ASKED, k=10, explain=True)
    assert not any("feedback" in h.explain["legs"] for h in unfed)
    assert [(h.chunk_id, h.score) for h in unfed] != [(h.chunk_id, h.score) for h in after]
    # a question about something else is not near any question asked before
    engine.retriever.off = frozenset()
    other = engine.search("数据处理者是指什么？", k=10, explain=True)
    assert all("asked-before" not in h.explain["legs"] for h in other)


def test_rag_tune_fits_the_dense_leg_s_map_toward_the_articles_with_the_real_embedder(
    tmp_path, small_corpus
):
    settings = Settings(data_dir=tmp_path / "data")
    ingest(settings, [small_corpus], progress=False)
    pairs = _pairs_file(tmp_path)
    done = _cli("tune", str(pairs), data_dir=settings.data_dir)
    assert done.returncode == 0, done.stderr
    assert "question map" in done.stdout and "on 3 pairs" in done.stdout
    assert adapter_path(settings).is_file()

    engine = PolicyEngine(settings)
    retriever = engine.retriever
    adapter = retriever.query_adapter()
    assert adapter is not None and adapter.pairs == 3
    # a question worded like the pairs, not one of them, is moved toward their article
    article = article_vectors(retriever.refresh(), [(LAW, 12)], retriever.store.vectors)
    asked = retriever.embed_query(retriever.read(ASKED).spelled)
    assert float(adapter.apply(asked) @ article[(LAW, 12)]) > float(asked @ article[(LAW, 12)])
    adapted = engine.search(ASKED, k=10, explain=True)
    assert all(h.explain["adapted"] == ["dense"] for h in adapted)
    # a hit's similarity is still the question's own, as refusal was calibrated on
    for hit in adapted:
        if hit.dense_score is not None:
            stored = retriever.store.vectors([hit.chunk_id])[hit.chunk_id]
            assert abs(hit.dense_score - float(stored @ asked)) < 1e-4

    retriever.off = frozenset({"adapter"})  # RAG_RULES_OFF=adapter
    off = engine.search(ASKED, k=10, explain=True)
    assert all(h.explain["adapted"] == [] for h in off)
    retriever.off = frozenset()
    adapter_path(settings).unlink()  # without the file: the same search as switched off
    assert [(h.chunk_id, h.score) for h in engine.search(ASKED, k=10)] == [
        (h.chunk_id, h.score) for h in off
    ]


def test_rag_tune_says_when_the_pairs_point_outside_the_index(tmp_path, small_corpus):
    settings = Settings(data_dir=tmp_path / "data")
    ingest(settings, [small_corpus], progress=False)
    pairs = tmp_path / "pairs.jsonl"
    row = {"id": "x", "question": "问题", "lang": "zh", "gold": [{"doc_id": "other", "article": 1}]}
    pairs.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
    done = _cli("tune", str(pairs), data_dir=settings.data_dir)
    assert done.returncode != 0 and "--data-dir" in done.stderr
    assert not asked_path(settings).exists() and not adapter_path(settings).exists()


def test_confirmed_answers_export_as_pairs_rag_tune_reads(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    store = FeedbackStore.for_settings(settings)

    def answer(question: str, article: int | None) -> str:
        cited = Citation(
            n=1,
            chunk_id="c",
            doc_id=LAW,
            source_path="",
            title="PDPL-T",
            label="PDPL-T Art. 12",
            article=article,
            quote="…",
            quote_start=0,
            quote_end=1,
        )
        found = Answer(question=question, text="… [1]", citations=[cited])
        return store.record_answer(found, source="mention", channel="C1", user="U1")

    liked, disliked, split = answer(PAIRS[0], 12), answer(PAIRS[1], 12), answer(PAIRS[2], 12)
    store.record_vote(liked, "U1", 1)
    store.record_vote(disliked, "U2", -1)
    store.record_vote(split, "U1", 1)
    store.record_vote(split, "U2", -1)
    out = tmp_path / "confirmed.jsonl"
    done = _cli("feedback", "--export", str(out), data_dir=settings.data_dir)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["question"] for r in rows] == [PAIRS[0]]  # more 👍 than 👎 only
    assert rows[0]["gold"] == [{"doc_id": LAW, "article": 12}] and rows[0]["lang"] == "zh"
