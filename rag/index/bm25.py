"""BM25 over the tokens of `rag.text.tokenize` (jieba words for Chinese, English stems), scored
by the `bm25s` library and kept on disk.

Tokenising is what costs (with jieba-rs, 7 s on two cores for the 8.4 million characters of the
national body of law and their glosses; Python's jieba took 24 s), so the index keeps every passage's tokens as arrays: a later build reuses the
rows of passages whose text and context are unchanged and tokenises only the new ones, and a
saved index loads memory-mapped instead of being rebuilt at every start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from ..text import tokenize

FORMAT = 1  # bump when the saved layout or the tokeniser changes: older indexes are rebuilt
_ARRAYS = ("own_ptr", "own", "ctx_ptr", "ctx", "digests", "df", "data", "indices", "indptr")


def digest(text: str, context: str = "") -> str:
    """What a passage's tokens depend on: its text and its context."""
    return hashlib.blake2b(f"{text}\x00{context}".encode(), digest_size=8).hexdigest()


class BM25Index:
    """BM25 over `texts` (Lucene's formula, k1 1.5, b 0.75). `context` (one string per text,
    e.g. its section heading) is searched with the text but is not part of `terms_of`, the
    passage's own words that coverage and the refusal score count.

    `analyse` turns a text into tokens (`tokenize` unless the index holds another rendering
    of the passages, such as their English glosses). `previous`, an older index built with
    the same `analyse`, lends the tokens of every passage whose text and context it holds."""

    def __init__(
        self,
        ids: list[str],
        texts: Sequence[str],
        k1: float = 1.5,
        b: float = 0.75,
        context: Sequence[str] | None = None,
        analyse: Callable[[str], list[str]] = tokenize,
        previous: BM25Index | None = None,
    ) -> None:
        rows = Rows(analyse, previous)
        for text, ctx in zip(texts, context or [""] * len(texts), strict=True):
            rows.add(text, ctx)
        rows.into(self, ids, k1, b)

    def _setup(
        self, ids: list[str], words: list[str], params: dict, arrays: dict[str, np.ndarray]
    ) -> None:
        self.ids = ids
        self.words = words
        self.vocab = {w: i for i, w in enumerate(words)}
        self.k1, self.b = float(params["k1"]), float(params["b"])
        self.position = {cid: i for i, cid in enumerate(ids)}
        self._arrays = arrays

    def _score(self, own_rows: list[np.ndarray], ctx_rows: list[np.ndarray]) -> None:
        """The BM25 score of every (passage, token) pair, by bm25s."""
        corpus = [np.concatenate([o, c]).tolist() for o, c in zip(own_rows, ctx_rows, strict=True)]
        if not corpus or not self.words:
            self._arrays |= {
                "data": np.zeros(0),
                "indices": np.zeros(0, dtype=np.int32),
                "indptr": np.zeros(len(self.words) + 1, dtype=np.int64),
                "df": np.zeros(len(self.words), dtype=np.int64),
            }
            return
        import bm25s

        # bm25s pins its logger at DEBUG, which put a debug line in every `rag ingest --quiet`;
        # unset, it follows the level the application chose.
        logging.getLogger("bm25s").setLevel(logging.NOTSET)
        engine = bm25s.BM25(k1=self.k1, b=self.b, method="lucene", dtype="float64")
        engine.index(
            (corpus, {w: i for i, w in enumerate(self.words)}),
            create_empty_token=False,
            show_progress=False,
        )
        self._arrays |= {k: engine.scores[k] for k in ("data", "indices", "indptr")}
        self._arrays["df"] = np.diff(self._arrays["indptr"])  # passages a token is in

    # Saved and loaded -------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the index into `folder` (created; replaced if present)."""
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for name in _ARRAYS:
            np.save(folder / f"{name}.npy", np.asarray(self._arrays[name]))
        (folder / "index.json").write_text(
            json.dumps(
                {
                    "format": FORMAT,
                    "k1": self.k1,
                    "b": self.b,
                    "ids": self.ids,
                    "words": self.words,
                },
                ensure_ascii=False,
            ),
            encoding="utf-8",
        )

    @classmethod
    def load(cls, folder: Path) -> BM25Index:
        """The index saved in `folder`, its arrays memory-mapped. Raises ValueError when it
        is not a complete index of this format."""
        try:
            meta = json.loads((folder / "index.json").read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT:
                raise ValueError(f"index format {meta.get('format')}, expected {FORMAT}")
            arrays = {n: np.load(folder / f"{n}.npy", mmap_mode="r") for n in _ARRAYS}
        except (OSError, KeyError, json.JSONDecodeError) as exc:
            raise ValueError(f"unreadable index in {folder}: {exc}") from exc
        if len(arrays["own_ptr"]) != len(meta["ids"]) + 1:
            raise ValueError(f"inconsistent index in {folder}")
        index = cls.__new__(cls)
        index._setup(meta["ids"], meta["words"], meta, arrays)
        return index

    # Reading ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.ids)

    def known(self, token: str) -> bool:
        """Whether any passage (or its context) holds `token`."""
        return self.df(token) > 0

    def df(self, token: str) -> int:
        """How many passages hold `token`."""
        i = self.vocab.get(token)
        return 0 if i is None else int(self._arrays["df"][i])

    def idf(self, token: str) -> float:
        """Inverse document frequency; a token absent from the corpus counts as rare."""
        df = self.df(token)
        return math.log(1 + (len(self.ids) - df + 0.5) / (df + 0.5))

    def holds(self, doc_id: str) -> bool:
        return doc_id in self.position

    def terms_of(self, doc_id: str) -> frozenset[str]:
        """The distinct tokens of the passage `doc_id` itself (not of its context)."""
        row = self.position.get(doc_id)
        if row is None:
            return frozenset()
        return frozenset(self.words[i] for i in np.unique(self._row("own", row)))

    def coverage(self, doc_id: str, tokens: set[str]) -> float:
        """Share of `tokens`, weighted by rarity, that the passage `doc_id` contains."""
        return self.share(tokens, self.terms_of(doc_id))

    def share(self, tokens: Iterable[str], held: set[str] | frozenset[str]) -> float:
        """Share of `tokens`, weighted by rarity, found in `held`."""
        # Summed in sorted order: set order changes between processes (string hashing), and so
        # would the last bit of the sums, the ranking of ties and "all held" being exactly 1.0.
        weights = [(t, self.idf(t)) for t in sorted(set(tokens))]
        total = sum(w for _, w in weights)
        if not total:
            return 0.0
        return sum(w for t, w in weights if t in held) / total

    def search(
        self, query: str, n: int, allow: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """The `n` best passages for `query` (that `allow`, a mask over `ids`, lets through),
        best first; equal scores in index order."""
        tokens = [self.vocab[t] for t in dict.fromkeys(tokenize(query)) if t in self.vocab]
        if not tokens or n <= 0:
            return []
        scores = np.zeros(len(self.ids))
        data, indices, indptr = (self._arrays[k] for k in ("data", "indices", "indptr"))
        for token in tokens:  # in the query's order: float sums repeat exactly
            start, end = indptr[token], indptr[token + 1]
            np.add.at(scores, indices[start:end], data[start:end])
        scores *= self.k1 + 1  # bm25s leaves out Lucene's constant factor; scores stay as before
        if allow is not None:
            scores[~allow] = 0.0
        found = np.flatnonzero(scores > 0)
        if len(found) > n:
            floor = np.partition(scores[found], len(found) - n)[len(found) - n]
            found = found[scores[found] >= floor]
        order = np.lexsort((found, -scores[found]))[:n]
        return [(self.ids[i], float(scores[i])) for i in found[order]]

    def _row(self, name: str, row: int) -> np.ndarray:
        ptr = self._arrays[f"{name}_ptr"]
        return np.asarray(self._arrays[name][ptr[row] : ptr[row + 1]])

    def _rows_by_digest(self) -> dict[str, int]:
        return {str(d): i for i, d in enumerate(self._arrays["digests"])}


_EMPTY = np.zeros(0, dtype=np.int32)


class Rows:
    """The tokens of an index's passages, added one passage at a time (so a caller building
    several indexes over the same passages can analyse each passage for all of them at once,
    while its words are fresh in the segmenter's cache), then scored into a `BM25Index`."""

    def __init__(
        self, analyse: Callable[[str], list[str]], previous: BM25Index | None = None
    ) -> None:
        self.analyse = analyse
        self.previous = previous
        self.words: dict[str, int] = {}
        self.own: list[np.ndarray] = []
        self.ctx: list[np.ndarray] = []
        self.digests: list[str] = []
        self._reuse = previous._rows_by_digest() if previous is not None else {}
        self._remap = _Remap(previous.words, self.words) if previous is not None else None
        self._contexts: dict[str, np.ndarray] = {}  # headings repeat: each is tokenised once

    def reuses(self, text: str, context: str = "") -> bool:
        """Whether the previous index lends this passage's tokens."""
        return digest(text, context) in self._reuse

    def add(
        self,
        text: str,
        context: str = "",
        tokens: tuple[list[str], list[str]] | None = None,
    ) -> None:
        """Add a passage; `tokens` (its own and its context's), when the caller analysed it
        already, saves analysing it here."""
        key = digest(text, context)
        self.digests.append(key)
        row = self._reuse.get(key)
        if row is not None and self._remap is not None and self.previous is not None:
            self.own.append(self._remap(self.previous._row("own", row)))
            self.ctx.append(self._remap(self.previous._row("ctx", row)))
            return
        if tokens is not None:
            self.own.append(_ids(tokens[0], self.words))
            self.ctx.append(_ids(tokens[1], self.words))
            return
        self.own.append(_ids(self.analyse(text), self.words))
        if context not in self._contexts:
            self._contexts[context] = _ids(self.analyse(context), self.words) if context else _EMPTY
        self.ctx.append(self._contexts[context])

    def into(self, index: BM25Index, ids: list[str], k1: float = 1.5, b: float = 0.75) -> None:
        arrays = {"digests": np.array(self.digests, dtype="U16")}
        arrays["own_ptr"], arrays["own"] = _csr(self.own)
        arrays["ctx_ptr"], arrays["ctx"] = _csr(self.ctx)
        index._setup(ids, list(self.words), {"k1": k1, "b": b}, arrays)
        index._score(self.own, self.ctx)

    def build(self, ids: list[str]) -> BM25Index:
        index = BM25Index.__new__(BM25Index)
        self.into(index, ids)
        return index


def _ids(tokens: list[str], words: dict[str, int]) -> np.ndarray:
    return np.array([words.setdefault(t, len(words)) for t in tokens], dtype=np.int32)


def _csr(rows: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    ptr = np.zeros(len(rows) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(r) for r in rows])
    data = np.concatenate(rows).astype(np.int32) if rows else _EMPTY
    return ptr, data


class _Remap:
    """Token ids of an older index → ids in the vocabulary being built."""

    def __init__(self, old_words: list[str], words: dict[str, int]) -> None:
        self.old_words = old_words
        self.words = words
        self.table = np.full(len(old_words), -1, dtype=np.int64)

    def __call__(self, row: np.ndarray) -> np.ndarray:
        missing = np.unique(row[self.table[row] < 0])
        for i in missing:
            self.table[i] = self.words.setdefault(self.old_words[i], len(self.words))
        return self.table[row].astype(np.int32)
