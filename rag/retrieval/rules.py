"""The constants and intent rules of ranking: how the legs are fused and what moves a passage.

Each figure in a comment was measured with `rag eval` when the constant was chosen
(docs/experiments.md has the history).
"""

from __future__ import annotations

from ..errors import ConfigError
from ..knowledge import intents

# Reciprocal-rank constant: 20 lets each leg's first ranks count (MRR@10 0.743 → 0.759 on the
# policy texts, 0.628 → 0.656 on the corpus set, against the textbook 60).
RRF_K = 20
# The leading candidates are weighted by the share of the question they hold: × (1 + 0.5 × share)
# (MRR@10 0.781 → 0.826 on the policy texts, 0.760 → 0.799 held-out, 0.660 → 0.695 corpus).
COVERAGE_DEPTH = 30
COVERAGE_WEIGHT = 0.5
STATUS_WEIGHT = {"in_force": 1.0, "amended": 0.85, "superseded": 0.8, "repealed": 0.7}
# A law's preamble (title, adopting body, dates: the passage before its first article) and its
# commencement article (本法自…起施行, with any transitional rule: also for a question naming a
# year or asking about the past) answer questions about when it was adopted or applies; for
# other questions they rank at half. The SPC facial-recognition
# rules' preamble (its title says 民事案件) and 第十六条 (本规定自…起施行) held two of the top
# five places for questions on lawyer's fees and bundled consent.
DATES_WEIGHT = 0.5
GLOSSARY_WEIGHT = 0.3  # the glossary as an answer, unless the question asks about terms
PIVOT_MAX_SHARE = 0.05  # a synonym reached through English must have a word this rare or rarer

# Intents whose answer is one article of a law: where it is.
ONE_ARTICLE = [
    ("effective", intents.COMMENCEMENT),
    ("definition", intents.DEFINITIONS_ARTICLE),
]
# (what the question asks, a name of `intents.ASKS`; where the answer is: (passage text, its
# heading) -> bool; boost)
INTENTS = [
    (
        "penalty",
        lambda text, heading: any(h in heading for h in intents.LIABILITY_HEADINGS),
        1.5,
    ),
    ("definition", lambda text, heading: bool(intents.DEFINES.search(text)), 1.3),
    ("effective", lambda text, heading: bool(intents.COMMENCEMENT.search(text)), 1.5),
    ("deadline", lambda text, heading: bool(intents.PERIOD.search(text)), 1.5),
]

# Every leg and rule of the ranking, by the name `RAG_RULES_OFF`, `rag search --explain` and
# `rag eval --ablate` know it by: (name, what it does). Legs add a ranking to the fusion; rules
# move fused scores; the last three shape the list after the fusion.
UNITS = (
    ("dense", "leg: the question's vector, nearest passages in the vector store"),
    ("adapter", "question: its vector mapped for the dense leg, learned from pairs (rag tune)"),
    ("bm25", "leg: BM25 over the passages, with the question's glossary terms"),
    ("glossary", "question: its glossary terms in the other language join the lexical query"),
    ("synonyms", "question: other Chinese terms the glossary gives for its Chinese terms"),
    (
        "e5",
        "leg: multilingual-e5-small's nearest passages (RAG_SECOND_DENSE), weighted by language",
    ),
    ("expanded-dense", "leg: the question with its glossary terms, embedded"),
    ("bridge", "leg: English questions in the Chinese passages' English glosses, and back"),
    ("neighbours", "leg: the corpus words nearest the question's words, searched by BM25"),
    ("named-legs", "leg: dense and BM25 within the laws the question names"),
    ("asked-before", "leg: the articles that answered the most alike questions asked (rag tune)"),
    (
        "feedback",
        "leg: the question's vector moved towards the leading candidates', searched (rag tune)",
    ),
    ("penalty-citing", "rule: for a penalty question, the article that cites a duty's article"),
    ("one-article", "rule: a named law's commencement or definitions article joins"),
    ("dates-weight", f"rule: preambles and commencement articles ×{DATES_WEIGHT} off-topic"),
    ("status-weight", "rule: amended, superseded or repealed texts weighed down"),
    ("older-version", "rule: the older of two versions of a law weighed down"),
    ("glossary-weight", f"rule: the glossary itself ×{GLOSSARY_WEIGHT} unless asked about"),
    ("intent-boost", "rule: the kind of article asked for (penalty, definition, …) boosted"),
    ("article-number", "rule: an article the question names by number goes first"),
    (
        "law-routing",
        "rule: the laws that answered the most alike questions asked before raised (rag tune)",
    ),
    ("coverage", f"rule: leading passages ×(1 + {COVERAGE_WEIGHT} × share of the question)"),
    ("collapse", "list: an article's translation and other versions ride with its hit"),
    ("related", "list: the hits' translations join them; the top 3's cross-references follow"),
)
NAMES = frozenset(name for name, _ in UNITS)


def switched_off(setting: str) -> frozenset[str]:
    """The names in `RAG_RULES_OFF` ("coverage,bridge"); an unknown name is an error, so that
    a typo does not pass for a measured ablation."""
    names = frozenset(n.strip() for n in setting.split(",") if n.strip())
    if unknown := sorted(names - NAMES):
        raise ConfigError(
            f"RAG_RULES_OFF names no rule: {', '.join(unknown)} (known: {', '.join(sorted(NAMES))})"
        )
    return names


class Trace:
    """What moved each candidate, recorded for `rag search --explain`: the legs that returned
    it (with its rank in each) and every rule that changed its score (before, after)."""

    def __init__(self) -> None:
        self.legs: dict[str, dict[str, int]] = {}
        self.moves: dict[str, list[tuple[str, float, float]]] = {}
        self.lists: dict[str, list[str]] = {}  # cid -> the list units that added or dropped it
        self.expansion = ""  # what the glossary and synonyms added to the question
        self.adapted: list[str] = []  # the legs that searched with the adapted vector

    def leg(self, name: str, ranking: list[tuple[str, float]]) -> None:
        for rank, (cid, _) in enumerate(ranking, 1):
            self.legs.setdefault(cid, {}).setdefault(name, rank)

    def step(self, name: str, before: dict[str, float], after: dict[str, float]) -> None:
        for cid, score in after.items():
            was = before.get(cid, 0.0)
            if abs(score - was) > 1e-12:
                self.moves.setdefault(cid, []).append((name, was, score))

    def restart(self) -> None:
        """The rules are about to run again over more legs (the `feedback` leg): their moves
        so far are forgotten, so each candidate shows the pass that ranked it."""
        self.moves.clear()

    def listed(self, unit: str, cids: set[str]) -> None:
        """`unit` (collapse, related) dropped or added these candidates."""
        for cid in cids:
            self.lists.setdefault(cid, []).append(unit)

    def of(self, cid: str) -> dict:
        """One candidate's trace, as `--explain` prints and `--json` writes it."""
        return {
            "legs": self.legs.get(cid, {}),
            "rules": [
                {"rule": name, "before": round(was, 5), "after": round(now, 5)}
                for name, was, now in self.moves.get(cid, [])
            ],
            "added_by": self.lists.get(cid, []),
            "expansion": self.expansion,
            "adapted": self.adapted,
        }
