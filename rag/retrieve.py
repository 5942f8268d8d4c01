"""Question → ranked hits: dense + BM25 fused by reciprocal rank, then legal-text rules.

- Named documents: a question naming a law ("PIPL", "Data Security Law", "数据安全法") adds
  a search restricted to that law, so its articles compete even when another law's wording
  is closer.
- Glossary: English terms in the question bring their official Chinese terms into the
  lexical search, and the other way round (`RAG_GLOSSARY`); a Chinese lay term also brings
  the Chinese terms its English rendering contains (大数据杀熟 → 不合理的差别待遇).
- Versions: of two versions of one law in one language, the older ranks below the newer
  unless the question names the older one's year; a text marked amended/repealed does too.
- Near-duplicates (the same article kept unchanged in two versions, renumbered or not) are
  quoted once.
- Parallel texts: the same article of the same version in the other language comes with
  its hit, the controlling Chinese text first, so an English reader gets the official
  Chinese and a Chinese reader the translation.
- Cross-references: "依照本法第四十条" / "Article 40 of this Law" brings Article 40, and every
  article of a list ("违反本条例第二十九条第二款、第三十条…") links the penalty to its duties.
- Dictionary bridge: an English question is also searched in the English glosses of the
  Chinese passages (`rag.bridge`, `RAG_DICTIONARY`).
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .bridge import Dictionary, english_terms
from .citations import section_title, short_zh_title
from .config import Settings
from .documents import KNOWN_SHORT_NAMES
from .embeddings import slug
from .errors import IndexNotBuilt, RagError
from .lexical import ARTICLE_REF, BM25Index, tokenize
from .neighbours import TermNeighbours
from .numerals import NUMERAL_CHARS, numbers_matched
from .rerank import rerank_hits
from .store import Store
from .types import Hit

log = logging.getLogger(__name__)
# Reciprocal-rank constant: 20 lets each leg's first ranks count (MRR@10 0.743 → 0.759 on the
# policy texts, 0.628 → 0.656 on the corpus set, against the textbook 60).
RRF_K = 20
# The leading candidates are weighted by the share of the question they hold: × (1 + 0.5 × share)
# (MRR@10 0.781 → 0.826 on the policy texts, 0.760 → 0.799 held-out, 0.660 → 0.695 corpus).
COVERAGE_DEPTH = 30
COVERAGE_WEIGHT = 0.5
FILTER_KEYS = ("doc_type", "short_name", "language", "status", "doc_id")
STATUS_WEIGHT = {"in_force": 1.0, "amended": 0.85, "superseded": 0.8, "repealed": 0.7}
NAMED_DOC_BOOST = 1.3
# A law's preamble (title, adopting body, dates: the passage before its first article) and its
# commencement article (本法自…起施行, with any transitional rule: also for a question naming a
# year or asking about the past) answer questions about when it was adopted or applies; for
# other questions they rank at half. The SPC facial-recognition
# rules' preamble (its title says 民事案件) and 第十六条 (本规定自…起施行) held two of the top
# five places for questions on lawyer's fees and bundled consent.
DATES_WEIGHT = 0.5
_ABOUT_ADOPTION = re.compile(r"\b(?:adopt|promulgat|issued|enact)|通过|公布|发布|颁布", re.I)
_ABOUT_TIME = re.compile(r"\bretroactiv|(?<!\d)(?:19|20)\d\d(?!\d)|溯及|施行前|施行以前", re.I)  # transitional rules
_OPENS_COMMENCEMENT = re.compile(
    r"\s*(?:第[^条\s]{1,8}条|\**Article \d+\**)?\s*(?:本(?:法|编|规定|办法|条例|措施|决定|解释)自[^。]{0,30}起施行"
    r"|Th(?:is|ese) (?:Law|Code|Provisions|Measures|Regulations?|Rules|Decision|Interpretation)s? shall (?:come into|take) "
    r"(?:force|effect))")
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
        numbers += [int(n) for n in re.findall(r"\d+", _EN_PARAGRAPHS.sub("", re.sub(r"\(\d+\)", "", m.group(1))))]
    return list(dict.fromkeys(numbers))


# What a question asks for, and where Chinese laws put it. Laws follow one drafting
# pattern: penalties sit in the 法律责任 chapter, definitions in a 用语含义 article, the
# effective date in the last article. (question pattern, where the answer is, boost)
EFFECTIVE = re.compile(r"come into (force|effect)|take effect|effective date|in force since|施行|生效", re.I)
_COMMENCEMENT = re.compile(r"起施行|come into (force|effect)|take effect")
DEFINITION = re.compile(r"\b(defin|meaning of|what (is|are|does) an? .* mean)|含义|是指|定义|什么是", re.I)
# Intents whose answer is one article of a law: where it is.
_ONE_ARTICLE = [
    (EFFECTIVE, _COMMENCEMENT),
    (DEFINITION, re.compile(r"下列用语的含义|用语含义|[Ff]or the purposes of this (?:Law|Regulation|Measures)")),
]
DEADLINE = re.compile(
    r"\bhow (long|soon|far in advance|many (working )?(days|hours|weeks|months|years))|\b(deadline|time limit)"
    r"|多久|多长时间|几天|多少天|多少小时|几个月|几年|多少年|提前几|多少个工作日|期限", re.I)
_PERIOD = re.compile(
    r"(?:(?:不得?少于|不得?超过|至少|提前)[一二三四五六七八九十百\d]+个?(?:工作日|日|天|小时|月|年))"
    r"|[一二三四五六七八九十百\d]+个?(?:工作日|日|天|小时|月|年)(?:内|以内|之内|前|以上|以下)"
    r"|\b(?:\d+|one|two|three|four|five|six|seven|ten|twelve|fifteen|twenty|thirty|forty-five|sixty|ninety)"
    r"\s+(?:working\s+)?(?:days?|hours?|weeks?|months?|years?)\b", re.I)
PENALTY = re.compile(r"\b(fines?|fined|penalt|sanction|punish|liab)|罚|处罚|法律责任|追究", re.I)
INTENTS = [
    (PENALTY,
     lambda text, heading: "法律责任" in heading or "Legal Liabilit" in heading or "罚则" in heading, 1.5),
    (DEFINITION,
     lambda text, heading: bool(re.search(r"是指|含义|下列用语|refers? to|means\b", text)), 1.3),
    (EFFECTIVE, lambda text, heading: bool(_COMMENCEMENT.search(text)), 1.5),
    (DEADLINE, lambda text, heading: bool(_PERIOD.search(text)), 1.5),
]
# The glossary serves query expansion; as an answer it only fits questions about terms.
TERM_QUESTION = re.compile(
    r"translat|\b(chinese|english) (term|word|name|for)\b|\b(chinese|english) \w+ (term|word|name|expression|equivalent)s?\b"
    r"|中文|英文|术语|译|怎么说", re.I)
GLOSSARY_WEIGHT = 0.3
PIVOT_MAX_SHARE = 0.05  # a synonym reached through English must have a word this rare or rarer
_ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
_GENERIC_TITLE_WORDS = set(
    "a an the of on and for in law laws act code regulation regulations prc china chinese people "
    "republic national state under".split()
)
_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")


@dataclass
class Index:
    """Everything derived from the store's records, rebuilt when the store changes."""

    records: dict[str, tuple[str, dict]] = field(default_factory=dict)
    bm25: BM25Index | None = None
    aliases: dict[str, tuple[re.Pattern, set[str]]] = field(default_factory=dict)
    spelled: dict[str, str] = field(default_factory=dict)  # doc -> name the embedder understands
    by_article: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    partners: dict[str, list[str]] = field(default_factory=dict)  # doc -> other-language twins
    cited_by: dict[tuple[str, int], list[str]] = field(default_factory=dict)  # article -> citing chunks
    older: dict[str, str] = field(default_factory=dict)  # doc -> year of an older version
    glosses: BM25Index | None = None  # English glosses of the Chinese passages (rag.bridge)
    english: BM25Index | None = None  # the English passages, stemmed as the glosses are
    titles: list[tuple[set[str], str]] = field(default_factory=list)  # (English title words, Chinese title)
    wording: dict[str, str] = field(default_factory=dict)  # chunk -> its text as `_collapse` compares it
    neighbours: TermNeighbours | None = None  # the Chinese vocabulary, embedded (rag.neighbours)
    with_articles: set[str] = field(default_factory=set)  # documents whose passages carry article numbers
    subjects: dict[int, bool] = field(default_factory=dict)  # rag.scope.SUBJECTS row -> mentioned

    @property
    def documents(self) -> int:
        return len({m["doc_id"] for _, m in self.records.values()})


def build_index(
    ids: list[str],
    texts: list[str],
    metas: list[dict],
    dictionary: Dictionary | None = None,
    embed_terms: Callable[[list[str]], np.ndarray] | None = None,
    neighbours: int = 0,
    term_cache: Path | None = None,
) -> Index:
    index = Index(records={cid: (t, m) for cid, t, m in zip(ids, texts, metas, strict=True)})
    index.wording = {cid: _wording(text) for cid, text in zip(ids, texts, strict=True)}
    # The section a passage sits in ("个人信息跨境提供的规则", "Security measures") names its
    # topic in words the article itself may not use: searched with it, not counted as its own.
    sections = [section_title(meta) for meta in metas]
    index.bm25 = BM25Index(ids, texts, context=sections)
    if embed_terms is not None and neighbours > 0:
        index.neighbours = TermNeighbours.build(index.bm25.postings, embed_terms, neighbours, term_cache)
    if dictionary is not None:
        chinese = [i for i, meta in enumerate(metas) if meta.get("language") == "zh"]
        index.glosses = BM25Index(
            [ids[i] for i in chinese], [dictionary.gloss(texts[i]) for i in chinese],
            context=[dictionary.gloss(sections[i]) for i in chinese],
        )
        english = [i for i, meta in enumerate(metas) if meta.get("language") == "en"]
        index.english = BM25Index(
            [ids[i] for i in english], [english_terms(texts[i]) for i in english],
            context=[english_terms(sections[i]) for i in english],
        )
    index.aliases = _aliases(metas)
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
        (title_words(m.get("title", "")), m.get("title_zh") or m.get("title", "")) for m in docs.values()
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
                if newer and a.get("language") == b.get("language") and a.get("doc_type") == b.get("doc_type"):
                    index.older[a["doc_id"]] = (a.get("promulgated") or "")[:4]
    return index


def name_pattern(name: str, plural: bool = False) -> re.Pattern:
    """A name as a whole word: "PIPL" in capitals only, "Data Security Law" in any case, a
    Chinese name anywhere; with `plural`, an English name may end in -s or -es (tariffs)."""
    if not name.isascii():
        return re.compile(re.escape(name))
    ending = "(?:s|es)?" if plural else ""
    return re.compile(rf"(?<![A-Za-z]){re.escape(name)}{ending}(?![A-Za-z])", 0 if name.isupper() else re.I)


def _aliases(metas: list[dict]) -> dict[str, tuple[re.Pattern, set[str]]]:
    """short name, English short title or Chinese short title -> (pattern, doc ids).

    The known names of a law ("Generative AI", 生成式人工智能) apply to every document whose
    short name or title is that law, whatever short name its front matter chose.
    """
    table: dict[str, tuple[re.Pattern, set[str]]] = {}
    for meta in metas:
        short = meta.get("short_name", "")
        names = {short}
        if meta.get("title_zh"):
            names.add(short_zh_title(meta["title_zh"]))
        titles = f"{meta.get('title', '')} {meta.get('title_zh', '')}"
        laws = {short} | {s for alias, s in KNOWN_SHORT_NAMES.items() if alias in titles}
        names |= {alias for alias, s in KNOWN_SHORT_NAMES.items() if s in laws}
        for name in names:
            if len(name) < 2 or name == "Glossary":
                continue
            if name not in table:
                table[name] = (name_pattern(name), set())
            table[name][1].add(meta["doc_id"])
    return table


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
            if len(english) >= 3 and chinese and re.search(r"[\u4e00-\u9fff]", chinese):
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
        found = [zh for pattern, en, zh in self._en for said in english
                 if en.casefold() != said.casefold() and zh not in query and pattern.search(said)]
        return list(dict.fromkeys(found))


class Retriever:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        embed_query: Callable[[str], np.ndarray],
        embed_terms: Callable[[list[str]], np.ndarray] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.embed_query = embed_query
        self.embed_terms = embed_terms
        self.index = Index()
        self._key: tuple[int, int] | None = None
        self._lock = threading.Lock()
        glossary_path = _glossary_path(settings.glossary)
        self.glossary = Glossary.load(glossary_path)
        self._glossary_file = str(glossary_path.resolve()) if glossary_path else ""
        self._dictionary: Dictionary | None = None

    def refresh(self) -> Index:
        if self.store.count() == 0:
            raise IndexNotBuilt(f"no passages in {self.store.name} under {self.settings.data_dir}")
        with self._lock:
            key = (self.store.version, self.store.count())
            if key != self._key:
                if self._dictionary is None and self.settings.dictionary:
                    self._dictionary = Dictionary.load(self.settings.dictionary, self.glossary.pairs)
                self.index = build_index(
                    *self.store.all_records(), dictionary=self._dictionary,
                    embed_terms=self.embed_terms, neighbours=self.settings.term_neighbours,
                    term_cache=self.settings.data_dir / "term-vectors" / f"{slug(self.settings.embedding_model)}.npz",
                )
                self._key = key
        return self.index

    def search(self, query: str, k: int, filters: dict[str, Any] | None) -> list[Hit]:
        index = self.refresh()
        pool = max(k * 5, 40)
        topic, spelled, matched = names_in(index, query)
        named = set().union(*matched)
        named_filters = {**(filters or {}), "doc_id": sorted(named)}
        expansion = " ".join([self.glossary.expand(topic), *self.synonyms(index, topic)]).strip()
        vector = self.embed_query(spelled)
        allow = _allow(index, filters)
        lexical_query = f"{query} {expansion}" if expansion else query
        rankings = [
            self.store.query(vector, pool, filters),
            index.bm25.search(lexical_query, pool, allow),
        ]
        weights = [1.0, 1.0]
        if expansion:  # the question with its terms in the other language, for the embedder too
            rankings.append(self.store.query(self.embed_query(f"{topic} {expansion}"), pool, filters))
            weights.append(1.0)
        bridged_english = index.glosses is not None and len(_ENGLISH_WORD.findall(topic)) >= 2
        english = english_terms(topic) if bridged_english else ""
        if index.glosses is not None:
            # An English question searched in the Chinese passages' English glosses; a Chinese
            # one, glossed, in the English passages.
            if bridged_english:
                bridge, words = index.glosses, english
            else:
                bridge, words = index.english, self._dictionary.gloss(topic)
            if words:
                rankings.append(bridge.search(words, pool, _allow(index, filters, bridge)))
                weights.append(1.0)
                if named:
                    rankings.append(bridge.search(words, pool, _allow(index, named_filters, bridge)))
                    weights.append(1.0)
        if index.neighbours is not None:
            # The corpus's Chinese words nearest the question's words (rag.neighbours), searched
            # in the Chinese passages: lay words and the other language meet the law's terms.
            near = index.neighbours.expand(topic)
            if near:
                rankings.append(index.bm25.search(near, pool, _allow_chinese(index, filters)))
                weights.append(1.0)
        if named:
            # Within the named law, what matters is the topic: the law's name would only
            # pull its most generic articles to the top.
            topic_vector = self.embed_query(topic) if topic.strip() else vector
            rankings.append(self.store.query(topic_vector, pool, named_filters))
            rankings.append(index.bm25.search(f"{topic} {expansion}", pool, _allow(index, named_filters)))
            weights += [1.0, 1.0]
        fused: dict[str, float] = defaultdict(float)
        for weight, ranking in zip(weights, rankings, strict=True):
            for rank, (cid, _) in enumerate(ranking):
                fused[cid] += weight / (RRF_K + rank + 1)
        if PENALTY.search(query):
            # The fine for breaking a duty is in the article that cites the duty's article.
            top = sorted(fused, key=lambda c: -fused[c])[:5]
            for cid in top:
                meta = index.records[cid][1]
                for citing in index.cited_by.get((meta["doc_id"], meta.get("article", -1)), [])[:2]:
                    if not filters or _matches(index.records[citing][1], filters):
                        fused[citing] = max(fused.get(citing, 0.0), fused[cid] * 0.9)
        years = set(m.group(0) for m in _YEAR.finditer(query))
        intents = [(where, boost) for pattern, where, boost in INTENTS if pattern.search(query)]
        places = [place for pattern, place in _ONE_ARTICLE if pattern.search(query)]
        if named and fused and places:
            # "When did the DSL take effect?" has no topic words to search with, and "define"
            # few: the named law's commencement or definitions article joins the candidates
            # (the intent boost ranks it).
            floor = sorted(fused.values(), reverse=True)[min(len(fused), 5) - 1]
            for cid, (text, meta) in index.records.items():
                if meta["doc_id"] in named and any(place.search(text) for place in places):
                    if not filters or _matches(meta, filters):
                        fused[cid] = max(fused.get(cid, 0.0), floor)
        about_terms = bool(TERM_QUESTION.search(query))
        about_adoption = bool(EFFECTIVE.search(query) or _ABOUT_ADOPTION.search(query))
        about_time = about_adoption or bool(_ABOUT_TIME.search(query))
        for cid in fused:
            text, meta = index.records[cid]
            preamble = meta.get("article", -1) < 0 and meta["doc_id"] in index.with_articles
            if (preamble and not about_adoption) or (not about_time and _OPENS_COMMENCEMENT.match(text)):
                fused[cid] *= DATES_WEIGHT
            fused[cid] *= STATUS_WEIGHT.get(meta.get("status", "in_force"), 1.0)
            if meta["doc_id"] in index.older and index.older[meta["doc_id"]] not in years:
                fused[cid] *= STATUS_WEIGHT["amended"]
            if meta["doc_id"] in named:
                fused[cid] *= NAMED_DOC_BOOST
            if meta.get("source_path") == self._glossary_file and not about_terms:
                fused[cid] *= GLOSSARY_WEIGHT
            for where, boost in intents:
                if where(index.records[cid][0], meta.get("heading_path", "")):
                    fused[cid] *= boost
        for number in numbers_matched(ARTICLE_REF, query):
            # "PIPL Article 38" means that article: it goes first, in every language.
            targets = named or {d for d, _ in index.by_article}
            for doc in targets:
                for cid in index.by_article.get((doc, number), [])[:1]:
                    if not filters or _matches(index.records[cid][1], filters):
                        fused[cid] = fused.get(cid, 0.0) + (1.0 if named else 0.02)
        # How much of the question each leading passage holds, in its own words or, for an
        # English question, through the English side of the bridge: RRF only sees ranks.
        terms = set(tokenize(f"{topic} {expansion}"))
        english_tokens = set(tokenize(english))
        for cid in sorted(fused, key=lambda c: -fused[c])[:COVERAGE_DEPTH]:
            fused[cid] *= 1 + COVERAGE_WEIGHT * self._coverage(index, cid, terms, english_tokens)
        dense = dict(rankings[0])
        lexical = dict(rankings[1])
        ordered = _collapse(index, sorted(fused, key=lambda c: -fused[c]))
        depth = max(k * 3, 20) if self.settings.reranker else k
        ordered = self._with_related(index, ordered, filters)[:depth]
        self._fill_dense(ordered, dense, vector)
        hits = []
        for rank, cid in enumerate(ordered, 1):
            text, meta = index.records[cid]
            if meta["doc_id"] in index.older and meta.get("status", "in_force") == "in_force":
                # Metadata says nothing, but a newer version of this law is indexed.
                meta = {**meta, "status": "amended"}
            hits.append(Hit(
                chunk_id=cid, doc_id=meta["doc_id"], text=text, score=fused.get(cid, 0.0),
                meta=meta, dense_score=dense.get(cid), lexical_score=lexical.get(cid), rank=rank,
            ))
        return rerank_hits(self.settings, query, hits, k)

    def synonyms(self, index: Index, topic: str) -> list[str]:
        """The glossary's other Chinese terms for the question's Chinese terms (`Glossary.pivot`),
        kept only when they can tell passages apart: "Anti-Monopoly Law" holds "law", whose
        法律 is in a third of the articles."""
        rare = len(index.bm25) * PIVOT_MAX_SHARE
        return [term for term in self.glossary.pivot(topic)
                if min((len(index.bm25.postings.get(w, ())) for w in tokenize(term)), default=0) <= rare]

    def evidence(self, query: str, hits: list[Hit]) -> float:
        """How well the corpus covers `query`: the score refusals are decided on.

        Similarity alone does not separate answerable from unanswerable questions with the
        packaged embedder (cross-language similarities are low), so the share of the
        question's terms (glossary-expanded, weighted by rarity) found in the top passages,
        and the share the corpus knows at all, count too; a law the question names counts
        as one known term. Weights fitted on the gold sets.
        """
        if not hits:
            return 0.0
        index = self.index
        topic, _, matched = names_in(index, query)
        named = len(matched)
        terms = set(tokenize(f"{topic} {self.glossary.expand(topic)}"))
        best = max(h.dense_score or 0.0 for h in hits)
        if not terms and not named:
            return best
        found = set().union(*(index.bm25.terms.get(hit.chunk_id, ()) for hit in hits[:3]))
        covered = index.bm25.share(terms, found) if terms else 1.0
        english = set(tokenize(english_terms(topic))) if index.glosses is not None else set()
        if len(english) >= 2:
            # Known in either language: the English passages or the glosses of the Chinese ones.
            words, knows = english, lambda t: t in index.glosses.postings or t in index.english.postings
        else:
            words, knows = terms, lambda t: t in index.bm25.postings
        known = (sum(1 for t in words if knows(t)) + named) / (len(words) + named)
        return best + 0.5 * covered + 0.6 * known

    @staticmethod
    def _coverage(index: Index, cid: str, terms: set[str], english: set[str]) -> float:
        covered = index.bm25.coverage(cid, terms)
        if english:
            side = index.glosses if cid in index.glosses.terms else index.english
            covered = max(covered, side.coverage(cid, english))
        return covered

    def _with_related(self, index: Index, ordered: list[str], filters) -> list[str]:
        """Insert the parallel-language twin and cross-referenced articles of the top 3 hits after
        them; a Chinese original goes before its translation (the Chinese text controls).

        Only the top 3: twins for every hit halved the distinct articles in the list
        (hit@10 0.85 with twins for the top 5, 0.89 for the top 3, same hit@5).
        """
        result: list[str] = []
        seen: set[str] = set()
        for position, cid in enumerate(ordered):
            if cid in seen:
                continue
            result.append(cid)
            seen.add(cid)
            if position >= 3:
                continue
            text, meta = index.records[cid]
            related: list[str] = []
            article = meta.get("article", -1)
            if article >= 0:
                for twin in index.partners.get(meta["doc_id"], []):
                    for other in index.by_article.get((twin, article), [])[:1]:
                        twin_meta = index.records[other][1]
                        original = twin_meta.get("language") == "zh" != meta.get("language")
                        if original and other not in seen and (not filters or _matches(twin_meta, filters)):
                            result.insert(len(result) - 1, other)
                            seen.add(other)
                        else:
                            related.append(other)
            for number in same_law_refs(text)[:2]:
                related.extend(index.by_article.get((meta["doc_id"], number), [])[:1])
            for other in related:
                if other not in seen and (not filters or _matches(index.records[other][1], filters)):
                    result.append(other)
                    seen.add(other)
        return result

    def _fill_dense(self, ids: list[str], scores: dict[str, float], vector: np.ndarray) -> None:
        """Cosine similarity for hits the dense leg did not return (used to judge relevance)."""
        missing = [cid for cid in ids if cid not in scores]
        if missing:
            got = self.store.collection.get(ids=missing, include=["embeddings"])
            for cid, emb in zip(got["ids"], got["embeddings"], strict=True):
                scores[cid] = float(np.asarray(emb) @ vector)


def title_words(text: str) -> set[str]:
    words = re.findall(r"[a-z]+", re.sub(r"['’]s\b", "", text.lower()))
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in words} - _GENERIC_TITLE_WORDS


def names_in(index: Index, query: str) -> tuple[str, str, list[set[str]]]:
    """The laws a question names: (question without the names, question with each name
    spelled out for the embedder — "PIPL" means nothing to it —, doc ids of each name)."""
    topic = spelled = query
    matched: list[set[str]] = []
    for pattern, docs in index.aliases.values():
        if pattern.search(topic):
            matched.append(docs)
            topic = pattern.sub(" ", topic)
            full = next((index.spelled[d] for d in sorted(docs) if d in index.spelled), None)
            if full and full not in spelled:
                spelled = pattern.sub(full, spelled)
    return topic, spelled, matched


def _glossary_path(setting: str) -> Path | None:
    """The glossary file; a relative path is tried from here, then from the project folder."""
    if not setting:
        return None
    path = Path(setting)
    if not path.is_absolute() and not path.exists():
        path = Path(__file__).resolve().parent.parent / setting
    if not path.is_file():
        log.warning("glossary %s not found: questions are not expanded across languages", setting)
        return None
    return path


_ARTICLE_LABEL = re.compile(rf"^\s*(?:第[{NUMERAL_CHARS}\d]+条|\**Article \d+\**)")


def _wording(text: str) -> str:
    """What two versions of an article share when an amendment left it unchanged: the text
    without its number, whitespace or the width of its punctuation."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", _ARTICLE_LABEL.sub("", text)))


def _collapse(index: Index, ordered: list[str]) -> list[str]:
    """Drop a chunk whose text repeats a higher-ranked one: an article an amendment left
    unchanged, even when it renumbered it (2016 CSL Art. 47 is 2025 CSL Art. 49) or changed
    only the width of its punctuation."""
    seen: set[str] = set()
    kept = []
    for cid in ordered:
        key = index.wording[cid]
        if key in seen:
            continue
        seen.add(key)
        kept.append(cid)
    return kept


def clean_filters(filters: dict[str, Any] | None) -> dict[str, Any] | None:
    if not filters:
        return None
    unknown = set(filters) - set(FILTER_KEYS)
    if unknown:
        raise RagError(f"unknown filter {sorted(unknown)}: expected one of {', '.join(FILTER_KEYS)}")
    cleaned = {k: v for k, v in filters.items() if v not in (None, "", [], ())}
    return cleaned or None


def _matches(meta: dict, filters: dict[str, Any]) -> bool:
    for key, value in filters.items():
        allowed = value if isinstance(value, (list, tuple, set)) else [value]
        if meta.get(key) not in allowed:
            return False
    return True


def _allow_chinese(index: Index, filters: dict[str, Any] | None):
    ids = index.bm25.ids

    def allowed(i: int) -> bool:
        meta = index.records[ids[i]][1]
        return meta.get("language") == "zh" and (not filters or _matches(meta, filters))

    return allowed


def _allow(index: Index, filters: dict[str, Any] | None, bm25: BM25Index | None = None):
    if not filters:
        return None
    ids = (bm25 or index.bm25).ids
    return lambda i: _matches(index.records[ids[i]][1], filters)
