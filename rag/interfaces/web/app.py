"""Policy Desk web UI: `python app.py` serves on RAG_HOST:RAG_PORT (default 127.0.0.1:7860).

A thin Gradio adapter: every answer comes from `Engine.answer_stream`; formatting lives in
`ui.py`. `/?doc=DOC_ID&chunk=CHUNK_ID` opens the document viewer at a passage (Slack
messages link there).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # offline by default

import gradio as gr  # noqa: E402

from ...errors import RagError  # noqa: E402
from ...types import DOC_TYPES, STATUSES, Citation, Engine  # noqa: E402
from . import ui  # noqa: E402

log = logging.getLogger("policy_desk.app")

# Questions answered at once. The engine takes concurrent questions (the embedder, the
# store and the index refresh each hold a lock), so several users share the two cores
# rather than wait in one queue; bounded, so that a burst does not start a thread apiece.
ASK_CONCURRENCY = 8
HEADER = (
    "<h1>Policy Desk</h1>"
    "<p>Answers about Chinese laws, regulations and plans, each sentence cited to the exact text.</p>"
)


def _choices(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(v.replace("_", " ").capitalize(), v) for v in values]


def build_app(engine: Engine) -> gr.Blocks:
    """The Blocks app around one engine (anything that implements `rag.types.Engine`)."""

    def on_load(request: gr.Request) -> tuple[Any, ...]:
        try:
            status = engine.index_status()
            docs = engine.list_documents() if status.get("ready") else []
        except RagError as exc:
            status, docs = {"ready": False}, []
            log.warning("index status: %s", exc)
        names = sorted({d["short_name"] for d in docs if d.get("short_name")})
        browse = [
            (f"{d.get('short_name') or d['title']} · {d.get('language', '')}", d["doc_id"])
            for d in docs
        ]
        params = dict(request.query_params) if request else {}
        doc_id, chunk_id = params.get("doc", ""), params.get("chunk", "")
        start, end = ui.parse_span(params.get("start"), params.get("end"))
        view = {"doc_id": doc_id, "chunk_id": chunk_id, "start": start, "end": end}
        return (
            ui.status_html(status),
            gr.Dropdown(choices=names),
            gr.Dropdown(choices=browse, value=doc_id or None),
            ui.open_document(engine, doc_id, chunk_id, start, end),
            view,
            gr.Tabs(selected="document" if doc_id else "sources"),
        )

    def ask(
        question: str,
        messages: list[dict[str, str]],
        history: list[dict[str, str]],
        doc_types: list[str],
        languages: list[str],
        statuses: list[str],
        short_names: list[str],
    ) -> Iterator[tuple[Any, ...]]:
        question = ui.clean_question(question)
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        filters = ui.build_filters(doc_types, languages, statuses, short_names)
        messages = [*messages, {"role": "user", "content": question}]
        reply = {"role": "assistant", "content": "*Searching the documents…*"}
        yield [*messages, reply], history, "", gr.skip(), gr.skip(), gr.skip()
        for kind, value in ui.stream_reply(engine, question, history, filters):
            if kind == "progress":
                reply["content"] = value
                yield [*messages, reply], history, "", gr.skip(), gr.skip(), gr.skip()
            elif kind == "token":  # the model's words so far: it may repeat a document's tags
                reply["content"] = f"{ui.DRAFT_LABEL}\n\n{ui.inert(value)} ▌"
                yield [*messages, reply], history, "", gr.skip(), gr.skip(), gr.skip()
            elif kind == "error":
                reply["content"] = value
                yield [*messages, reply], history, "", gr.skip(), gr.skip(), gr.skip()
            else:  # the final Answer
                reply["content"] = ui.format_answer(value, question)
                turn = [
                    {"role": "user", "content": question},
                    {"role": "assistant", "content": value.text},
                ]
                picks = [(ui.citation_choice(c), str(c.n)) for c in value.citations]
                yield (
                    [*messages, reply],
                    [*history, *turn],
                    "",
                    ui.sources_html(value),
                    gr.Radio(choices=picks, value=None, visible=bool(picks)),
                    value.citations,
                )

    def pick_source(choice: str | None, citations: list[Citation] | None) -> tuple[Any, ...]:
        cite = next((c for c in citations or [] if str(c.n) == choice), None)
        if cite is None:
            return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
        view = {
            "doc_id": cite.doc_id,
            "chunk_id": cite.chunk_id,
            "start": cite.quote_start,
            "end": cite.quote_end,
        }
        html = ui.open_document(
            engine, cite.doc_id, cite.chunk_id, cite.quote_start, cite.quote_end
        )
        return view, html, gr.Tabs(selected="document"), gr.Checkbox(value=False), cite.doc_id

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
        history = gr.State([])  # plain {"role", "content"} turns for the engine
        citations = gr.State([])
        view = gr.State({})
        with gr.Row(elem_classes="pd-header", equal_height=True):
            gr.HTML(HEADER, js_on_load=None)
            status = gr.HTML(js_on_load=None, elem_id="pd-status")
        with gr.Row():
            with gr.Column(scale=5):
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
                    clear = gr.Button("New chat", variant="secondary", scale=1, min_width=120)
                with gr.Accordion("Filters", open=False):
                    with gr.Row():
                        doc_types = gr.Dropdown(
                            _choices(DOC_TYPES), multiselect=True, label="Document type"
                        )
                        short_names = gr.Dropdown([], multiselect=True, label="Documents")
                    with gr.Row():
                        languages = gr.CheckboxGroup(ui.LANGUAGES, label="Language")
                        statuses = gr.CheckboxGroup(_choices(STATUSES), label="Status")
            with gr.Column(scale=4):
                with gr.Tabs(selected="sources") as tabs:
                    with gr.Tab("Sources", id="sources"):
                        sources = gr.HTML(
                            ui.sources_html(None), js_on_load=None, elem_id="pd-sources"
                        )
                        pick = gr.Radio(
                            [], label="Open a source in the document viewer", visible=False
                        )
                    with gr.Tab("Document", id="document"):
                        browse = gr.Dropdown([], label="Document", elem_id="pd-browse")
                        full = gr.Checkbox(False, label="Show the whole document")
                        viewer = gr.HTML(
                            ui.open_document(engine, ""),
                            js_on_load=ui.SCROLL_TO_MARK_JS,
                            elem_id="pd-viewer",
                        )

        ask_inputs = [question, chat, history, doc_types, languages, statuses, short_names]
        ask_outputs = [chat, history, question, sources, pick, citations]
        # One limit shared by the three ways to ask, instead of Gradio's default of one run
        # per event, which queues every user behind the one whose question waits on a model.
        limit, shared = ASK_CONCURRENCY, "ask"
        question.submit(
            ask, ask_inputs, ask_outputs, concurrency_limit=limit, concurrency_id=shared
        )
        send.click(ask, ask_inputs, ask_outputs, concurrency_limit=limit, concurrency_id=shared)
        chat.example_select(use_example, None, question).then(
            ask, ask_inputs, ask_outputs, concurrency_limit=limit, concurrency_id=shared
        )
        clear.click(
            lambda: (
                [],
                [],
                [],
                ui.sources_html(None),
                gr.Radio(choices=[], value=None, visible=False),
            ),
            None,
            [chat, history, citations, sources, pick],
        )
        pick.input(pick_source, [pick, citations], [view, viewer, tabs, full, browse])
        browse.input(browse_document, browse, [view, viewer, full])
        full.input(toggle_full, [full, view], viewer)
        demo.load(on_load, None, [status, short_names, browse, viewer, view, tabs])
    return demo


def ui_options() -> dict[str, Any]:
    """How the UI looks and behaves wherever it is served (`mount_gradio_app`'s options)."""
    return {
        "theme": gr.themes.Default(primary_hue="red", neutral_hue="slate"),
        "css": ui.CSS,
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
