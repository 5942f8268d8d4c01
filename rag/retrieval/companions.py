"""One place in the ranking per article: its translation and its other versions ride with it.

One article can be indexed several times: PIPL in Chinese and in its English translation,
article for article; the Cybersecurity Law as issued in 2016 and as amended in 2025, where an
amendment left an article as it was (even renumbered) or changed a few words of it. Ranked on
their own, the copies took two or three of the first five places from other articles. Now the
copy ranked first holds the place and the others ride with it (`Hit.companions`): the sources
and the API show them beside it, the answerer reads them, and the evaluation counts the place
once for all of them.

Which texts are one article's copies:
- the same wording, article number and punctuation width aside (`index.wording`): an article
  an amendment left alone, in another version or another copy of the law;
- the same article of the same version of the same kind of text in another language (a
  translation), by the documents' short name, promulgation date and type;
- the same article in another version of the law, amended in part and renumbered or not, as
  `rag.retrieval.versions` linked them when the index was built;
- and, through a copy already riding, that copy's own copies.
A summary or commentary of a law is another text, not a copy: it keeps its own place.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from ..types import Hit, PassageMeta
from .filters import matches
from .index import Index, same_law_refs, wording
from .versions import OWN_TEXTS

# The hits whose translations the answer reads even when search did not find them.
READ_TRANSLATIONS_OF = 3


def relation(holder: PassageMeta, other: PassageMeta) -> str:
    """What `other` is to `holder`'s article: "version" (of another year, in either language)
    or "translation" (the same version in another language)."""
    if other.promulgated != holder.promulgated or other.language == holder.language:
        return "version"
    return "translation"


def is_original(holder: PassageMeta, other: PassageMeta) -> bool:
    """Whether `other` is the Chinese original of `holder`, its translation: the text that
    controls, shown and read first."""
    return other.language == "zh" != holder.language and relation(holder, other) == "translation"


class Grouping:
    """Walks a ranking once and says, for each candidate, which earlier one it rides with."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.held: dict[tuple, str] = {}  # an article's identity -> the candidate holding it

    def holder(self, cid: str) -> str | None:
        """The held candidate `cid` is a copy of, or None (then `cid` holds its own place).
        Another chunk of the same article of one text keeps its own place."""
        meta = self.index.passages[cid]
        for key in self._keys(cid, meta):
            held = self.held.get(key)
            if held is not None and (key[0] == "wording" or self._doc(held) != meta.doc_id):
                return held
        return None

    def hold(self, cid: str, place: str | None = None) -> None:
        """`cid` holds a place (`place` None) or rides with `place`: either way, its later
        copies go to that place (the translation of a version rides with the article)."""
        for key in self._keys(cid, self.index.passages[cid]):
            self.held.setdefault(key, place or cid)

    def _doc(self, cid: str) -> str:
        return self.index.passages[cid].doc_id

    def _keys(self, cid: str, meta: PassageMeta) -> list[tuple]:
        """The identities of `cid`'s article: its wording, its number in its law's version and
        kind of text (shared by a translation), and the article standing for its versions."""
        keys: list[tuple] = [("wording", self.index.wording[cid])]
        if meta.article is None or not meta.short_name or meta.doc_type in OWN_TEXTS:
            return keys
        keys.append(("article", meta.short_name, meta.promulgated, meta.doc_type, meta.article))
        if (version := self.index.versions.get((meta.doc_id, meta.article))) is not None:
            keys.append(("version", *version))
        return keys


def group(index: Index, ordered: Sequence[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The ranking with one place an article, and each holder's riders in ranking order.

    A copy of a candidate of the same document (the same wording twice in one text) is dropped.
    """
    grouping = Grouping(index)
    kept: list[str] = []
    riders: dict[str, list[str]] = {}
    for cid in ordered:
        held = grouping.holder(cid)
        if held is None:
            kept.append(cid)
            grouping.hold(cid)
        elif index.passages[held].doc_id != index.passages[cid].doc_id:
            riders.setdefault(held, []).append(cid)
            grouping.hold(cid, held)
    return kept, riders


def originals_first(
    index: Index, kept: list[str], riders: dict[str, list[str]]
) -> tuple[list[str], dict[str, list[str]]]:
    """A place held by a translation goes to its Chinese original riding with it, the
    translation riding instead: the Chinese text controls, so it is the one shown first."""
    placed, riding = [], {}
    for cid in kept:
        others = riders.get(cid, [])
        original = next(
            (
                o
                for o in others
                if is_translation(index, cid, o)
                and is_original(index.passages[cid], index.passages[o])
            ),
            None,
        )
        if original is not None:
            others = [cid, *(o for o in others if o != original)]
            cid = original
        placed.append(cid)
        if others:
            riding[cid] = others
    return placed, riding


def is_translation(index: Index, holder: str, other: str) -> bool:
    """Whether `other` is the same article of the same version and kind of text as `holder`,
    in another language: a translation that rides with it rather than a related text."""
    a, b = index.passages[holder], index.passages[other]
    return a.doc_type == b.doc_type not in OWN_TEXTS and relation(a, b) == "translation"


def reading_order(hits: Sequence[Hit], translations_of: int = READ_TRANSLATIONS_OF) -> list[Hit]:
    """The hits as an answer reads them: each followed by its companions (a Chinese original
    before its translation: the Chinese text controls), each knowing the others of its
    article. Past the first `translations_of` hits, only companions search found are read:
    a translation added only for showing would crowd the evidence. A version whose wording
    is the hit's adds nothing to read."""
    out: list[Hit] = []
    for position, hit in enumerate(hits):
        group_ = [hit]
        for other in hit.companions:
            if position >= translations_of and other.score <= 0:
                continue
            if other.relation == "version" and wording(other.text) == wording(hit.text):
                continue
            if is_original(hit.meta, other.meta):
                group_.insert(group_.index(hit), other)
            else:
                group_.append(other)
        members = [hit, *hit.companions]
        for member in group_:
            others = [
                dataclasses.replace(m, relation=relation(member.meta, m.meta), companions=[])
                for m in members
                if m is not member
            ]
            out.append(dataclasses.replace(member, companions=others, rank=hit.rank))
    return out


def with_related(
    index: Index,
    ordered: list[str],
    filters: dict[str, Any] | None,
    riders: dict[str, list[str]],
    grouped: bool,
) -> tuple[list[str], set[str]]:
    """The `related` step: the texts in the other language and the articles the top 3 cite.

    A translation of a hit's article rides with it (added to `riders`, for every hit) when
    copies are `grouped` (`collapse` on); otherwise, and for a summary of the article, it is
    inserted after the hit, a Chinese original before its translation (the Chinese text
    controls). Only the top 3 get inserted texts: for every hit they halved the distinct
    articles in the list (hit@10 0.85 with them for the top 5, 0.89 for the top 3, same
    hit@5). Returns the list and what it brought: texts added, riding or moved up.
    """
    result: list[str] = []
    seen: set[str] = {r for cids in riders.values() for r in cids}
    brought: set[str] = set()
    for position, cid in enumerate(ordered):
        if cid in seen:
            continue
        result.append(cid)
        seen.add(cid)
        text, meta = index.records[cid]
        article = meta.get("article", -1)
        related: list[str] = []
        for twin in index.partners.get(meta["doc_id"], []) if article >= 0 else []:
            for other in index.by_article.get((twin, article), [])[:1]:
                twin_meta = index.records[other][1]
                if other in seen or (filters and not matches(twin_meta, filters)):
                    continue
                if grouped and is_translation(index, cid, other):
                    riders.setdefault(cid, []).append(other)
                    seen.add(other)
                    brought.add(other)
                elif position < 3:
                    if is_original(index.passages[cid], index.passages[other]):
                        result.insert(len(result) - 1, other)
                        seen.add(other)
                        brought.add(other)
                    else:
                        related.append(other)
        if position < 3:
            for number in same_law_refs(text)[:2]:
                related.extend(index.by_article.get((meta["doc_id"], number), [])[:1])
        for other in related:
            if other not in seen and (not filters or matches(index.records[other][1], filters)):
                result.append(other)
                seen.add(other)
                brought.add(other)
    return result, brought
