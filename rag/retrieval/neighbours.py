"""The corpus's own Chinese words nearest to a question's words, by the embedder.

A dictionary translates words one sense at a time, not usage: "energy saving" is not a
CC-CEDICT sense of 节约能源, and a dictionary does nothing for a Chinese question that says
出境 where the law says 向境外提供. The packaged embedder compares whole passages poorly across
languages, but short terms well: embedded one by one, the words and word pairs of a question
land next to the corpus words that mean the same ("energy saving" → 节约能源, "go abroad" →
境外, 出境 → 境外, "phone numbers" → 电话号码).

The vocabulary is every Chinese word of at least two characters in the index (a few
thousand words, embedded in about a second when the index is built). A question's words
(Chinese words, English words and adjacent pairs) each bring their nearest `per_word`
corpus words at cosine ≥ `FLOOR`, which the retriever searches with BM25 in the Chinese
passages as one more ranking. A Chinese word the corpus has is its own nearest word and
stays: left out, 搭售 lost to the generic neighbours of 经营者 and 商品 (held-out MRR
0.815 with it left out, 0.822 kept). `RAG_TERM_NEIGHBOURS` sets `per_word`; 0 turns this off.

Measured with `rag eval` (hit@5 / MRR@10), added last: policy texts 0.900 / 0.830 →
0.912 / 0.840, held-out 0.920 / 0.816 → 0.933 / 0.822, corpus set unchanged (0.870 / 0.734).
Before section headings were searched too, it had lifted hit@5 from 0.900 to 0.919 and
from 0.907 to 0.933: headings and neighbours find some of the same articles.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path

import numpy as np

from ..text import EN_STOP, HAN, tokenize
from . import forking

log = logging.getLogger(__name__)
# Below 0.7 the neighbours drift to loosely related words (MRR 0.830 → 0.816 at 0.65);
# above, too few remain (0.815 at 0.75).
FLOOR = 0.7
MAX_REMEMBERED = 20_000  # question words whose vectors are kept between questions
BESIDE_FROM = 5_000  # new words from which embedding them in a forked process pays
_CJK_WORD = re.compile(f"^[{HAN}]{{2,}}$")
_EN_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")
_LINKS = ("of", "to", "for")  # "burden of proof", "right to object"


def question_units(text: str) -> list[str]:
    """What gets embedded: Chinese words, English content words and adjacent pairs of them."""
    units = [t for t in tokenize(text) if _CJK_WORD.match(t)]  # as BM25 cuts them
    words = _EN_WORD.findall(text)
    content = [w.lower() not in EN_STOP for w in words]
    units += [w for w, keep in zip(words, content, strict=True) if keep]
    for i in range(len(words) - 1):
        if content[i] and content[i + 1]:
            units.append(f"{words[i]} {words[i + 1]}")
        elif (
            i + 2 < len(words) and content[i] and words[i + 1].lower() in _LINKS and content[i + 2]
        ):
            units.append(f"{words[i]} {words[i + 1]} {words[i + 2]}")
    return list(dict.fromkeys(units))


class TermNeighbours:
    def __init__(
        self,
        words: list[str],
        vectors: np.ndarray,
        embed: Callable[[list[str]], np.ndarray],
        per_word: int,
    ) -> None:
        self.words = words
        self.vectors = vectors
        self.embed = embed
        self.per_word = per_word
        self._asked: dict[str, np.ndarray] = {}  # question words seen before: most recur

    @classmethod
    def start(
        cls,
        vocabulary: Iterable[str],
        embed: Callable[[list[str]], np.ndarray],
        per_word: int,
        cache: Path | None = None,
        previous: TermNeighbours | None = None,
    ) -> Callable[[], TermNeighbours | None]:
        """Begin embedding the Chinese words of `vocabulary`; the returned function finishes
        and returns the neighbours (None when there are no words or `per_word` is 0). Vectors
        kept in `cache` or held by `previous` (built by the same embedder) are reused, so an
        embedder pays only for words new since the last build. Many new words are embedded in a
        forked process meanwhile, while the caller builds its BM25 indexes on the other core
        (at 68,573 passages, 34,242 words took 10 s and the BM25 builds 8 s, one after the
        other before)."""
        words = sorted(t for t in set(vocabulary) if _CJK_WORD.match(t))
        if not words or per_word <= 0:
            return lambda: None
        known = _read(cache)
        if previous is not None:
            known.update(zip(previous.words, previous.vectors, strict=True))
        missing = [w for w in words if w not in known]
        if len(missing) >= BESIDE_FROM:
            embedded = forking.beside(embed, missing)
        else:
            embedded = partial(embed, missing)

        def finish() -> TermNeighbours:
            if missing:
                vectors = np.asarray(embedded(), dtype=np.float32)
                known.update(zip(missing, vectors, strict=True))
                _write(cache, known)
            return cls(words, np.stack([known[w] for w in words]), embed, per_word)

        return finish

    def expand(self, question: str) -> str:
        """Corpus words near the question's words, space-separated ("" when none is near)."""
        units = question_units(question)
        if not units:
            return ""
        # Read once into a local dict: another thread may clear the shared one meanwhile.
        vectors = {u: v for u in units if (v := self._asked.get(u)) is not None}
        new = [u for u in units if u not in vectors]
        if new:
            fresh = dict(zip(new, np.asarray(self.embed(new), dtype=np.float32), strict=True))
            vectors.update(fresh)
            if len(self._asked) > MAX_REMEMBERED:
                self._asked.clear()
            self._asked.update(fresh)
        similarities = np.stack([vectors[u] for u in units]) @ self.vectors.T
        top = min(self.per_word, len(self.words))
        found: list[str] = []
        for row in similarities:
            nearest = np.argpartition(-row, top - 1)[:top]
            for j in nearest[np.argsort(-row[nearest])]:
                if row[j] >= FLOOR:
                    found.append(self.words[j])
        return " ".join(dict.fromkeys(found))


def _read(cache: Path | None) -> dict[str, np.ndarray]:
    if cache is None or not cache.is_file():
        return {}
    try:
        with np.load(cache) as saved:
            return dict(zip(saved["words"].tolist(), saved["vectors"], strict=True))
    except (OSError, ValueError, KeyError) as exc:  # a damaged cache is rebuilt, not fatal
        log.warning("ignoring unreadable term vectors in %s: %s", cache, exc)
        return {}


def _write(cache: Path | None, vectors: dict[str, np.ndarray]) -> None:
    if cache is None:
        return
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_name(
            f"{cache.stem}.{os.getpid()}.partial.npz"
        )  # two processes, one dir
        np.savez(partial, words=np.array(list(vectors)), vectors=np.stack(list(vectors.values())))
        partial.replace(cache)
    except OSError as exc:  # read-only data dir: work from memory
        log.warning("could not keep term vectors in %s: %s", cache, exc)
