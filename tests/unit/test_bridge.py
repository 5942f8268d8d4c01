"""The dictionary bridge: English questions reach Chinese articles through CC-CEDICT glosses."""

from __future__ import annotations

import pytest

from rag.errors import ConfigError
from rag.retrieval import Dictionary, Glossary, english_terms
from tests.support.paths import CORPUS

SAMPLE = """\
# a comment line
刪除 删除 [shan1 chu2] /to delete/to cancel/
註銷 注销 [zhu4 xiao1] /to cancel/to write off/
賬戶 账户 [zhang4 hu4] /bank account/online account/
個 个 [ge4] /CL:個|个[ge4]/individual/this/that/size/
罰 罚 [fa2] /variant of 罰|罚[fa2]/to punish/to penalize/to fine/to sentence/
"""


def test_senses_are_stemmed_and_pointers_skipped():
    words = Dictionary.parse(SAMPLE)
    assert words.english("删除") == ("delet", "cancel")
    assert words.english("账户") == ("bank", "account", "onlin")
    # "CL:" and "variant of" are not translations; only the first three real senses count
    assert words.english("个") == ("individu",)
    assert words.english("罚") == ("punish", "penal", "fine")
    assert words.english("未知") == ()


def test_the_law_s_sense_of_a_word_the_dictionary_lacks_is_added():
    # CC-CEDICT has 罚 as "to punish, to penalize" only: "滴滴案罚了多少钱？" met no sentence
    # saying "fined".
    words = Dictionary.parse("罰 罚 [fa2] /to punish/to penalize/\n")
    assert words.english("罚") == ("punish", "penal", "fine")


def test_a_gloss_carries_every_word_and_the_official_terms():
    words = Dictionary.parse(SAMPLE, [("account cancellation", "注销账户")])
    gloss = words.gloss("用户注销账户的，应当及时删除").split()
    for stem in ("cancel", "write", "bank", "account", "delet", "cancel"):
        assert stem in gloss
    assert "cancel" in gloss and gloss.count("account") == 2  # 账户 and the glossary term


def test_english_questions_are_stemmed_the_same_way():
    assert (
        english_terms("When I deleted my accounts, was the data erased?")
        == "delet account data eras"
    )


def test_loading(tmp_path):
    assert Dictionary.load("") is None
    with pytest.raises(ConfigError, match="no dictionary file"):
        Dictionary.load(str(tmp_path / "missing.u8"))
    mine = tmp_path / "domain.u8"
    mine.write_text(SAMPLE, encoding="utf-8")
    assert len(Dictionary.load(str(mine))) == 5
    packaged = Dictionary.load("cc-cedict")
    assert len(packaged) > 100_000
    assert "delet" in packaged.english("删除")


def test_the_glossary_terms_reach_the_glosses():
    glossary = Glossary.load(CORPUS / "glossary_en_zh.md")
    words = Dictionary.load("cc-cedict", glossary.pairs)
    stems = words.gloss("关键信息基础设施的运营者").split()
    assert {"critic", "infrastructur"} <= set(stems)
