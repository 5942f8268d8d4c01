"""Settings: every RAG_* variable read with its type, and bad values refused with the value."""

from __future__ import annotations

import pytest

from rag.config import Settings
from rag.errors import ConfigError


def test_values_are_read_from_the_environment_with_their_types():
    settings = Settings.from_env(
        {"RAG_TOP_K": "5", "RAG_SEARCH_EF": "400", "RAG_MIN_RELEVANCE": "0.9"}
    )
    assert (settings.top_k, settings.search_ef, settings.min_relevance) == (5, 400, 0.9)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("RAG_SEARCH_EF", "0", "RAG_SEARCH_EF must be at least 1, got 0"),
        ("RAG_TOP_K", "0", "RAG_TOP_K must be greater than 0, got 0"),
        ("RAG_TOP_K", "many", "RAG_TOP_K must be a whole number, got 'many'"),
    ],
)
def test_a_bad_value_is_refused_saying_what_it_got(variable, value, message):
    with pytest.raises(ConfigError, match=message):
        Settings.from_env({variable: value})
