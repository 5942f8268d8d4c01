"""Data tables, apart from the code that uses them: law names and aliases, subjects of other
fields of law, foreign-law acronyms, and the patterns of what a question asks."""

from . import intents
from .laws import (
    FOREIGN_LAW_ACRONYMS,
    GENERIC_TITLE_WORDS,
    ISSUERS_ZH,
    KNOWN_SHORT_NAMES,
    NOT_A_LAW,
)
from .subjects import SUBJECTS

__all__ = [
    "FOREIGN_LAW_ACRONYMS",
    "GENERIC_TITLE_WORDS",
    "ISSUERS_ZH",
    "KNOWN_SHORT_NAMES",
    "NOT_A_LAW",
    "SUBJECTS",
    "intents",
]
