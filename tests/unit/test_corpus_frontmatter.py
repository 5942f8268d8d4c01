"""Every Markdown file in corpus/ carries front matter the loader and the citations rely on."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from rag.types import DOC_TYPES, STATUSES
from tests.support.paths import CORPUS

CORPUS_FILES = sorted(CORPUS.glob("*.md"))

REQUIRED = (
    "title",
    "short_name",
    "doc_type",
    "issuer",
    "status",
    "language",
    "source_url",
    "as_of",
)
DATE_FIELDS = ("promulgated", "effective", "as_of")
LANGUAGES = ("en", "zh")


def front_matter(path: Path) -> dict:
    """YAML between the leading `---` lines, or the sidecar `NAME.meta.yaml`."""
    text = path.read_text(encoding="utf-8")
    m = re.match(r"^---\n(.*?)\n---\n", text, flags=re.S)
    if m:
        meta = yaml.safe_load(m.group(1))
    else:
        sidecar = path.with_suffix(".meta.yaml")
        assert sidecar.is_file(), f"{path.name}: no front matter and no {sidecar.name}"
        meta = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    assert isinstance(meta, dict), f"{path.name}: front matter is not a mapping"
    return meta


def iso_date(value: object) -> dt.date | None:
    """A YAML date (parsed or quoted) as a date; None when it is not an ISO date."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def test_corpus_is_not_empty() -> None:
    assert CORPUS_FILES, f"no Markdown files in {CORPUS}"


def test_front_matter_problems_are_reported(tmp_path: Path) -> None:
    """The checks below can fail: a bad file is caught field by field."""
    bad = tmp_path / "bad.md"
    bad.write_text(
        "---\ntitle: x\ndoc_type: memo\nstatus: live\npromulgated: '2021-13-01'\n"
        "supersedes: nowhere\n---\nbody\n",
        encoding="utf-8",
    )
    problems = meta_problems(bad, known_stems={"bad"})
    text = "\n".join(problems)
    for needle in (
        "short_name",
        "doc_type 'memo'",
        "status 'live'",
        "promulgated",
        "supersedes 'nowhere'",
    ):
        assert needle in text, (needle, problems)
    good = tmp_path / "good.md"
    good.write_text(
        "---\ntitle: T\nshort_name: T\ndoc_type: summary\nissuer: NPC\n"
        "status: in_force\nlanguage: en\nsource_url: https://flk.npc.gov.cn/\n"
        "as_of: 2026-11-26\npromulgated: 2021-08-20\nsupersedes: ''\n---\nx\n",
        encoding="utf-8",
    )
    assert meta_problems(good, known_stems={"good"}) == []
    broken = tmp_path / "broken.md"
    broken.write_text('---\ntitle_zh: "十四五"规划\n---\nx\n', encoding="utf-8")
    assert "not valid YAML" in meta_problems(broken, known_stems=set())[0]


def meta_problems(path: Path, known_stems: set[str]) -> list[str]:
    name = path.name
    try:
        meta = front_matter(path)
    except (yaml.YAMLError, ValueError) as exc:  # PyYAML raises ValueError on 2021-13-01
        return [f"{name}: front matter is not valid YAML: {exc}"]
    problems = []
    for key in REQUIRED:
        if not str(meta.get(key) or "").strip():
            problems.append(f"{name}: missing or empty {key}")
    if meta.get("doc_type") and meta["doc_type"] not in DOC_TYPES:
        problems.append(f"{name}: doc_type {meta['doc_type']!r} not one of {DOC_TYPES}")
    if meta.get("status") and meta["status"] not in STATUSES:
        problems.append(f"{name}: status {meta['status']!r} not one of {STATUSES}")
    if meta.get("language") and meta["language"] not in LANGUAGES:
        problems.append(f"{name}: language {meta['language']!r} not one of {LANGUAGES}")
    url = str(meta.get("source_url") or "")
    if url and not re.match(r"https?://[^\s/]+\.[^\s]+", url):
        problems.append(f"{name}: source_url {url!r} is not an http(s) URL")
    for key in DATE_FIELDS:
        value = meta.get(key)
        if value in (None, ""):
            continue
        if iso_date(value) is None:
            problems.append(f"{name}: {key} {value!r} is not an ISO date (YYYY-MM-DD)")
    promulgated, effective = iso_date(meta.get("promulgated")), iso_date(meta.get("effective"))
    if promulgated and effective and effective < promulgated:
        problems.append(f"{name}: effective {effective} is before promulgated {promulgated}")
    supersedes = str(meta.get("supersedes") or "")
    if supersedes and supersedes not in known_stems:
        problems.append(f"{name}: supersedes {supersedes!r} is not a corpus file stem")
    if supersedes and supersedes == path.stem:
        problems.append(f"{name}: supersedes itself")
    return problems


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_front_matter(path: Path) -> None:
    known = {p.stem for p in CORPUS.iterdir() if p.is_file()}
    problems = meta_problems(path, known)
    assert not problems, "\n".join(problems)


def test_superseded_documents_are_not_marked_in_force() -> None:
    """A file named in another's `supersedes` must say it is amended, superseded or repealed."""
    metas = {}
    for p in CORPUS_FILES:
        try:
            metas[p.stem] = front_matter(p)
        except (yaml.YAMLError, ValueError):
            continue  # reported by test_front_matter
    problems = []
    for stem, meta in metas.items():
        old = str(meta.get("supersedes") or "")
        if old in metas and metas[old].get("status") == "in_force":
            problems.append(f"{old}.md is superseded by {stem}.md but has status in_force")
    assert not problems, "\n".join(problems)
