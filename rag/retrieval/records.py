"""The store's records, saved as columns and read one passage at a time.

A search touches a few hundred of the 68,573 passages of the whole body of law, but the
records and their typed metadata, pickled as two dicts, took 0.9 s of every cold start to
unpickle: millions of small objects. Saved as columns instead (every text in one file,
every passage's metadata pickled on its own, with offsets), a start reads three arrays and
one string; a passage's metadata is unpickled when it is first asked for, then kept.
"""

from __future__ import annotations

import json
import pickle
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from ..types import PassageMeta

_IDS, _TEXT, _SPANS, _METAS, _OFFSETS = (
    "ids.json",
    "text.txt",
    "spans.npy",
    "metas.bin",
    "metas.npy",
)
SEPARATOR = "\n"  # between two passages' texts in `text.txt`: what `Index.all_text` joins with


class SavedRecords(Mapping[str, tuple[str, dict]]):
    """chunk id -> (text, stored metadata), read from the columns `save_records` wrote."""

    def __init__(self, folder: Path) -> None:
        self._ids: list[str] = json.loads((folder / _IDS).read_text(encoding="utf-8"))
        self._row = {cid: row for row, cid in enumerate(self._ids)}
        with (folder / _TEXT).open(encoding="utf-8", newline="") as text:
            self.joined = text.read()  # as written: a "\r" in a passage keeps the offsets true
        self._spans = np.load(folder / _SPANS)
        self._metas = (folder / _METAS).read_bytes()
        self._offsets = np.load(folder / _OFFSETS)
        self._meta_cache: dict[int, dict] = {}
        if not len(self._ids) == len(self._spans) == len(self._offsets) - 1:
            raise ValueError(f"the saved records in {folder} disagree in length")

    def __getitem__(self, chunk_id: str) -> tuple[str, dict]:
        row = self._row[chunk_id]
        start, end = self._spans[row]
        return self.joined[start:end], self.meta(row)

    def meta(self, row: int) -> dict:
        found = self._meta_cache.get(row)
        if found is None:
            start, end = self._offsets[row], self._offsets[row + 1]
            found = self._meta_cache[row] = pickle.loads(self._metas[start:end])
        return found

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._row

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


class SavedPassages(Mapping[str, PassageMeta]):
    """chunk id -> its typed metadata, made from `records` when first asked for."""

    def __init__(self, records: SavedRecords) -> None:
        self._records = records
        self._made: dict[str, PassageMeta] = {}

    def __getitem__(self, chunk_id: str) -> PassageMeta:
        found = self._made.get(chunk_id)
        if found is None:
            found = self._made[chunk_id] = PassageMeta.from_record(self._records[chunk_id][1])
        return found

    def __contains__(self, chunk_id: object) -> bool:
        return chunk_id in self._records

    def __iter__(self) -> Iterator[str]:
        return iter(self._records)

    def __len__(self) -> int:
        return len(self._records)


def save_records(records: Mapping[str, tuple[str, dict]], folder: Path) -> None:
    """Write `records` as the columns `SavedRecords` reads."""
    folder.mkdir(parents=True, exist_ok=True)
    ids = list(records)
    spans = np.zeros((len(ids), 2), dtype=np.int64)
    texts: list[str] = []
    offsets = np.zeros(len(ids) + 1, dtype=np.int64)
    position = 0
    with (folder / _METAS).open("wb") as metas:
        for row, cid in enumerate(ids):
            text, meta = records[cid]
            spans[row] = position, position + len(text)
            position += len(text) + len(SEPARATOR)
            texts.append(text)
            blob = pickle.dumps(meta, protocol=pickle.HIGHEST_PROTOCOL)
            metas.write(blob)
            offsets[row + 1] = offsets[row] + len(blob)
    (folder / _TEXT).write_text(SEPARATOR.join(texts), encoding="utf-8", newline="")
    np.save(folder / _SPANS, spans)
    np.save(folder / _OFFSETS, offsets)
    (folder / _IDS).write_text(json.dumps(ids, ensure_ascii=False), encoding="utf-8")
