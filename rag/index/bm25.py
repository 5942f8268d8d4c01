"""BM25 over the tokens of `rag.text.tokenize` (jieba words for Chinese, words for English).

The index is rebuilt from the vector store's records, so the store stays the one truth.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable

from ..text import tokenize


class BM25Index:
    """BM25 over `texts`. `context` (one string per text, e.g. its section heading) is searched
    with the text but is not part of `terms`, the passage's own words that coverage and the
    refusal score count."""

    def __init__(
        self,
        ids: list[str],
        texts: list[str],
        k1: float = 1.5,
        b: float = 0.75,
        context: list[str] | None = None,
    ) -> None:
        self.ids = ids
        self.k1, self.b = k1, b
        self.postings: dict[str, list[tuple[int, int]]] = defaultdict(list)
        self.lengths = []
        self.terms: dict[str, frozenset[str]] = {}  # id -> its distinct tokens
        for index, text in enumerate(texts):
            counts = Counter(tokenize(text))
            self.terms[ids[index]] = frozenset(counts)
            if context and context[index]:
                counts.update(tokenize(context[index]))
            self.lengths.append(sum(counts.values()))
            for token, tf in counts.items():
                self.postings[token].append((index, tf))
        self.avg_length = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0

    def __len__(self) -> int:
        return len(self.ids)

    def idf(self, token: str) -> float:
        """Inverse document frequency; a token absent from the corpus counts as rare."""
        df = len(self.postings.get(token, ()))
        return math.log(1 + (len(self.ids) - df + 0.5) / (df + 0.5))

    def coverage(self, doc_id: str, tokens: set[str]) -> float:
        """Share of `tokens`, weighted by rarity, that the passage `doc_id` contains."""
        return self.share(tokens, self.terms.get(doc_id, frozenset()))

    def share(self, tokens: set[str], held: set[str] | frozenset[str]) -> float:
        """Share of `tokens`, weighted by rarity, found in `held`."""
        # Summed in sorted order: set order changes between processes (string hashing), and so
        # would the last bit of the sums, the ranking of ties and "all held" being exactly 1.0.
        weights = [(t, self.idf(t)) for t in sorted(tokens)]
        total = sum(w for _, w in weights)
        if not total:
            return 0.0
        return sum(w for t, w in weights if t in held) / total

    def search(
        self, query: str, n: int, allow: Callable[[int], bool] | None = None
    ) -> list[tuple[str, float]]:
        scores: dict[int, float] = defaultdict(float)
        for token in dict.fromkeys(tokenize(query)):  # ordered: float sums repeat exactly
            postings = self.postings.get(token)
            if not postings:
                continue
            idf = self.idf(token)
            for index, tf in postings:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[index] / self.avg_length)
                scores[index] += idf * tf * (self.k1 + 1) / (tf + norm)
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        if allow is not None:
            ranked = [item for item in ranked if allow(item[0])]
        return [(self.ids[i], s) for i, s in ranked[:n]]
