"""Term neighbours: a question's words bring the corpus's Chinese words that mean the same.

Here the parts that need no model (fake embedders); the real packaged model is in tests/integration."""

from __future__ import annotations

import pytest

from rag.config import Settings
from rag.errors import ConfigError
from rag.retrieval import TermNeighbours, question_units
from tests.support.vocabulary import VOCABULARY


def test_question_units_are_words_and_word_pairs():
    units = question_units("Who bears the burden of proof for 个人信息 abroad?")
    assert {"个人", "信息", "个人信息"} <= set(units)  # jieba's search mode, as BM25 cuts
    assert {"bears", "burden", "proof", "abroad", "burden of proof"} <= set(units)
    assert "Who" not in units and "the" not in units and "the burden" not in units
    assert question_units("？") == []


def test_the_setting_turns_it_off_and_is_checked():
    assert TermNeighbours.build(VOCABULARY, lambda words: None, 0) is None
    assert Settings.from_env({}).term_neighbours == 2
    with pytest.raises(ConfigError, match="RAG_TERM_NEIGHBOURS"):
        Settings.from_env({"RAG_TERM_NEIGHBOURS": "-1"})


def test_term_vectors_are_kept_and_only_new_words_embedded(tmp_path, caplog):
    asked: list[list[str]] = []

    def embed(words):
        asked.append(list(words))
        return [[float(len(w)), 1.0] for w in words]

    cache = tmp_path / "term-vectors" / "model.npz"
    first = TermNeighbours.build(["罚款", "合同"], embed, 2, cache)
    again = TermNeighbours.build(["罚款", "合同", "境外"], embed, 2, cache)
    assert asked == [["合同", "罚款"], ["境外"]]
    assert again.words == ["合同", "境外", "罚款"] and (again.vectors[2] == first.vectors[1]).all()

    cache.write_bytes(b"not a numpy file")  # damaged: rebuilt, with a warning
    assert TermNeighbours.build(["罚款"], embed, 2, cache).words == ["罚款"]
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
