"""Follow-up questions without a language model: when a question leans on the one before it,
and how to restate it as one readable question.

A question is a follow-up only when it shows it: it opens like one ("and…", "what about…",
"那…"), points back ("it", "this law", "该法"), or is a bare fragment with no question word
("the fines?", "罚款呢"). A question that names a law is never one, and a short but complete
new question ("What is personal information?") is left alone: gluing it to the previous one
searched for both and showed the user two questions run together.
"""

from __future__ import annotations

import re

from ..text import han_count, is_chinese

_CUE_EN = re.compile(
    r"^\s*(?:and\s+what\s+about|and\s+how\s+about|what\s+about|how\s+about|what\s+of|and|also|"
    r"but|so|then)\b[\s,]*",
    re.IGNORECASE,
)
# Words that point back at the previous question's law or subject.
_LAW_POINTER_EN = re.compile(
    r"\b(?:this|that|the same)\s+(?:law|regulation|rule|plan)\b|\bit\b", re.I
)
_POSSESSIVE_EN = re.compile(r"\bits\b", re.IGNORECASE)
# "that"/"this" only closing the question ("the penalty for that?"): "a law that…" is new.
_POINTER_EN = re.compile(r"\b(?:they|them|their|those|these)\b|\b(?:that|this)\s*[?.!]*$", re.I)
_QUESTION_WORD_EN = re.compile(
    r"\b(?:what|when|who|whom|whose|where|which|why|how|is|are|was|were|does|do|did|can|"
    r"could|must|should|may|might|will|would|has|have|list|explain|describe|define)\b",
    re.IGNORECASE,
)
_CUE_ZH = re.compile(r"^\s*(?:那么|那|还有|另外|以及|而且|如果是)[，,\s]*")
_POINTER_ZH = re.compile(r"它|其|该法|此法|本法|该条|这部法|这个法|上述|这些|那些|这一")
_QUESTION_WORD_ZH = re.compile(r"什么|哪些|哪个|多少|如何|怎么|怎样|吗|是否|何时|几|谁|为何|为什么")
FRAGMENT_WORDS = 4  # an English question of at most this many words without a question word
FRAGMENT_HAN = 8  # a Chinese question of at most this many characters without a question word


def is_follow_up(question: str, names_a_law: bool = False) -> bool:
    """Whether `question` leans on the question before it (see the module's docstring)."""
    text = question.strip()
    if not text or names_a_law:
        return False
    if is_chinese(text):
        if _CUE_ZH.match(text) or _POINTER_ZH.search(text) or re.search(r"呢\s*[？?]?\s*$", text):
            return True
        han = han_count(text)
        return han <= FRAGMENT_HAN and not _QUESTION_WORD_ZH.search(text)
    if _CUE_EN.match(text) or _LAW_POINTER_EN.search(text) or _POSSESSIVE_EN.search(text):
        return True
    if _POINTER_EN.search(text):
        return True
    words = re.findall(r"[\w'-]+", text)
    return len(words) <= FRAGMENT_WORDS and not _QUESTION_WORD_EN.search(text)


def _bare(text: str) -> str:
    return text.strip().rstrip("?？.。!！ ").strip()


def join_follow_up(previous: str, question: str, law: str = "") -> str:
    """`question` restated with what it leans on from `previous`, as one readable question.

    "When does it take effect?" after a question naming PIPL (`law="PIPL"`) becomes "When does
    PIPL take effect?"; "What about the fines?" becomes "What does PIPL say about the fines?"
    (another aspect of the same law: the earlier subject would outweigh it in the search);
    "and for minors?" narrows the previous question: "…, and for minors?". Without a law,
    a fragment joins the previous question: "…, and about the fines?".
    """
    text = question.strip()
    if is_chinese(text):
        rest = _CUE_ZH.sub("", text)
        rest = re.sub(r"呢?\s*[？?]?\s*$", "", rest).strip("，, ")
        return f"{_bare(previous)}，{rest}呢？" if rest else previous
    if law and _LAW_POINTER_EN.search(text):
        named = _LAW_POINTER_EN.sub(law, text, count=1)
        return named if named.rstrip().endswith("?") else f"{named.rstrip('. ')}?"
    if law and _POSSESSIVE_EN.search(text):
        named = _POSSESSIVE_EN.sub(f"{law}'s", text, count=1)
        return named if named.rstrip().endswith("?") else f"{named.rstrip('. ')}?"
    cue = _CUE_EN.match(text)
    rest = _bare(text[cue.end() :] if cue else text)
    if not rest:
        return previous
    if cue or not _QUESTION_WORD_EN.match(rest):
        if rest[:2].istitle():  # "The fines", not "PIPL" or "GDPR"
            rest = rest[0].lower() + rest[1:]
        if re.match(r"(?:about|for|in|on|under|with|to|by|if|when|where)\b", rest, re.I):
            return f"{_bare(previous)}, and {rest}?"  # narrows the previous question
        if law:  # another aspect of the same law: "What about the fines?"
            return f"What does {law} say about {rest}?"
        return f"{_bare(previous)}, and about {rest}?"
    return f"{_bare(rest)}, as asked about in: {_bare(previous)}?"
