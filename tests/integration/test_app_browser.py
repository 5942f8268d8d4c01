"""The web UI in a real browser: `python app.py` as a subprocess, driven by Debian Chromium.

The module ingests the fixture corpus (tests/fixtures/corpus) once with the real embedding
model, starts the app on a free port and asks it questions the way a user would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.paths import FIXTURE_CORPUS, ROOT
from tests.support.processes import free_port, stop

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PDPL_EN = "fx_pdpl_2026_en"  # the English text of the fixture law PDPL-T
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SCREENSHOT = Path("/tmp/policy_desk_ui.png")
STARTUP_SECONDS = 120
ANSWER_MS = 180_000  # first answer loads the embedding model on a shared machine
PAGE_MS = 60_000


@contextmanager
def running_app(data_dir: Path, log_path: Path) -> Iterator[str]:
    """Start `python app.py` on a free port with its own data dir; yield its URL."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(
        RAG_DATA_DIR=str(data_dir),
        RAG_PORT=str(port),
        RAG_HOST="127.0.0.1",
        HF_HUB_OFFLINE="1",
        GRADIO_ANALYTICS_ENABLED="False",
    )
    url = f"http://127.0.0.1:{port}/"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"app.py exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"app.py did not serve {url}:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield url
    finally:
        stop(proc, timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"Debian Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(PAGE_MS)
    yield page
    context.close()


@pytest.fixture(scope="module")
def app_url(tmp_path_factory, browser) -> Iterator[str]:
    from rag.config import Settings
    from rag.ingest import ingest

    data_dir = tmp_path_factory.mktemp("indexed")
    report = ingest(Settings(data_dir=data_dir), [FIXTURE_CORPUS], progress=False)
    assert report.added >= 6 and not report.failed, report.summary()
    with running_app(data_dir, tmp_path_factory.mktemp("logs") / "app.log") as url:
        yield url


@pytest.fixture(scope="module")
def empty_app_url(tmp_path_factory, browser) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("empty")
    with running_app(data_dir, tmp_path_factory.mktemp("logs") / "empty.log") as url:
        yield url


def ask(page, question: str) -> None:
    box = page.locator("#pd-question textarea")
    box.fill(question)
    box.press("Enter")


@pytest.fixture(scope="module")
def answered(browser, app_url):
    """A page that asked the PDPL-T fine question once (answering is the slow part)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(PAGE_MS)
    page.goto(app_url)
    page.wait_for_selector("#pd-status .pd-status")
    ask(page, "What is the maximum fine under the PDPL-T?")
    page.wait_for_selector("#pd-sources .pd-source", timeout=ANSWER_MS)
    yield page
    context.close()


def fine_source(answered) -> int:
    """Number of the source that quotes the 50-million fine (the answer also quotes others)."""
    sources = answered.locator("#pd-sources .pd-source").all_inner_texts()
    return next(n for n, text in enumerate(sources, 1) if "50 million" in text or "五千万" in text)


def viewer_href(answered) -> str:
    source = answered.locator("#pd-sources .pd-source").nth(fine_source(answered) - 1)
    return source.locator(".pd-links a", has_text="Open in viewer").first.get_attribute("href")


def test_question_gets_a_cited_answer_with_sources(answered):
    chat = answered.locator("#pd-chat").inner_text()
    assert "What is the maximum fine under the PDPL-T?" in chat
    assert "[1]" in chat
    assert "No citation" not in chat
    labels = answered.locator("#pd-sources .pd-label").all_inner_texts()
    assert any("12" in label or "第十二条" in label for label in labels), labels
    sources = answered.locator("#pd-sources").inner_text()
    assert (
        "Data Export and Personal Data Protection Law" in sources
        or "数据出境与个人数据保护法" in sources
    )
    assert "Effective 2027-01-01" in sources
    assert "50 million" in sources or "五千万" in sources  # the verbatim quote is shown
    answered.screenshot(path=str(SCREENSHOT), full_page=True)


def test_choosing_a_source_highlights_it_in_the_viewer(answered):
    number = fine_source(answered)
    choice = next(
        t
        for t in answered.locator("label").all_inner_texts()
        if t.strip().startswith(f"[{number}]")
    )
    answered.get_by_label(choice.strip()).check()
    mark = answered.locator("#pd-viewer mark").first
    mark.wait_for()
    assert "50 million" in mark.inner_text() or "五千万" in mark.inner_text()
    assert (
        "Data Export and Personal Data Protection Law"
        in answered.locator("#pd-viewer .pd-doc-title").inner_text()
    )


def test_open_in_viewer_link_highlights_the_quote(page, app_url, answered):
    href = viewer_href(answered)
    assert {"doc", "chunk", "start", "end"} <= set(parse_qs(urlparse(href).query)), href

    page.goto(app_url + href)
    mark = page.locator("#pd-viewer mark").first
    mark.wait_for()
    assert "50 million" in mark.inner_text() or "五千万" in mark.inner_text()


def test_document_link_opens_the_document_viewer(page, app_url):
    page.goto(f"{app_url}?doc={PDPL_EN}")
    title = page.locator("#pd-viewer .pd-doc-title")
    title.wait_for()
    assert "Data Export and Personal Data Protection Law" in title.inner_text()
    text = page.locator("#pd-viewer .pd-doc-text").inner_text()
    assert "Article 1" in text
    assert "Effective 2027-01-01" in page.locator("#pd-viewer").inner_text()


def test_slack_style_chunk_link_highlights_the_passage(page, app_url, answered):
    params = parse_qs(urlparse(viewer_href(answered)).query)

    page.goto(f"{app_url}?doc={params['doc'][0]}&chunk={params['chunk'][0]}")
    page.locator("#pd-viewer .pd-doc-title").wait_for()
    assert page.locator("#pd-viewer mark").count() == 1


def test_unknown_document_link_says_so(page, app_url):
    page.goto(f"{app_url}?doc=no_such_document")
    banner = page.locator("#pd-viewer .pd-banner")
    banner.wait_for()
    assert "no_such_document" in banner.inner_text()


def test_empty_index_tells_the_user_to_run_ingest(page, empty_app_url):
    page.goto(empty_app_url)
    banner = page.locator("#pd-status .pd-banner")
    banner.wait_for()
    assert "python ingest.py" in banner.inner_text()

    ask(page, "What is the maximum fine under PIPL?")
    page.locator("#pd-chat", has_text="python ingest.py").wait_for()
