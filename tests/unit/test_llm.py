"""LLM answers without a server: the factory, fallbacks when there is no model to ask, and
the extractive answer they fall back to. The answers over HTTP are in tests/integration."""

from __future__ import annotations

import subprocess
import sys

import pytest

from rag.answer import endpoint, extractive_answer, llm_answer, parse_model_name
from rag.config import Settings
from rag.errors import ConfigError
from tests.support.paths import ROOT
from tests.support.pipl import minors_and_fines, pipl_hit

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
    answer = llm_answer("What is the maximum fine under PIPL?", hits, [], settings)
    assert answer.mode == "extractive" and answer.notice.startswith(
        "Could not reach the language model"
    )


def test_bad_configuration_falls_back_with_its_message():
    answer = llm_answer(
        "What is the maximum fine?", minors_and_fines("en"), [], Settings(llm="gemini/pro")
    )
    assert answer.mode == "extractive"
    assert answer.notice.startswith("unknown LLM provider 'gemini': expected one of:")


# --- the extractive answer -------------------------------------------------------------


def test_a_sentence_that_opens_a_list_is_quoted_with_its_items():
    # "…个人有权请求删除：" alone tells the reader nothing: the cases are in the items.
    hit = pipl_hit(47, "zh")
    answer = extractive_answer("个人信息处理者未删除的，个人有权请求删除吗？", [hit])
    assert "个人有权请求删除： （一）处理目的已实现" in answer.text
    assert "（五）法律、行政法规规定的其他情形。 [1]" in answer.text
    assert answer.text.count("（三）个人撤回同意") == 1  # an item chosen on its own is not repeated
    quote = answer.citations[0].quote
    assert (
        quote in hit.text
        and "请求删除：\n\n（一）" in quote
        and "（五）法律、行政法规规定的其他情形。" in quote
    )
