"""Facts from a document's metadata, stated in the asker's language and cited to the
document's own sentence (issue 14: "When did X take effect" never depends on ranking)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from rag.answer import extractive_answer, stated_fact
from rag.types import Hit, PassageMeta
from tests.support.questions import asking

DSL = PassageMeta(
    doc_id="dsl",
    title="Data Security Law of the PRC: article-by-article summary",
    title_zh="中华人民共和国数据安全法",
    short_name="DSL",
    issuer="Standing Committee of the National People's Congress",
    promulgated="2021-06-10",
    effective="2021-09-01",
    language="en",
    label="DSL",
)


def _hits(*texts: str, meta: PassageMeta = DSL) -> list[Hit]:
    return [
        Hit(chunk_id=f"{meta.doc_id}-{i}", text=t, score=1.0, meta=replace(meta, article=i + 1))
        for i, t in enumerate(texts)
    ]


PASSAGES = _hits(
    "The law protects data and its security. Processors must classify data.",
    "It was adopted on 2021-06-10. This law has been in force since 1 September 2021.",
)


def _stated(text: str, hits: list[Hit] = PASSAGES, older: dict[str, str] | None = None):
    question = asking(text, hits)
    by_doc: dict[str, list[Hit]] = {}
    for hit in hits:
        by_doc.setdefault(hit.doc_id, []).append(hit)
    return question, stated_fact(question, by_doc, older or {}, today=date(2026, 11, 27))


def test_an_english_when_question_gets_the_effective_date_cited_to_the_sentence_that_gives_it():
    question, stated = _stated("When did the Data Security Law take effect?")
    assert stated is not None
    assert stated.text == "The Data Security Law took effect on 2021-09-01."
    assert stated.quote == "This law has been in force since 1 September 2021."
    answer = extractive_answer(question, PASSAGES[:1], stated=stated)
    assert answer.text.startswith("The Data Security Law took effect on 2021-09-01. [1] ")
    assert answer.citations[0].quote.startswith("This law has been in force")


def test_a_chinese_question_gets_a_chinese_lead_and_the_english_quote():
    question, stated = _stated("数据安全法是从哪一天开始施行的？")
    assert stated is not None
    assert stated.text == "《数据安全法》自2021-09-01起施行。"
    answer = extractive_answer(question, PASSAGES, stated=stated)
    assert answer.text.startswith("《数据安全法》自2021-09-01起施行。 [1]")
    assert "1 September 2021" in answer.citations[0].quote


def test_who_issued_it_and_when_it_was_adopted():
    _, who = _stated("Who issued the Data Security Law?")
    assert who is not None and who.field == "issuer"
    assert who.text == (
        "The Data Security Law was issued by the Standing Committee of the National People's "
        "Congress (document metadata)."
    )
    _, zh = _stated("数据安全法是由哪个机关通过的？")
    assert zh is not None and zh.text == (
        "《数据安全法》由全国人民代表大会常务委员会"
        "（Standing Committee of the National People's Congress）发布（文件元数据）。"
    )
    # a meeting that adopted it is named by the text, not by the metadata's issuer
    assert _stated("Which session adopted the Data Security Law?")[1] is None
    _, adopted = _stated("When was the Data Security Law adopted?")
    assert adopted is not None and adopted.text.endswith("was issued on 2021-06-10.")
    assert adopted.quote == "It was adopted on 2021-06-10."


def test_issued_asked_in_chinese_and_made_public_asked_in_either_language():
    _, issued = _stated("数据安全法是哪天印发的？")  # 印发, a plan's word for issued
    assert issued is not None and issued.text.startswith("《数据安全法》于2021-06-10发布")
    # the day a text was made public can be weeks after the date it bears: not the metadata's
    assert _stated("数据安全法是哪天对外公布的？")[1] is None
    assert _stated("When was the Data Security Law made public?")[1] is None


def test_a_date_no_sentence_states_is_said_to_come_from_the_metadata():
    hits = _hits("The law protects data and its security.")
    _, stated = _stated("When did the Data Security Law take effect?", hits)
    assert stated is not None
    assert stated.text == "The Data Security Law took effect on 2021-09-01 (document metadata)."
    assert stated.quote == "The law protects data and its security."


def test_the_current_version_unless_the_question_names_the_older_ones_year():
    old = replace(DSL, doc_id="dsl_2016", promulgated="2016-11-07", effective="2017-06-01")
    hits = [*PASSAGES, *_hits("In force since 2017-06-01.", meta=old)]
    older = {"dsl_2016": "2016"}
    _, current = _stated("When did the Data Security Law take effect?", hits, older)
    assert current is not None and "2021-09-01" in current.text
    _, named = _stated("When did the 2016 Data Security Law take effect?", hits, older)
    assert named is not None and "2017-06-01" in named.text


def test_no_fact_is_stated_for_other_questions_or_unnamed_documents():
    assert _stated("What must processors do with data?")[1] is None
    assert _stated("When did the law take effect?")[1] is None  # names no document


def test_whether_a_text_is_still_in_force_names_the_text_that_replaces_it():
    old = replace(
        DSL, doc_id="dsl_2016", title_zh="中华人民共和国数据安全法（2016年）", status="amended"
    )
    new = replace(DSL, title_zh="中华人民共和国数据安全法（2025年修正）", supersedes="dsl_2016")
    hits = [
        *_hits("The amended law replaces the original 2016 text.", meta=new),
        *_hits("The original text of the law.", meta=old),
    ]
    older = {"dsl_2016": "2016"}
    _, stated = _stated("Is the 2016 Data Security Law still in force?", hits, older)
    assert stated is not None and stated.field == "status"
    assert stated.text.startswith(
        "The Data Security Law is amended: the Data Security Law replaces it"
    )
    _, current = _stated("数据安全法现在还有效吗？", hits, older)
    assert current is not None
    assert current.text == "《数据安全法（2025年修正）》现行有效，取代《数据安全法（2016年）》。"
    assert current.quote == "The amended law replaces the original 2016 text."


def test_how_many_articles_is_answered_from_the_sentence_that_gives_the_layout():
    hits = _hits(
        "China's statute on data security. It has 7 chapters and 55 articles: general provisions.",
        "Processors must classify data.",
    )
    question, stated = _stated("How many articles does the Data Security Law have?", hits)
    assert stated is not None and stated.field == "structure"
    assert stated.text == "The Data Security Law has 7 chapters and 55 articles."
    answer = extractive_answer(question, hits, stated=stated)
    assert answer.text.startswith("The Data Security Law has 7 chapters and 55 articles. [1] ")
    # A Chinese question hears it in Chinese, the layout as the text words it beside it, and
    # then the document's own sentence.
    question, quoted = _stated("数据安全法共有多少条？", hits)
    assert (
        quoted is not None
        and quoted.text == "《数据安全法》共7章55条（7 chapters and 55 articles）。"
    )
    answer = extractive_answer(question, hits, stated=quoted)
    assert answer.text.startswith(
        "《数据安全法》共7章55条（7 chapters and 55 articles）。 "
        "[1] It has 7 chapters and 55 articles: general provisions. [1]"
    )
    parts = _hits("The outline has 19 parts (篇) and 65 chapters (章).")
    _, plan = _stated("数据安全法分为多少篇？", parts)
    assert plan is not None and plan.text.startswith("《数据安全法》共19篇65章")
    assert _stated("How many articles does the Data Security Law have?", PASSAGES)[1] is None
