"""`rag eval`: the metrics on hand-built rankings, and the policy-texts gold set against the
texts themselves. The end-to-end run with the real engine is in tests/integration."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from rag.errors import RagError
from rag.evaluation.baseline import article_spans, article_texts, chunk_coverage, heading_paths
from rag.evaluation.evaluate import (
    ablation_table,
    aggregate,
    dedupe,
    percentile,
    ranked_from_hit,
    retrieval_metrics,
    sample,
    score_question,
    set_name,
)
from rag.evaluation.gold import GoldItem, GoldQuestion, Ranked, load_gold
from rag.types import Hit, PassageMeta
from tests.support.paths import POLICY_TEXTS as TEXTS
from tests.support.paths import ROOT

GOLD = ROOT / "eval" / "policy_texts_qa.jsonl"
# Written after the retrieval rules were tuned on GOLD, on other articles, to check they generalise.
HELD_OUT = ROOT / "eval" / "policy_texts_heldout.jsonl"
# Written by a colleague who had not seen the code, to test refusal: half out of scope, many
# of those in the laws' own vocabulary.
SCOPE = ROOT / "eval" / "policy_texts_scope.jsonl"
PARALLEL = {
    "zh_personal_information_protection_law_2021": "en_personal_information_protection_law_2021_npc",
    "zh_network_data_security_regulations_2024": "en_network_data_security_regulations_2024_moj",
    "zh_generative_ai_interim_measures_2023": "en_generative_ai_interim_measures_2023_casi",
}
CSL_2016 = "zh_cybersecurity_law_2016"


def art(doc: str, *numbers: int) -> Ranked:
    return Ranked(doc_id=doc, articles=frozenset(numbers))


# ---- metrics ----------------------------------------------------------------------------


def test_gold_found_at_rank_two() -> None:
    m = retrieval_metrics([art("a", 1), art("a", 5), art("b", 5)], [GoldItem("a", 5)])
    assert (m["hit@1"], m["hit@3"], m["hit@10"]) == (0.0, 1.0, 1.0)
    assert m["recall@1"] == 0.0 and m["recall@3"] == 1.0
    assert m["mrr@10"] == 0.5
    assert m["ndcg@10"] == pytest.approx(1 / math.log2(3))


def test_same_article_twice_counts_once() -> None:
    """Three chunks of Article 1 must not push Article 5 down to rank 4."""
    ranking = [art("a", 1), art("a", 1), art("a", 1), art("a", 5)]
    assert [r.articles for r in dedupe(ranking)] == [{1}, {5}]
    m = retrieval_metrics(ranking, [GoldItem("a", 5)])
    assert m["mrr@10"] == 0.5 and m["hit@3"] == 1.0


def test_two_gold_items_found_at_ranks_one_and_three() -> None:
    gold = [GoldItem("a", 5), GoldItem("b", 7)]
    m = retrieval_metrics([art("a", 5), art("c", 1), art("b", 7)], gold)
    assert m["recall@1"] == 0.5 and m["recall@3"] == 1.0 and m["mrr@10"] == 1.0
    assert m["ndcg@10"] == pytest.approx((1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3)))


def test_chunk_spanning_articles_counts_once_per_rank() -> None:
    """A baseline chunk over Articles 4–6 matches gold 5 and 6, but earns one gain."""
    m = retrieval_metrics([art("a", 4, 5, 6)], [GoldItem("a", 5), GoldItem("a", 6)])
    assert m["hit@1"] == 1.0 and m["recall@1"] == 1.0
    assert m["ndcg@10"] == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_nothing_found_and_rank_beyond_ten() -> None:
    ranking = [art("a", n) for n in range(1, 12)]
    m = retrieval_metrics(ranking, [GoldItem("a", 11)])
    assert m["hit@10"] == 0.0 and m["mrr@10"] == 0.0 and m["ndcg@10"] == 0.0
    assert retrieval_metrics([], [GoldItem("a", 1)])["recall@10"] == 0.0


def test_other_document_same_article_is_a_miss() -> None:
    m = retrieval_metrics(
        [art("zh_cybersecurity_law_2016", 21)],
        [GoldItem("zh_cybersecurity_law_2025_amended_consolidated", 21)],
    )
    assert m["hit@10"] == 0.0


def test_section_gold_matches_heading_path() -> None:
    passage = Ranked(doc_id="plan", sections=("第三篇 创新 › 第八章 科技",))
    assert retrieval_metrics([passage], [GoldItem("plan", section="第八章")])["hit@1"] == 1.0
    assert retrieval_metrics([passage], [GoldItem("plan", section="第九章")])["hit@1"] == 0.0


def test_hit_with_article_range_covers_every_article() -> None:
    hit = Hit(
        chunk_id="c",
        text="",
        score=1.0,
        meta=PassageMeta(
            doc_id="pipl_summary", article=13, article_end=18, heading_path="Articles 13–18"
        ),
    )
    assert ranked_from_hit(hit).articles == frozenset(range(13, 19))
    plain = Hit(
        chunk_id="d", text="", score=1.0, meta=PassageMeta(doc_id="x", heading_path="Preamble")
    )
    assert ranked_from_hit(plain).articles == frozenset() and ranked_from_hit(plain).sections == (
        "Preamble",
    )


def test_directions_score_each_language_separately() -> None:
    """An English question that finds only the English PIPL article fails EN→ZH."""
    q = GoldQuestion(
        id="q",
        question="max fine?",
        lang="en",
        in_scope=True,
        gold=(GoldItem("zh_pipl", 66), GoldItem("en_pipl", 66)),
    )
    scores = score_question([art("en_pipl", 66)], q, {"zh_pipl": "zh", "en_pipl": "en"})
    assert set(scores) == {"all", "en", "EN→EN", "EN→ZH"}
    assert scores["EN→EN"]["hit@1"] == 1.0 and scores["EN→ZH"]["hit@10"] == 0.0
    assert scores["all"]["hit@1"] == 1.0 and scores["all"]["recall@10"] == 0.5


def test_kind_named_document_and_split_are_read_from_a_gold_line(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(
        '{"id": "s1", "question": "When?", "lang": "en", "in_scope": true, "kind": "date", '
        '"names_doc": "pipl", "gold": [{"doc_id": "pipl", "article": 74}], "facts": ["2021"], '
        '"split": "held"}\n'
        '{"id": "s2", "question": "Who?", "lang": "en", "in_scope": false}\n',
        encoding="utf-8",
    )
    held, unsplit = load_gold(path)
    assert held.kind == "date" and held.names_doc == "pipl" and held.split == "held"
    assert unsplit.split == "" and unsplit.kind is None


def test_percentile_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0 and percentile(values, 95) == 95.0
    assert percentile([7.0], 95) == 7.0 and percentile([], 50) is None


def test_bad_gold_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text(
        '{"id": "a", "question": "q", "lang": "en", "in_scope": true, "gold": [{"doc_id": "x", "article": 1}]}\n'
        '{"id": "b", "question": "q", "lang": "fr", "gold": []}\n',
        encoding="utf-8",
    )
    with pytest.raises(RagError, match=r"gold.jsonl:2: lang"):
        load_gold(path)
    path.write_text(
        '{"id": "a", "question": "q", "lang": "en", "in_scope": true, "gold": []}\n',
        encoding="utf-8",
    )
    with pytest.raises(RagError, match="needs gold items"):
        load_gold(path)


# ---- article parser and baseline mapping ---------------------------------------------------


def test_article_parser_reads_chinese_numerals_and_ignores_cross_references() -> None:
    text = (
        "## 第一章 总则\n\n第九百八十九条 本编调整……\n\n第一千条 依照本法第四十条的规定。\n\n"
        "第一千零三十四条 个人信息\n\n第一百零一条 测试\n\n## 第二章\n\n**Article 12**\n\nText.\n"
    )
    assert [s.number for s in article_spans(text)] == [989, 1000, 1034, 101, 12]
    first = article_spans(text)[0]
    assert text[first.start : first.end] == "第九百八十九条 本编调整……"
    assert "## 第二章" not in text[article_spans(text)[3].start : article_spans(text)[3].end]


@pytest.mark.parametrize(
    ("stem", "first", "last"),
    [
        ("zh_personal_information_protection_law_2021", 1, 74),
        ("en_personal_information_protection_law_2021_npc", 1, 74),
        ("zh_civil_code_book4_personality_rights", 989, 1039),
        ("zh_cybersecurity_law_2025_amended_consolidated", 1, 81),
        ("zh_e_commerce_law_2018", 1, 89),
    ],
)
@pytest.mark.usefixtures("policy_texts")
def test_every_article_of_the_real_texts_is_found(stem: str, first: int, last: int) -> None:
    assert sorted(article_texts(TEXTS / f"{stem}.md")) == list(range(first, last + 1))


def test_chunk_overlapping_two_articles_maps_to_both() -> None:
    text = "# 法\n\n## 第一章 总则\n\n第一条 甲。\n\n第二条 乙。\n\n## 第二章 分则\n\n第三条 丙。\n"
    spans, paths = article_spans(text), heading_paths(text)
    start = text.index("甲")
    articles, sections = chunk_coverage(spans, paths, start, text.index("第三条") + 3)
    assert articles == {1, 2, 3}
    assert sections == ("法 › 第一章 总则", "法 › 第二章 分则")
    assert chunk_coverage(spans, paths, 0, 3)[0] == frozenset()


# ---- the policy-texts gold sets --------------------------------------------------------------


@pytest.fixture(scope="module", params=[GOLD, HELD_OUT, SCOPE], ids=lambda p: p.stem)
def gold(request) -> list[GoldQuestion]:
    return load_gold(request.param)


@pytest.fixture(scope="module")
def articles(policy_texts: Path) -> dict[str, dict[int, str]]:
    return {p.stem: article_texts(p) for p in policy_texts.glob("*.md")}


def test_gold_set_shape() -> None:
    gold = load_gold(GOLD)
    inside = [q for q in gold if q.in_scope]
    en_to_zh_only = [
        q for q in inside if q.lang == "en" and all(g.doc_id.startswith("zh_") for g in q.gold)
    ]
    assert len(inside) >= 110
    assert len([q for q in gold if not q.in_scope]) >= 12
    assert len(en_to_zh_only) >= 50
    assert len([q for q in inside if q.lang == "zh"]) >= 35
    assert len({q.id for q in gold}) == len(gold)
    assert len({q.question for q in gold}) == len(gold)
    assert all(not q.gold and not q.facts for q in gold if not q.in_scope)


def test_held_out_set_asks_about_other_articles() -> None:
    held_out = load_gold(HELD_OUT)
    tuned = {(g.doc_id, g.article) for q in load_gold(GOLD) for g in q.gold}
    assert not {(g.doc_id, g.article) for q in held_out for g in q.gold} & tuned
    inside = [q for q in held_out if q.in_scope]
    assert len(inside) >= 75 and len(held_out) - len(inside) >= 15
    assert len({q.id for q in held_out} | {q.id for q in load_gold(GOLD)}) == len(held_out) + 172


def test_scope_set_is_half_out_of_scope_and_asks_new_questions() -> None:
    scope = load_gold(SCOPE)
    outside = [q for q in scope if not q.in_scope]
    assert len(outside) >= 40 and len(scope) - len(outside) >= 40
    assert {q.lang for q in outside} == {"en", "zh"}
    earlier = load_gold(GOLD) + load_gold(HELD_OUT)
    assert not {q.id for q in scope} & {q.id for q in earlier}
    assert not {q.question for q in scope} & {q.question for q in earlier}
    assert all(not q.gold and not q.facts for q in outside)


def test_every_gold_article_exists(
    gold: list[GoldQuestion], articles: dict[str, dict[int, str]]
) -> None:
    missing = [
        (q.id, g) for q in gold for g in q.gold if g.article not in articles.get(g.doc_id, {})
    ]
    assert not missing


def test_every_fact_is_in_a_gold_article(
    gold: list[GoldQuestion], articles: dict[str, dict[int, str]]
) -> None:
    lost = [
        (q.id, fact)
        for q in gold
        for fact in q.facts
        if not any(fact in articles[g.doc_id][g.article] for g in q.gold)
    ]
    assert not lost
    assert all(q.facts for q in gold if q.in_scope)


def test_parallel_texts_are_gold_in_both_languages(gold: list[GoldQuestion]) -> None:
    for q in gold:
        items = {(g.doc_id, g.article) for g in q.gold}
        for zh, en in PARALLEL.items():
            for doc, article in items:
                if doc in (zh, en):
                    assert {(zh, article), (en, article)} <= items, q.id


def test_old_cybersecurity_law_only_for_questions_about_the_past(gold: list[GoldQuestion]) -> None:
    for q in gold:
        if any(g.doc_id == CSL_2016 for g in q.gold):
            assert "2016" in q.question, q.id


def test_recall_at_100_comes_from_the_deep_search_and_the_rest_from_the_shallow_one():
    gold = [GoldItem("刑法/刑法", 264), GoldItem("刑法/刑法", 266)]
    shallow = [art("刑法/刑法", 1), art("刑法/刑法", 264)]
    deep = [art("刑法/刑法", n) for n in range(200, 300)]  # 266 at rank 67
    got = retrieval_metrics(shallow, gold, deep=deep)
    assert got["recall@10"] == 0.5 and got["recall@100"] == 1.0 and got["mrr@10"] == 0.5
    assert "recall@100" not in retrieval_metrics(shallow, gold)


def test_questions_are_also_scored_by_the_family_of_law_of_their_gold():
    q = GoldQuestion(
        "s-1",
        "盗窃多少钱判刑？",
        "zh",
        True,
        (GoldItem("刑法/刑法", 264), GoldItem("司法解释/盗窃", 1)),
    )
    scores = score_question([art("刑法/刑法", 264)], q, {})
    assert {"law:刑法", "law:司法解释"} <= set(scores)
    table = aggregate([scores])
    assert table["law:刑法"]["n"] == 1 and table["law:刑法"]["hit@1"] == 1.0


def test_a_sample_is_the_same_every_time_and_keeps_the_files_order():
    questions = [GoldQuestion(f"stard-{n}", "问", "zh", True) for n in range(1, 1001)]
    first, again = sample(questions, 100), sample(list(reversed(questions)), 100)
    assert len(first) == 100 and {q.id for q in first} == {q.id for q in again}
    numbers = [int(q.id.split("-")[1]) for q in first]
    assert numbers == sorted(numbers) and numbers[0] < 100 and numbers[-1] > 900  # spread
    assert sample(questions, None) == questions and sample(questions, 5000) == questions


def test_a_set_kept_outside_the_project_gets_a_name_of_its_own():
    assert set_name(ROOT / "eval" / "staff_qa.jsonl") == "staff_qa"
    assert set_name(ROOT.parent / "shared" / "stard" / "dev.jsonl") == "stard-dev"


def test_the_ablation_table_shows_each_unit_beside_everything_on():
    results = {
        "policy": {
            "ablation": {
                "all on": {"hit@5": 0.9, "mrr@10": 0.8},
                "coverage": {"hit@5": -0.05, "mrr@10": -0.04},
            }
        },
        "stard": {
            "ablation": {
                "all on": {"hit@5": 0.5, "mrr@10": 0.4},
                "coverage": {"hit@5": 0.01, "mrr@10": 0.0},
            }
        },
    }
    table = ablation_table(results).splitlines()
    assert table[0] == "| unit | policy Δhit@5 | policy ΔMRR@10 | stard Δhit@5 | stard ΔMRR@10 |"
    assert "| all on | 0.900 | 0.800 | 0.500 | 0.400 |" in table
    assert "| coverage | -0.050 | -0.040 | +0.010 | +0.000 |" in table
    assert "| bridge | off | off | off | off |" in table  # not measured: switched off already


def test_a_sample_or_an_ablation_never_overwrites_the_whole_sets_results():
    import argparse

    from rag.evaluation.evaluate import results_name

    stard = ROOT.parent / "shared" / "stard" / "dev.jsonl"
    assert results_name(stard, argparse.Namespace()) == "stard-dev"
    assert results_name(stard, argparse.Namespace(sample=300)) == "stard-dev-sample"
    staff = ROOT / "eval" / "staff_qa.jsonl"
    assert results_name(staff, argparse.Namespace(sample=300, ablate=True)) == "staff_qa-ablation"
