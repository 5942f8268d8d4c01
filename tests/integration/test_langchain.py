"""Policy Desk as a LangChain component, with real langchain-core objects over the real
fixture index: the retriever in a chain, the answerer invoked, batched and streamed."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys

import pytest
from langchain_core.documents import Document
from langchain_core.prompts import PromptTemplate
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnableParallel

import rag
from rag.engine import PolicyEngine
from tests.support.openai_standin import OpenAIStandin, Reply
from tests.support.paths import ROOT

pytestmark = pytest.mark.slow

FINE = "What is the maximum fine for a serious violation of the PDPL-T?"


def test_the_retriever_returns_documents_with_the_citation_metadata(fixture_engine):
    retriever = rag.as_retriever(k=3, filters={"language": ["en"]}, engine=fixture_engine)
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(FINE)
    assert len(docs) == 3 and all(isinstance(d, Document) for d in docs)
    first = docs[0]
    assert first.metadata["article"] == 12 and first.metadata["label"]
    assert first.metadata["doc_id"].startswith("fx_pdpl_2026")
    assert first.id == first.metadata["chunk_id"]
    assert all(d.metadata["language"] == "en" for d in docs)


def test_the_retriever_composes_into_a_prompt_chain(fixture_engine):
    prompt = PromptTemplate.from_template("Sources:\n{context}\n\nQuestion: {question}")
    chain = (
        RunnableParallel(
            context=rag.as_retriever(k=2, engine=fixture_engine)
            | RunnableLambda(
                lambda docs: "\n".join(f"[{d.metadata['label']}] {d.page_content}" for d in docs)
            ),
            question=RunnableLambda(lambda q: q),
        )
        | prompt
    )
    text = chain.invoke(FINE).to_string()
    assert text.startswith("Sources:\n[") and text.endswith(f"Question: {FINE}")
    assert re.match(r"\[[^\]]*(第十二条|Art\. ?12)\]", text.split("\n")[1])  # the penalty article


def test_the_answerer_is_a_runnable_that_invokes_batches_and_chains(fixture_engine):
    answerer = rag.as_runnable(engine=fixture_engine)
    assert isinstance(answerer, Runnable)
    answer = answerer.invoke(FINE)
    assert not answer.refused and any(c.article == 12 for c in answer.citations)
    labels = answerer | RunnableLambda(lambda a: [c.label for c in a.citations])
    many = labels.batch([FINE, {"question": "What is the corporate income tax rate?"}])
    assert many[0] and many[1] == []  # the second is refused: nothing cited
    with pytest.raises(TypeError, match="question"):
        answerer.invoke(42)


def test_streaming_gives_model_drafts_then_the_checked_answer(fixture_index):
    with OpenAIStandin() as model:
        model.script(Reply("The maximum fine is RMB 50 million [1]."))
        settings = dataclasses.replace(
            fixture_index, llm="openai/standin-model", llm_base_url=model.base_url
        )
        chunks = list(rag.as_runnable(engine=PolicyEngine(settings)).stream(FINE))
    drafts, final = chunks[:-1], chunks[-1]
    assert drafts and all(not d.citations and "not yet checked" in d.notice for d in drafts)
    assert [len(d.text) for d in drafts] == sorted(len(d.text) for d in drafts)
    assert final.mode == "llm" and final.citations and "50 million" in final.text


def test_import_rag_stays_free_of_langchain():
    code = "import sys, rag; rag.as_retriever; print('langchain_core' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr
