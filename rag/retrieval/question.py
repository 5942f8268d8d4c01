"""A question, read once: its language, the laws and articles it names, the year, and the kind
of answer it asks for. Retrieval, the scope checks and the answerers all take a `Question`;
none of them parses the text again.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from ..knowledge import intents
from ..text import ARTICLE_REF, is_chinese, numbers_matched, tokenize
from .index import Index, names_in


@dataclass(frozen=True)
class Question:
    text: str
    language: str  # "zh" or "en": the language the answer's own words are in
    topic: str  # the question without the names of the laws it names
    spelled: str  # the question with each law's name spelled out for the embedder
    mentions: tuple[frozenset[str], ...]  # doc ids of each law name it holds, in order
    articles: tuple[int, ...]  # article numbers it names ("Article 38", 第三十八条)
    years: frozenset[str]  # four-digit years it names
    kind: str  # one of `intents.KINDS`: what the first sentence of the answer must hold
    asks: frozenset[str]  # names of `intents.ASKS` it matches: penalty, effective, definition…
    # Its terms in the other language: glossary renderings and synonyms, and for a Chinese
    # question the dictionary's English for its words (filled by `Retriever.read`).
    expansion: str = ""
    gloss: str = ""
    # The parties it names (美团, "Didi") with their renderings in the other language: an
    # answer about a decision on several parties is about these.
    parties: tuple[str, ...] = ()

    @cached_property  # read for every candidate sentence of an answer: tokenised once
    def terms(self) -> frozenset[str]:
        """The tokens an answer's sentence must share with the question, in either language."""
        return frozenset(tokenize(f"{self.topic} {self.expansion} {self.gloss}"))

    @property
    def named(self) -> frozenset[str]:
        """Doc ids of every law the question names."""
        return frozenset().union(*self.mentions)

    @property
    def chinese(self) -> bool:
        return self.language == "zh"

    @property
    def two_parts(self) -> bool:
        """Whether it asks two things ("how long…, and by how much can it be extended?")."""
        return bool(intents.TWO_PARTS.search(self.text))

    @property
    def compares(self) -> bool:
        """Whether other documents than the named ones belong in the answer."""
        return self.kind == "comparison" or len(self.mentions) > 1

    @property
    def compared(self) -> str | None:
        """For a comparison, the kind of value each side is asked for ("罚款有什么不同":
        amount; "What are the maximum fines under PIPL and the DSL?": amount), which the lead
        holds for both sides; None for other questions."""
        if self.kind == "comparison":
            return intents.compared_kind(self.text)
        return self.kind if len(self.mentions) > 1 and self.kind in intents.VALUE_KINDS else None

    def to_json(self) -> dict[str, object]:
        """What the CLI's --explain and an LLM prompt show of the reading."""
        return {
            "language": self.language,
            "kind": self.kind,
            "named": sorted(self.named),
            "articles": list(self.articles),
            "years": sorted(self.years),
            "asks": sorted(self.asks),
        }


def read_question(index: Index, text: str) -> Question:
    """Read `text` against the laws `index` knows."""
    topic, spelled, matched = names_in(index, text)
    return Question(
        text=text,
        language="zh" if is_chinese(text) else "en",
        topic=topic,
        spelled=spelled,
        mentions=tuple(frozenset(docs) for docs in matched),
        articles=tuple(dict.fromkeys(numbers_matched(ARTICLE_REF, text))),
        years=frozenset(m.group(0) for m in intents.YEAR.finditer(text)),
        kind=intents.answer_kind(text),
        asks=frozenset(name for name, pattern in intents.ASKS.items() if pattern.search(text)),
    )
