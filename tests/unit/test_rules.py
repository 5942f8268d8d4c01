"""Rules as components (issue 17): every leg and rule has a name, a switch and a trace."""

from __future__ import annotations

import re

import pytest

from rag.config import Settings
from rag.errors import ConfigError
from rag.retrieval import Trace, rules
from tests.support.paths import ROOT


def test_rules_off_reads_names_and_refuses_an_unknown_one():
    assert rules.switched_off("") == frozenset()
    assert rules.switched_off(" coverage, bridge ,") == {"coverage", "bridge"}
    with pytest.raises(ConfigError, match="covrage"):
        rules.switched_off("covrage")


def test_an_unknown_rule_in_the_settings_stops_the_retriever_at_start(tmp_path):
    from rag.retrieval import Retriever

    settings = Settings(data_dir=tmp_path, rules_off="coverage,no-such-rule")
    with pytest.raises(ConfigError, match="no-such-rule"):
        Retriever(settings, store=None, embed_query=lambda text: None)  # type: ignore[arg-type]


def test_every_unit_has_a_switch_in_the_retriever_and_every_switch_a_unit():
    # A unit listed but never checked would be "ablated" with no effect: a false zero.
    source = (ROOT / "rag" / "retrieval" / "retriever.py").read_text(encoding="utf-8")
    switched = set(re.findall(r'self\.on\("([a-z0-9-]+)"\)', source))
    steps = set(re.findall(r'\("([a-z0-9-]+)", self\._[a-z_]+\)', source))
    assert switched | steps == rules.NAMES
    assert not switched & steps  # a rule is switched in one place


def test_a_trace_records_what_moved_and_nothing_else():
    trace = Trace()
    trace.leg("dense", [("a", 0.9), ("b", 0.8)])
    trace.leg("bm25", [("b", 7.0)])
    trace.step("coverage", {"a": 1.0, "b": 0.5}, {"a": 1.5, "b": 0.5, "c": 0.2})
    trace.listed("related", {"d"})
    assert trace.of("a")["legs"] == {"dense": 1}
    assert trace.of("b")["legs"] == {"dense": 2, "bm25": 1}
    assert trace.of("a")["rules"] == [{"rule": "coverage", "before": 1.0, "after": 1.5}]
    assert trace.of("b")["rules"] == []  # unchanged
    assert trace.of("c")["rules"] == [{"rule": "coverage", "before": 0.0, "after": 0.2}]
    assert trace.of("d")["added_by"] == ["related"] and trace.of("d")["legs"] == {}


def test_the_cli_prints_a_trace_a_person_can_read():
    from rag.interfaces.cli import explain_line

    line = explain_line(
        {
            "legs": {"dense": 3, "bm25": 1},
            "rules": [
                {"rule": "coverage", "before": 0.1, "after": 0.132},
                {"rule": "article-number", "before": 0.0, "after": 1.0},
            ],
            "added_by": [],
        }
    )
    assert line == "found by dense #3, bm25 #1 · coverage ×1.32, article-number +1.0000"
    assert explain_line({"legs": {}, "rules": [], "added_by": ["related"]}) == "added by related"
