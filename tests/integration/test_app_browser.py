"""The web UI in a real browser: `python app.py` as a subprocess, driven by Debian Chromium.

The module ingests the fixture corpus (tests/fixtures/corpus) once with the real embedding
model, starts the app on a free port and asks it questions the way a user would.
"""

from __future__ import annotations

import os
import re
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
# Screenshots of what each test saw, kept as test artifacts (CI can upload the folder).
ARTIFACTS = Path(os.environ.get("PD_ARTIFACTS", ROOT / "tmp" / "artifacts"))
AXE = ROOT / ".cache" / "axe-core" / "axe.min.js"
FINE_QUESTION = "What is the maximum fine under the PDPL-T?"
STARTUP_SECONDS = 120
ANSWER_MS = 180_000  # first answer loads the embedding model on a shared machine
PAGE_MS = 60_000


@contextmanager
def running_app(data_dir: Path, log_path: Path, **settings: str) -> Iterator[str]:
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
    env.update(settings)
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


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


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


@pytest.fixture(scope="module")
def uploads_app_url(tmp_path_factory, browser) -> Iterator[str]:
    """The app with RAG_UI_UPLOADS=1 on an index that starts empty."""
    data_dir = tmp_path_factory.mktemp("uploads")
    logs = tmp_path_factory.mktemp("logs") / "uploads.log"
    with running_app(data_dir, logs, RAG_UI_UPLOADS="1") as url:
        yield url


def ask(page, question: str) -> None:
    """Type a question and wait for its answer (or refusal) to be complete."""
    before = page.locator("#pd-chat [data-testid=bot]").count()
    box = page.locator("#pd-question textarea")
    box.fill(question)
    box.press("Enter")
    wait_for_reply(page, before)


def wait_for_reply(page, before: int) -> None:
    page.wait_for_function(
        """n => {
            const bots = document.querySelectorAll('#pd-chat [data-testid="bot"]');
            if (bots.length <= n) return false;
            const last = bots[bots.length - 1].innerText;
            return /Link to this answer|No answer found|⚠️/.test(last);
        }""",
        arg=before,
        timeout=ANSWER_MS,
    )


def last_reply(page):
    return page.locator("#pd-chat [data-testid=bot]").last


def reply(page, n: int):
    return page.locator("#pd-chat [data-testid=bot]").nth(n)


@pytest.fixture(scope="module")
def answered(browser, app_url):
    """A page that asked the PDPL-T fine question once (answering is the slow part)."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(PAGE_MS)
    page.goto(app_url)
    page.wait_for_selector("#pd-status .pd-status")
    ask(page, FINE_QUESTION)
    yield page
    context.close()


def fine_marker(message) -> int:
    """Number of the source of `message` that quotes the 50-million fine."""
    blocks = message.inner_text().split("Sources", 1)[1].split("\n[")
    for block in blocks:
        block = block.lstrip("[")
        if "50 million" in block or "五千万" in block:
            return int(block.split("]", 1)[0])
    raise AssertionError(f"no source quotes the fine: {message.inner_text()}")


def open_marker(page, message, n: int) -> None:
    """Click `[n]` in `message` and wait for the Document view to be the one shown."""
    message.locator("a", has_text=f"[{n}]").first.click()
    document_tab = page.get_by_role("tab", name="Document", exact=True)
    try:
        page.wait_for_function(
            "tab => tab.getAttribute('aria-selected') === 'true'",
            arg=document_tab.element_handle(),
            timeout=PAGE_MS,
        )
    except Exception:
        shot(page, f"failed_open_marker_{n}")
        pages = len(page.context.pages)
        raise AssertionError(f"[{n}] did not open the Document view ({pages} tabs open)") from None


def test_an_answer_carries_its_own_cited_sources(answered):
    message = last_reply(answered)
    text = message.inner_text()
    assert FINE_QUESTION in answered.locator("#pd-chat").inner_text()
    assert "No citation" not in text
    assert "[1]" in text and "Sources" in text
    assert "Art. 12" in text or "第十二条" in text
    assert "law · 2026 · in force" in text  # the kind of text and its version, on each source
    assert "50 million" in text or "五千万" in text  # the verbatim quote, under its answer
    # one way to open a source: no second list of radio buttons repeating the sources
    assert answered.locator("input[type=radio]").count() == 0
    shot(answered, "answer_with_its_sources")


def test_clicking_a_marker_opens_its_source_highlighted(answered):
    message = last_reply(answered)
    n = fine_marker(message)
    open_marker(answered, message, n)
    mark = answered.locator("#pd-viewer mark").first
    mark.wait_for()
    assert "50 million" in mark.inner_text() or "五千万" in mark.inner_text()
    assert (
        answered.get_by_role("tab", name="Document", exact=True).get_attribute("aria-selected")
        == "true"
    )
    assert "?" not in answered.url.split("/")[-1]  # opened in place: the chat is still there
    assert FINE_QUESTION in answered.locator("#pd-chat").inner_text()
    shot(answered, "marker_opens_source")


def test_a_summary_source_leads_to_the_laws_own_article(answered):
    message = last_reply(answered)
    blocks = message.inner_text().split("Sources", 1)[1].split("\n[")
    summary = next(b.lstrip("[") for b in blocks if "· summary ·" in b)
    open_marker(answered, message, int(summary.split("]", 1)[0]))
    # the viewer may still show what an earlier test opened: wait for the summary itself
    answered.locator("#pd-viewer .pd-doc-title", has_text="summary").wait_for()
    header = answered.locator("#pd-viewer .pd-doc-badges")
    assert "summary" in header.inner_text()  # the viewer says it is a paraphrase
    link = answered.locator("#pd-viewer .pd-primary a", has_text="Art. 12").first
    link.click()
    answered.locator("#pd-viewer .pd-doc-title", has_text="Data Export").wait_for()
    answered.wait_for_function(
        "() => !document.querySelector('#pd-viewer .pd-primary')", timeout=PAGE_MS
    )
    assert "law" in answered.locator("#pd-viewer .pd-doc-badges").inner_text()
    mark = answered.locator("#pd-viewer mark").first
    assert "Article 12" in mark.inner_text()
    shot(answered, "summary_leads_to_law")


def test_a_source_shows_its_article_in_the_other_language_and_opens_it(answered):
    # PDPL-T is indexed in Chinese and English: the cited article's other text rides with it
    message = last_reply(answered)
    blocks = message.inner_text().split("Sources", 1)[1].split("\n[")
    law = [b.lstrip("[") for b in blocks if "· law ·" in b and ("Art. 12" in b or "第十二条" in b)]
    assert law, blocks
    block = law[0]
    n = int(block.split("]", 1)[0])
    assert "Also:" in block, block
    other = "English translation" if "Chinese original" not in block else "Chinese original"
    assert other in block
    english = ("Data Export and Personal Data Protection Law (test fixture)", "Article 12")
    chinese = ("数据出境与个人数据保护法（测试样例）", "第十二条")
    cited, wanted = (chinese, english) if other == "English translation" else (english, chinese)

    def shown(title: str, words: str = "") -> None:
        """Wait for the viewer to show the document titled `title`, `words` highlighted."""
        answered.wait_for_function(
            """([title, words]) => {
                const head = document.querySelector('#pd-viewer .pd-doc-title');
                const marks = [...document.querySelectorAll('#pd-viewer mark')];
                return head && head.innerText.trim() === title
                    && (!words || marks.some(m => m.innerText.includes(words)));
            }""",
            arg=[title, words],
            timeout=PAGE_MS,
        )

    open_marker(answered, message, n)
    shown(cited[0])
    also = message.locator("xpath=.//em[normalize-space()='Also:']/following-sibling::a[1]")
    also.first.click()
    shown(*wanted)  # the same article, in the other language, highlighted in its document
    assert FINE_QUESTION in answered.locator("#pd-chat").inner_text()  # opened in place
    shot(answered, "source_opens_its_translation")


def test_an_earlier_answer_keeps_its_sources_after_a_follow_up(page, app_url):
    page.goto(app_url)
    page.wait_for_selector("#pd-status .pd-status")
    ask(page, FINE_QUESTION)
    first = reply(page, 0)
    n = fine_marker(first)
    ask(page, "What about the directly responsible persons?")
    follow = reply(page, 1)
    read_as = next(
        line for line in follow.inner_text().splitlines() if line.startswith("Follow-up, read as")
    )
    # one readable question, not the two questions run together
    assert read_as.count("?") == 1 and read_as.rstrip().endswith("?"), read_as
    assert "PDPL-T" in read_as

    open_marker(page, first, n)  # the first answer's [n] still opens the first answer's source
    mark = page.locator("#pd-viewer mark").first
    mark.wait_for()
    assert "50 million" in mark.inner_text() or "五千万" in mark.inner_text()
    assert "Sources" in first.inner_text()
    shot(page, "earlier_answer_keeps_its_sources")


def test_clearing_the_chat_clears_what_the_engine_remembers(page, app_url):
    page.goto(app_url)
    page.wait_for_selector("#pd-status .pd-status")
    ask(page, "What does the PDPL-T say about consent?")
    ask(page, "What about the fines?")
    assert "Follow-up, read as" in last_reply(page).inner_text()  # remembered: a follow-up

    page.locator("#pd-chat").get_by_role("button", name="Clear").click()
    page.wait_for_function(
        "() => !document.querySelector('#pd-chat [data-testid=\"bot\"]')", timeout=PAGE_MS
    )
    ask(page, "What about the fines?")
    assert "Follow-up, read as" not in last_reply(page).inner_text()
    assert "consent" not in last_reply(page).inner_text().split("\n")[0]
    shot(page, "cleared_chat_forgets")


def choose(page, menu: str, option: str) -> None:
    """Pick the option whose label starts with `option` ("Summary" for "Summary (1)")."""
    box = page.locator(f"#{menu} input")
    box.fill(option)  # typing opens the menu, narrowed to the option
    page.get_by_role("option", name=re.compile("^" + re.escape(option))).click()
    box.blur()


def test_filters_offer_what_the_index_holds_and_show_as_chips(page, app_url):
    page.goto(app_url)
    page.wait_for_selector("#pd-status .pd-status")
    page.get_by_text("Filters", exact=True).click()
    page.locator("#pd-filter-doc_type input").click()
    offered = page.get_by_role("option").all_inner_texts()
    assert offered == ["Law (2)", "Plan (1)", "Regulation (2)", "Summary (1)"], offered
    page.locator("#pd-filter-doc_type input").blur()
    choose(page, "pd-filter-doc_type", "Summary")
    choose(page, "pd-filter-language", "中文 Chinese")
    page.get_by_text("Filters", exact=True).click()  # the panel closes; the chips stay
    chips = page.locator("#pd-chips .pd-chip")
    chips.first.wait_for()
    assert chips.all_inner_texts() == ["kind: summary ✕", "language: Chinese ✕"]
    assert chips.first.is_visible()

    ask(page, FINE_QUESTION)  # no summary is in Chinese: the message says so in plain words
    said = last_reply(page).inner_text()
    assert "No indexed document matches the filters you chose" in said
    assert "kind: summary; language: Chinese" in said
    assert "doc_type" not in said and "['" not in said
    shot(page, "filters_as_chips_and_plain_message")

    page.locator("#pd-chips .pd-chip", has_text="language").click()  # a chip removes its filter
    page.wait_for_function(
        "() => document.querySelectorAll('#pd-chips .pd-chip').length === 1", timeout=PAGE_MS
    )
    page.locator("#pd-new").click()  # a new chat starts without filters
    page.wait_for_function(
        "() => document.querySelectorAll('#pd-chips .pd-chip').length === 0", timeout=PAGE_MS
    )
    assert page.locator("#pd-chat [data-testid=bot]").count() == 0
    ask(page, FINE_QUESTION)
    assert "Sources" in last_reply(page).inner_text()


def test_a_refusal_says_what_was_searched_and_what_can_be_asked(page, app_url):
    page.goto(app_url)
    page.wait_for_selector("#pd-status .pd-status")
    ask(page, "What is the corporate income tax rate for software companies?")
    said = last_reply(page).inner_text()
    assert "No answer found" in said
    assert "6 indexed documents" in said
    assert "Nearest documents covered" in said and "Data Export" in said
    assert "similarity" not in said and "0." not in said
    shot(page, "refusal_that_helps")

    suggestion = last_reply(page).locator("a[href*='?q=']:not([href*='share=1'])").first
    asked = suggestion.inner_text()
    suggestion.click()  # a suggested question is asked in place, and answered
    page.locator("#pd-chat [data-testid=user]", has_text=asked).wait_for()
    wait_for_reply(page, 1)
    answer = last_reply(page).inner_text()
    assert "No answer found" not in answer and "Sources" in answer


def test_a_shared_link_reopens_the_question_and_its_answer(answered, page, app_url):
    share = last_reply(answered).locator("a", has_text="Link to this answer")
    href = share.get_attribute("href")
    assert href == app_url + "?q=What+is+the+maximum+fine+under+the+PDPL-T%3F&share=1"

    page.goto(href)
    page.locator("#pd-chat [data-testid=user]", has_text=FINE_QUESTION).wait_for()
    wait_for_reply(page, 0)
    assert (
        "50 million" in last_reply(page).inner_text() or "五千万" in last_reply(page).inner_text()
    )
    shot(page, "shared_link_reopens_answer")


def test_export_gives_markdown_with_each_sources_quote_label_and_url(answered, tmp_path):
    with answered.expect_download() as download:
        answered.locator("#pd-export").click()
    path = tmp_path / "answers.md"
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Policy Desk answers")
    assert f"## {FINE_QUESTION}" in text and "### Sources" in text
    assert "PDPL-T Art. 12" in text
    assert "   > " in text and ("50 million" in text or "五千万" in text)
    assert "Official text: https://example.org/policy-desk/test-fixtures/pdpl-t-en" in text
    assert "In Policy Desk: http://127.0.0.1:" in text and "?doc=" in text


def test_copying_an_answer_keeps_its_sources(browser, app_url):
    context = browser.new_context(
        viewport={"width": 1440, "height": 1000}, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    page.set_default_timeout(PAGE_MS)
    try:
        page.goto(app_url)
        page.wait_for_selector("#pd-status .pd-status")
        ask(page, FINE_QUESTION)
        last_reply(page).hover()
        page.locator("#pd-chat button[aria-label='Copy message']").last.click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert "**Sources**" in copied and "PDPL-T Art. 12" in copied
        assert "50 million" in copied or "五千万" in copied
        assert "https://example.org/policy-desk/test-fixtures/pdpl-t-en" in copied
        assert f"]({app_url}?doc=fx_pdpl_2026_en&chunk=" in copied  # links that work elsewhere
    finally:
        context.close()


def test_open_in_viewer_link_highlights_the_quote(page, app_url, answered):
    message = last_reply(answered)
    n = fine_marker(message)
    href = message.locator("a", has_text=f"[{n}]").first.get_attribute("href")
    assert {"doc", "chunk", "start", "end"} <= set(parse_qs(urlparse(href).query)), href

    assert href.startswith(app_url + "?doc=")
    page.goto(href)  # the same link opened in a new tab, or pasted elsewhere
    mark = page.locator("#pd-viewer mark").first
    mark.wait_for()
    assert "50 million" in mark.inner_text() or "五千万" in mark.inner_text()


def test_documents_view_lists_what_is_covered_searchable_and_sortable(page, app_url):
    page.goto(app_url)
    table = page.locator("#pd-documents .pd-docs-table")
    table.wait_for()
    rows = table.locator("tbody tr")
    assert rows.count() == 6
    text = table.inner_text()
    for expected in (
        "Data Export and Personal Data Protection Law",
        "数据出境与个人数据保护法",
        "summary",
        "Fictional Legislature",
        "2027-01-01",
        "in force",
    ):
        assert expected in text
    titles = [rows.nth(i).locator("td").first.inner_text().split("\n")[0] for i in range(6)]
    assert titles == sorted(titles, key=str.casefold)  # by title, not by file name

    page.locator("#pd-documents input[type=search]").fill("summary")
    assert page.locator("#pd-documents tbody tr:not([hidden])").count() == 1
    assert "1 of 6 documents" in page.locator("#pd-documents .pd-docs-count").inner_text()
    page.locator("#pd-documents input[type=search]").fill("")

    page.locator("#pd-documents .pd-sort", has_text="Passages").click()
    counts = [
        int(c) for c in page.locator("#pd-documents tbody tr td:last-child").all_inner_texts()
    ]
    assert counts == sorted(counts)
    shot(page, "documents_view")

    page.locator("#pd-documents a", has_text="article-by-article summary").click()
    header = page.locator("#pd-viewer .pd-doc-badges")
    header.wait_for()
    assert "summary" in header.inner_text() and "2026 version" in header.inner_text()


def test_two_versions_of_a_law_are_named_by_year(page, app_url):
    page.goto(app_url)
    page.wait_for_selector("#pd-status .pd-status")
    page.get_by_role("tab", name="Document", exact=True).click()
    page.locator("#pd-browse input").click()
    offered = page.get_by_role("option").all_inner_texts()
    platform = [o for o in offered if "网络平台安全条例" in o or "PSR" in o or "Platform" in o]
    years = sorted(o.split(" · ")[1] for o in platform)
    assert years == ["2019", "2024"], offered


def test_document_link_opens_the_document_viewer(page, app_url):
    page.goto(f"{app_url}?doc={PDPL_EN}")
    title = page.locator("#pd-viewer .pd-doc-title")
    title.wait_for()
    assert "Data Export and Personal Data Protection Law" in title.inner_text()
    text = page.locator("#pd-viewer .pd-doc-text").inner_text()
    assert "Article 1" in text
    viewer = page.locator("#pd-viewer").inner_text()
    assert "Effective 2027-01-01" in viewer
    assert "law" in page.locator("#pd-viewer .pd-doc-badges").inner_text()


def test_slack_style_chunk_link_highlights_the_passage(page, app_url, answered):
    message = last_reply(answered)
    href = message.locator("a", has_text=f"[{fine_marker(message)}]").first.get_attribute("href")
    params = parse_qs(urlparse(href).query)

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

    box = page.locator("#pd-question textarea")
    box.fill("What is the maximum fine under PIPL?")
    box.press("Enter")
    page.locator("#pd-chat", has_text="python ingest.py").wait_for()


def test_on_a_phone_the_answer_and_its_sources_come_first(browser, app_url):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(PAGE_MS)
    try:
        page.goto(app_url)
        page.wait_for_selector("#pd-status .pd-status")
        header = page.locator(".pd-header").bounding_box()
        assert header is not None and header["height"] < 844 / 8, header  # compact
        ask(page, FINE_QUESTION)
        chat = page.locator("#pd-chat").bounding_box()
        tabs = page.locator("#pd-documents").locator("xpath=ancestor::div[contains(@class,'tabs')]")
        side = tabs.first.bounding_box() if tabs.count() else None
        assert chat is not None and chat["y"] < 844 / 4  # the conversation starts near the top
        if side is not None:
            assert side["y"] > chat["y"] + chat["height"] - 1  # the document panels come after
        assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # no sideways
        assert "Sources" in last_reply(page).inner_text()
        shot(page, "phone_answer_first")

        message = last_reply(page)
        open_marker(page, message, fine_marker(message))  # the passage comes into view
        mark = page.locator("#pd-viewer mark").first
        mark.wait_for()
        page.wait_for_function(
            """() => { const r = document.querySelector('#pd-viewer').getBoundingClientRect();
                       return r.top >= -1 && r.top < window.innerHeight / 2; }""",
            timeout=PAGE_MS,
        )
        shot(page, "phone_source_opened")
    finally:
        context.close()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_no_serious_accessibility_violations(browser, app_url, theme):
    if not AXE.exists():
        pytest.skip(f"axe-core is not at {AXE}: run `make axe-core` (needs npm)")
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(PAGE_MS)
    try:
        page.goto(f"{app_url}?__theme={theme}")
        page.wait_for_selector("#pd-status .pd-status")
        assert page.evaluate("document.body.classList.contains('dark')") == (theme == "dark")
        ask(page, FINE_QUESTION)
        message = last_reply(page)
        open_marker(page, message, fine_marker(message))  # the highlighted quote is checked too
        page.locator("#pd-viewer mark").first.wait_for()
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at "
            + ", ".join(str(n["target"]) for n in v["nodes"][:5])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        shot(page, f"accessibility_{theme}")
        assert not serious, "\n".join(serious)
    finally:
        context.close()


def test_adding_documents_is_off_unless_switched_on(page, app_url):
    page.goto(app_url)
    page.locator("#pd-documents .pd-docs-table").wait_for()
    assert page.locator("#pd-upload").count() == 0 or not page.locator("#pd-upload").is_visible()


def test_uploaded_documents_are_indexed_with_the_clis_per_file_errors(
    page, uploads_app_url, tmp_path
):
    empty = tmp_path / "empty_notes.md"
    empty.write_text("---\ntitle: Nothing here\n---\n", encoding="utf-8")
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 cut off in the middle")
    page.goto(uploads_app_url)
    page.locator("#pd-status .pd-banner").wait_for()  # nothing indexed yet
    page.get_by_text("Add documents").click()
    page.locator("#pd-upload-files input[type=file]").set_input_files(
        [str(FIXTURE_CORPUS / "fx_pdpl_2026_en.md"), str(empty), str(broken)]
    )
    page.locator("#pd-upload-add").click()
    report = page.locator("#pd-upload-report")
    report.get_by_text("ingest: 1 added").wait_for(timeout=ANSWER_MS)
    text = report.inner_text()
    assert "FAILED empty_notes.md: " in text
    assert "FAILED broken.pdf: " in text
    shot(page, "upload_report")

    rows = page.locator("#pd-documents tbody tr")
    rows.first.wait_for()
    assert rows.count() == 1
    assert "Data Export and Personal Data Protection Law" in rows.first.inner_text()
    assert "1 document · 17 passages" in page.locator("#pd-status").inner_text()
    ask(page, FINE_QUESTION)  # the added document answers at once
    assert "50 million" in last_reply(page).inner_text()
