"""The optional cross-encoder reranker, with a tiny BERT cross-encoder built in the test.

No reranker weights ship on the package index, so the tests write their own: a two-layer
BERT with a WordPiece vocabulary of the words below, saved with `save_pretrained` and loaded
through `get_reranker(path)` like any CrossEncoder. The slow test fine-tunes it first, so that
its scores mean something and the reranker has to move the right passage up.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from rag.config import Settings
from rag.errors import ModelUnavailable
from rag.retrieval import get_reranker, rerank_hits
from rag.types import Hit, PassageMeta

# (query, key word) pairs: a passage is relevant to a query when it contains the key word.
QUERIES = [
    ("what does the law say about privacy", "privacy"),
    ("when must export data be reported", "export"),
    ("which tax rules apply to companies", "tax"),
    ("what labour contract must an employer sign", "labour"),
    ("用人单位应当订立什么劳动合同", "劳动合同"),
]
# The fused order: a distractor first, so every relevant passage starts below rank 1.
PASSAGES = [
    ("Cybersecurity Law Art. 21", "network operators shall protect systems against cyber attacks"),
    ("PIPL Art. 13", "personal information and privacy may be processed only with consent"),
    ("Data Security Law Art. 31", "important data for export is reported to the state council"),
    ("Enterprise Income Tax Law Art. 4", "the tax rate on the income of companies is 25 percent"),
    ("Labour Contract Law Art. 10", "an employer shall sign a written labour contract within one month"),
    ("《劳动合同法》第十条", "建立劳动关系，应当订立书面劳动合同。"),
]
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def make_hits() -> list[Hit]:
    return [
        Hit(
            chunk_id=f"c{i}", text=text, score=1.0 / (i + 1), rank=i + 1,
            meta=PassageMeta(doc_id=f"d{i}", label=label, title=label.split(" Art.")[0]), dense_score=0.5 - i / 100,
        )
        for i, (label, text) in enumerate(PASSAGES)
    ]


def relevant_index(key: str) -> int:
    return next(i for i, (_, text) in enumerate(PASSAGES) if key in text)


def passage_as_reranked(label: str, text: str) -> str:
    """What the reranker pairs with the query: the label as context, then the text."""
    return f"{label}\n{text}"


def write_vocab(path: Path) -> Path:
    """A WordPiece vocabulary of every word, digit, punctuation mark and CJK character used."""
    texts = [q for q, _ in QUERIES] + [f"{label} {text}" for label, text in PASSAGES]
    tokens = set()
    for text in texts:
        tokens.update(re.findall(r"[a-z0-9]+|[^\sa-z0-9]", text.lower()))
    vocab = SPECIAL_TOKENS + sorted(tokens)
    path.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    return path


def build_tiny_cross_encoder(path: Path, *, num_labels: int = 1, train: bool = False) -> Path:
    """Save a tiny BERT sequence classifier (and its tokenizer) under `path`.

    With `train`, it is first fine-tuned to tell relevant passages from the others.
    """
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

    path.mkdir(parents=True)
    tokenizer = BertTokenizer(vocab=str(write_vocab(path / "vocab.txt")), model_max_length=128)
    config = BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=64, num_hidden_layers=2,
        num_attention_heads=2, intermediate_size=128, max_position_embeddings=128,
        num_labels=num_labels, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0,
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    if train:
        _fine_tune(model, tokenizer)
    model.eval()
    model.save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def _fine_tune(model, tokenizer) -> None:
    """Train on every (query, passage) pair, relevant = the passage contains the query's key
    word, until the logits separate them by a margin (about 80 full-batch steps, ~3 s)."""
    import torch

    pairs = [(q, passage_as_reranked(*p), float(key in p[1])) for q, key in QUERIES for p in PASSAGES]
    batch = tokenizer([q for q, _, _ in pairs], [p for _, p, _ in pairs], padding=True, return_tensors="pt")
    labels = torch.tensor([y for _, _, y in pairs])
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two threads on two shared cores run several times slower
    try:
        model.train()
        for _ in range(300):
            logits = model(**batch).logits.squeeze(-1)
            if torch.equal(logits > 1, labels > 0) and torch.equal(logits < -1, labels < 1):
                return
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        raise AssertionError(f"the tiny cross-encoder did not learn: loss {loss.item():.3f}")
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def untrained_model(tmp_path_factory) -> Path:
    return build_tiny_cross_encoder(tmp_path_factory.mktemp("rerank") / "untrained")


@pytest.fixture(scope="module")
def trained_model(tmp_path_factory) -> Path:
    return build_tiny_cross_encoder(tmp_path_factory.mktemp("rerank") / "trained", train=True)


@pytest.mark.slow
@pytest.mark.parametrize(("query", "key"), QUERIES)
def test_trained_reranker_moves_the_relevant_passage_to_rank_1(trained_model, query, key):
    hits = make_hits()
    relevant = relevant_index(key)
    assert hits[relevant].rank > 1  # the fused order put it lower

    reranked = get_reranker(str(trained_model)).rerank(query, hits)

    assert reranked[0].chunk_id == hits[relevant].chunk_id
    assert reranked[0].score > 0.5 > reranked[1].score  # sigmoid of the model's logit
    assert [h.rank for h in reranked] == list(range(1, len(hits) + 1))
    assert sorted(h.chunk_id for h in reranked) == sorted(h.chunk_id for h in hits)


def test_untrained_model_does_not_already_find_every_relevant_passage(untrained_model):
    """The orderings above come from the fine-tuning, not from the fixture's layout."""
    reranker = get_reranker(str(untrained_model))
    firsts = [reranker.rerank(q, make_hits())[0].chunk_id for q, _ in QUERIES]
    assert firsts != [f"c{relevant_index(key)}" for _, key in QUERIES]


@pytest.mark.slow
def test_rerank_hits_reranks_only_the_fused_pool_and_keeps_k(trained_model):
    settings = Settings(reranker=str(trained_model))
    filler = [dataclasses.replace(make_hits()[0], chunk_id=f"f{i}") for i in range(30)]
    tax = make_hits()[relevant_index("tax")]

    inside_pool = filler[:10] + [tax] + filler[10:]  # fused rank 11 of 31
    top = rerank_hits(settings, "which tax rules apply to companies", inside_pool, k=3)
    assert len(top) == 3
    assert top[0].chunk_id == tax.chunk_id

    beyond_pool = filler[:25] + [tax] + filler[25:]  # fused rank 26: past max(3 * 3, 20)
    top = rerank_hits(settings, "which tax rules apply to companies", beyond_pool, k=3)
    assert tax.chunk_id not in [h.chunk_id for h in top]


def test_rerank_returns_new_hits_ordered_by_score_and_leaves_the_input_alone(untrained_model):
    hits = make_hits()
    before = [dataclasses.asdict(h) for h in hits]

    reranked = get_reranker(str(untrained_model)).rerank("tax", hits, top_k=4)

    assert len(reranked) == 4
    assert [h.rank for h in reranked] == [1, 2, 3, 4]
    assert all(a.score >= b.score for a, b in zip(reranked, reranked[1:], strict=False))
    assert [dataclasses.asdict(h) for h in hits] == before
    by_id = {h.chunk_id: h for h in hits}
    for h in reranked:
        assert h is not by_id[h.chunk_id]
        assert h.meta is by_id[h.chunk_id].meta  # shared, never copied or changed
        assert h.dense_score == by_id[h.chunk_id].dense_score  # the refusal check still sees it


def test_empty_hits_give_an_empty_list(untrained_model):
    assert get_reranker(str(untrained_model)).rerank("tax", []) == []


def test_top_k_must_be_positive(untrained_model):
    with pytest.raises(ValueError, match="got 0"):
        get_reranker(str(untrained_model)).rerank("tax", make_hits(), top_k=0)


def test_the_model_is_loaded_once_per_process(untrained_model):
    assert get_reranker(str(untrained_model)) is get_reranker(str(untrained_model))


def test_missing_model_names_the_setting_and_the_default(tmp_path):
    with pytest.raises(ModelUnavailable) as err:
        get_reranker(str(tmp_path / "no-such-reranker"))
    assert "RAG_RERANKER" in str(err.value)
    assert "default needs no reranker" in str(err.value)


def test_a_classifier_with_two_labels_is_refused(tmp_path):
    path = build_tiny_cross_encoder(tmp_path / "classifier", num_labels=2)
    with pytest.raises(ModelUnavailable, match="2 labels"):
        get_reranker(str(path))


def test_without_a_reranker_the_fused_order_stands():
    hits = make_hits()
    assert rerank_hits(Settings(), "tax", hits, k=2) == hits[:2]
