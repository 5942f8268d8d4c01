"""BM25 over jieba tokens (Chinese) and word tokens (English).

The index is rebuilt from the vector store's records, so the store stays the one truth.
Article references become shared tokens ("第六十六条", "Article 66", "Art. 66" → art:66),
so a question naming an article finds it in either language.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable

from .numerals import NUMERAL_CHARS, numbers_matched

ARTICLE_REF = re.compile(
    rf"第([{NUMERAL_CHARS}\d]+)条|\b(?:Articles?|Art\.)\s*(\d+)", re.I
)
_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")
EN_STOP = set(
    "a an the of to in on for and or is are was were be been by with as at from that this these "
    "those it its what which who whom how when where why do does did can could should would may "
    "might must shall will not no any all under about into than then there their they them i we "
    "you he she his her our your my me us if so such other also per".split()
)
ZH_STOP = set(
    "的 了 和 与 及 或 是 在 对 为 以 等 其 之 并 由 中 有 应当 可以 哪些 什么 怎么 如何 吗 呢 是否 规定 本法 "
    # pronouns, particles and question words: a question's own wording, never what it is about
    "我 你 他 她 它 我们 你们 他们 这 那 这个 那个 就 都 也 会 被 能 要 需要 吧 啊 "
    "多久 多少 多长 多长时间 长时间 几 几天 多大 怎样 怎么办 为什么 能不能 能否 可不可以 "
    "会不会 是不是 有没有 哪 哪个 哪里 谁".split()
)

_jieba = None


def _cut(text: str) -> list[str]:
    global _jieba
    if _jieba is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        _jieba = jieba
    return _jieba.lcut_for_search(text)


def tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    tokens.extend(f"art:{n}" for n in numbers_matched(ARTICLE_REF, text))
    for run in _CJK_RUN.findall(text):
        tokens.extend(t for t in _cut(run) if t not in ZH_STOP and t.strip())
    for word in _WORD.findall(text.lower()):
        if word in EN_STOP or len(word) < 2 and not word.isdigit():
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        tokens.append(word)
    return tokens


class BM25Index:
    """BM25 over `texts`. `context` (one string per text, e.g. its section heading) is searched
    with the text but is not part of `terms`, the passage's own words that coverage and the
    refusal score count."""

    def __init__(
        self, ids: list[str], texts: list[str], k1: float = 1.5, b: float = 0.75, context: list[str] | None = None
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
