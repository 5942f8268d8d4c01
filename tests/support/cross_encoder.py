"""A tiny BERT cross-encoder built in the test, for the reranker tests.

No reranker weights ship on the package index, so the tests write their own: a two-layer
BERT with a WordPiece vocabulary of the words below, saved with `save_pretrained` and loaded
through `get_reranker(path)` like any CrossEncoder; `train=True` fine-tunes it first.
"""

from __future__ import annotations

import re
from pathlib import Path

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
    (
        "Labour Contract Law Art. 10",
        "an employer shall sign a written labour contract within one month",
    ),
    ("《劳动合同法》第十条", "建立劳动关系，应当订立书面劳动合同。"),
]
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def make_hits() -> list[Hit]:
    return [
        Hit(
            chunk_id=f"c{i}",
            text=text,
            score=1.0 / (i + 1),
            rank=i + 1,
            meta=PassageMeta(doc_id=f"d{i}", label=label, title=label.split(" Art.")[0]),
            dense_score=0.5 - i / 100,
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
        vocab_size=tokenizer.vocab_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=128,
        max_position_embeddings=128,
        num_labels=num_labels,
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
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

    pairs = [
        (q, passage_as_reranked(*p), float(key in p[1])) for q, key in QUERIES for p in PASSAGES
    ]
    batch = tokenizer(
        [q for q, _, _ in pairs], [p for _, p, _ in pairs], padding=True, return_tensors="pt"
    )
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
