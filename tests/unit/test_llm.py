"""LLM answers without a server: the factory, the prompt, the check on the answer's opening,
fallbacks when there is no model to ask, and the extractive answer they fall back to. The
answers over HTTP, from the real client, are in tests/integration/test_llm.py."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from rag.answer import endpoint, extractive_answer, llm_answer, parse_model_name, stated_fact
from rag.answer.generate import answer_messages, numbered_sources
from rag.config import Settings
from rag.errors import ConfigError
from rag.types import Hit, PassageMeta
from tests.support.paths import ROOT
from tests.support.pipl import minors_and_fines, pipl_hit
from tests.support.questions import asking

pytestmark = pytest.mark.usefixtures("no_client_environ")


# --- the factory --------------------------------------------------------------------------


def test_unknown_provider_lists_the_known_ones():
    with pytest.raises(
        ConfigError, match=r"unknown LLM provider 'gemini': expected one of: openai, ollama"
    ):
        parse_model_name("gemini/pro")
    with pytest.raises(ConfigError, match="provider/model"):
        parse_model_name("gpt-4o")


def test_providers_pick_their_endpoints():
    assert parse_model_name("openai/Qwen/Qwen2.5-7B-Instruct") == (
        "openai",
        "Qwen/Qwen2.5-7B-Instruct",
    )
    model, base, key = endpoint(Settings(llm="ollama/qwen2.5:7b"))
    assert (model, base, key) == ("qwen2.5:7b", "http://127.0.0.1:11434/v1", "not-needed")
    assert (
        endpoint(Settings(llm="ollama/x", llm_base_url="http://gpu:11434/v1"))[1]
        == "http://gpu:11434/v1"
    )
    assert (
        endpoint(Settings(llm="deepseek/deepseek-chat", llm_api_key="k"))[1]
        == "https://api.deepseek.com/v1"
    )
    assert "dashscope" in endpoint(Settings(llm="qwen/qwen-plus", llm_api_key="k"))[1]
    # vLLM / llama.cpp behind openai/: any key will do
    assert (
        endpoint(Settings(llm="openai/m", llm_base_url="http://127.0.0.1:8000/v1"))[2]
        == "not-needed"
    )
    with pytest.raises(ConfigError, match="RAG_LLM_API_KEY or DEEPSEEK_API_KEY"):
        endpoint(Settings(llm="deepseek/deepseek-chat"))


def test_importing_the_llm_modules_loads_no_client():
    code = (
        "import sys, rag.answer, rag.engine; "
        "assert 'langchain_openai' not in sys.modules and 'openai' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def test_unreachable_endpoint_falls_back():
    hits = minors_and_fines("en")
    settings = Settings(llm="openai/m", llm_base_url="http://127.0.0.1:9/v1", llm_timeout=2)
    answer = llm_answer(asking("What is the maximum fine under PIPL?", hits), hits, [], settings)
    assert answer.mode == "extractive" and answer.notice.startswith(
        "Could not reach the language model"
    )


def test_bad_configuration_falls_back_with_its_message():
    hits = minors_and_fines("en")
    answer = llm_answer(
        asking("What is the maximum fine?", hits), hits, [], Settings(llm="gemini/pro")
    )
    assert answer.mode == "extractive"
    assert answer.notice.startswith("unknown LLM provider 'gemini': expected one of:")


# --- the prompt: what was read in the question ------------------------------------------

PIPL_TITLE = "Personal Information Protection Law of the PRC (中华人民共和国个人信息保护法)"


def prompt(question: str, hits, stated=None) -> tuple[str, str]:
    """(system, user) text of the answer prompt for `question` over `hits`."""
    sources = numbered_sources(hits, stated)
    system, user = answer_messages(asking(question, sources), sources, [], stated)
    return str(system.content), str(user.content)


def test_the_prompt_says_what_the_first_sentence_must_hold_and_which_law_to_answer_from():
    hits = [pipl_hit(66), pipl_hit(13), pipl_hit(28, "zh")]
    system, user = prompt("What is the maximum fine under PIPL?", hits)
    assert "Answer in English" in system
    analysis = user[user.index("Question:") :]
    assert "It asks for an amount of money: the first sentence must state it" in analysis
    assert f"It names {PIPL_TITLE} (sources 1, 2, 3): the answer must come from it." in analysis
    assert analysis.rstrip().endswith("with [n] after every sentence that states a fact.")


def test_the_prompt_of_a_chinese_question_asks_for_chinese_and_names_the_article():
    system, user = prompt("个人信息保护法第六十六条规定的最高罚款是多少？", minors_and_fines("zh"))
    assert "Answer in Chinese (简体中文)" in system
    assert "It asks for an amount of money" in user
    assert "It names Article 66." in user


def test_a_comparison_may_draw_on_other_documents_than_the_one_it_names():
    dsl = Hit(
        chunk_id="dsl-45",
        text="Article 45: violations are fined up to RMB 10 million.",
        score=1.0,
        meta=PassageMeta(doc_id="dsl", title="Data Security Law of the PRC", short_name="DSL"),
    )
    _, user = prompt("How do PIPL fines differ from other laws?", [pipl_hit(66), dsl])
    assert "It compares: set the documents side by side, each point cited." in user
    assert f"It names {PIPL_TITLE} (sources 1); other sources may be cited too." in user
    assert "must come from" not in user


def test_an_open_question_naming_nothing_adds_no_analysis():
    _, user = prompt("What does the law say about cookies?", [pipl_hit(13)])
    assert "What the question asks" not in user and "It names" not in user


def test_a_stated_fact_is_given_with_the_number_of_the_source_it_quotes():
    question = "When did PIPL take effect?"
    commencement = pipl_hit(74)
    fact = stated_fact(
        asking(question, [commencement]), {"pipl-en": [commencement]}, {}, date(2025, 1, 1)
    )
    assert fact is not None and fact.hit.article == 74
    # not among the hits: it becomes source 1
    _, user = prompt(question, [pipl_hit(1), pipl_hit(13)], fact)
    assert '<source n="1">\nlabel: PIPL Art. 74' in user
    assert f"Known fact, to state first with [1]: {fact.text}" in user
    assert "It asks for a date: the first sentence must state it." in user
    # among them: it keeps its number
    _, user = prompt(question, [pipl_hit(1), pipl_hit(13), commencement], fact)
    assert user.count("<source n=") == 3
    assert f"Known fact, to state first with [3]: {fact.text}" in user


# --- the answer must open with what was asked ---------------------------------------------


def _model(reply: str):
    from langchain_core.language_models.fake_chat_models import FakeListChatModel

    return FakeListChatModel(responses=[reply])


WHEN = "When did PIPL take effect?"
PURPOSE = (
    "PIPL was enacted to protect the rights and interests on personal information and to "
    "regulate its processing [1]. "
)


def test_an_answer_that_does_not_open_with_the_date_asked_for_falls_back():
    hits = [pipl_hit(1), pipl_hit(74)]
    question = asking(WHEN, hits)
    fact = stated_fact(question, {"pipl-en": hits}, {}, date(2025, 1, 1))
    reply = PURPOSE + "It comes into force on November 1, 2021 [2]."
    answer = llm_answer(
        question, hits, [], Settings(llm="openai/m"), stated=fact, chat_model=_model(reply)
    )
    assert answer.notice == (
        "The language model's answer did not open with a date, which the question asks for; "
        "showing the extractive answer."
    )
    assert "enacted to protect" not in answer.text
    # the extractive answer opens with the date, stated from the law's metadata
    assert answer.text.startswith(
        "The Personal Information Protection Law took effect on 2021-11-01"
    )
    assert answer.mode == "extractive" and all(c.supported for c in answer.checks)


def test_an_answer_that_opens_with_the_date_is_kept():
    hits = [pipl_hit(1), pipl_hit(74)]
    reply = "PIPL comes into force on November 1, 2021 [2]. " + PURPOSE
    answer = llm_answer(
        asking(WHEN, hits), hits, [], Settings(llm="openai/m"), chat_model=_model(reply)
    )
    assert answer.mode == "llm" and answer.notice == ""
    assert answer.text.startswith("PIPL comes into force on November 1, 2021 [1].")
    assert answer.citations[0].label == "PIPL Art. 74"


def test_a_question_that_asks_for_nothing_in_particular_takes_any_opening():
    hits = [pipl_hit(1), pipl_hit(74)]
    answer = llm_answer(
        asking("What is PIPL about?", hits),
        hits,
        [],
        Settings(llm="openai/m"),
        chat_model=_model(PURPOSE),
    )
    assert answer.mode == "llm" and answer.text.startswith("PIPL was enacted to protect")


# --- the extractive answer -------------------------------------------------------------


def test_a_sentence_that_opens_a_list_is_quoted_with_its_items():
    # "…个人有权请求删除：" alone tells the reader nothing: the cases are in the items.
    hit = pipl_hit(47, "zh")
    answer = extractive_answer(asking("个人信息处理者未删除的，个人有权请求删除吗？", [hit]), [hit])
    assert "个人有权请求删除： （一）处理目的已实现" in answer.text
    assert "（五）法律、行政法规规定的其他情形。 [1]" in answer.text
    assert answer.text.count("（三）个人撤回同意") == 1  # an item chosen on its own is not repeated
    quote = answer.citations[0].quote
    assert (
        quote in hit.text
        and "请求删除：\n\n（一）" in quote
        and "（五）法律、行政法规规定的其他情形。" in quote
    )
