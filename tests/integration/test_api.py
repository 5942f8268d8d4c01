"""The one server over real HTTP on loopback: the app under uvicorn, real httpx requests, the
real embedder and Chroma over the fixture corpus, real signed Slack requests."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import shutil
import socket
import time

import httpx
import pytest

from rag.config import Settings
from rag.engine import PolicyEngine
from rag.ingest import ingest
from rag.interfaces.api import create_app
from rag.interfaces.api.events import engine_bot
from tests.support.api_server import (
    ADMIN_KEY,
    API_KEYS,
    BURST_KEY,
    READ_KEY,
    RunningServer,
    mention_body,
    slack_headers,
    sse_events,
)
from tests.support.openai_standin import OpenAIStandin, Reply
from tests.support.paths import FIXTURE_CORPUS
from tests.support.slack_fakes import BOT_TOKEN, SECRET
from tests.support.slack_standin import BOT_USER_ID, TEAM_ID, SlackStandIn

pytestmark = [pytest.mark.server, pytest.mark.slow]

FINE = "What is the maximum fine for a serious violation of the PDPL-T?"
RATE = 40  # requests a minute per key in these servers


@pytest.fixture(scope="module")
def slack_standin():
    standin = SlackStandIn().start()
    yield standin
    standin.stop()


@pytest.fixture(scope="module")
def api(fixture_index, slack_standin):
    """The app over the fixture corpus with keys, a rate limit and the Slack bot."""
    settings = dataclasses.replace(fixture_index, api_keys=API_KEYS, api_rate_limit=RATE)
    engine = PolicyEngine(settings)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
        env.setenv("SLACK_API_URL", slack_standin.api_url)
        env.setenv("SLACK_SIGNING_SECRET", SECRET)
        bot = engine_bot(settings, engine)
    server = RunningServer(create_app(engine, settings, slack=bot))
    server.wait_ready()
    yield server
    server.stop()
    bot.listener_runner.listener_executor.shutdown(wait=True)


# -- access -----------------------------------------------------------------------------------


def test_a_key_is_required_and_its_scope_decides(api):
    search = {"query": FINE}
    with api.client(key=None) as anonymous:
        reply = anonymous.post("/api/v1/search", json=search)
        assert reply.status_code == 401 and reply.headers["www-authenticate"] == "Bearer"
        assert anonymous.get("/healthz").status_code == 200  # probes need no key
    with api.client(key="not-a-key-0000000000") as stranger:
        assert stranger.post("/api/v1/search", json=search).status_code == 401
    with httpx.Client(base_url=api.url, headers={"X-API-Key": READ_KEY}) as header_key:
        assert header_key.post("/api/v1/search", json=search).status_code == 200
    with api.client(READ_KEY) as reader:
        files = {"files": ("a.md", b"# A\n\nText.\n", "text/markdown")}
        denied = reader.post("/api/v1/ingest", files=files)
        assert denied.status_code == 403 and "admin" in denied.json()["detail"]
        assert reader.get("/metrics").status_code == 403
    with api.client(ADMIN_KEY) as admin:
        assert admin.post("/api/v1/search", json=search).status_code == 200  # admin may read


def test_past_the_rate_a_key_gets_429_with_retry_after_and_other_keys_do_not(api):
    with api.client(BURST_KEY) as burst:
        codes = [burst.get("/api/v1/documents").status_code for _ in range(RATE)]
        assert codes == [200] * RATE
        refused = burst.get("/api/v1/documents")
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    with api.client(READ_KEY) as reader:
        assert reader.get("/api/v1/documents").status_code == 200


def test_oversized_bodies_get_413(api):
    with api.client() as reader:
        huge = reader.post(
            "/api/v1/answer",
            content=json.dumps({"question": "x" * 400_000}),
            headers={"Content-Type": "application/json"},
        )
        assert huge.status_code == 413
        body = "x" * 1_100_000
        slack = reader.post("/slack/events", content=body, headers=slack_headers(body))
        assert slack.status_code == 413


def test_no_cors_headers_unless_configured(api):
    with api.client() as reader:
        reply = reader.options(
            "/api/v1/search",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
        )
    assert "access-control-allow-origin" not in reply.headers


def test_cors_answers_only_the_configured_origins(fixture_index):
    settings = dataclasses.replace(fixture_index, cors_origins="https://desk.example.org")
    server = RunningServer(create_app(PolicyEngine(settings), settings, ui=False, load=False))
    try:
        asked = {"Access-Control-Request-Method": "POST"}
        allowed = httpx.options(
            server.url + "/api/v1/search", headers={"Origin": "https://desk.example.org", **asked}
        )
        other = httpx.options(
            server.url + "/api/v1/search", headers={"Origin": "https://evil.example", **asked}
        )
    finally:
        server.stop()
    assert allowed.headers["access-control-allow-origin"] == "https://desk.example.org"
    assert "access-control-allow-origin" not in other.headers


# -- search and answers -----------------------------------------------------------------------


def test_search_returns_the_cli_shape_with_the_penalty_article_first(api):
    with api.client() as reader:
        reply = reader.post(
            "/api/v1/search", json={"query": FINE, "k": 3, "filters": {"language": ["en"]}}
        )
    assert reply.status_code == 200
    hits = reply.json()["hits"]
    assert len(hits) == 3 and [h["rank"] for h in hits] == [1, 2, 3]
    assert hits[0]["article"] == 12 and hits[0]["doc_id"].startswith("fx_pdpl_2026")
    assert {"score", "source_path", "label", "heading_path", "text", "chunk_id"} <= set(hits[0])
    assert all(not h["doc_id"].endswith("_zh") for h in hits)  # the language filter held


def test_an_article_and_its_translation_hold_one_place_in_search_and_in_a_citation(api):
    with api.client() as reader:
        hits = reader.post("/api/v1/search", json={"query": FINE, "k": 5}).json()["hits"]
        answer = reader.post("/api/v1/answer", json={"question": FINE}).json()
    places = [(h["doc_id"], h["article"]) for h in hits]
    assert ("fx_pdpl_2026_zh", 12) in places and ("fx_pdpl_2026_en", 12) not in places
    fine = hits[places.index(("fx_pdpl_2026_zh", 12))]
    assert [(c["doc_id"], c["relation"], c["language"]) for c in fine["companions"]] == [
        ("fx_pdpl_2026_en", "translation", "en")
    ]
    assert fine["companions"][0]["text"].startswith("Article 12")
    cited = next(c for c in answer["citations"] if c["article"] == 12)
    other = "fx_pdpl_2026_en" if cited["doc_id"] == "fx_pdpl_2026_zh" else "fx_pdpl_2026_zh"
    assert [(a["doc_id"], a["relation"]) for a in cited["also"]] == [(other, "translation")]


def test_answer_is_cited_and_can_be_voted_on(api):
    with api.client() as reader:
        reply = reader.post("/api/v1/answer", json={"question": FINE})
        assert reply.status_code == 200
        answer = reply.json()
        assert not answer["refused"] and "[1]" in answer["answer"]
        assert any(c["article"] == 12 for c in answer["citations"])
        markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer["answer"])}
        assert markers == {c["n"] for c in answer["citations"]}
        vote = reader.post("/api/v1/feedback", json={"answer_id": answer["answer_id"], "vote": 1})
        assert vote.status_code == 200 and vote.json() == {"recorded": True}
        unknown = reader.post("/api/v1/feedback", json={"answer_id": "nope", "vote": -1})
        assert unknown.status_code == 404


def test_an_out_of_scope_question_is_refused_and_counted(api):
    with api.client() as reader:
        reply = reader.post(
            "/api/v1/answer", json={"question": "What is the corporate income tax rate?"}
        )
        assert reply.status_code == 200 and reply.json()["refused"] is True
        assert reply.json()["citations"] == []
    with api.client(ADMIN_KEY) as admin:
        metrics = admin.get("/metrics").text
    refusals = re.search(r"^policy_desk_refusals_total (\S+)$", metrics, re.M)
    assert refusals and float(refusals.group(1)) >= 1
    assert re.search(r"^policy_desk_index_passages (\d+)", metrics, re.M).group(1) != "0"


def test_an_empty_question_is_a_422_with_a_reason(api):
    with api.client() as reader:
        reply = reader.post("/api/v1/answer", json={"question": ""})
    assert reply.status_code == 422 and "question" in reply.text


def test_streamed_answer_sends_hits_then_the_same_checked_answer(api):
    with api.client() as reader:
        plain = reader.post("/api/v1/answer", json={"question": FINE}).json()
        with reader.stream("POST", "/api/v1/answer/stream", json={"question": FINE}) as stream:
            assert stream.headers["content-type"].startswith("text/event-stream")
            events = [(event, json.loads(data)) for event, data, _ in sse_events(stream)]
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "hits" and kinds[-1] == "answer" and "error" not in kinds
    assert events[0][1][0]["article"] == 12
    final = events[-1][1]
    assert final["answer"] == plain["answer"] and final["citations"] == plain["citations"]


def test_stream_is_delivered_as_it_happens_with_a_chat_model(fixture_index):
    """The passages arrive while the model is still thinking, and its words before the
    checked answer: nothing is buffered until the end."""
    with OpenAIStandin() as model:
        model.script(Reply("The maximum fine is RMB 50 million [1].", delay=2.0))
        settings = dataclasses.replace(
            fixture_index, llm="openai/standin-model", llm_base_url=model.base_url
        )
        server = RunningServer(create_app(PolicyEngine(settings), settings, ui=False))
        try:
            server.wait_ready()
            with server.client(key=None) as local:  # no keys on loopback: local use is open
                with local.stream(
                    "POST", "/api/v1/answer/stream", json={"question": FINE}
                ) as stream:
                    events = list(sse_events(stream))
        finally:
            server.stop()
    kinds = [kind for kind, _, _ in events]
    assert kinds[0] == "hits" and "token" in kinds and kinds[-1] == "answer", kinds
    first_token = next(at for kind, _, at in events if kind == "token")
    assert first_token - events[0][2] >= 1.5  # the hits did not wait for the model
    final = json.loads(events[-1][1])
    assert final["mode"] == "llm" and final["citations"]


def test_a_failing_chat_model_falls_back_to_quotes_and_is_counted(fixture_index):
    with OpenAIStandin() as model:
        model.script(Reply(status=500))
        settings = dataclasses.replace(
            fixture_index, llm="openai/standin-model", llm_base_url=model.base_url, llm_timeout=5
        )
        server = RunningServer(create_app(PolicyEngine(settings), settings, ui=False))
        try:
            server.wait_ready()
            with server.client(key=None) as local:
                answer = local.post("/api/v1/answer", json={"question": FINE}).json()
                metrics = local.get("/metrics").text
        finally:
            server.stop()
    assert answer["mode"] == "extractive" and answer["citations"] and answer["notice"]
    assert re.search(r"^policy_desk_llm_fallbacks_total 1\.0$", metrics, re.M), metrics
    assert 'policy_desk_answers_total{mode="extractive"} 1.0' in metrics


# -- documents and sources --------------------------------------------------------------------


def test_documents_list_filters_and_one_document_has_its_passages(api):
    with api.client() as reader:
        every = reader.get("/api/v1/documents").json()
        chinese = reader.get("/api/v1/documents", params={"language": "zh"}).json()
        laws = reader.get("/api/v1/documents", params=[("doc_type", "law")]).json()
        one = reader.get("/api/v1/documents/fx_pdpl_2026_en").json()
        missing = reader.get("/api/v1/documents/no-such-doc")
    assert len(every) == 6
    assert chinese and all(d["language"] == "zh" for d in chinese) and len(chinese) < len(every)
    assert laws and all(d["doc_type"] == "law" for d in laws)
    assert one["doc_id"] == "fx_pdpl_2026_en" and len(one["passages"]) == one["chunks"]
    starts = [p["start"] for p in one["passages"]]
    assert starts == sorted(starts)  # reading order
    assert any(p["article"] == 12 for p in one["passages"])
    assert missing.status_code == 404


def test_a_citation_leads_to_its_passage_and_the_source_text_around_its_quote(api):
    with api.client() as reader:
        answer = reader.post("/api/v1/answer", json={"question": FINE}).json()
        cite = answer["citations"][0]
        passage = reader.get(f"/api/v1/passages/{cite['chunk_id']}").json()
        span = reader.get(
            "/api/v1/source",
            params={
                "doc_id": cite["doc_id"],
                "start": cite["quote_start"],
                "end": cite["quote_end"],
            },
        ).json()
        assert reader.get("/api/v1/passages/nope").status_code == 404
    assert passage["doc_id"] == cite["doc_id"] and passage["label"] == cite["label"]
    assert cite["quote"] in passage["text"] or cite["quote"] in span["quote"]
    assert span["quote"] == cite["quote"]
    assert span["before"] and len(span["before"]) <= 600


# -- operations -------------------------------------------------------------------------------


def test_request_id_is_echoed_and_logged(api, caplog):
    with caplog.at_level(logging.INFO, logger="rag.api.access"):
        with api.client() as reader:
            given = reader.get("/api/v1/documents", headers={"X-Request-ID": "trace-42"})
            made = reader.get("/api/v1/documents")
    assert given.headers["x-request-id"] == "trace-42"
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "rag.api.access"]
    mine = next(line for line in lines if line["request_id"] == "trace-42")
    assert mine["route"] == "/api/v1/documents" and mine["status"] == 200
    assert mine["caller"].startswith("key-read")
    assert READ_KEY not in caplog.text


def test_the_ui_is_served_from_the_same_port(api):
    page = httpx.get(api.url + "/", timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "Policy Desk" in page.text
    docs = httpx.get(api.url + "/docs", timeout=30)
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


# -- Slack ------------------------------------------------------------------------------------


def test_a_signed_mention_is_answered_and_a_forged_one_is_not(api, slack_standin, caplog):
    body = mention_body(FINE, "EvAPI00000001", BOT_USER_ID, TEAM_ID)
    before = len(slack_standin.ok_calls("chat.postMessage"))
    with caplog.at_level(logging.DEBUG):
        forged = httpx.post(
            api.url + "/slack/events", content=body, headers=slack_headers(body, "wrong-secret")
        )
        garbled = '{"type": "event_callback", "event": '
        bad_json = httpx.post(
            api.url + "/slack/events", content=garbled, headers=slack_headers(garbled)
        )
    assert forged.status_code == 401 and bad_json.status_code == 400
    assert '"event_callback"' not in caplog.text and "Traceback" not in caplog.text
    signed = httpx.post(api.url + "/slack/events", content=body, headers=slack_headers(body))
    assert signed.status_code == 200
    posts = slack_standin.wait_for("chat.postMessage", before + 1)
    text = json.dumps(posts[-1].params, ensure_ascii=False)
    assert re.search(r"Art\. ?12|第十二条", text), text
    # A client that announces more than it sends holds only its own connection.
    with socket.create_connection(("127.0.0.1", api.port), timeout=10) as stalled:
        stalled.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"short": 1}'
        )
        assert httpx.get(api.url + "/healthz", timeout=5).status_code == 200
    retry = httpx.post(
        api.url + "/slack/events",
        content=body,
        headers={**slack_headers(body), "X-Slack-Retry-Num": "1"},
    )
    assert retry.status_code == 200
    time.sleep(1.0)  # a second answer would have been posted by now
    assert len(slack_standin.ok_calls("chat.postMessage")) == before + 1


# -- ingest and readiness ---------------------------------------------------------------------


def test_admin_ingest_reports_each_file_and_readiness_follows_the_index(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", api_keys=API_KEYS, max_file_mb=0.05)
    server = RunningServer(create_app(PolicyEngine(settings), settings, ui=False))
    try:
        deadline = time.monotonic() + 60
        while (empty := httpx.get(server.url + "/readyz")).json()["reason"].startswith("loading"):
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert empty.status_code == 503 and not empty.json()["ready"]
        law = (FIXTURE_CORPUS / "fx_pdpl_2026_en.md").read_bytes()
        files = [
            ("files", ("fx_pdpl_2026_en.md", law, "text/markdown")),
            ("files", ("tool.exe", b"MZ", "application/octet-stream")),
            ("files", ("big.txt", b"word " * 20_000, "text/plain")),
        ]
        with server.client(ADMIN_KEY) as admin:
            started = admin.post("/api/v1/ingest", files=files)
            assert started.status_code == 202
            job = started.json()
            while job["state"] in ("queued", "running"):
                time.sleep(0.2)
                job = admin.get(f"/api/v1/ingest/{job['job_id']}").json()
            assert job["state"] == "done", job
            errors = {f["name"]: f["error"] for f in job["failed"]}
            assert set(errors) == {"tool.exe", "big.txt"}
            assert "not a supported type" in errors["tool.exe"]
            assert "MB" in errors["big.txt"]  # the same size limit `rag ingest` applies
            ready = server.wait_ready(timeout=60)
            assert ready["documents"] == 1
            hits = admin.post("/api/v1/search", json={"query": FINE}).json()["hits"]
            assert hits[0]["doc_id"] == "fx_pdpl_2026_en"
            assert admin.get("/api/v1/ingest/unknown").status_code == 404
        # Another process ingests (as `rag ingest` does): with no question asked, readiness
        # goes false until the server has switched to the new index, then true again.
        other = tmp_path / "other"
        other.mkdir()
        shutil.copy(FIXTURE_CORPUS / "fx_pdpl_2026_summary.md", other)
        ingest(settings, [other], progress=False)
        deadline = time.monotonic() + 60
        while (status := httpx.get(server.url + "/readyz")).json()["documents"] != 2:
            assert time.monotonic() < deadline, status.json()
            time.sleep(0.1)
        assert status.status_code == 200
        # An upload may not take the id of a document indexed from another folder: the two
        # would replace one another at every ingest.
        with server.client(ADMIN_KEY) as admin:
            summary = (other / "fx_pdpl_2026_summary.md").read_bytes()
            clash = admin.post(
                "/api/v1/ingest", files={"files": ("fx_pdpl_2026_summary.md", summary)}
            ).json()
        assert clash["state"] == "failed" and clash["files"] == []
        assert "already indexed from" in clash["failed"][0]["error"]
    finally:
        server.stop()


# -- `rag serve` ------------------------------------------------------------------------------


def test_rag_serve_refuses_to_listen_beyond_loopback_without_keys(tmp_path):
    import subprocess
    import sys

    from tests.support.paths import ROOT

    out = subprocess.run(
        [sys.executable, "-m", "rag", "serve", "--host", "0.0.0.0", "--port", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "RAG_DATA_DIR": str(tmp_path), "HF_HUB_OFFLINE": "1"},
    )
    assert out.returncode == 2
    assert "RAG_API_KEYS" in out.stderr and "0.0.0.0" in out.stderr


def test_rag_serve_answers_ui_api_and_slack_from_one_process(fixture_index, tmp_path):
    """`rag serve` as an operator starts it: one process, one port, three kinds of client."""
    import os

    from tests.support.processes import free_port, serve, stop, wait_ready

    data = tmp_path / "data"
    shutil.copytree(fixture_index.data_dir, data)
    standin = SlackStandIn().start()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAG_"))}
    env |= {
        "RAG_DATA_DIR": str(data),
        "RAG_PORT": str(port),
        "RAG_API_KEYS": API_KEYS,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": standin.api_url,
        "HF_HUB_OFFLINE": "1",
    }
    proc = serve(env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(proc, url)
        assert "Policy Desk" in httpx.get(url + "/", timeout=30).text
        answer = httpx.post(
            url + "/api/v1/answer",
            json={"question": FINE},
            headers={"Authorization": f"Bearer {READ_KEY}", "X-Request-ID": "serve-trace-1"},
            timeout=60,
        ).json()
        assert any(c["article"] == 12 for c in answer["citations"])
        body = mention_body(FINE, "EvSERVE0000001", BOT_USER_ID, TEAM_ID)
        reply = httpx.post(url + "/slack/events", content=body, headers=slack_headers(body))
        assert reply.status_code == 200
        (post,) = standin.wait_for("chat.postMessage")
        assert "[1]" in post.params["text"]
    finally:
        stop(proc)
        output = proc.stdout.read()
        standin.stop()
    assert BOT_TOKEN not in output and SECRET not in output and READ_KEY not in output
    assert '"route": "/api/v1/answer"' in output  # the structured request log
    assert "[serve-trace-1]:" in output  # each log line names its request


def test_rag_serve_workers_share_the_api_and_leave_the_ui_out(fixture_index, tmp_path):
    """`rag serve --workers 2`: both processes answer the API from one data folder; the UI,
    whose sessions live in one process, is not served by them."""
    import os

    from tests.support.processes import free_port, serve, stop, wait_ready

    data = tmp_path / "data"
    shutil.copytree(fixture_index.data_dir, data)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "RAG_"))}
    env |= {"RAG_DATA_DIR": str(data), "RAG_PORT": str(port), "HF_HUB_OFFLINE": "1"}
    env["RAG_API_RATE_LIMIT"] = "1000"
    proc = serve("--workers", "2", env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(proc, url, in_a_row=10)  # ten readies in a row: both workers have loaded
        with httpx.Client(base_url=url, timeout=60) as local:
            answers = [local.post("/api/v1/answer", json={"question": FINE}) for _ in range(4)]
            assert local.get("/").status_code == 404
    finally:
        stop(proc)
        output = proc.stdout.read()
    assert all(a.status_code == 200 and a.json()["citations"] for a in answers)
    assert "2 workers" in output and "the web UI needs a process of its own" in output
