"""Which articles of two versions of one law are the same article, amended or not.

An amendment renumbers articles (2016 CSL Art. 47 is 2025 CSL Art. 49) and rewrites some of
them in part (a fine raised, a body renamed). An article of one version and an article of
another are linked when each is the other's most alike among the articles numbered at most
`VERSION_SPAN` away, and at least `VERSION_LIKENESS` alike by their characters; an article
that repeats another word for word is linked by its wording wherever it moved. Versions are
documents of one short name, language and kind of text with different promulgation dates;
a summary or commentary has none. Built with the index, for `rag.retrieval.companions`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence

from ..types import PassageMeta

VERSION_SPAN = 5  # an amendment moves an article this many numbers at most
VERSION_LIKENESS = 0.6  # Dice similarity of character pairs, at least
OWN_TEXTS = ("summary", "commentary")  # a text about a law is not a version of it

Article = tuple[str, int]  # (doc_id, article number)


def pairs(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1))


def likeness(a: frozenset[str], b: frozenset[str]) -> float:
    """Dice similarity of two sets of character pairs (1.0: the same pairs)."""
    return 2 * len(a & b) / (len(a) + len(b)) if a or b else 1.0


def link(
    by_article: Mapping[Article, Sequence[str]],
    passages: Mapping[str, PassageMeta],
    wording: Mapping[str, str],
) -> dict[Article, Article]:
    """Each linked article -> the article standing for all its versions (the newest's)."""
    families: dict[tuple[str, str, str], dict[str, list[int]]] = defaultdict(dict)
    dates: dict[str, str] = {}
    for (doc, number), cids in by_article.items():
        meta = passages[cids[0]]
        if not meta.short_name or meta.doc_type in OWN_TEXTS:
            continue
        family = families[(meta.short_name, meta.language, meta.doc_type)]
        family.setdefault(doc, []).append(number)
        dates[doc] = meta.promulgated
    parent: dict[Article, Article] = {}

    def root(a: Article) -> Article:
        while parent.get(a, a) != a:
            a = parent[a]
        return a

    def join(a: Article, b: Article) -> None:
        ra, rb = root(a), root(b)
        if ra != rb:
            # the newer version's article stands for the others
            newer = ra if dates[ra[0]] >= dates[rb[0]] else rb
            parent[ra if newer == rb else rb] = newer
            parent.setdefault(newer, newer)

    for docs in families.values():
        if len({dates[d] for d in docs}) < 2:
            continue
        # each article's words (its chunks' wording), and their character pairs
        text = {
            (d, n): "".join(wording[c] for c in by_article[(d, n)])
            for d, numbers in docs.items()
            for n in numbers
        }
        grams = {a: pairs(words) for a, words in text.items()}
        ordered = sorted(docs, key=lambda d: dates[d])
        for i, older in enumerate(ordered):
            for newer in ordered[i + 1 :]:
                if dates[older] == dates[newer]:
                    continue
                for a, b in _matched(older, newer, docs, grams, text):
                    join(a, b)
    return {a: root(a) for a in parent}


def _matched(
    older: str,
    newer: str,
    docs: Mapping[str, list[int]],
    grams: Mapping[Article, frozenset[str]],
    text: Mapping[Article, str],
) -> list[tuple[Article, Article]]:
    """The articles of `older` and `newer` that are each other's best match, or the same
    words wherever they moved."""
    new_numbers = set(docs[newer])
    same = {text[(newer, n)]: n for n in docs[newer]}

    def best(doc: str, number: int, other: str, numbers: set[int]) -> tuple[int | None, float]:
        found, score = None, 0.0
        for m in range(number - VERSION_SPAN, number + VERSION_SPAN + 1):
            if m in numbers:
                s = likeness(grams[(doc, number)], grams[(other, m)])
                if s > score:
                    found, score = m, s
        return found, score

    old_numbers = set(docs[older])
    linked = []
    for n in docs[older]:
        moved = same.get(text[(older, n)])
        if moved is not None:
            linked.append(((older, n), (newer, moved)))
            continue
        m, score = best(older, n, newer, new_numbers)
        if m is None or score < VERSION_LIKENESS:
            continue
        back, _ = best(newer, m, older, old_numbers)
        if back == n:
            linked.append(((older, n), (newer, m)))
    return linked
