"""The `asked-before` leg: the articles that answered the most alike questions asked before."""

from __future__ import annotations

import numpy as np

from rag.retrieval import AskedBefore, build_index

LAW = {"doc_id": "law", "short_name": "L", "doc_type": "law", "language": "zh"}
ARTICLES = {7: "第七条 用人单位应当订立书面劳动合同。", 8: "第八条 工资应当按月支付。"}


def index():
    ids = [f"a{n}" for n in ARTICLES]
    metas = [{**LAW, "article": n} for n in ARTICLES]
    return build_index(ids, list(ARTICLES.values()), metas)


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


VECTORS = {
    "没签合同怎么办": unit(1, 0, 0),
    "工资拖欠": unit(0, 1, 0),
    "合同没签能要钱吗": unit(1, 0.2, 0),
}
ANSWERS = {
    "没签合同怎么办": [("law", 7)],
    "工资拖欠": [("law", 8)],
    "合同没签能要钱吗": [("law", 7)],
}


def asked() -> AskedBefore:
    pairs = [(q, ANSWERS[q]) for q in VECTORS]
    return AskedBefore.fit("usem3/test", pairs, VECTORS.__getitem__)


def test_the_articles_of_the_most_alike_questions_rank_by_their_summed_similarity():
    question = unit(1, 0.1, 0)
    found = asked().search(index(), question, pool=10, filters=None)
    # both contract questions vote for Art. 7; the wage question is too unlike to vote
    alike = float(question @ VECTORS["没签合同怎么办"] + question @ VECTORS["合同没签能要钱吗"])
    assert [cid for cid, _ in found] == ["a7"] and abs(found[0][1] - alike) < 1e-5


def test_a_question_alike_no_question_asked_before_gets_nothing():
    assert asked().search(index(), unit(0, 0, 1), pool=10, filters=None) == []


def test_filters_hold_and_what_is_saved_is_what_is_loaded(tmp_path):
    table = asked()
    assert table.search(index(), unit(1, 0, 0), 10, {"language": ["en"]}) == []
    table.save(tmp_path / "learned" / "asked.json")
    loaded = AskedBefore.load(tmp_path / "learned" / "asked.json")
    assert loaded.questions == table.questions and loaded.answers == table.answers
    assert np.allclose(loaded.vectors, table.vectors) and loaded.model == "usem3/test"
