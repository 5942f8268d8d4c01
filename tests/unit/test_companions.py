"""One place per article: translations and other versions ride with the article's hit."""

from __future__ import annotations

from rag.evaluation.evaluate import ranked_from_hit, retrieval_metrics
from rag.evaluation.gold import GoldItem
from rag.retrieval import build_index, reading_order
from rag.retrieval.companions import group
from rag.types import Hit, PassageMeta

LAW_ZH = {"short_name": "PDPL", "doc_type": "law", "promulgated": "2024-01-01", "language": "zh"}
LAW_EN = {**LAW_ZH, "language": "en"}
OLD_ZH = {**LAW_ZH, "promulgated": "2016-11-07"}
SUMMARY = {**LAW_EN, "doc_type": "summary"}

PASSAGES = {
    # cid: (document, article, text)
    "zh7": ("zh", 7, "第七条 个人数据出境前，数据处理者应当向国家网信部门申报安全评估。"),
    "en7": (
        "en",
        7,
        "Article 7 Before personal data leaves the country, the handler shall apply to the "
        "national cyberspace department for a security assessment.",
    ),
    "zh8": ("zh", 8, "第八条 发生数据泄露的，数据处理者应当在七十二小时内报告。"),
    "zh8b": ("zh", 8, "报告应当载明泄露的数据种类、原因和可能造成的危害。"),
    # the 2016 text: Art. 5 is today's Art. 7 with a few words changed, Art. 6 is today's Art. 8
    # word for word, renumbered; Art. 9 is another article altogether
    "old5": ("old", 5, "第五条 个人数据出境前，数据处理者应当向有关主管部门申报安全评估。"),
    "old6": ("old", 6, "第六条 发生数据泄露的，数据处理者应当在七十二小时内报告。"),
    "old9": ("old", 9, "第九条 国家鼓励开发利用数据资源，促进数字经济发展。"),
    "sum7": ("summary", 7, "Article 7 (summary): a security assessment comes before export."),
}
DOCS = {"zh": LAW_ZH, "en": LAW_EN, "old": OLD_ZH, "summary": SUMMARY}


def index():
    ids = list(PASSAGES)
    texts = [PASSAGES[cid][2] for cid in ids]
    metas = [
        {**DOCS[PASSAGES[cid][0]], "doc_id": PASSAGES[cid][0], "article": PASSAGES[cid][1]}
        for cid in ids
    ]
    return build_index(ids, texts, metas)


def test_a_translation_found_lower_rides_with_the_article_instead_of_taking_a_place():
    kept, riders = group(index(), ["zh7", "zh8", "en7"])
    assert kept == ["zh7", "zh8"] and riders == {"zh7": ["en7"]}


def test_an_unchanged_or_partly_amended_article_of_another_version_rides_with_it():
    kept, riders = group(index(), ["zh8", "zh7", "old6", "old5", "old9"])
    assert kept == ["zh8", "zh7", "old9"]  # Art. 9 of 2016 is not a version of either
    assert riders == {"zh8": ["old6"], "zh7": ["old5"]}


def test_a_summary_and_a_second_chunk_of_the_article_keep_their_places():
    kept, riders = group(index(), ["zh8", "zh7", "sum7", "zh8b"])
    assert kept == ["zh8", "zh7", "sum7", "zh8b"] and riders == {}


def test_the_holder_is_whichever_copy_ranks_first_and_the_copies_of_its_riders_ride_too():
    # the 2016 Chinese text is a version of the Chinese original, which translates the holder
    kept, riders = group(index(), ["en7", "zh7", "old5"])
    assert kept == ["en7"] and riders == {"en7": ["zh7", "old5"]}


def hit(cid: str, score: float = 1.0, relation: str = "", rank: int = 0) -> Hit:
    document, article, text = PASSAGES[cid]
    meta = PassageMeta(doc_id=document, article=article, **DOCS[document])
    return Hit(chunk_id=cid, text=text, score=score, meta=meta, relation=relation, rank=rank)


def test_the_answer_reads_the_chinese_original_first_and_each_text_knows_its_others():
    holder = hit("en7", rank=1)
    holder.companions = [hit("zh7", 0.0, "translation", 1), hit("old5", 0.5, "version", 1)]
    read = reading_order([holder])
    assert [h.chunk_id for h in read] == ["zh7", "en7", "old5"]
    assert all(h.rank == 1 for h in read)
    original = read[0]
    assert {(c.chunk_id, c.relation) for c in original.companions} == {
        ("en7", "translation"),
        ("old5", "version"),
    }


def test_past_the_third_hit_only_companions_search_found_are_read():
    hits = [hit(cid, rank=n) for n, cid in enumerate(["zh8", "old9", "sum7", "zh7"], 1)]
    hits[3].companions = [hit("en7", 0.0, "translation"), hit("old5", 0.2, "version")]
    assert [h.chunk_id for h in reading_order(hits)] == ["zh8", "old9", "sum7", "zh7", "old5"]


def test_a_version_worded_as_the_hit_is_not_read_twice():
    holder = hit("zh8")
    holder.companions = [hit("old6", 0.4, "version")]
    assert [h.chunk_id for h in reading_order([holder])] == ["zh8"]


def test_a_gold_article_riding_with_a_hit_is_found_at_the_hits_place():
    first, second = hit("zh8"), hit("en7")
    second.companions = [hit("zh7", 0.0, "translation")]
    ranking = [ranked_from_hit(first), ranked_from_hit(second)]
    m = retrieval_metrics(ranking, [GoldItem("zh", 7)])
    assert m["hit@1"] == 0.0 and m["hit@5"] == 1.0 and m["mrr@10"] == 0.5


def test_an_article_and_its_translation_both_gold_in_one_place_score_a_perfect_ndcg():
    holder = hit("zh7")
    holder.companions = [hit("en7", 0.3, "translation")]
    m = retrieval_metrics([ranked_from_hit(holder)], [GoldItem("zh", 7), GoldItem("en", 7)])
    assert m["recall@1"] == 1.0 and m["ndcg@10"] == 1.0


def test_two_chunks_of_a_riding_translation_do_not_shrink_the_ideal_below_one_place():
    holder = hit("zh8")
    holder.companions = [hit("en7", 0.3, "translation"), hit("en7", 0.2, "translation")]
    m = retrieval_metrics([ranked_from_hit(holder)], [GoldItem("en", 7)])
    assert m["ndcg@10"] == 1.0


def test_versions_link_each_article_to_its_own_amended_text_not_to_a_look_alike():
    from rag.retrieval.versions import link

    fine = "违反本法第{}条规定的，由主管部门责令改正，处{}罚款。"
    old = {
        3: "第三条 国家保护个人数据权益。",
        10: fine.format("五", "一万元以上十万元以下"),
        11: fine.format("六", "五万元以上五十万元以下"),
    }
    new = {
        # Art. 3 moved far and kept its words; the two fines were raised and renumbered
        20: "第二十条 国家保护个人数据权益。",
        12: fine.format("五", "十万元以上一百万元以下"),
        13: fine.format("六", "五十万元以上五百万元以下"),
        14: "第十四条 本法自2027年1月1日起施行。",
    }
    by_article, passages, wording_of = {}, {}, {}
    for doc, articles, date in (("old", old, "2016-01-01"), ("new", new, "2025-01-01")):
        for number, text in articles.items():
            cid = f"{doc}{number}"
            by_article[(doc, number)] = [cid]
            passages[cid] = PassageMeta(
                doc_id=doc, article=number, **{**LAW_ZH, "promulgated": date}
            )
            wording_of[cid] = text.split(" ", 1)[-1]
    linked = link(by_article, passages, wording_of)
    assert linked[("old", 3)] == linked[("new", 20)] == ("new", 20)
    assert linked[("old", 10)] == ("new", 12) and linked[("old", 11)] == ("new", 13)
    assert ("new", 14) not in linked
