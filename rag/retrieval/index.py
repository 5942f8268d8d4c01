"""Everything derived from the store's records that retrieval reads: the lexical indexes,
the laws' names, articles by number, twins, versions and cross-references.

Rebuilt when the store changes (`Retriever.refresh`).
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import os
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..answer import section_title, short_zh_title
from ..index import BM25Index, Rows
from ..knowledge import GENERIC_TITLE_WORDS, KNOWN_SHORT_NAMES
from ..text import ARTICLE_REF, HAN, NUMERAL_CHARS, is_chinese, numbers_matched, stem, tokenize
from ..types import PassageMeta
from . import forking
from .bridge import Dictionary, english_terms
from .filters import FILTER_KEYS
from .neighbours import TermNeighbours
from .records import SEPARATOR
from .second import PassageVectors
from .versions import link as link_versions

log = logging.getLogger(__name__)

# "本条例第二十九条第二款、第三十条、第三十一条规定" / "paragraph 2 of Article 29, Article 31, or
# Article 32 of these Regulations": every article of the list, not its paragraphs.
_SAME_LAW_ZH = re.compile(
    rf"本(?:法|编|条例|规定|办法|措施|决定|解释)((?:第[{NUMERAL_CHARS}\d]+[条款项](?:[、，,和及与或者至]|以及)*)+)"
)
_SAME_LAW_EN = re.compile(
    r"((?:(?:paragraphs? \d+(?: and \d+)? of )?Articles? \d+(?:\(\d+\))?(?:,? (?:and|or|to) \d+)*(?:,? (?:and|or) |, )?)+)"
    r" ?of (?:this|these) (?:Law|Code|Regulations?|Measures|Provisions|Rules)\b",
    re.I,
)
_EN_PARAGRAPHS = re.compile(r"paragraphs? \d+(?: and \d+)? of ", re.I)


def same_law_refs(text: str) -> list[int]:
    """Articles of its own law that `text` cites, in order, each once."""
    numbers = []
    for m in _SAME_LAW_ZH.finditer(text):
        numbers += numbers_matched(ARTICLE_REF, m.group(1))
    for m in _SAME_LAW_EN.finditer(text):
        numbers += [
            int(n)
            for n in re.findall(r"\d+", _EN_PARAGRAPHS.sub("", re.sub(r"\(\d+\)", "", m.group(1))))
        ]
    return list(dict.fromkeys(numbers))


@dataclass
class Bridge:
    """The dictionary bridge (`rag.retrieval.bridge`): Chinese passages glossed in English, and
    the English passages stemmed the same way, so a question meets either in one vocabulary."""

    dictionary: Dictionary
    glosses: BM25Index  # English glosses of the Chinese passages
    english: BM25Index  # the English passages, as `english_terms` spells them

    def side(self, chunk_id: str) -> BM25Index:
        """The index that holds `chunk_id`."""
        return self.glosses if self.glosses.holds(chunk_id) else self.english


@dataclass
class Index:
    """Everything derived from the store's records, rebuilt when the store changes."""

    records: Mapping[str, tuple[str, dict]] = field(
        default_factory=dict
    )  # chunk -> (text, stored metadata); read from columns when loaded (`records.py`)
    passages: Mapping[str, PassageMeta] = field(
        default_factory=dict
    )  # chunk -> its metadata, typed
    bm25: BM25Index = field(default_factory=lambda: BM25Index([], []))
    aliases: dict[str, tuple[re.Pattern | Literal, set[str]]] = field(default_factory=dict)
    parties: frozenset[str] = frozenset()  # the aliases that are a party a title names (美团)
    spelled: dict[str, str] = field(default_factory=dict)  # doc -> name the embedder understands
    by_article: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    partners: dict[str, list[str]] = field(default_factory=dict)  # doc -> other-language twins
    cited_by: dict[tuple[str, int], list[str]] = field(
        default_factory=dict
    )  # article -> citing chunks
    older: dict[str, str] = field(default_factory=dict)  # doc -> year of an older version
    bridge: Bridge | None = None  # the dictionary bridge's indexes, when RAG_DICTIONARY is set
    titles: list[tuple[set[str], str]] = field(
        default_factory=list
    )  # (English title words, Chinese title)
    wording: dict[str, str] = field(
        default_factory=dict
    )  # chunk -> its text as copies of one article are compared (`companions`)
    neighbours: TermNeighbours | None = (
        None  # the Chinese vocabulary, embedded (rag.retrieval.neighbours)
    )
    with_articles: set[str] = field(
        default_factory=set
    )  # documents whose passages carry article numbers
    subjects: dict[int, bool] = field(
        default_factory=dict
    )  # rag.knowledge.SUBJECTS row -> mentioned
    columns: dict[str, np.ndarray] = field(
        default_factory=dict
    )  # filter key -> its value for every passage, in `bm25.ids` order
    by_doc: dict[str, list[str]] = field(default_factory=dict)  # doc -> chunks, reading order
    second: PassageVectors | None = None  # the second dense leg's vectors (rag.retrieval.second)
    # an article -> the article standing for all its versions (`rag.retrieval.versions`)
    versions: dict[tuple[str, int], tuple[str, int]] = field(default_factory=dict)
    _masks: dict[tuple, np.ndarray] = field(default_factory=dict, repr=False)
    _joined: list[str] = field(default_factory=list, repr=False)

    @property
    def documents(self) -> int:
        return len(self.by_doc)

    def all_text(self) -> str:
        """Every passage's text in one string, for a pattern that asks whether any passage
        holds it: one search in C instead of one per passage."""
        if not self._joined:
            saved = getattr(self.records, "joined", None)  # a loaded index has it joined
            self._joined.append(
                saved if saved is not None else SEPARATOR.join(t for t, _ in self.records.values())
            )
        return self._joined[0]


def _other_title(meta: dict) -> str:
    """A passage's document title in the language the passage is not in."""
    if meta.get("language") == "zh":
        title = meta.get("title", "")
        return "" if is_chinese(title) else title
    return meta.get("title_zh", "")


def build_index(
    ids: list[str],
    texts: list[str],
    metas: list[dict],
    dictionary: Dictionary | None = None,
    embed_terms: Callable[[list[str]], np.ndarray] | None = None,
    neighbours: int = 0,
    term_cache: Path | None = None,
    previous: Index | None = None,
) -> Index:
    """The index of these records. `previous`, an index built with the same settings, lends
    the tokens and term vectors of what is unchanged, so only new passages are tokenised."""
    index = Index(records={cid: (t, m) for cid, t, m in zip(ids, texts, metas, strict=True)})
    index.passages = {cid: PassageMeta.from_record(m) for cid, m in zip(ids, metas, strict=True)}
    index.wording = {cid: wording(text) for cid, text in zip(ids, texts, strict=True)}
    for cid, meta in zip(ids, metas, strict=True):
        index.by_doc.setdefault(meta["doc_id"], []).append(cid)
    # The section a passage sits in ("个人信息跨境提供的规则", "Security measures") names its
    # topic in words the article itself may not use: searched with it, not counted as its own.
    # The document's title in the other language is context too: a Chinese question naming
    # 阿里巴巴 finds the English fact sheet titled 平台经济领域反垄断执法（阿里巴巴…）.
    sections = [
        f"{section_title(meta.get('heading_path', ''))} {_other_title(meta)}".strip()
        for meta in metas
    ]
    previous_bridge = previous.bridge if previous else None
    lexical = Rows(tokenize, previous.bm25 if previous else None)
    sides: dict[str, tuple[Rows, list[str]]] = {}
    if dictionary is not None:
        sides["zh"] = (
            Rows(
                partial(_glossed, dictionary), previous_bridge.glosses if previous_bridge else None
            ),
            [],
        )
        sides["en"] = (
            Rows(_english_tokens, previous_bridge.english if previous_bridge else None),
            [],
        )
    # Passages no earlier build lends tokens for are analysed in bulk, on every core when
    # there are many (about 7 s for the whole body of law on two cores, glosses included).
    new = [
        i
        for i, (text, meta, section) in enumerate(zip(texts, metas, sections, strict=True))
        if not lexical.reuses(text, section)
        or (meta.get("language") in sides and not sides[meta["language"]][0].reuses(text, section))
    ]
    jobs = [(texts[i], sections[i], metas[i].get("language", "")) for i in new]
    analysed = dict(zip(new, _analyse_all(jobs, dictionary), strict=True))
    for i, (cid, text, meta, section) in enumerate(zip(ids, texts, metas, sections, strict=True)):
        tokens = analysed.get(i)
        lexical.add(text, section, tokens[:2] if tokens else None)
        side = sides.get(meta.get("language", ""))
        if side is not None:
            side[0].add(text, section, tokens[2:] if tokens else None)
            side[1].append(cid)
    terms = (
        TermNeighbours.start(
            list(lexical.words),  # the vocabulary of the BM25 index built next
            embed_terms,
            neighbours,
            term_cache,
            previous.neighbours if previous else None,
        )
        if embed_terms is not None and neighbours > 0
        else None
    )
    index.bm25 = lexical.build(ids)
    if dictionary is not None:
        index.bridge = Bridge(
            dictionary=dictionary,
            glosses=sides["zh"][0].build(sides["zh"][1]),
            english=sides["en"][0].build(sides["en"][1]),
        )
    index.columns = {
        key: np.array([meta.get(key) for meta in metas], dtype=object) for key in FILTER_KEYS
    }
    if terms is not None:
        index.neighbours = terms()
    index.aliases = aliases(metas)
    index.parties = frozenset(_parties(metas))
    for meta in metas:
        if meta.get("title_zh"):
            index.spelled.setdefault(meta["doc_id"], short_zh_title(meta["title_zh"]))
    for cid, text, meta in zip(ids, texts, metas, strict=True):
        if meta.get("article", -1) >= 0:
            index.by_article.setdefault((meta["doc_id"], meta["article"]), []).append(cid)
            index.with_articles.add(meta["doc_id"])
        for number in same_law_refs(text):
            index.cited_by.setdefault((meta["doc_id"], number), []).append(cid)
    docs = {m["doc_id"]: m for m in metas}
    index.titles = [
        (title_words(m.get("title", "")), m.get("title_zh") or m.get("title", ""))
        for m in docs.values()
    ]
    groups: dict[str, list[dict]] = defaultdict(list)
    for meta in docs.values():
        if meta.get("short_name") and meta.get("doc_type") != "commentary":
            groups[meta["short_name"]].append(meta)
    for metas_of_law in groups.values():
        for a in metas_of_law:
            for b in metas_of_law:
                if a is b:
                    continue
                same_version = a.get("promulgated") == b.get("promulgated")
                if same_version and a.get("language") != b.get("language"):
                    index.partners.setdefault(a["doc_id"], []).append(b["doc_id"])
                newer = (b.get("promulgated") or "") > (a.get("promulgated") or "")
                if (
                    newer
                    and a.get("language") == b.get("language")
                    and a.get("doc_type") == b.get("doc_type")
                ):
                    index.older[a["doc_id"]] = (a.get("promulgated") or "")[:4]
    index.versions = link_versions(index.by_article, index.passages, index.wording)
    return index


@dataclass(frozen=True)
class Literal:
    """A Chinese name, found where it is written: `in` and `replace` instead of a compiled
    pattern. Loading the saved index of the whole body of law unpickled (so compiled) 11,783
    patterns: about a second of every start."""

    text: str

    def search(self, string: str) -> bool:
        return self.text in string

    def sub(self, replacement: str, string: str) -> str:
        return string.replace(self.text, replacement)


def name_matcher(name: str) -> re.Pattern | Literal:
    """What finds a law's name in a question: a Chinese one as written, an English one as a
    whole word (`name_pattern`)."""
    return name_pattern(name) if name.isascii() else Literal(name)


def name_pattern(name: str, plural: bool = False) -> re.Pattern:
    """A name as a whole word: "PIPL" in capitals only, "Data Security Law" in any case, a
    Chinese name anywhere; with `plural`, an English name may end in -s or -es (tariffs)."""
    if not name.isascii():
        return re.compile(re.escape(name))
    ending = "(?:s|es)?" if plural else ""
    return re.compile(
        rf"(?<![A-Za-z]){re.escape(name)}{ending}(?![A-Za-z])", 0 if name.isupper() else re.I
    )


def aliases(metas: list[dict]) -> dict[str, tuple[re.Pattern | Literal, set[str]]]:
    """short name, English short title or Chinese short title -> (pattern, doc ids).

    The known names of a law ("Generative AI", 生成式人工智能) apply to every document whose
    short name or title is that law, whatever short name its front matter chose; the names a
    team gives a document in its front matter's `aliases` (个保法, "Didi case") name it too.
    """
    table: dict[str, tuple[re.Pattern | Literal, set[str]]] = {}
    for meta in metas:
        short = meta.get("short_name", "")
        names = {short}
        if meta.get("title_zh"):
            names.add(short_zh_title(meta["title_zh"]))
        titles = f"{meta.get('title', '')} {meta.get('title_zh', '')}"
        laws = {short} | {s for alias, s in KNOWN_SHORT_NAMES.items() if alias in titles}
        names |= {alias for alias, s in KNOWN_SHORT_NAMES.items() if s in laws}
        names |= {a.strip() for a in re.split(r"[;；]", meta.get("aliases") or "") if a.strip()}
        for name in names:
            if len(name) < 2 or name == "Glossary":
                continue
            if name not in table:
                table[name] = (name_matcher(name), set())
            table[name][1].add(meta["doc_id"])
    for name, docs in _title_tails(metas).items():
        table.setdefault(name, (name_matcher(name), docs))
    for name, docs in _parties(metas).items():
        table.setdefault(name, (name_matcher(name), docs))
    for name, (pattern, docs) in _year_names(metas).items():
        table.setdefault(name, (pattern, docs))
    for name, (_, docs) in list(table.items()):  # 十五五规划 names what “十五五”规划 names
        if (plain := unquoted(name)) != name and len(plain) >= 2:
            table.setdefault(plain, (name_matcher(plain), docs))
    # Longest first: a question naming 人脸识别技术应用安全管理办法 is about that document, not
    # every text whose alias is 人脸识别. (The names came from sets, so the order used to change
    # with Python's string hashing from one process to the next, and with it the answers.)
    return dict(sorted(table.items(), key=lambda item: (-len(item[0]), item[0])))


TAIL_CHARS = 5  # the shortest end of a Chinese title that names its document


def _title_tails(metas: list[dict]) -> dict[str, set[str]]:
    """The ends of Chinese titles that name one document: people drop an issuer or a scope
    (《关于平台经济领域的反垄断指南》, 标准合同办法 for 个人信息出境标准合同办法). An end counts
    when it has `TAIL_CHARS` characters or more and no other indexed title holds it."""
    docs_by_title: dict[str, set[str]] = defaultdict(set)
    for meta in metas:
        for title in re.split(r"[；;]", short_zh_title(meta.get("title_zh", ""))):
            if title.strip():
                docs_by_title[title.strip()].add(meta["doc_id"])
    # One string of every title, searched in C: comparing each end with each other title took
    # 0.7 s at every start for the 1,429 files of ../shared/chinese-law.
    joined = "\n".join(docs_by_title)
    tails: dict[str, set[str]] = {}
    own = 0  # where the current title starts in `joined`
    for title, docs in docs_by_title.items():
        for start in range(1, len(title) - TAIL_CHARS + 1):  # longest end first
            tail = title[start:]
            if _held_elsewhere(joined, tail, own, own + len(title)):
                break  # another title holds this end, so it holds every shorter one too
            tails[tail] = docs
        own += len(title) + 1
    return tails


# A party a Chinese title names: the company a decision is against (对滴滴全球股份有限公司…的决定)
# or the party a case is known by (阿里巴巴"二选一"案). People ask by the party's name
# (滴滴案中…, 美团因"二选一"被罚款多少), never by the decision's title.
_PARTY = re.compile(
    rf"对([{HAN}]{{2,8}}?)(?:全球|集团|控股|科技)*(?:股份)?有限公司"
    rf"|([{HAN}]{{2,8}})[\"“”「][^\"“”「」]{{1,10}}[\"“”」]案"
)


# The same in an English title: the first word of the party a penalty or decision is on
# ("CAC penalty on Didi Global (July 2022)" → Didi): "How much was Didi fined?"
_PARTY_EN = re.compile(
    r"\b(?:[Pp]enalty|[Ff]ine|[Dd]ecision|[Rr]uling) (?:on|against) (?:the )?([A-Z][A-Za-z]{2,})"
)


def _parties(metas: list[dict]) -> dict[str, set[str]]:
    """Parties named in titles, each naming the documents whose titles name it."""
    found: dict[str, set[str]] = defaultdict(set)
    for meta in metas:
        for match in _PARTY.finditer(meta.get("title_zh", "")):
            found[match.group(1) or match.group(2)].add(meta["doc_id"])
        for match in _PARTY_EN.finditer(meta.get("title", "")):
            found[match.group(1)].add(meta["doc_id"])
    return dict(found)


def _held_elsewhere(joined: str, part: str, start: int, end: int) -> bool:
    """Whether `part` occurs in `joined` outside [start, end)."""
    at = joined.find(part)
    while at != -1:
        if not start <= at < end:
            return True
        at = joined.find(part, at + 1)
    return False


_INSTRUMENTS = ("Provisions", "Measures", "Regulations", "Guidelines", "Rules", "Opinions")
_TITLE_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")


def _year_names(metas: list[dict]) -> dict[str, tuple[re.Pattern, set[str]]]:
    """ "the 2024 provisions", "the 2024 cross-border provisions": a year and the kind of
    instrument name a document when its English title holds both and no other title does.
    (Not laws and plans: they have names, and "2025 … plan" is a target, not a title.)"""
    docs_by_name: dict[tuple[str, str], set[str]] = defaultdict(set)
    for meta in metas:
        title = meta.get("title", "")
        for kind in _INSTRUMENTS:
            if re.search(rf"\b{kind}\b", title):
                for year in _TITLE_YEAR.findall(title):
                    docs_by_name[(year, kind)].add(meta["doc_id"])
    titles = {m["doc_id"]: m.get("title", "") for m in metas}
    names = {}
    for (year, kind), docs in docs_by_name.items():
        if len({titles[d] for d in docs}) == 1:  # one text (in one or two languages)
            modifiers = r"(?:(?!the\b|a\b|of\b|for\b|by\b|in\b)[A-Za-z-]+\s+){0,2}"
            pattern = re.compile(rf"(?<![\w-]){year}\s+{modifiers}{kind}\b", re.I)
            names[f"{year} {kind}"] = (pattern, docs)
    return names


def title_words(text: str) -> set[str]:
    """The stems of the words that tell one law's English title from another's."""
    words = re.findall(r"[a-z]+", re.sub(r"['’]s\b", "", text.lower()))
    return {
        stem(w)
        for w in words
        if w not in GENERIC_TITLE_WORDS and stem(w) not in GENERIC_TITLE_WORDS
    }


# A five-year plan's number as names write it: 十四五, "十五五", 第十五个五年, "14th Five-Year", 14th FYP.
_PERIOD = re.compile(
    r"第十([一二三四五六七八九]?)个五年|十([一二三四五六七八九]?)五"
    r"|(?<!\d)(\d{1,2})(?:st|nd|rd|th)\s+(?:Five-Year|FYP)",
    re.I,
)
# What may stand between a period and the name it qualifies: quotes, then a few characters or
# words of a longer name ("“十三五”国家信息化规划", in which 信息化规划 is a name; "the 13th
# Five-Year informatization plan").
# ("十三五期间数字经济规划…", "十三五以来" speak of a time, not of a plan's name.)
_PERIOD_GAP = re.compile(
    rf"[\s\"“”‘’'「」]{{0,3}}(?:(?![{HAN}]*(?:期|以来|末))[{HAN}]{{0,4}}|(?:[A-Za-z]+\s+){{0,2}})"
)


def _periods(text: str) -> set[int]:
    """The numbers of the five-year plans `text` names: 十三五 → 13, "14th Five-Year" → 14."""
    found = set()
    for m in _PERIOD.finditer(text):
        if m.group(3):
            found.add(int(m.group(3)))
        else:
            digit = m.group(1) if m.group(1) is not None else m.group(2)
            found.add(11 + "一二三四五六七八九".index(digit) if digit else 10)
    return found


def _other_period(
    index: Index, text: str, name: str, pattern: re.Pattern | Literal, docs: set[str]
) -> str:
    """`text`'s period and name ("“十三五”国家信息化规划") when it names the plan `name` names
    with another plan's period than the documents' (their names say it): such a name names no
    indexed document. It used to be answered with the 14th plan's issuer."""
    found = pattern.search(text)
    if not found:
        return ""
    start = found.start() if isinstance(found, re.Match) else text.find(name)
    end = found.end() if isinstance(found, re.Match) else start + len(name)
    qualifier = None
    # The nearest period before the name, or one the name starts inside (a title's tail,
    # 五”国家信息化规划, is a name too).
    for m in _PERIOD.finditer(text, max(0, start - 24), end):
        if m.start() < start and (m.end() >= start or _PERIOD_GAP.fullmatch(text, m.end(), start)):
            qualifier = m
    if qualifier is None:
        return ""
    own = _periods(name).union(
        *(_periods(other) for other, (_, d) in index.aliases.items() if d & docs)
    )
    if not own or _periods(qualifier.group(0)) & own:
        return ""
    begin = qualifier.start()
    if begin > 0 and text[begin - 1] in "“\"‘'「":  # the quote the period opens with
        begin -= 1
    return text[begin:end]


# Quotation marks at Chinese characters, which names take or leave out at will: “十四五”规划,
# "十四五"规划 and 十四五规划 are one name.
_QUOTES_AT_HAN = re.compile(rf"[\"“”「」『』](?=[{HAN}])|(?<=[{HAN}])[\"“”「」『』]")


def unquoted(text: str) -> str:
    """`text` without the quotation marks next to its Chinese characters."""
    return _QUOTES_AT_HAN.sub("", text)


def names_in(index: Index, query: str) -> tuple[str, str, list[set[str]]]:
    """The laws a question names: (question without the names, question with each name
    spelled out for the embedder — "PIPL" means nothing to it —, doc ids of each name). A
    name is found with or without quotation marks (“十四五”规划 is 十四五规划); one qualified
    by another plan's period ("“十三五”国家信息化规划") is not a name of the indexed plan. A
    party's name stays in the question: it names a decision, and it is also what the question
    is about in a document on several parties (美团因“二选一”被罚款多少 asks of Meituan's fine,
    not Alibaba's)."""
    topic = spelled = unquoted(query)
    matched: list[set[str]] = []
    for name, (pattern, docs) in index.aliases.items():
        if pattern.search(topic) and not _other_period(index, topic, name, pattern, docs):
            matched.append(docs)
            if name not in index.parties:
                topic = pattern.sub(" ", topic)
            full = next((index.spelled[d] for d in sorted(docs) if d in index.spelled), None)
            if full and full not in spelled:
                spelled = pattern.sub(full, spelled)
    return topic, spelled, matched


_ARTICLE_LABEL = re.compile(rf"^\s*(?:第[{NUMERAL_CHARS}\d]+条|\**Article \d+\**)")


def wording(text: str) -> str:
    """What two versions of an article share when an amendment left it unchanged: the text
    without its number, whitespace or the width of its punctuation."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _ARTICLE_LABEL.sub("", text)))


def _english_tokens(text: str) -> list[str]:
    return tokenize(english_terms(text))


def _glossed(dictionary: Dictionary, text: str) -> list[str]:
    return tokenize(dictionary.gloss(text))


PARALLEL_FROM = 2000  # passages to analyse before it pays to start worker processes
_Tokens = tuple[list[str], list[str], list[str], list[str]]
_dictionary: Dictionary | None = None  # what forked workers analyse with


def _analyse(job: tuple[str, str, str]) -> _Tokens:
    """A passage's tokens and its context's, then the same in its language's bridge side
    (glossed for Chinese, stemmed for English; empty without a dictionary). The gloss right
    after the tokens: it segments the same runs, found in jieba's cache."""
    text, section, language = job
    own, ctx = tokenize(text), tokenize(section)
    if _dictionary is None or language not in ("zh", "en"):
        return own, ctx, [], []
    if language == "zh":
        return own, ctx, _glossed(_dictionary, text), _glossed(_dictionary, section)
    return own, ctx, _english_tokens(text), _english_tokens(section)


def _work(jobs: list[tuple[str, str, str]]) -> list[str]:
    # Tokens cross the process boundary as one string each: pickling millions of small
    # strings would cost more than the work.
    return ["\x1e".join("\x1f".join(part) for part in _analyse(job)) for job in jobs]


def _analyse_all(jobs: list[tuple[str, str, str]], dictionary: Dictionary | None) -> list[_Tokens]:
    global _dictionary
    _dictionary = dictionary
    workers = min(os.cpu_count() or 1, 4)
    if len(jobs) < PARALLEL_FROM or workers < 2 or not forking.safe():
        return [_analyse(job) for job in jobs]
    tokenize("预热")  # jieba's dictionary loads once, here, and the workers inherit it
    size = max(200, len(jobs) // (workers * 8))
    batches = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    try:
        with mp.get_context("fork").Pool(workers) as pool:
            joined = [row for rows in pool.map(_work, batches) for row in rows]
    except (OSError, mp.ProcessError) as exc:  # no processes to be had: do it here
        log.warning("analysing passages in this process only: %s", exc)
        return [_analyse(job) for job in jobs]
    result: list[_Tokens] = []
    for row in joined:
        a, b, c, d = (part.split("\x1f") if part else [] for part in row.split("\x1e"))
        result.append((a, b, c, d))
    return result


def allow_chinese(index: Index, filters: dict[str, Any] | None) -> np.ndarray:
    """The Chinese passages within `filters`, as a mask over `index.bm25.ids` (none when the
    filters ask for another language)."""
    chinese = _mask(index, {**(filters or {}), "language": "zh"})
    if filters and "language" in filters:
        return chinese & _mask(index, filters)
    return chinese


def allow(
    index: Index, filters: dict[str, Any] | None, bm25: BM25Index | None = None
) -> np.ndarray | None:
    """The passages within `filters`, as a mask over the ids of `bm25` (the main index
    unless given); None when there is no filter."""
    if not filters:
        return None
    mask = _mask(index, filters)
    if bm25 is None or bm25 is index.bm25:
        return mask
    return mask[[index.bm25.position[cid] for cid in bm25.ids]]


MASKS_KEPT = 256  # filter masks remembered (most questions repeat a few filters)


def _mask(index: Index, filters: dict[str, Any]) -> np.ndarray:
    key = tuple(
        sorted(
            (k, tuple(sorted(map(str, v))) if isinstance(v, (list, tuple, set)) else (str(v),))
            for k, v in filters.items()
        )
    )
    mask = index._masks.get(key)
    if mask is None:
        mask = np.ones(len(index.bm25), dtype=bool)
        for name, value in filters.items():
            allowed = list(value) if isinstance(value, (list, tuple, set)) else [value]
            column = index.columns.get(name)
            if column is None:
                column = np.array([index.records[c][1].get(name) for c in index.bm25.ids], object)
            mask &= np.logical_or.reduce(
                [column == a for a in allowed] or [np.zeros(len(mask), bool)]
            )
        if len(index._masks) >= MASKS_KEPT:
            index._masks.clear()
        index._masks[key] = mask
    return mask
