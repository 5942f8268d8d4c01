"""The staff question set (issue 14): its size and mix, its dev/held split, and that every gold
reference and every fact is really in the corpus. Reads the corpus files directly, so it needs no
index and no model."""

from __future__ import annotations

import json
import re
from collections import Counter
from functools import cache

import pytest

from rag.evaluation.answers import normalise
from rag.ingest import load_document
from tests.support.paths import CORPUS, ROOT

GOLD = ROOT / "eval" / "staff_qa.jsonl"
FIELDS = {"id", "question", "lang", "in_scope", "kind", "gold", "facts", "names_doc", "split"}
KINDS = {
    "date",
    "amount",
    "percentage",
    "count",
    "duration",
    "who",
    "yesno",
    "definition",
    "conditions",
    "comparison",
    "open",
}
# Kinds the set must ask about often enough to measure on their own.
MAIN_KINDS = ("date", "amount", "percentage", "duration", "who", "yesno", "conditions")

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")
ARTICLE = re.compile(r"^Articles?\s+(\d+)(?:\s*[–-]\s*(\d+))?\b")


@pytest.fixture(scope="module")
def questions() -> list[dict]:
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@cache
def document_text(doc_id: str) -> str:
    return (CORPUS / f"{doc_id}.md").read_text(encoding="utf-8")


@cache
def sections(doc_id: str) -> tuple[tuple[str, int, int | None, str], ...]:
    """Every heading of a corpus file after its front matter, as (heading text, first article,
    last article, passage): the passage runs from the heading to the next heading of the same or
    a higher level; the articles are set for `### Article N` and `### Articles N–M` headings."""
    lines = document_text(doc_id).splitlines()
    start = 0
    if lines and lines[0].strip() == "---":
        start = next(i for i in range(1, len(lines)) if lines[i].strip() == "---") + 1
    heads = []
    for i in range(start, len(lines)):
        m = HEADING.match(lines[i])
        if m:
            heads.append((i, len(m.group(1)), m.group(2)))
    found = []
    for k, (i, level, text) in enumerate(heads):
        end = next((j for j, lv, _ in heads[k + 1 :] if lv <= level), len(lines))
        first = last = None
        art = ARTICLE.match(text) if level == 3 else None
        if art:
            first = int(art.group(1))
            last = int(art.group(2) or art.group(1))
        found.append((text, first, last, "\n".join(lines[i:end])))
    return tuple(found)


def gold_passages(ref: dict) -> list[str]:
    """The passages a gold reference points at: article sections whose number or range holds
    the article, or sections whose heading is exactly the given text."""
    if "article" in ref:
        n = ref["article"]
        return [p for _, first, last, p in sections(ref["doc_id"]) if first and first <= n <= last]
    return [p for text, _, _, p in sections(ref["doc_id"]) if text == ref["section"]]


def test_size_and_mix(questions):
    for q in questions:
        assert set(q) == FIELDS, f"{q.get('id')}: fields {sorted(set(q) ^ FIELDS)}"
        assert q["lang"] in ("en", "zh") and q["question"].strip(), q["id"]
        assert q["kind"] in KINDS, f"{q['id']}: unknown kind {q['kind']!r}"
        assert isinstance(q["in_scope"], bool), q["id"]
    assert len(questions) >= 150
    assert len({q["id"] for q in questions}) == len(questions), "ids must be unique"
    by_lang = Counter((q["lang"], q["in_scope"]) for q in questions)
    assert by_lang[("zh", True)] >= 60
    kinds = Counter(q["kind"] for q in questions if q["in_scope"])
    assert set(kinds) == KINDS, f"kinds missing: {KINDS - set(kinds)}"
    for kind in MAIN_KINDS:
        assert kinds[kind] >= 8, f"only {kinds[kind]} {kind} questions"
    out_of_scope = [q for q in questions if not q["in_scope"]]
    assert 8 <= len(out_of_scope) <= 15


def test_split_follows_the_rule_fixed_before_tuning(questions):
    """Odd ids are the dev half (looked at while developing), even ids the held half (never
    looked at). The rule, not a choice per question, decides, so no question can be moved."""
    for q in questions:
        number = int(q["id"].removeprefix("sq-"))
        assert q["split"] == ("dev" if number % 2 else "held"), q["id"]
    halves = Counter((q["split"], q["in_scope"]) for q in questions)
    assert halves[("dev", True)] >= 70 and halves[("held", True)] >= 70
    assert halves[("dev", False)] >= 4 and halves[("held", False)] >= 4


def test_no_question_asked_twice_in_one_language(questions):
    seen = Counter(
        (q["lang"], re.sub(r"\W+", " ", q["question"]).strip().lower()) for q in questions
    )
    assert not [key for key, n in seen.items() if n > 1]


def test_out_of_scope_questions_have_no_gold(questions):
    for q in questions:
        if not q["in_scope"]:
            assert q["kind"] == "open", q["id"]
            assert q["gold"] == [] and q["facts"] == [] and q["names_doc"] is None, q["id"]


def test_every_gold_reference_exists(questions):
    problems = []
    for q in questions:
        if not q["in_scope"]:
            continue
        if not q["gold"] or not q["facts"] or len(q["facts"]) > 3:
            problems.append(f"{q['id']}: needs gold and 1-3 facts")
        for ref in q["gold"]:
            keys = set(ref) - {"doc_id"}
            if "doc_id" not in ref or keys not in ({"article"}, {"section"}):
                problems.append(f"{q['id']}: malformed gold reference {ref}")
                continue
            if not (CORPUS / f"{ref['doc_id']}.md").is_file():
                problems.append(f"{q['id']}: no corpus document {ref['doc_id']}")
                continue
            if "article" in ref and not isinstance(ref["article"], int):
                problems.append(f"{q['id']}: article must be a number in {ref}")
            elif not gold_passages(ref):
                problems.append(f"{q['id']}: {ref} is no heading of {ref['doc_id']}")
    assert not problems, "\n".join(problems)


def test_named_document_is_a_gold_document(questions):
    for q in questions:
        if q["names_doc"] is not None:
            assert q["names_doc"] in {ref["doc_id"] for ref in q["gold"]}, q["id"]


def test_every_fact_is_in_a_gold_document(questions):
    """Verbatim and case-sensitive: a fact that is not in the text cannot be demanded of an
    answer drawn from it."""
    problems = []
    for q in questions:
        docs = {ref["doc_id"] for ref in q["gold"] if (CORPUS / f"{ref['doc_id']}.md").is_file()}
        for fact in q["facts"]:
            if not fact.strip() or not any(fact in document_text(doc) for doc in docs):
                problems.append(f"{q['id']}: fact {fact!r} is in none of {sorted(docs)}")
    assert not problems, "\n".join(problems)


def test_every_fact_is_in_the_text_an_answer_quotes(questions):
    """As the metric compares (white space removed, case folded), in the document text ingest
    gives the engine, which is all an answer or its quotes can be drawn from: a fact not there
    would count against every answer whatever it said."""
    texts = {
        ref["doc_id"]: normalise(
            load_document(CORPUS / f"{ref['doc_id']}.md", doc_id=ref["doc_id"]).text
        )
        for q in questions
        for ref in q["gold"]
    }
    problems = [
        f"{q['id']}: fact {fact!r}"
        for q in questions
        for fact in q["facts"]
        if not any(normalise(fact) in texts[ref["doc_id"]] for ref in q["gold"])
    ]
    assert not problems, "\n".join(problems)


def test_every_fact_is_in_a_gold_passage(questions):
    """Stricter than the document: the fact sits under the article or heading cited for it."""
    problems = []
    for q in questions:
        passages = [p for ref in q["gold"] for p in gold_passages(ref)]
        for fact in q["facts"]:
            if not any(fact in p for p in passages):
                problems.append(f"{q['id']}: fact {fact!r} not under its gold headings")
    assert not problems, "\n".join(problems)
