"""Lay words → the law's words, learned from questions and the articles that answered them.

The public asks "夫妻一方经营个体工商户所欠债务，谁偿还？"; the article that answers speaks of
家庭财产 and 家庭经营. From labelled pairs (a question and its gold articles: STARD's dev
questions, a team's own gold set, or answers confirmed in use, see `rag feedback --export`)
`fit` keeps, for each word questions use, the words their answering articles hold far more
often than articles at large: P(word in an answering article | word in the question) at least
`MIN_LIFT` times its share of all passages, seen in at least `MIN_PAIRS` pairs. `expand`
gives a question's learned words, which the `lay-terms` leg searches by BM25.

`rag tune` fits the table and writes it to `data_dir/learned/lay-terms.json`; without that
file the leg does nothing. Fitted on half of STARD dev (549 questions, split by a hash of
their ids), on the other half (541): Recall@10 0.467 → 0.486, Recall@100 0.726 → 0.738, hit@5
0.486 → 0.495, MRR@10 0.370 → 0.382 (docs/experiments.md).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

from ..config import Settings
from ..text import NUMERAL_CHARS, tokenize
from .index import Index

log = logging.getLogger(__name__)
T = TypeVar("T")

MIN_PAIRS = 3  # a question word and an article word seen together in this many pairs
MIN_LIFT = 5.0  # how much likelier than in any passage the word must be in answering articles
PER_WORD = 3  # learned words kept for each question word
MAX_WORDS = 8  # learned words searched for one question
FILENAME = "lay-terms.json"


def lay_terms_path(settings: Settings) -> Path:
    """Where `rag tune` writes the table for the index under `settings.data_dir`."""
    return settings.data_dir / "learned" / FILENAME


def part(question_id: str) -> str:
    """ "fit" or "held": a fixed half of a gold set by a hash of the question's id, so what a
    table was fitted on can be told from what it was not, on every machine."""
    first = hashlib.blake2b(question_id.encode("utf-8"), digest_size=8).digest()[0]
    return "fit" if first % 2 == 0 else "held"


@dataclass
class LayTerms:
    """question word -> [(article word, strength)], strongest first."""

    table: dict[str, list[tuple[str, float]]] = field(default_factory=dict)
    pairs: int = 0  # how many labelled pairs it was fitted on

    def expand(self, question: str) -> list[str]:
        """The learned words for `question`, at most `MAX_WORDS`, strongest first; none
        that the question holds already."""
        words = set(tokenize(question))
        best: dict[str, float] = {}
        for word in words:
            for learned, strength in self.table.get(word, ()):
                if learned not in words:
                    best[learned] = max(best.get(learned, 0.0), strength)
        ranked = sorted(best, key=lambda w: (-best[w], w))
        return ranked[:MAX_WORDS]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {"pairs": self.pairs, "table": self.table}
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(body, ensure_ascii=False, indent=0), encoding="utf-8")
        partial.replace(path)  # a reader never sees half a table

    @classmethod
    def load(cls, path: Path) -> LayTerms:
        body = json.loads(path.read_text(encoding="utf-8"))
        table = {w: [(str(t), float(s)) for t, s in found] for w, found in body["table"].items()}
        return cls(table=table, pairs=int(body.get("pairs", 0)))


def fit(index: Index, pairs: Iterable[tuple[str, Sequence[tuple[str, int]]]]) -> LayTerms:
    """The table learned from (question, [(doc_id, article), …]) pairs whose articles `index`
    holds; pairs whose articles it does not hold are skipped."""
    asked: Counter[str] = Counter()
    together: defaultdict[str, Counter[str]] = defaultdict(Counter)
    used = 0
    for question, gold in pairs:
        answering: set[str] = set()
        for doc_id, article in gold:
            for chunk in index.by_article.get((doc_id, article), []):
                answering.update(tokenize(index.records[chunk][0]))
        if not answering:
            continue
        used += 1
        words = {w for w in tokenize(question) if _worth_learning(w)}
        for word in words:
            asked[word] += 1
            together[word].update(w for w in answering - words if _worth_learning(w))
    passages = max(len(index.bm25), 1)
    table: dict[str, list[tuple[str, float]]] = {}
    for word, counts in together.items():
        if asked[word] < MIN_PAIRS:
            continue
        found = []
        for learned, n in counts.items():
            if n < MIN_PAIRS:
                continue
            share = n / asked[word]
            lift = share / (max(index.bm25.df(learned), 1) / passages)
            if lift >= MIN_LIFT:
                found.append((round(share * math.log(lift), 4), learned))
        found.sort(key=lambda pair: (-pair[0], pair[1]))
        if found:
            table[word] = [(learned, strength) for strength, learned in found[:PER_WORD]]
    return LayTerms(table=table, pairs=used)


class Reread(Generic[T]):
    """A file `rag tune` writes, read on first use and again whenever it changes."""

    def __init__(self, path: Callable[[], Path], load: Callable[[Path], T]) -> None:
        self.path = path
        self.load = load
        self._read: tuple[int, T | None] | None = None  # (the file's mtime, what it held)

    def get(self) -> T | None:
        """What the file holds; None when there is none or it cannot be read (with a
        warning, once per change of the file)."""
        path = self.path()
        try:
            stamp = path.stat().st_mtime_ns
        except OSError:
            self._read = None
            return None
        if self._read is None or self._read[0] != stamp:
            try:
                self._read = (stamp, self.load(path))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("ignoring what rag tune wrote in %s: %s", path, exc)
                self._read = (stamp, None)
        return self._read[1]


def _worth_learning(word: str) -> bool:
    """Not a single character, a numeral (一千, 七十: article numbers) or a bare number."""
    return len(word) > 1 and not all(c in NUMERAL_CHARS or c.isdigit() for c in word)
