"""Question → ranked hits: dense + BM25 fused by reciprocal rank, then legal-text rules.

- Named documents: a question naming a law ("PIPL", "Data Security Law", "数据安全法") adds
  a search restricted to that law, so its articles compete even when another law's wording
  is closer.
- Glossary: English terms in the question bring their official Chinese terms into the
  lexical search, and the other way round (`RAG_GLOSSARY`); a Chinese lay term also brings
  the Chinese terms its English rendering contains (大数据杀熟 → 不合理的差别待遇).
- Versions: of two versions of one law in one language, the older ranks below the newer
  unless the question names the older one's year; a text marked amended/repealed does too.
- One place an article (`rag.retrieval.companions`): its translation and its other versions
  (unchanged, renumbered or partly amended) ride with its hit instead of taking places of
  their own; the answer reads them beside it, the controlling Chinese text first, so an
  English reader gets the official Chinese and a Chinese reader the translation.
- Cross-references: "依照本法第四十条" / "Article 40 of this Law" brings Article 40, and every
  article of a list ("违反本条例第二十九条第二款、第三十条…") links the penalty to its duties.
- Dictionary bridge: an English question is also searched in the English glosses of the
  Chinese passages (`rag.retrieval.bridge`, `RAG_DICTIONARY`).
- Second dense leg: multilingual-e5-small over every passage (`rag.retrieval.second`,
  `RAG_SECOND_DENSE`), weighted by the question's and the passage's language
  (`rag.retrieval.fusion`).
- A second look: in a data dir `rag tune` fitted, the dense question moved toward its leading
  candidates searches again and everything is fused anew (`rag.retrieval.feedback`).
"""

from __future__ import annotations

import dataclasses
import logging
import re
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..config import Settings
from ..errors import IndexNotBuilt
from ..index import Embedder, Store, get_embedder, slug
from ..knowledge import intents
from ..text import is_chinese, tokenize
from ..types import Hit, Records, Written
from . import rules, saved
from .adapter import QueryAdapter, adapter_path
from .asked import AskedBefore, asked_path
from .bridge import Dictionary, english_terms
from .companions import group, originals_first, relation, with_related
from .dense import DenseSearch
from .feedback import feedback_vector, leading
from .filters import matches
from .fusion import LegWeights, fitted, fuse
from .glossary import Glossary, glossary_path
from .index import Index, allow, allow_chinese, build_index
from .learned import Reread
from .question import Question, read_question
from .rerank import rerank_hits
from .routing import favour_laws, laws_asked_about
from .second import PassageVectors, second_model

log = logging.getLogger(__name__)
_ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")


@dataclass(frozen=True)
class _Query:
    """A question as the legs and rules read it."""

    question: Question
    text: str
    topic: str  # the question without the names of the laws it names
    named: frozenset[str]  # doc ids of the laws it names
    expansion: str  # its glossary terms in the other language, and their synonyms
    bridged_english: bool  # searched in the Chinese passages' English glosses
    english: str  # its English words as the bridge spells them ("" unless bridged)
    vector: np.ndarray  # the question embedded, names spelled out
    dense_vector: np.ndarray  # what the dense leg searches with: `vector`, or it adapted
    filters: dict[str, Any] | None
    named_filters: dict[str, Any]  # the filters restricted to the named laws
    pool: int  # candidates each leg returns
    vectors: dict[str, np.ndarray] = dataclasses.field(default_factory=dict)  # read so far


class Retriever:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        embed_query: Callable[[str], np.ndarray],
        embed_texts: Callable[[list[str]], np.ndarray] | None = None,
        second: Embedder | None = None,
        weights: LegWeights | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.embed_query = embed_query
        self.embed_texts = embed_texts  # the embedder's documents side: terms and passages
        self.dense = DenseSearch(store, embed_texts)
        self.index = Index()
        self._key: tuple[int, str] | None = None  # the store's version and generation
        self._lock = threading.Lock()
        glossary_file = glossary_path(settings.glossary)
        self.glossary = Glossary.load(glossary_file)
        self._glossary_file = str(glossary_file.resolve()) if glossary_file else ""
        self._dictionary: Dictionary | None = None
        # The legs and rules switched off (`RAG_RULES_OFF`; `rag eval --ablate` sets it per run)
        self.off = rules.switched_off(settings.rules_off)
        # What `rag tune` learned for this data dir, reread when it changes
        self._asked = Reread(lambda: asked_path(self.settings), AskedBefore.load)
        self._adapter = Reread(lambda: adapter_path(self.settings), QueryAdapter.load)
        # The second dense leg's embedder (`RAG_SECOND_DENSE`), loaded on first use unless given
        self.second_model = second_model(settings.second_dense)
        self._second = second
        # the legs' weights by question and passage language, as fitted for this second leg
        self.weights = weights if weights is not None else fitted(settings.second_dense)

    @property
    def second(self) -> Embedder:
        """The second dense leg's embedder (an error when `RAG_SECOND_DENSE` is empty)."""
        if self._second is None:
            self._second = get_embedder(self.second_model)
        return self._second

    def asked_before(self) -> AskedBefore | None:
        """The questions `rag tune` kept for this data dir, when they were embedded by this
        index's embedder; None otherwise."""
        asked = self._asked.get()
        if asked is not None and asked.model != self.settings.embedding_model:
            return None
        return asked

    def query_adapter(self) -> QueryAdapter | None:
        """The map `rag tune` fitted on this data dir's dense leg, when it was fitted for this
        index's embedder and is switched on; None otherwise."""
        adapter = self._adapter.get() if self.on("adapter") else None
        if adapter is not None and adapter.model != self.settings.embedding_model:
            return None
        return adapter

    def on(self, unit: str) -> bool:
        """Whether the leg or rule named `unit` (one of `rules.UNITS`) takes part."""
        return unit not in self.off

    @property
    def loaded_generation(self) -> str | None:
        """The generation of the index in memory; None before the first load."""
        return None if self._key is None else self._key[1]

    def refresh(self, written: Written | None = None) -> Index:
        """The in-memory index of the store's current generation, built on first use and
        again only when an ingest has finished: while one runs (adding, editing or `--reset`)
        questions are answered from the index as it was, neither rebuilt at every batch nor
        from a half-written collection. `written` (a generation and every record of it, as
        an ingest that wrote the whole store wrote them) is built from instead of the store
        when it is of the current generation."""
        with self._lock:
            generation = self.store.generation()
            if self._key is not None and generation != self._key[1]:
                if not generation:  # an ingest --reset is under way: keep what we have
                    return self.index
                # Another process re-ingested: an edited law has as many passages as before,
                # so only the generation tells. The embedded store must be reopened to see it.
                self.store.reopen()
            key = (self.store.version, generation)
            if key != self._key:
                if self.store.count() == 0:
                    if self._key is not None:
                        return self.index
                    raise IndexNotBuilt(
                        f"no passages in {self.store.name} under {self.settings.data_dir}"
                    )
                records = written.records if written and written.generation == generation else None
                self.index = self._load_or_build(generation, records)
                self._key = key
        return self.index

    def _load_or_build(self, generation: str, records: Records | None = None) -> Index:
        """The saved index of this generation, else one built from `records` or the store's
        (with the tokens of an earlier build reused) and saved for the next process."""
        made_with = saved.recipe(
            self.settings.embedding_model,
            self.settings.dictionary,
            self.settings.term_neighbours,
            self._glossary_file,
            self.glossary.pairs,
            self.second_model,
        )
        root = self.settings.data_dir / "indexes" / self.store.name
        found = saved.load(
            root,
            generation,
            made_with,
            self._dictionary,
            self.embed_texts,
            self.settings.term_neighbours,
        )
        if found is not None:
            if found.bridge is not None:
                self._dictionary = found.bridge.dictionary  # as saved: no need to parse it
            return found
        if self._dictionary is None and self.settings.dictionary:
            self._dictionary = Dictionary.load(self.settings.dictionary, self.glossary.pairs)
        started = time.monotonic()
        previous = self.index if self.index.records else None
        if previous is None:
            previous = saved.latest(
                root,
                made_with,
                self._dictionary,
                self.embed_texts,
                self.settings.term_neighbours,
            )
        built = build_index(
            *(records or self.store.all_records()),
            dictionary=self._dictionary,
            embed_terms=self.embed_texts,
            neighbours=self.settings.term_neighbours,
            term_cache=self.settings.data_dir
            / "term-vectors"
            / f"{slug(self.settings.embedding_model)}.npz",
            previous=previous,
        )
        if self.second_model:
            # What the index in memory (else the latest saved folder) holds, and what a build
            # cut short had kept: only the passages none of them has are embedded.
            reuse = saved.latest_vectors(
                root, self.second_model, previous.second if previous is not None else None
            )
            ids = list(built.bm25.ids)
            built.second = PassageVectors.build(
                self.second_model,
                ids,
                [built.records[cid][0] for cid in ids],
                self.second.embed_documents,
                reuse,
                checkpoint=lambda so_far: saved.save_progress(so_far, root),
            )
        log.info(
            "built the index of %d passages in %.1f s", len(built.bm25), time.monotonic() - started
        )
        # Saved only if no ingest changed the store meanwhile: the folder's name vouches that
        # it holds exactly this generation.
        if generation and self.store.generation() == generation:
            saved.save(built, root, generation, made_with)
        return built

    def read(self, text: str) -> Question:
        """`text` read against the indexed laws: the one reading every later step uses."""
        index = self.refresh()
        question = read_question(index, text)
        topic = question.topic
        terms = [self.glossary.expand(topic)] if self.on("glossary") else []
        if self.on("synonyms"):
            terms.extend(self.synonyms(index, topic))
        expansion = " ".join(terms).strip()
        gloss = ""
        if index.bridge is not None and question.chinese:
            gloss = index.bridge.dictionary.gloss(topic)
        # found as `names_in` found them: by the alias's own pattern (an English name whole)
        named = [p for p in index.parties if index.aliases[p][0].search(topic)]
        parties = tuple(dict.fromkeys(named + self.glossary.expand(" ".join(named)).split()))
        return dataclasses.replace(question, expansion=expansion, gloss=gloss, parties=parties)

    def search(
        self,
        question: Question,
        k: int,
        filters: dict[str, Any] | None,
        trace: rules.Trace | None = None,
    ) -> list[Hit]:
        """The `k` best passages; `trace`, when given, records what moved each candidate."""
        index = self.refresh()
        q = self._read(index, question, k, filters)
        adapted = q.dense_vector is not q.vector
        if trace is not None:
            trace.expansion = q.expansion
            trace.adapted = ["dense"] if adapted else []
        rankings = self._legs(index, q)
        if trace is not None:
            for name, ranking in rankings:
                trace.leg(name, ranking)
        fused = self._fused(index, q, rankings, trace)
        if self.on("feedback") and self.on("dense") and self.asked_before() is not None:
            # The leading candidates' vectors as a second dense question
            # (rag.retrieval.feedback); only where `rag tune` has fitted this data dir.
            top = leading(fused)
            self.dense.vectors(index, top, q.vectors)
            moved = feedback_vector(q.dense_vector, [q.vectors[c] for c in top if c in q.vectors])
            if moved is not None:
                ranking = self.dense.nearest(index, moved, q.pool, q.filters)
                rankings.append(("feedback", ranking))
                if trace is not None:
                    trace.leg("feedback", ranking)
                    trace.restart()
                fused = self._fused(index, q, rankings, trace)
        ordered = sorted(fused, key=lambda c: -fused[c])
        riders: dict[str, list[str]] = {}
        if self.on("collapse"):
            kept, riders = group(index, ordered)
            if trace is not None:
                trace.listed("collapse", set(ordered) - set(kept))
            ordered = kept
        depth = max(k * 3, 20) if self.settings.reranker else k
        if self.on("related"):
            grouped = self.on("collapse")
            ordered, brought = with_related(index, ordered, filters, riders, grouped)
            if trace is not None:
                trace.listed("related", brought)
        if riders:
            ordered, riders = originals_first(index, ordered, riders)
        ordered = ordered[:depth]
        riding = [r for cid in ordered for r in riders.get(cid, [])]
        legs = dict(rankings)
        # A hit's similarity is to the question's own vector, as refusal was calibrated on:
        # the adapted leg's scores are not.
        dense = {} if adapted else dict(legs.get("dense", []))
        lexical = dict(legs.get("bm25", []))
        self.dense.similarities(index, ordered + riding, dense, q.vector, q.vectors)

        def hit(cid: str, rank: int, holder: str | None = None) -> Hit:
            passage = index.passages[cid]
            if passage.doc_id in index.older and passage.status == "in_force":
                # Metadata says nothing, but a newer version of this law is indexed.
                passage = dataclasses.replace(passage, status="amended")
            return Hit(
                chunk_id=cid,
                text=index.records[cid][0],
                score=fused.get(cid, 0.0),
                meta=passage,
                dense_score=dense.get(cid),
                lexical_score=lexical.get(cid),
                rank=rank,
                relation=relation(index.passages[holder], passage) if holder else "",
            )

        hits = []
        for rank, cid in enumerate(ordered, 1):
            found = hit(cid, rank)
            found.companions = [hit(r, rank, cid) for r in riders.get(cid, [])]
            if not found.score and found.companions:
                # a Chinese original holding its found translation's place: that one's score
                found.score = max(c.score for c in found.companions)
            hits.append(found)
        return rerank_hits(self.settings, question.text, hits, k)

    def _read(
        self, index: Index, question: Question, k: int, filters: dict[str, Any] | None
    ) -> _Query:
        """What every leg and rule needs besides the question's reading, worked out once."""
        topic, named, expansion = question.topic, question.named, question.expansion
        bridged_english = index.bridge is not None and len(_ENGLISH_WORD.findall(topic)) >= 2
        vector = self.embed_query(question.spelled)
        adapter = self.query_adapter() if self.on("dense") else None
        return _Query(
            question=question,
            text=question.text,
            topic=topic,
            named=named,
            expansion=expansion,
            bridged_english=bridged_english,
            english=english_terms(topic) if bridged_english else "",
            vector=vector,
            dense_vector=adapter.apply(vector) if adapter is not None else vector,
            filters=filters,
            named_filters={**(filters or {}), "doc_id": sorted(named)},
            pool=max(k * 5, 40),
        )

    def _legs(self, index: Index, q: _Query) -> list[tuple[str, list[tuple[str, float]]]]:
        """(name, ranking) of every leg that applies and is switched on; `fusion` weighs them."""
        pool, filters = q.pool, q.filters
        lexical_query = f"{q.text} {q.expansion}" if q.expansion else q.text
        legs = []
        dense: dict[str, tuple[np.ndarray, dict[str, Any] | None]] = {}  # vector, filters

        def nearest(name: str, vector: np.ndarray, within: dict[str, Any] | None) -> None:
            legs.append((name, self.dense.nearest(index, vector, pool, within)))
            dense[name] = (vector, within)  # checked against the other legs at the end

        if self.on("dense"):
            nearest("dense", q.dense_vector, filters)
        if self.on("bm25"):
            legs.append(("bm25", index.bm25.search(lexical_query, pool, allow(index, filters))))
        if index.second is not None and self.on("e5"):
            # The second embedder reads a Chinese question against Chinese articles better
            # than USE; its weight by language is the fusion's (`rag.retrieval.fusion`).
            vector = self.second.embed_query(q.question.spelled)
            legs.append(("e5", index.second.search(vector, pool, allow(index, filters))))
        if q.expansion and self.on("expanded-dense"):
            # the question with its terms in the other language, for the embedder too
            vector = self.embed_query(f"{q.topic} {q.expansion}")
            nearest("expanded-dense", vector, filters)
        if index.bridge is not None and self.on("bridge"):
            # An English question searched in the Chinese passages' English glosses; a Chinese
            # one, glossed, in the English passages.
            if q.bridged_english:
                side, words = index.bridge.glosses, q.english
            else:
                side, words = index.bridge.english, q.question.gloss
            if words:
                legs.append(("bridge", side.search(words, pool, allow(index, filters, side))))
                if q.named:
                    in_named = allow(index, q.named_filters, side)
                    legs.append(("bridge-named", side.search(words, pool, in_named)))
        if index.neighbours is not None and self.on("neighbours"):
            # The corpus's Chinese words nearest the question's words (rag.retrieval.neighbours), searched
            # in the Chinese passages: lay words and the other language meet the law's terms.
            near = index.neighbours.expand(q.topic)
            if near:
                chinese = allow_chinese(index, filters)
                legs.append(("neighbours", index.bm25.search(near, pool, chinese)))
        asked = self.asked_before() if self.on("asked-before") else None
        if asked is not None:
            # The articles that answered the most similar questions asked before (`rag tune`).
            legs.append(("asked-before", asked.search(index, q.vector, pool, filters)))
        if q.named and self.on("named-legs"):
            # Within the named law, what matters is the topic: the law's name would only
            # pull its most generic articles to the top.
            topic_vector = self.embed_query(q.topic) if q.topic.strip() else q.vector
            within = allow(index, q.named_filters)
            nearest("named-dense", topic_vector, q.named_filters)
            legs.append(("named-bm25", index.bm25.search(f"{q.topic} {q.expansion}", pool, within)))
        return self.dense.checked(index, legs, dense, pool, q.vectors)

    def _fused(
        self,
        index: Index,
        q: _Query,
        rankings: list[tuple[str, list[tuple[str, float]]]],
        trace: rules.Trace | None,
    ) -> dict[str, float]:
        """The legs' rankings fused by reciprocal rank, then the rules applied."""
        fused = fuse(
            rankings, q.question.language, lambda cid: index.passages[cid].language, self.weights
        )
        self._apply_rules(index, q, fused, trace)
        return fused

    def _apply_rules(
        self, index: Index, q: _Query, fused: dict[str, float], trace: rules.Trace | None
    ) -> None:
        """The legal-text rules that are switched on, in order, on the fused scores."""
        steps: list[tuple[str, Callable[[Index, _Query, dict[str, float]], None]]] = [
            ("penalty-citing", self._penalty_citing),
            ("one-article", self._one_article),
            ("dates-weight", self._dates_weight),
            ("status-weight", self._status_weight),
            ("older-version", self._older_version),
            ("glossary-weight", self._glossary_weight),
            ("intent-boost", self._intent_boost),
            ("article-number", self._article_number),
            ("law-routing", self._law_routing),
            ("coverage", self._coverage_boost),
        ]
        for name, step in steps:
            if not self.on(name):
                continue
            before = dict(fused) if trace is not None else {}
            step(index, q, fused)
            if trace is not None:
                trace.step(name, before, fused)

    @staticmethod
    def _penalty_citing(index: Index, q: _Query, fused: dict[str, float]) -> None:
        """The fine for breaking a duty is in the article that cites the duty's article."""
        if "penalty" not in q.question.asks:
            return
        for cid in leading(fused, 5):
            meta = index.records[cid][1]
            for citing in index.cited_by.get((meta["doc_id"], meta.get("article", -1)), [])[:2]:
                if not q.filters or matches(index.records[citing][1], q.filters):
                    fused[citing] = max(fused.get(citing, 0.0), fused[cid] * 0.9)

    @staticmethod
    def _one_article(index: Index, q: _Query, fused: dict[str, float]) -> None:
        """ "When did the DSL take effect?" has no topic words to search with, and "define"
        few: the named law's commencement or definitions article joins the candidates (the
        intent boost ranks it)."""
        places = [place for name, place in rules.ONE_ARTICLE if name in q.question.asks]
        if not (q.named and fused and places):
            return
        floor = sorted(fused.values(), reverse=True)[min(len(fused), 5) - 1]
        for cid in (c for doc in sorted(q.named) for c in index.by_doc.get(doc, ())):
            text, meta = index.records[cid]
            if any(place.search(text) for place in places):
                if not q.filters or matches(meta, q.filters):
                    fused[cid] = max(fused.get(cid, 0.0), floor)

    @staticmethod
    def _dates_weight(index: Index, q: _Query, fused: dict[str, float]) -> None:
        asks = q.question.asks
        about_adoption = bool({"effective", "adoption"} & asks)
        about_time = about_adoption or "time" in asks
        for cid in fused:
            text, meta = index.records[cid]
            preamble = meta.get("article", -1) < 0 and meta["doc_id"] in index.with_articles
            if (preamble and not about_adoption) or (
                not about_time and intents.OPENS_COMMENCEMENT.match(text)
            ):
                fused[cid] *= rules.DATES_WEIGHT

    @staticmethod
    def _status_weight(index: Index, q: _Query, fused: dict[str, float]) -> None:
        for cid in fused:
            fused[cid] *= rules.STATUS_WEIGHT.get(
                index.records[cid][1].get("status", "in_force"), 1.0
            )

    @staticmethod
    def _older_version(index: Index, q: _Query, fused: dict[str, float]) -> None:
        for cid in fused:
            doc = index.records[cid][1]["doc_id"]
            if doc in index.older and index.older[doc] not in q.question.years:
                fused[cid] *= rules.STATUS_WEIGHT["amended"]

    def _glossary_weight(self, index: Index, q: _Query, fused: dict[str, float]) -> None:
        if "terms" in q.question.asks:
            return
        for cid in fused:
            if index.records[cid][1].get("source_path") == self._glossary_file:
                fused[cid] *= rules.GLOSSARY_WEIGHT

    @staticmethod
    def _intent_boost(index: Index, q: _Query, fused: dict[str, float]) -> None:
        asked = [(where, boost) for name, where, boost in rules.INTENTS if name in q.question.asks]
        if not asked:
            return
        for cid in fused:
            text, meta = index.records[cid]
            for where, boost in asked:
                if where(text, meta.get("heading_path", "")):
                    fused[cid] *= boost

    @staticmethod
    def _article_number(index: Index, q: _Query, fused: dict[str, float]) -> None:
        for number in q.question.articles:
            # "PIPL Article 38" means that article: it goes first, in every language.
            targets = q.named or {d for d, _ in index.by_article}
            for doc in targets:
                for cid in index.by_article.get((doc, number), [])[:1]:
                    if not q.filters or matches(index.records[cid][1], q.filters):
                        fused[cid] = fused.get(cid, 0.0) + (1.0 if q.named else 0.02)

    def _law_routing(self, index: Index, q: _Query, fused: dict[str, float]) -> None:
        """The candidates in the laws that answered the most alike questions asked before
        raised (`rag.retrieval.routing`): a new subject is often in a law asked about."""
        asked = self.asked_before()
        if asked is not None:
            favour_laws(index, fused, laws_asked_about(index, asked, q.vector))

    def _coverage_boost(self, index: Index, q: _Query, fused: dict[str, float]) -> None:
        """How much of the question each leading passage holds, in its own words or, for an
        English question, through the English side of the bridge: RRF only sees ranks."""
        terms = set(tokenize(f"{q.topic} {q.expansion}"))
        english_tokens = set(tokenize(q.english))
        for cid in leading(fused, rules.COVERAGE_DEPTH):
            fused[cid] *= 1 + rules.COVERAGE_WEIGHT * self._coverage(
                index, cid, terms, english_tokens
            )

    def passages_of(
        self, doc_ids: Collection[str], filters: dict[str, Any] | None
    ) -> dict[str, list[Hit]]:
        """Every passage of each of `doc_ids` within `filters`, in reading order: where a fact
        from a document's metadata is quoted from."""
        index = self.index
        found: dict[str, list[Hit]] = {}
        for cid in (c for doc in sorted(set(doc_ids)) for c in index.by_doc.get(doc, ())):
            text, meta = index.records[cid]
            if not filters or matches(meta, filters):
                found.setdefault(meta["doc_id"], []).append(
                    Hit(chunk_id=cid, text=text, score=0.0, meta=index.passages[cid])
                )
        return found

    def synonyms(self, index: Index, topic: str) -> list[str]:
        """The glossary's other Chinese terms for the question's Chinese terms (`Glossary.pivot`),
        kept only when they can tell passages apart: "Anti-Monopoly Law" holds "law", whose
        法律 is in a third of the articles."""
        rare = len(index.bm25) * rules.PIVOT_MAX_SHARE
        return [
            term
            for term in self.glossary.pivot(topic)
            if min((index.bm25.df(w) for w in tokenize(term)), default=0) <= rare
        ]

    def evidence(self, question: Question, hits: list[Hit]) -> float:
        """How well the corpus covers `query`: the score refusals are decided on.

        Similarity alone does not separate answerable from unanswerable questions with the
        packaged embedder (cross-language similarities are low), so the share of the
        question's terms (glossary-expanded, weighted by rarity) found in the top passages,
        and the share the corpus knows at all, count too; a law the question names counts
        as one known term. Weights fitted on the gold sets. A place holds its hit's
        translation and other versions too (`Hit.companions`).
        """
        if not hits:
            return 0.0
        index = self.index
        topic, named = question.topic, len(question.mentions)
        terms = set(tokenize(f"{topic} {self.glossary.expand(topic)}"))
        best = max(h.dense_score or 0.0 for h in hits)
        if not terms and not named:
            return best
        leading = [text for hit in hits[:3] for text in (hit, *hit.companions)]
        found = set().union(*(index.bm25.terms_of(hit.chunk_id) for hit in leading))
        bridge = index.bridge
        senses: dict[str, tuple[str, ...]] = {}
        if bridge is not None and question.chinese:
            # A Chinese word whose dictionary English a leading English passage holds is found
            # there too (罚款 as "fine"). Counting such words as known to the corpus at all as
            # well answered 3 more of the scope set's 40 out-of-scope questions: not kept.
            english_found = set().union(*(bridge.english.terms_of(hit.chunk_id) for hit in leading))
            senses = {t: bridge.dictionary.english(t) for t in terms if is_chinese(t)}
            found |= {t for t, stems in senses.items() if english_found.intersection(stems)}
        covered = index.bm25.share(terms, found) if terms else 1.0
        english = set(tokenize(english_terms(topic))) if bridge is not None else set()
        if bridge is not None and len(english) >= 2:
            # Known in either language: the English passages or the glosses of the Chinese ones.
            words = english
            known_words = sum(
                1 for t in words if bridge.glosses.known(t) or bridge.english.known(t)
            )
        else:
            words = terms
            known_words = sum(1 for t in words if index.bm25.known(t))
        known = (known_words + named) / (len(words) + named)
        return best + 0.5 * covered + 0.6 * known

    @staticmethod
    def _coverage(index: Index, cid: str, terms: set[str], english: set[str]) -> float:
        covered = index.bm25.coverage(cid, terms)
        if english and index.bridge is not None:
            covered = max(covered, index.bridge.side(cid).coverage(cid, english))
        return covered
