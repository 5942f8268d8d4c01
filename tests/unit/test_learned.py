"""The fixed halves of a gold set `rag tune` learns from and reports on (rag.retrieval.learned)."""

from __future__ import annotations

from rag.retrieval import question_part


def test_the_fit_and_held_halves_are_fixed_and_about_even():
    ids = [f"stard-{n}" for n in range(1000)]
    fit = [i for i in ids if question_part(i) == "fit"]
    assert 430 < len(fit) < 570
    assert [question_part(i) for i in ids] == [question_part(i) for i in ids]
