"""The constants and intent rules of ranking: how the legs are fused and what moves a passage.

Each figure in a comment was measured with `rag eval` when the constant was chosen
(docs/experiments.md has the history).
"""

from __future__ import annotations

from ..knowledge import intents

# Reciprocal-rank constant: 20 lets each leg's first ranks count (MRR@10 0.743 → 0.759 on the
# policy texts, 0.628 → 0.656 on the corpus set, against the textbook 60).
RRF_K = 20
# The leading candidates are weighted by the share of the question they hold: × (1 + 0.5 × share)
# (MRR@10 0.781 → 0.826 on the policy texts, 0.760 → 0.799 held-out, 0.660 → 0.695 corpus).
COVERAGE_DEPTH = 30
COVERAGE_WEIGHT = 0.5
STATUS_WEIGHT = {"in_force": 1.0, "amended": 0.85, "superseded": 0.8, "repealed": 0.7}
NAMED_DOC_BOOST = 1.3
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
