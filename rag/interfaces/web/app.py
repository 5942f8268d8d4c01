"""Policy Desk web UI: `python app.py` serves on RAG_HOST:RAG_PORT (default 127.0.0.1:7860).

A thin Gradio adapter: every answer comes from `Engine.answer_stream`; formatting lives in
`ui.py`. `/?doc=DOC_ID&chunk=CHUNK_ID` opens the document viewer at a passage (Slack
messages link there).
"""

from __future__ import annotations

import atexit
import dataclasses
import functools
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline by default

import gradio as gr  # noqa: E402

from ...errors import RagError  # noqa: E402
from ...types import Answer, Engine  # noqa: E402
from . import assets, coverage, ui  # noqa: E402
from . import chat as chat_format  # noqa: E402
from .coverage import FILTER_MENUS  # noqa: E402

log = logging.getLogger("policy_desk.app")

# Questions answered at once. The engine takes concurrent questions (the embedder, the
# store and the index refresh each hold a lock), so several users share the two cores
# rather than wait in one queue; bounded, so that a burst does not start a thread apiece.
ASK_CONCURRENCY = 8
PROGRESS = gr.Progress()
HEADER = (
    "<h1>Policy Desk</h1>"
    "<p>Answers about Chinese laws, regulations and plans, each sentence cited to the exact text.</p>"
)


def _request_base(request: gr.Request | None) -> str:
    """The page's address without its query, from the browser's Referer; "" if unknown."""
    referer = request.headers.get("referer", "") if request is not None else ""
    # it goes into Markdown links: a plain http(s) address or nothing
    return chat_format.plain_url(referer.split("?", 1)[0].split("#", 1)[0])


@functools.cache
def _export_folder() -> Path:
    """This process's folder of exports, made on the first export and removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="policy-desk-exports-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def _write_export(answers: list[Answer], base_url: str) -> str:
    # a folder each, so that every download keeps the plain file name; all under one folder
    # that goes when the server stops, where each used to stay in /tmp for good
    folder = Path(tempfile.mkdtemp(prefix="export-", dir=_export_folder()))
    path = folder / "policy-desk-answers.md"
    path.write_text(chat_format.export_markdown(answers, base_url), encoding="utf-8")
    return str(path)


def build_app(engine: Engine) -> gr.Blocks:
    """The Blocks app around one engine (anything that implements `rag.types.Engine`)."""

    def on_load(request: gr.Request) -> tuple[Any, ...]:
        try:
            status = engine.index_status()
            ready = bool(status.get("ready"))
            docs = engine.list_documents() if ready else []
            facets = engine.facets() if ready else []
        except RagError as exc:
            status, docs, facets = {"ready": False}, [], []
            log.warning("index status: %s", exc)
        params = dict(request.query_params) if request else {}
        doc_id, chunk_id = params.get("doc", ""), params.get("chunk", "")
        start, end = ui.parse_span(params.get("start"), params.get("end"))
        view = {"doc_id": doc_id, "chunk_id": chunk_id, "start": start, "end": end}
        menus = [
            gr.Dropdown(choices=coverage.facet_choices(facets, key)) for key, _ in FILTER_MENUS
        ]
        return (
            ui.status_html(status),
            *menus,
            gr.Dropdown(choices=[coverage.document_choice(d) for d in docs], value=doc_id or None),
            ui.open_document(engine, doc_id, chunk_id, start, end),
            view,
            gr.Tabs(selected="document" if doc_id else "documents"),
            coverage.documents_html(docs),
            ui.clean_question(params.get("q", "")),
            gr.Accordion(visible=bool(status.get("uploads"))),
        )

    def add_files(files: list[str] | None, progress: gr.Progress = PROGRESS) -> tuple[Any, ...]:
        """Upload → the same ingest as `rag ingest`, then the coverage views again."""
        if not files:
            return ("Choose one or more files first.", *[gr.skip()] * (4 + len(FILTER_MENUS)))
        n = len(files)
        progress(0.1, desc=f"Reading and indexing {n} file{'s' if n != 1 else ''}…")
        try:
            report = engine.add_documents([Path(f) for f in files])
        except RagError as exc:
            return (f"⚠️ {exc}", *[gr.skip()] * (4 + len(FILTER_MENUS)))
        progress(0.9, desc="Updating the list of documents…")
        status = engine.index_status()
        docs = engine.list_documents() if status.get("ready") else []
        facets = engine.facets() if status.get("ready") else []
        return (
            coverage.upload_report(report),
            coverage.documents_html(docs),
            gr.Dropdown(choices=[coverage.document_choice(d) for d in docs]),
            ui.status_html(status),
            None,
            *[gr.Dropdown(choices=coverage.facet_choices(facets, key)) for key, _ in FILTER_MENUS],
        )

    def ask(
        question: str,
        messages: list[dict[str, str]],
        history: list[dict[str, str]],
        answers: list[Answer],
        doc_types: list[str],
        languages: list[str],
        statuses: list[str],
        short_names: list[str],
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        question = ui.clean_question(question)
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        filters = ui.build_filters(doc_types, languages, statuses, short_names)
        messages = [*messages, {"role": "user", "content": question}]
        reply = {"role": "assistant", "content": "*Searching the documents…*"}
        yield [*messages, reply], history, "", gr.skip(), gr.skip()
        for kind, value in ui.stream_reply(engine, question, history, filters):
            if kind == "progress":
                reply["content"] = value
            elif kind == "token":  # the model's words so far: it may repeat a document's tags
                reply["content"] = f"{ui.DRAFT_LABEL}\n\n{ui.inert(value)} ▌"
            elif kind == "error":
                reply["content"] = value
            else:  # the final Answer: it keeps its own sources, in the message and for export
                base = _request_base(request)
                reply["content"] = chat_format.answer_message(value, question, base)
                turn = [
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": value.text},
                ]
                kept = [*answers, dataclasses.replace(value, hits=[], question=question)]
                export = _write_export(kept, base)
                yield (
                    [*messages, reply],
                    [*history, *turn],
                    "",
                    kept,
                    gr.DownloadButton(value=export, visible=True),
                )
                return
            yield [*messages, reply], history, "", gr.skip(), gr.skip()

    def open_link(evt: gr.EventData) -> tuple[Any, ...]:
        """A source link (`?doc=…`) opens the Document view; `?q=…` is asked in place."""
        params = parse_qs(urlparse(str(evt.href)).query)
        if question := params.get("q", [""])[0]:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), question
        doc_id, chunk_id = params.get("doc", [""])[0], params.get("chunk", [""])[0]
        if not doc_id:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), ""
        start, end = ui.parse_span(params.get("start", [""])[0], params.get("end", [""])[0])
        view = {"doc_id": doc_id, "chunk_id": chunk_id, "start": start, "end": end}
        html = ui.open_document(engine, doc_id, chunk_id, start, end)
        return view, html, gr.Tabs(selected="document"), gr.Checkbox(value=False), doc_id, ""

    def remove_filter(
        doc_types: list[str],
        languages: list[str],
        statuses: list[str],
        short_names: list[str],
        evt: gr.EventData,
    ) -> tuple[list[str], ...]:
        chosen = dict(
            zip(
                [key for key, _ in FILTER_MENUS],
                [doc_types, languages, statuses, short_names],
                strict=True,
            )
        )
        return tuple(
            [v for v in values or [] if not (key == evt.key and v == evt.value)]
            for key, values in chosen.items()
        )

    def show_chips(
        doc_types: list[str], languages: list[str], statuses: list[str], short_names: list[str]
    ) -> str:
        return coverage.chips_html(ui.build_filters(doc_types, languages, statuses, short_names))

    def use_example(evt: gr.SelectData) -> str:
        return evt.value["text"]

    def browse_document(doc_id: str) -> tuple[Any, ...]:
        return {"doc_id": doc_id}, ui.open_document(engine, doc_id), gr.Checkbox(value=False)

    def toggle_full(full: bool, view: dict[str, Any]) -> str:
        return ui.open_document(
            engine,
            view.get("doc_id", ""),
            view.get("chunk_id", ""),
            view.get("start"),
            view.get("end"),
            full,
        )

    with gr.Blocks(title="Policy Desk", fill_width=True) as demo:
        history = gr.State([])  # plain {"role", "content"} turns: all the engine remembers
        answers = gr.State([])  # each turn's Answer, for the export
        view = gr.State({})
        pending = gr.State("")  # a question from a link (`?q=…`) waiting to be asked
        bridge = gr.HTML("", js_on_load=assets.LINK_BRIDGE_JS, elem_id="pd-bridge")
        with gr.Row(elem_classes="pd-header", equal_height=True):
            gr.HTML(HEADER, js_on_load=None)
            status = gr.HTML(js_on_load=None, elem_id="pd-status")
        with gr.Row():
            with gr.Column(scale=5, min_width=320):
                chat = gr.Chatbot(
                    label="Conversation",
                    elem_id="pd-chat",
                    height=560,
                    feedback_options=None,
                    buttons=["copy", "copy_all"],
                    placeholder="Ask about Chinese laws, regulations and Five-Year Plans, in English or 中文.",
                    examples=[{"text": q} for q in ui.EXAMPLES],
                )
                with gr.Row():
                    question = gr.Textbox(
                        label="Your question",
                        placeholder="Ask a question… (Enter to send)",
                        show_label=False,
                        container=False,
                        scale=8,
                        elem_id="pd-question",
                        max_lines=4,
                    )
                    send = gr.Button(
                        "Ask", variant="primary", scale=1, min_width=90, elem_id="pd-ask"
                    )
                    clear = gr.Button(
                        "New chat", variant="secondary", scale=1, min_width=120, elem_id="pd-new"
                    )
                with gr.Row():
                    chips = gr.HTML("", js_on_load=assets.CHIPS_JS, elem_id="pd-chips")
                    export = gr.DownloadButton(
                        "Export answers (Markdown)",
                        visible=False,
                        size="sm",
                        scale=0,
                        min_width=220,
                        elem_id="pd-export",
                    )
                with gr.Accordion("Filters", open=False, elem_id="pd-filters"):
                    with gr.Row():
                        menus = [
                            gr.Dropdown(
                                [], multiselect=True, label=label, elem_id=f"pd-filter-{key}"
                            )
                            for key, label in FILTER_MENUS
                        ]
            with gr.Column(scale=4, min_width=320):
                with gr.Tabs(selected="documents") as tabs:
                    with gr.Tab("Document", id="document"):
                        browse = gr.Dropdown([], label="Document", elem_id="pd-browse")
                        full = gr.Checkbox(False, label="Show the whole document")
                        viewer = gr.HTML(
                            ui.open_document(engine, ""),
                            js_on_load=assets.SCROLL_TO_MARK_JS,
                            elem_id="pd-viewer",
                        )
                    with gr.Tab("Documents", id="documents"):
                        with gr.Accordion(
                            "Add documents", open=False, visible=False, elem_id="pd-upload"
                        ) as upload_panel:
                            uploads = gr.File(
                                label="Files to add (Markdown, text, PDF, DOCX, HTML)",
                                file_count="multiple",
                                file_types=[
                                    ".md",
                                    ".txt",
                                    ".pdf",
                                    ".docx",
                                    ".html",
                                    ".htm",
                                    ".yaml",
                                ],
                                elem_id="pd-upload-files",
                            )
                            add = gr.Button("Add to the index", elem_id="pd-upload-add")
                            added = gr.Markdown(elem_id="pd-upload-report")
                        documents = gr.HTML(
                            "", js_on_load=assets.DOCUMENTS_JS, elem_id="pd-documents"
                        )

        ask_inputs = [question, chat, history, answers, *menus]
        asked_inputs = [pending, chat, history, answers, *menus]
        ask_outputs = [chat, history, question, answers, export]
        # One limit shared by the ways to ask, instead of Gradio's default of one run per
        # event, which queues every user behind the one whose question waits on a model.
        limit, shared = ASK_CONCURRENCY, "ask"
        question.submit(
            ask, ask_inputs, ask_outputs, concurrency_limit=limit, concurrency_id=shared
        )
        send.click(ask, ask_inputs, ask_outputs, concurrency_limit=limit, concurrency_id=shared)
        chat.example_select(use_example, None, pending).then(
            ask,
            asked_inputs,
            ask_outputs,
            concurrency_limit=limit,
            concurrency_id=shared,
        )
        bridge.click(open_link, None, [view, viewer, tabs, full, browse, pending]).then(
            ask,
            asked_inputs,
            ask_outputs,
            concurrency_limit=limit,
            concurrency_id=shared,
        )
        # What the engine remembers is the history state: clearing the chat clears it too.
        chat.clear(
            lambda: ([], [], gr.DownloadButton(visible=False)), None, [history, answers, export]
        )
        clear.click(
            lambda: ([], [], [], gr.DownloadButton(visible=False), "", *([[]] * len(menus))),
            None,
            [chat, history, answers, export, question, *menus],
        )
        gr.on([m.change for m in menus], show_chips, menus, chips)
        chips.click(remove_filter, menus, menus)
        add.click(add_files, uploads, [added, documents, browse, status, uploads, *menus])
        browse.input(browse_document, browse, [view, viewer, full])
        full.input(toggle_full, [full, view], viewer)
        demo.load(
            on_load,
            None,
            [status, *menus, browse, viewer, view, tabs, documents, pending, upload_panel],
        ).then(ask, asked_inputs, ask_outputs, concurrency_limit=limit, concurrency_id=shared)
    return demo


def ui_options() -> dict[str, Any]:
    """How the UI looks and behaves wherever it is served (`mount_gradio_app`'s options)."""
    return {
        "theme": gr.themes.Default(primary_hue="red", neutral_hue="slate"),
        "css": assets.CSS,
        "footer_links": [],
        "show_error": False,
    }


def main(host: str | None = None, port: int | None = None) -> None:
    """Serve the UI, the HTTP API and (when configured) Slack events on one port
    (default RAG_HOST:RAG_PORT) until interrupted: `python app.py`, `rag serve`."""
    from ..api import serve

    serve(host, port)


if __name__ == "__main__":
    main()
