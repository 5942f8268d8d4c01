"""What the engine gives the interfaces beyond answers, on the fixture corpus with the real
embedder: filter values the index holds, documents by title, refusals that help, follow-ups."""

from __future__ import annotations

from rag.types import FacetValue


def test_filter_values_are_those_the_index_holds(fixture_engine):
    facets = fixture_engine.facets()
    assert all(isinstance(f, FacetValue) for f in facets)
    kinds = {f.value: f.documents for f in facets if f.key == "doc_type"}
    assert kinds == {"law": 2, "summary": 1, "five_year_plan": 1, "administrative_regulation": 2}
    statuses = {f.value for f in facets if f.key == "status"}
    assert "repealed" not in statuses  # offered only when a document is repealed
    assert {f.value for f in facets if f.key == "language"} == {"en", "zh"}


def test_documents_are_listed_by_title_with_issuer_and_passages(fixture_engine):
    docs = fixture_engine.list_documents()
    titles = [(d["title"] or d["title_zh"]).casefold() for d in docs]
    assert titles == sorted(titles)
    assert all(d["issuer"] and d["chunks"] > 0 for d in docs)


def test_a_refusal_offers_questions_the_index_answers(fixture_engine):
    refused = fixture_engine.answer("What is the corporate income tax rate for software firms?")
    assert refused.refused
    assert "similarity" not in refused.text and "6 indexed documents" in refused.searched
    assert 1 <= len(refused.suggestions) <= 3
    assert len(set(refused.suggestions)) == len(refused.suggestions)
    for question in refused.suggestions:
        answer = fixture_engine.answer(question)
        assert not answer.refused and answer.citations, question


def test_a_filter_that_leaves_nothing_is_explained_in_plain_words(fixture_engine):
    answer = fixture_engine.answer(
        "What is the maximum fine under the PDPL-T?",
        filters={"doc_type": ["summary"], "language": ["zh"]},
    )
    assert answer.refused
    assert "No indexed document matches the filters you chose" in answer.text
    assert "kind: summary; language: Chinese" in answer.text
    assert "doc_type" not in answer.text


def test_a_short_new_question_is_not_glued_to_a_long_one(fixture_engine):
    history = [
        {"role": "user", "content": "What does the PDPL-T say about sending personal data abroad?"},
        {"role": "assistant", "content": "..."},
    ]
    new = fixture_engine.answer("What is personal data?", history=history)
    assert new.standalone_question == ""  # searched as asked

    follow = fixture_engine.answer("What about the fines?", history=history)
    assert follow.standalone_question == "What does PDPL-T say about the fines?"
    assert any(c.article in (12, 13) for c in follow.citations)

    pointed = fixture_engine.answer("When does it take effect?", history=history)
    assert pointed.standalone_question == "When does PDPL-T take effect?"
    assert "2027" in pointed.text


def test_adding_documents_is_refused_unless_switched_on(tmp_path):
    import pytest

    from rag.config import Settings
    from rag.engine import PolicyEngine
    from rag.errors import RagError

    engine = PolicyEngine(Settings(data_dir=tmp_path / "data"))
    assert engine.index_status()["uploads"] is False
    with pytest.raises(RagError, match="RAG_UI_UPLOADS=1"):
        engine.add_documents([tmp_path / "any.md"])
    assert not (tmp_path / "data" / "uploads").exists()


def test_a_summary_article_leads_to_the_laws_own_article(fixture_engine):
    (summary,) = fixture_engine.search(
        "PDPL-T Article 12 penalties", k=1, filters={"doc_type": ["summary"]}
    )
    assert summary.article == 12
    primary = fixture_engine.primary_articles(summary.chunk_id)
    assert {(h.doc_id, h.article) for h in primary} == {
        ("fx_pdpl_2026_en", 12),
        ("fx_pdpl_2026_zh", 12),
    }
    assert all(h.meta.doc_type == "law" for h in primary)
    law = primary[0]
    assert fixture_engine.primary_articles(law.chunk_id) == []  # the law paraphrases nothing
