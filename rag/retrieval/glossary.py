"""English ↔ Chinese term pairs from the corpus glossary (`RAG_GLOSSARY`): a question's terms
bring their renderings in the other language into the search."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from ..text import HAN_RUN

log = logging.getLogger(__name__)
PROJECT = Path(__file__).resolve().parents[2]


class Glossary:
    """English ↔ Chinese term pairs read from the corpus glossary's Markdown tables."""

    _ROW = re.compile(r"^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*$")

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs
        self._en = [
            (re.compile(rf"(?<![A-Za-z]){re.escape(en)}(?:s|es)?(?![A-Za-z])", re.I), en, zh)
            for en, zh in sorted(pairs, key=lambda p: -len(p[0]))
        ]

    @classmethod
    def load(cls, path: Path | None) -> Glossary:
        pairs: list[tuple[str, str]] = []
        if path is None or not path.is_file():
            return cls(pairs)
        for line in path.read_text(encoding="utf-8").splitlines():
            m = cls._ROW.match(line.strip())
            if not m or set(m.group(1)) <= set("-: ") or m.group(1) == "English":
                continue
            english = re.sub(r"\s*\([^)]*\)", "", m.group(1)).strip()
            chinese = re.sub(r"[（(][^）)]*[）)]", "", m.group(2)).strip()
            if len(english) >= 3 and chinese and HAN_RUN.search(chinese):
                pairs.append((english, chinese))
        return cls(pairs)

    def expand(self, query: str) -> str:
        """The other language's terms for the terms found in `query`, space-separated."""
        found: list[str] = []
        lowered = query
        for pattern, _en, zh in self._en:
            if pattern.search(lowered):
                found.append(zh)
                lowered = pattern.sub(" ", lowered)  # "data security law" wins over "data"
        found += self._english_of(query)
        return " ".join(dict.fromkeys(found))

    def _english_of(self, query: str) -> list[str]:
        """The English renderings of the Chinese terms found in `query`."""
        return [en for en, zh in self.pairs if len(zh) >= 2 and zh in query]

    def pivot(self, query: str) -> list[str]:
        """Chinese terms for the Chinese terms in `query`, reached through their English: 大数据杀熟
        is "big-data price discrimination against existing customers", which holds "price
        discrimination", the glossary's rendering of the law's own 不合理的差别待遇."""
        english = self._english_of(query)
        found = [
            zh
            for pattern, en, zh in self._en
            for said in english
            if en.casefold() != said.casefold() and zh not in query and pattern.search(said)
        ]
        return list(dict.fromkeys(found))


def glossary_path(setting: str) -> Path | None:
    """The glossary file; a relative path is tried from here, then from the project folder."""
    if not setting:
        return None
    path = Path(setting)
    if not path.is_absolute() and not path.exists():
        path = PROJECT / setting
    if not path.is_file():
        log.warning("glossary %s not found: questions are not expanded across languages", setting)
        return None
    return path
