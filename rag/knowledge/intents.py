"""What a question asks for, and where Chinese laws put the answer.

Laws follow one drafting pattern: penalties sit in the 法律责任 chapter, definitions in a
用语含义 article, the effective date in the last article (本法自…起施行), time limits in
日内/个工作日 clauses. The question patterns say what is asked; the passage patterns say
where a passage holds it. `rag.retrieval.rules` turns them into weights.
"""

from __future__ import annotations

import re

# --- what the question asks ----------------------------------------------------------------
EFFECTIVE = re.compile(
    r"come into (force|effect)|take effect|effective date|in force since|施行|生效", re.I
)
DEFINITION = re.compile(
    r"\b(defin|meaning of|what (is|are|does) an? .* mean)|含义|是指|定义|什么是", re.I
)
DEADLINE = re.compile(
    r"\bhow (long|soon|early|far (in advance|ahead)|many (working )?(days|hours|weeks|months|years)|much (notice|time))"
    r"|\b(deadline|time limit)|多久|多长时间|(?<!哪)几天|多少天|多少小时|几个月|几年|多少年|提前几|多少个工作日|期限",
    re.I,
)
PENALTY = re.compile(r"\b(fines?|fined|penalt|sanction|punish|liab)|罚|处罚|法律责任|追究", re.I)
# The glossary serves query expansion; as an answer it only fits questions about terms.
TERM_QUESTION = re.compile(
    r"translat|\b(chinese|english) (term|word|name|for)\b|\b(chinese|english) \w+ (term|word|name|expression|equivalent)s?\b"
    r"|中文|英文|术语|译|怎么说",
    re.I,
)
ABOUT_ADOPTION = re.compile(
    r"\b(?:adopt|promulgat|issued|enact)|通过|公布|发布|颁布|印发|出台", re.I
)
# A year or the past: the commencement article's transitional rule answers it.
ABOUT_TIME = re.compile(r"\bretroactiv|(?<!\d)(?:19|20)\d\d(?!\d)|溯及|施行前|施行以前", re.I)
YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")
# What else a question asks about, by name (a `Question` keeps the names that match).
ASKS = {
    "penalty": PENALTY,
    "definition": DEFINITION,
    "effective": EFFECTIVE,
    "deadline": DEADLINE,
    "adoption": ABOUT_ADOPTION,
    "time": ABOUT_TIME,
    "terms": TERM_QUESTION,
}

# --- where a passage holds it --------------------------------------------------------------
COMMENCEMENT = re.compile(r"起施行|come into (force|effect)|take effect")
# A commencement article: one that opens with 本法…自…起施行 / "These Measures shall come into force".
OPENS_COMMENCEMENT = re.compile(
    r"\s*(?:第[^条\s]{1,8}条|\**Article \d+\**)?\s*(?:本(?:法|编|规定|办法|条例|措施|决定|解释)自[^。]{0,30}起施行"
    r"|Th(?:is|ese) (?:Law|Code|Provisions|Measures|Regulations?|Rules|Decision|Interpretation)s? shall (?:come into|take) "
    r"(?:force|effect))"
)
DEFINITIONS_ARTICLE = re.compile(
    r"下列用语的含义|用语含义|[Ff]or the purposes of this (?:Law|Regulation|Measures)"
)
DEFINES = re.compile(r"是指|含义|下列用语|refers? to|means\b")
PERIOD = re.compile(
    r"(?:(?:不得?少于|不得?超过|至少|提前)[一二三四五六七八九十百\d]+个?(?:工作日|日|天|小时|月|年))"
    r"|[一二三四五六七八九十百\d]+个?(?:工作日|日|天|小时|月|年)(?:内|以内|之内|前|以上|以下)"
    r"|\b(?:\d+|one|two|three|four|five|six|seven|ten|twelve|fifteen|twenty|thirty|forty-five|sixty|ninety)"
    r"\s+(?:working\s+)?(?:days?|hours?|weeks?|months?|years?)\b",
    re.I,
)
LIABILITY_HEADINGS = ("法律责任", "Legal Liabilit", "罚则")

# --- the kind of value an answer must hold -----------------------------------------------
# Words that ask for a share, a figure with a per cent sign ("比重", "what percentage"); the
# answerer prefers such a figure for them (`rag.answer.kinds.asks_share`).
SHARE_WORDS = r"\bwhat (?:share|percentage|proportion|percent)|\bper ?cent|%|百分之|比例|占比|比重"

# (kind, what the question says): the first that matches is the kind asked for.
ANSWER_KINDS = [
    # A question that opens with an auxiliary or ends in 吗 wants a yes or a no first, whatever
    # else it names ("Does PIPL set an hour or day deadline…?").
    (
        "yesno",
        re.compile(
            r"(?:^|[.?!]\s+)(?:can|could|may|must|is|are|does|do|did|should|will|has|have|was|were)\b"
            r"|吗\s*[？?]?\s*$|是否|能否|可否|可不可以|能不能|是不是|有没有|算不算",
            re.I,
        ),
    ),
    ("duration", DEADLINE),
    (
        "date",
        re.compile(
            r"\bwhen (?:did|was|were|will|does|do|is|are)\b.*\b(?:effect|force|adopt|pass|issu|promulgat|"
            r"publish|enact|approv|releas|start|begin|launch|announc|fined|impos|made public)"
            r"|\b(?:what|which) (?:date|day|year|month)\b|\beffective date\b"
            r"|什么时候|何时|哪天|哪几天|哪一天|哪一年|哪年|几月|日期",
            re.I,
        ),
    ),
    (
        "percentage",
        re.compile(
            SHARE_WORDS
            + (
                # a target or a rate: whatever number the plan sets
                r"|\b(?:target|goal|rate)\b|目标(?:是|为)?多少|降低多少|提高多少|增长多少"
                # "规模要达到多少" asks for an amount (14 trillion yuan), not a rate
                r"|(?<!规模)(?<!规模要)(?<!规模将)达到多少"
            ),
            re.I,
        ),
    ),
    (
        "amount",
        re.compile(
            r"\bhow (?:much|large|big|high)\b|\b(?:maximum|minimum|largest|highest) (?:fine|penalty|amount)"
            r"|\bwhat (?:fines?|penalty|penalties|scale)\b|\bbe fined\b|被罚|罚多少|规模"
            r"|\bwhat (?:is|are|was|were) the (?:\w+ )?(?:fines?|penalt(?:y|ies))\b"
            r"|罚款?(?:是|为|有)?多少|罚了多少|多少钱|多少元|金额|最高罚款|罚款上限|罚款幅度"
            r"|赔偿(?:额|金)?(?:是|为|有)?多少|赔多少",
            re.I,
        ),
    ),
    (
        "count",
        re.compile(
            r"\bhow many\b|多少个|几个|几项|多少项|多少家|多少条|多少部|多少篇|几篇|多少章|几章",
            re.I,
        ),
    ),
    (
        "who",
        re.compile(
            r"\bwho(?:se)?\b|\b(?:which|what) (?:body|bodies|authority|authorities|agency|agencies|department|"
            r"ministry|regulator|organ|meeting|institution|office|court|plenum)"
            r"|谁|哪个(?:部门|机构|机关|会议|单位)|哪些(?:部门|机构|机关)|由哪|什么(?:部门|机构|机关)",
            re.I,
        ),
    ),
    (
        "definition",
        re.compile(rf"{DEFINITION.pattern}|是什么意思|指(?:哪些|什么)|\bwhat is meant by", re.I),
    ),
    (
        "comparison",
        re.compile(
            r"\bcompar|\bdiffer|\bversus\b|\bvs\.?\s|\bwhat changed\b|\bchanges?\b.*\b(?:since|from|between)"
            r"|相比|比较|区别|不同|变化|哪个更|有何差异",
            re.I,
        ),
    ),
    (
        "conditions",
        re.compile(
            r"\bconditions?\b|\brequirements?\b|\bwhen (?:does|do|must|is|are|can|may|should)\b"
            r"|\bwhich (?:\w+ )?(?:routes?|ways?|cases|situations|circumstances|mechanisms)\b"
            r"|\bwhat (?:routes?|steps|exemptions?|exceptions?|obligations?)\b|\bexclud|\bexempt"
            r"|\bwhat (?:does|do) .* (?:require|oblige)|条件|情形|哪些|途径|要求|义务|哪几种",
            re.I,
        ),
    ),
]

# Every kind a question can ask for; "open" is all the rest (what does X say about Y).
KINDS = (*(kind for kind, _ in ANSWER_KINDS), "open")


def answer_kind(question: str) -> str:
    """The kind of answer the question asks for: the first of `ANSWER_KINDS` it matches, else
    "open"."""
    return next((kind for kind, pattern in ANSWER_KINDS if pattern.search(question)), "open")


# A question that asks two things of one subject: "How long does Phase II review take, and by
# how much can it be extended?", "…可以退货吗？哪些商品除外？", "分别是多少".
TWO_PARTS = re.compile(
    r"\b(?:and|or) (?:by )?(?:how|what|which|when|who|whether|where)\b|分别|[？?]\s*\S[^？?]*[？?]",
    re.I,
)

# Kinds whose answer is a value a sentence either states or does not.
VALUE_KINDS = ("duration", "date", "percentage", "amount", "count")


def compared_kind(question: str) -> str | None:
    """For a comparison ("阿里巴巴和美团的罚款分别是多少，哪个更高？", "how do the fines differ"),
    the kind of value asked of each side: the first value kind the question asks for, an
    amount when it asks about fines, else None (a comparison of rules or aims)."""
    for kind, pattern in ANSWER_KINDS:
        if kind in VALUE_KINDS and pattern.search(question):
            return kind
    return "amount" if PENALTY.search(question) else None


# What a passage's sentence must hold to answer each kind (with `figures` for numbers).
MONEY = re.compile(r"yuan|元|RMB|CNY|US\$|USD|dollars?", re.I)
