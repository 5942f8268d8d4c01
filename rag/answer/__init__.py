"""Hits → a cited `Answer`: the extractive reader (the offline default) or a chat model whose
reply is checked sentence by sentence against its sources; labels and quotes for citations.

The chat model's client (langchain-openai) is imported only when a model is configured.
"""

from .citations import build_label, make_citation, section_title, short_zh_title
from .extractive import extractive_answer
from .facts import Stated, asked_field, english_name, stated_fact
from .figures import Figure, figures
from .generate import llm_answer, rewrite_question
from .grounding import UNSUPPORTED_MARK, answer_sentences, ground, parse_citations
from .kinds import holds
from .llm import MAX_RETRIES, build_chat_model, endpoint, parse_model_name
from .refusal import (
    REFUSAL_EN,
    REFUSAL_ZH,
    describe_filters,
    describe_search,
    filter_value_words,
    refusal,
    suggested_questions,
)

__all__ = [
    "MAX_RETRIES",
    "REFUSAL_EN",
    "REFUSAL_ZH",
    "Stated",
    "UNSUPPORTED_MARK",
    "Figure",
    "answer_sentences",
    "asked_field",
    "build_chat_model",
    "build_label",
    "describe_filters",
    "describe_search",
    "endpoint",
    "english_name",
    "extractive_answer",
    "filter_value_words",
    "figures",
    "ground",
    "holds",
    "llm_answer",
    "make_citation",
    "parse_citations",
    "parse_model_name",
    "refusal",
    "rewrite_question",
    "section_title",
    "short_zh_title",
    "stated_fact",
    "suggested_questions",
]
