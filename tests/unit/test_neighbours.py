"""Term neighbours: a question's words bring the corpus's Chinese words that mean the same.

Here the parts that need no model (fake embedders); the real packaged model is in tests/integration."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.errors import ConfigError
from rag.retrieval import BESIDE_FROM, TermNeighbours, forking_is_safe, question_units
from tests.support.vocabulary import VOCABULARY

ROOT = Path(__file__).resolve().parents[2]


def test_question_units_are_words_and_word_pairs():
    units = question_units("Who bears the burden of proof for 个人信息 abroad?")
    assert {"个人", "信息", "个人信息"} <= set(units)  # jieba's search mode, as BM25 cuts
    assert {"bears", "burden", "proof", "abroad", "burden of proof"} <= set(units)
    assert "Who" not in units and "the" not in units and "the burden" not in units
    assert question_units("？") == []


def test_the_setting_turns_it_off_and_is_checked():
    assert TermNeighbours.start(VOCABULARY, lambda words: None, 0)() is None
    assert Settings.from_env({}).term_neighbours == 2
    with pytest.raises(ConfigError, match="RAG_TERM_NEIGHBOURS"):
        Settings.from_env({"RAG_TERM_NEIGHBOURS": "-1"})


def test_term_vectors_are_kept_and_only_new_words_embedded(tmp_path, caplog):
    asked: list[list[str]] = []

    def embed(words):
        asked.append(list(words))
        return [[float(len(w)), 1.0] for w in words]

    cache = tmp_path / "term-vectors" / "model.npz"
    first = TermNeighbours.start(["罚款", "合同"], embed, 2, cache)()
    again = TermNeighbours.start(["罚款", "合同", "境外"], embed, 2, cache)()
    assert asked == [["合同", "罚款"], ["境外"]]
    assert again.words == ["合同", "境外", "罚款"] and (again.vectors[2] == first.vectors[1]).all()

    cache.write_bytes(b"not a numpy file")  # damaged: rebuilt, with a warning
    assert TermNeighbours.start(["罚款"], embed, 2, cache)().words == ["罚款"]
    assert asked[-1] == ["罚款"] and "unreadable term vectors" in caplog.text


def test_a_question_survives_another_thread_forgetting_the_remembered_words():
    import numpy as np

    vocabulary = TermNeighbours(["罚款"], np.array([[1.0, 0.0]], dtype=np.float32), None, 1)

    def embed(words):
        vocabulary._asked.clear()  # what a second thread does when the memory is full
        return np.array([[1.0, 0.0]] * len(words), dtype=np.float32)

    vocabulary.embed = embed
    assert vocabulary.expand("罚款") == "罚款"
    assert (
        vocabulary.expand("罚款 fines") == "罚款"
    )  # 罚款 remembered, "fines" new: the clear hits mid-question


def vectors_of(words: list[str]) -> np.ndarray:
    """A fake embedder that tells which process ran it: each word's vector is its hash, with
    the embedding process's id in the last column."""
    rows = np.zeros((len(words), 4), dtype=np.float32)
    for i, word in enumerate(words):
        rows[i, :3] = [hash(word) % 97, len(word), ord(word[0]) % 89]
        rows[i, 3] = os.getpid()
    return rows


_BESIDE = """
import os, numpy as np
from rag.retrieval import BESIDE_FROM, TermNeighbours
from tests.unit.test_neighbours import vectors_of
words = [chr(0x4E00 + i) + chr(0x4E00 + i // 7) + "法" for i in range(BESIDE_FROM)]
built = TermNeighbours.start(words, vectors_of, per_word=2)()
assert built is not None and len(built.words) == BESIDE_FROM
assert np.array_equal(built.vectors[:, :3], vectors_of(built.words)[:, :3])
print(sorted(set(built.vectors[:, 3].tolist())) != [float(os.getpid())])
"""


def test_many_new_words_are_embedded_in_another_process_beside_the_caller():
    """A first build at scale embeds its vocabulary in a forked process while the caller builds
    its BM25 indexes; the vectors are the same as embedded here, word for word. Run in a
    fresh interpreter: threads other tests leave behind would rightly stop the fork."""
    done = subprocess.run(
        [sys.executable, "-c", _BESIDE], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "True"  # embedded by another process


def test_with_another_thread_alive_nothing_is_forked():
    """A thread holding a lock when a process forks leaves the child stuck on it: a server
    answering while it rebuilds does the work in its own process."""
    chinese = [chr(0x4E00 + i) + "规定" for i in range(BESIDE_FROM)]
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not forking_is_safe()
        built = TermNeighbours.start(chinese, vectors_of, per_word=2)()
    finally:
        stop.set()
        other.join()
    assert built is not None and set(built.vectors[:, 3].tolist()) == {float(os.getpid())}
