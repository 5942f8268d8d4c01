"""Article numbers and figures in the law summaries are checked against the primary texts.

Each summary in `corpus/` that has a primary text in `../shared/policy-texts/docs/` (the
Chinese original, which controls) is split into its `### Article N` sections. Every article
number a section cites must exist in the primary text, and every figure in a section (yuan
amounts, percentages, days, months, years, ages, hours, multiples, fractions, head-counts)
must appear in the primary text of that article, or of one of the articles of a range
heading. Both sides are normalised to numbers first: "50 million yuan" == 五千万元 == 5000万元.
A number in a section that is neither a recognised figure nor a reference (article, chapter,
item, date, order number) also fails, so a figure cannot slip past in an unexpected shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.support.paths import CORPUS
from tests.support.paths import POLICY_TEXTS as TEXTS

# corpus summary → primary text (Chinese original) it summarises
PRIMARY = {
    "pipl_2021_summary.md": "zh_personal_information_protection_law_2021.md",
    "data_security_law_2021_summary.md": "zh_data_security_law_2021.md",
    "anti_monopoly_law_2022_summary.md": "zh_anti_monopoly_law_2022_amended.md",
    "spc_facial_recognition_provisions_2021_summary.md": (
        "zh_spc_facial_recognition_provisions_2021.md"
    ),
    "cybersecurity_law_2016_summary.md": "zh_cybersecurity_law_2016.md",
    "cybersecurity_law_2025_summary.md": "zh_cybersecurity_law_2025_amended_consolidated.md",
    "e_commerce_law_2018_summary.md": "zh_e_commerce_law_2018.md",
    "civil_code_personality_rights_summary.md": "zh_civil_code_book4_personality_rights.md",
    "algorithmic_recommendation_provisions_2021_summary.md": (
        "zh_algorithmic_recommendation_provisions_2021.md"
    ),
    "generative_ai_measures_2023_summary.md": "zh_generative_ai_interim_measures_2023.md",
    "network_data_security_regulations_2024_summary.md": (
        "zh_network_data_security_regulations_2024.md"
    ),
}

# An article section must stay small enough for one chunk (~120 words, ~200 tokens).
MAX_SECTION_WORDS = 135

# ---------------------------------------------------------------------------------------
# Numerals
# ---------------------------------------------------------------------------------------

CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_BIG = {"万": 10**4, "亿": 10**8}
CN_NUM_CHARS = "".join(CN_DIGITS) + "".join(CN_UNITS) + "".join(CN_BIG)

EN_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
EN_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9}
EN_FRACTIONS = {
    "one half": 1 / 2,
    "half": 1 / 2,
    "one third": 1 / 3,
    "two thirds": 2 / 3,
    "one quarter": 1 / 4,
    "three quarters": 3 / 4,
    "one tenth": 1 / 10,
}


def cn_to_number(text: str) -> float:
    """Chinese or Arabic numeral, with 十/百/千/万/亿, as a number: 一千零三十二 → 1032."""
    text = text.strip()
    if not text:
        raise ValueError("empty numeral")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([万亿]*)", text)
    if m:
        value = float(m.group(1))
        for ch in m.group(2):
            value *= CN_BIG[ch]
        return value
    if all(ch in CN_DIGITS for ch in text):  # positional, as in 二〇二一
        return float("".join(str(CN_DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, 0
    for ch in text:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            section += (digit or (1 if ch == "十" else 0)) * CN_UNITS[ch]
            digit = 0
        elif ch in CN_BIG:
            total += (section + digit) * CN_BIG[ch]
            section, digit = 0, 0
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return float(total + section + digit)


def en_to_number(text: str) -> float:
    """'50 million', '10,000', '1.5 billion', 'fifteen', 'twenty-four' → number."""
    words = text.lower().replace("-", " ").replace(",", "").split()
    if not words:
        raise ValueError("empty number")
    value = 0.0
    for w in words:
        if w in EN_SCALES:
            value = (value or 1) * EN_SCALES[w]
        elif w in EN_WORDS:
            value += EN_WORDS[w]
        else:
            value += float(w)
    return value


# ---------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    kind: str  # yuan, percent, days, working_days, months, years, age, hours, times, ...
    value: float
    text: str  # as written


# Which primary-text kinds can back a figure of a given kind in a summary.
COMPATIBLE = {
    "years": {"years", "age"},
    "age": {"age", "years"},
    "people": {"people", "bare"},
}

_CN = rf"(?:\d+(?:\.\d+)?[万亿]*|[{CN_NUM_CHARS}]+)"
CN_PATTERNS = [  # order matters: each match is blanked before the next pattern runs
    ("percent", rf"百分之({_CN})"),
    ("fraction", rf"({_CN})分之({_CN})"),
    ("working_days", rf"({_CN})个?工作日"),
    ("hours", rf"({_CN})个?小时"),
    ("months", rf"({_CN})个?月"),
    ("age", rf"({_CN})周?岁"),
    ("days", rf"({_CN})[日天]"),
    ("years", rf"(?<!上)({_CN})个?年(?!度)"),
    ("yuan", rf"({_CN})元"),
    ("times", rf"({_CN})倍"),
    ("people", rf"({_CN})个?人"),
]


def _blank(text: str, span: tuple[int, int]) -> str:
    return text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]


def cn_figures(text: str, *, with_bare: bool = False) -> tuple[list[Figure], str]:
    """Figures written in Chinese (or Arabic + 万/亿 + Chinese unit); returns the rest too."""
    figures: list[Figure] = []
    for kind, pattern in CN_PATTERNS:
        for m in re.finditer(pattern, text):
            start = m.start()
            if start > 0 and text[start - 1] == "第":  # ordinal: 第三条, 第二款
                continue
            try:
                if kind == "fraction":
                    value = cn_to_number(m.group(2)) / cn_to_number(m.group(1))
                else:
                    value = cn_to_number(m.group(1))
            except ValueError:
                continue
            figures.append(Figure(kind, value, m.group(0)))
            text = _blank(text, m.span())
    if with_bare:
        for m in re.finditer(_CN, text):
            if m.start() > 0 and text[m.start() - 1] == "第":
                continue
            try:
                figures.append(Figure("bare", cn_to_number(m.group(0)), m.group(0)))
            except ValueError:
                continue
    return figures, text


_WORD = "|".join(sorted(EN_WORDS, key=len, reverse=True))
_EN = (
    rf"(?:(?:\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?)|(?:{_WORD})(?:[- ](?:{_WORD}))?)"
    r"(?:\s+(?:thousand|million|billion))?"
)
_RANGE = r"\s*(?:to|and|or|–|-)\s*"
_UNITS = [  # (kind, regex for the unit that follows the number)
    ("percent", r"\s*(?:%|percent\b|per cent\b)"),
    ("yuan", r"\s*(?:yuan\b|RMB\b|CNY\b)"),
    ("working_days", r"[- ]working[- ]days?\b"),
    ("days", r"[- ](?:calendar[- ])?days?\b"),
    ("hours", r"[- ]hours?\b"),
    ("months", r"[- ]months?\b"),
    ("age", r"[- ]years?[- ]old\b|\s+years?\s+of\s+age\b"),
    ("years", r"[- ]years?\b"),
    ("times", r"\s*(?:times\b|×|-fold\b)"),
    (
        "people",
        r"\s+(?:or more\s+|or above\s+)?(?:(?:registered|monthly[- ]active|active)\s+)?"
        r"(?:people|persons|individuals|users|officials|officers)\b",
    ),
]


def en_figures(text: str) -> tuple[list[Figure], str]:
    """Figures written in English (digits or number words); returns the rest too."""
    figures: list[Figure] = []

    def take(kind: str, m: re.Match[str], *groups: str) -> None:
        nonlocal text
        for g in groups:
            if g:
                figures.append(Figure(kind, en_to_number(g), m.group(0).strip()))
        text = _blank(text, m.span())

    for phrase, value in sorted(EN_FRACTIONS.items(), key=lambda kv: -len(kv[0])):
        for m in re.finditer(rf"\b{phrase.replace(' ', '[- ]')}\b", text, flags=re.I):
            figures.append(Figure("fraction", value, m.group(0)))
            text = _blank(text, m.span())
    for m in re.finditer(r"\b(\d+)\s*/\s*(\d+)\b", text):
        figures.append(Figure("fraction", int(m.group(1)) / int(m.group(2)), m.group(0)))
        text = _blank(text, m.span())
    # "RMB 10,000 to 100,000", "RMB 1 million", "¥5,000"
    for m in re.finditer(rf"(?:RMB|CNY|¥)\s*({_EN})(?:{_RANGE}(?:RMB|CNY|¥)?\s*({_EN}))?", text):
        take("yuan", m, m.group(1), m.group(2))
    for kind, unit in _UNITS:
        # a range with the unit once at the end: "5 to 15 days", "10,000–100,000 yuan"
        pattern = rf"\b({_EN})(?:{unit})?{_RANGE}({_EN}){unit}"
        for m in re.finditer(pattern, text, flags=re.I):
            take(kind, m, m.group(1), m.group(2))
        for m in re.finditer(rf"\b({_EN}){unit}", text, flags=re.I):
            take(kind, m, m.group(1))
    for m in re.finditer(
        rf"\b(?:aged|age of|under|over)\s+({_EN})\b(?!\s*[%,.]?\d)", text, flags=re.I
    ):
        take("age", m, m.group(1))
    return figures, text


# Numbers that are references, not figures.
_REFERENCE = re.compile(
    r"(?:\b(?:Articles?|Arts?\.|Chapters?|Sections?|items?|paragraphs?|paras?\.|"
    r"para|No\.|Order No\.|point|points|Book)\s*[\dIVX]+(?:\(\d+\))*"
    r"(?:\s*(?:[–-]|to|and|or|,)\s*(?:Arts?\.\s*)?[\dIVX]+(?:\(\d+\))*)*)"
    r"|\b\d{4}-\d{2}-\d{2}\b"  # ISO date
    r"|\b(?:19|20)\d{2}\b"  # a year
    r"|\(\d+\)"  # list item marker
    r"|\b\d+(?:st|nd|rd|th)\b",  # ordinal
    flags=re.I,
)


def section_figures(body: str) -> tuple[list[Figure], list[str]]:
    """Figures in a summary section, and any numbers left unexplained."""
    figures, rest = cn_figures(body)
    more, rest = en_figures(rest)
    figures += more
    rest = _REFERENCE.sub(" ", rest)
    rest = re.sub(r"第[" + CN_NUM_CHARS + r"]+[条款项章节编]", " ", rest)
    stray = re.findall(r"\d[\d,.]*|[" + CN_NUM_CHARS.replace("一", "") + r"]{2,}", rest)
    return figures, stray


# ---------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------

_CN_ARTICLE_START = re.compile(rf"^第([{CN_NUM_CHARS}]+)条[\s　]", re.M)


def primary_articles(text: str) -> dict[int, str]:
    """第X条 paragraphs of a Chinese law: article number → full text of the article."""
    articles: dict[int, str] = {}
    starts = list(_CN_ARTICLE_START.finditer(text))
    for i, m in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        body = text[m.start() : end]
        body = re.split(r"^#", body, maxsplit=1, flags=re.M)[0]  # stop at a heading
        articles[int(cn_to_number(m.group(1)))] = body
    return articles


@dataclass
class Section:
    heading: str
    articles: list[int]
    body: str
    line: int


_ARTICLE_HEADING = re.compile(r"^###\s+Articles?\s+(\d+)(?:\s*(–|-|—|to|and|,)\s*(\d+))?\b(.*)$")


def split_front_matter(text: str) -> tuple[dict, str]:
    m = re.match(r"^---\n(.*?)\n---\n", text, flags=re.S)
    if not m:
        return {}, text
    return yaml.safe_load(m.group(1)) or {}, text[m.end() :]


def summary_sections(text: str) -> tuple[list[Section], list[str]]:
    """`### Article N` sections of a summary, and the headings that could not be parsed."""
    _, body = split_front_matter(text)
    lines = body.splitlines()
    sections: list[Section] = []
    bad: list[str] = []
    current: Section | None = None
    for i, line in enumerate(lines, 1):
        if re.match(r"^#{1,6}\s", line):
            if current:
                sections.append(current)
                current = None
            if line.startswith("### ") or re.match(r"^#{4,}\s", line):
                m = _ARTICLE_HEADING.match(line)
                if not m:
                    bad.append(line)
                    continue
                first = int(m.group(1))
                if m.group(3):
                    last = int(m.group(3))
                    if m.group(2) in ("and", ","):
                        nums = [first, last]
                    else:
                        nums = list(range(first, last + 1))
                else:
                    nums = [first]
                current = Section(line, nums, "", i)
            continue
        if current is not None:
            current.body += line + "\n"
    if current:
        sections.append(current)
    return sections, bad


# References in a section to articles of another instrument are not checked against this one.
_EXTERNAL_CONTEXT = re.compile(
    r"(Civil Code|PIPL|CSL|DSL|Cybersecurity Law|Data Security Law|Personal Information|"
    r"Procedure|Consumer|E-Commerce Law|Advertising Law|Administrative Penalty|Criminal|"
    r"Anti-Monopoly Law|Interpretation|2016 text|2016 law|former|Measures|Provisions|"
    r"Regulations|民法典|法》|诉讼法|规定》|办法》|条例》)[^.;]{0,40}$"
)
_BODY_REF = re.compile(
    r"\b(?:Articles?|Arts?\.)\s*\d+(?:\(\d+\))*(?:\s*(?:[–-]|to|and|or|,)\s*\d+(?:\(\d+\))*)*"
)


def check_summary(summary: Path, primary: Path) -> list[str]:
    """All accuracy problems of one summary against its primary text, as readable lines."""
    articles = primary_articles(primary.read_text(encoding="utf-8"))
    sections, bad_headings = summary_sections(summary.read_text(encoding="utf-8"))
    name = summary.name
    problems = [
        f"{name}: heading is not '### Article N' / '### Articles N–M': {h!r}" for h in bad_headings
    ]
    if not sections:
        problems.append(f"{name}: no '### Article N' sections found")
    primary_figures = {n: cn_figures(t, with_bare=True)[0] for n, t in articles.items()}
    for sec in sections:
        where = f"{name} line {sec.line} ({sec.heading.strip()})"
        missing = [n for n in sec.articles if n not in articles]
        if missing:
            problems.append(f"{where}: article(s) {missing} not in {primary.name}")
            continue
        # the Chinese article number in the heading, if given, must agree
        zh = re.findall(rf"第([{CN_NUM_CHARS}]+)条", sec.heading)
        zh_nums = {int(cn_to_number(z)) for z in zh}
        if zh_nums and not zh_nums <= set(sec.articles):
            problems.append(
                f"{where}: Chinese article number(s) {sorted(zh_nums)} disagree with {sec.articles}"
            )
        words = len(sec.body.split()) + len(re.findall(r"[\u4e00-\u9fff]", sec.body)) // 3
        if words > MAX_SECTION_WORDS:
            problems.append(f"{where}: section too long ({words} words > {MAX_SECTION_WORDS})")
        if not sec.body.strip():
            problems.append(f"{where}: empty section")
        # references to other articles of the same instrument must exist too
        for m in _BODY_REF.finditer(sec.body):
            if _EXTERNAL_CONTEXT.search(sec.body[max(0, m.start() - 60) : m.start()]):
                continue
            refs = [int(n) for n in re.findall(r"(?<!\()\b\d+\b(?!\))", m.group(0))]
            for ref in refs:
                if ref not in articles:
                    problems.append(f"{where}: refers to Article {ref}, not in {primary.name}")
        allowed = [f for n in sec.articles for f in primary_figures[n]]
        figures, stray = section_figures(sec.body)
        for fig in figures:
            kinds = COMPATIBLE.get(fig.kind, {fig.kind})
            if not any(
                a.kind in kinds and abs(a.value - fig.value) < 1e-6 * max(1, fig.value)
                for a in allowed
            ):
                problems.append(
                    f"{where}: figure {fig.text!r} ({fig.kind} {fig.value:g}) not found in "
                    f"Article(s) {sec.articles} of {primary.name}"
                )
        for s in stray:
            problems.append(
                f"{where}: unrecognised number {s!r} (write it as a figure "
                f"with its unit, or as an article reference)"
            )
    return problems


# ---------------------------------------------------------------------------------------
# Tests against the real corpus
# ---------------------------------------------------------------------------------------

needs_texts = pytest.mark.usefixtures("policy_texts")  # skips without ../shared, saying so


@needs_texts
@pytest.mark.parametrize("summary_name", sorted(PRIMARY))
def test_summary_matches_primary_text(summary_name: str) -> None:
    summary = CORPUS / summary_name
    assert summary.is_file(), f"missing corpus summary {summary_name}"
    problems = check_summary(summary, TEXTS / PRIMARY[summary_name])
    assert not problems, "\n".join(problems)


@needs_texts
@pytest.mark.parametrize("text_name", sorted(set(PRIMARY.values())))
def test_primary_text_articles_are_consecutive(text_name: str) -> None:
    """The article parser finds every 第X条 of the primary text, in order, none skipped."""
    numbers = list(primary_articles((TEXTS / text_name).read_text(encoding="utf-8")))
    assert numbers, f"no articles parsed from {text_name}"
    assert numbers == list(range(numbers[0], numbers[0] + len(numbers))), text_name


@needs_texts
def test_known_figures_found_in_primary_text() -> None:
    """Spot checks that the Chinese side of the comparison reads real articles correctly."""
    pipl = primary_articles((TEXTS / PRIMARY["pipl_2021_summary.md"]).read_text("utf-8"))
    figs = cn_figures(pipl[66])[0]
    assert Figure("yuan", 5e7, "五千万元") in figs
    assert Figure("percent", 5, "百分之五") in figs
    assert ("age", 14) in {(f.kind, f.value) for f in cn_figures(pipl[31])[0]}
    civil = primary_articles(
        (TEXTS / PRIMARY["civil_code_personality_rights_summary.md"]).read_text("utf-8")
    )
    assert min(civil) == 989 and max(civil) == 1039


# ---------------------------------------------------------------------------------------
# Unit tests of the converters and of the checker itself
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("十", 10),
        ("十四", 14),
        ("二十", 20),
        ("一百", 100),
        ("一百零五", 105),
        ("九百八十九", 989),
        ("一千零三十二", 1032),
        ("一千零三十九", 1039),
        ("一万", 10_000),
        ("十万", 100_000),
        ("一百万", 1_000_000),
        ("五千万", 50_000_000),
        ("一千万", 10_000_000),
        ("二〇二一", 2021),
        ("1000万", 10_000_000),
        ("5亿", 5e8),
        ("两", 2),
    ],
)
def test_cn_to_number(numeral: str, value: float) -> None:
    assert cn_to_number(numeral) == value


def test_cn_to_number_rejects_other_text() -> None:
    with pytest.raises(ValueError):
        cn_to_number("条")


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("50 million yuan", "五千万元"),
        ("50 million yuan", "5000万元"),
        ("RMB 50,000,000", "五千万元"),
        ("RMB 1 million", "一百万元"),
        ("100,000 yuan", "十万元"),
        ("5%", "百分之五"),
        ("10 percent", "百分之十"),
        ("15 working days", "十五个工作日"),
        ("fifteen days", "十五日"),
        ("3 years", "三年"),
        ("6 months", "六个月"),
        ("24 hours", "24小时"),
        ("2 to 5 times", "二倍以上五倍"),
        ("one half", "二分之一"),
        ("2/3", "三分之二"),
        ("10 million people", "1000万人"),
        ("50 million or more registered users", "注册用户5000万以上"),
    ],
)
def test_english_and_chinese_figures_normalise_to_the_same_number(
    english: str, chinese: str
) -> None:
    en = en_figures(english)[0]
    zh = cn_figures(chinese, with_bare=True)[0]  # read as the primary texts are read
    assert en
    for fig in en:
        kinds = COMPATIBLE.get(fig.kind, {fig.kind})
        assert any(z.kind in kinds and z.value == fig.value for z in zh), (fig, zh)


def test_ranges_and_ages_are_read() -> None:
    got = {
        (f.kind, f.value)
        for f in en_figures(
            "a fine of RMB 10,000 to 100,000; detention of 5 to 15 days; minors under 14; "
            "1% to 10% of turnover"
        )[0]
    }
    assert got == {
        ("yuan", 10_000),
        ("yuan", 100_000),
        ("days", 5),
        ("days", 15),
        ("age", 14),
        ("percent", 1),
        ("percent", 10),
    }


def test_working_days_are_not_calendar_days() -> None:
    assert [f.kind for f in en_figures("within 10 working days")[0]] == ["working_days"]
    assert [f.kind for f in cn_figures("三十日内")[0]] == ["days"]


def test_references_are_not_figures_but_stray_numbers_are_reported() -> None:
    figures, stray = section_figures(
        "Under Article 17 and Arts. 13–14, item (3), effective 2021-11-01 (Order No. 15)."
    )
    assert figures == [] and stray == []
    _, stray = section_figures("The fine is up to 50 million for serious cases.")
    assert stray == ["50"]


PRIMARY_SAMPLE = """# 示例法

## 第一章 总则

第一条 为了测试，制定本法。

第二条 违反本法的，处五千万元以下或者上一年度营业额百分之五以下罚款。

第三条 处理不满十四周岁未成年人个人信息的，应当在十五个工作日内答复。

第四条 本法自2021年11月1日起施行。
"""

SUMMARY_TEMPLATE = """---
title: "Sample"
doc_type: summary
---
# Sample law: summary

## Chapter I General Provisions (第一章 总则)

### Article 2 (第二条) Fines
{article_2}

### Articles 3–4 (第三条至第四条) Minors and entry into force
Consent of a guardian is needed for children under 14; replies are due within 15 working days.
"""


def _write_pair(tmp_path: Path, article_2: str, extra: str = "") -> tuple[Path, Path]:
    primary = tmp_path / "zh_sample.md"
    primary.write_text(PRIMARY_SAMPLE, encoding="utf-8")
    summary = tmp_path / "sample_summary.md"
    summary.write_text(SUMMARY_TEMPLATE.format(article_2=article_2) + extra, encoding="utf-8")
    return summary, primary


def test_checker_accepts_a_correct_summary(tmp_path: Path) -> None:
    summary, primary = _write_pair(
        tmp_path, "Fines reach 50 million yuan or 5% of the previous year's turnover."
    )
    assert check_summary(summary, primary) == []


def test_checker_catches_a_wrong_amount(tmp_path: Path) -> None:
    summary, primary = _write_pair(
        tmp_path, "Fines reach 5 million yuan or 5% of the previous year's turnover."
    )
    problems = check_summary(summary, primary)
    assert len(problems) == 1
    assert "sample_summary.md" in problems[0]
    assert "Article 2" in problems[0] and "5 million yuan" in problems[0]


def test_checker_catches_a_wrong_percentage_and_a_wrong_chinese_figure(tmp_path: Path) -> None:
    summary, primary = _write_pair(
        tmp_path, "Fines reach 50 million yuan (五千万元) or 4% (百分之十) of turnover."
    )
    problems = check_summary(summary, primary)
    assert any("'4%'" in p for p in problems)
    assert any("百分之十" in p for p in problems)


def test_checker_catches_a_figure_from_another_article(tmp_path: Path) -> None:
    # 14 years appears in Article 3 of the sample, not in Article 2
    summary, primary = _write_pair(tmp_path, "Children under 14 are protected.")
    problems = check_summary(summary, primary)
    assert len(problems) == 1 and "age 14" in problems[0]


def test_checker_catches_a_missing_article_and_a_bad_heading(tmp_path: Path) -> None:
    extra = "\n### Article 9 (第九条) Does not exist\nText.\n\n### Art. 4 Effect\nText.\n"
    summary, primary = _write_pair(tmp_path, "Fines are set by Article 2.", extra)
    problems = check_summary(summary, primary)
    assert any("[9] not in zh_sample.md" in p for p in problems)
    assert any("'### Art. 4 Effect'" in p for p in problems)


def test_checker_catches_a_chinese_heading_number_that_disagrees(tmp_path: Path) -> None:
    summary, primary = _write_pair(tmp_path, "Fines reach 50 million yuan.")
    summary.write_text(summary.read_text("utf-8").replace("(第二条)", "(第三条)"), "utf-8")
    problems = check_summary(summary, primary)
    assert any("disagree" in p for p in problems)


def test_checker_catches_an_unrecognised_number(tmp_path: Path) -> None:
    summary, primary = _write_pair(tmp_path, "Fines reach 50 million for serious cases.")
    problems = check_summary(summary, primary)
    assert any("unrecognised number '50'" in p for p in problems)


def test_checker_catches_a_reference_to_a_missing_article(tmp_path: Path) -> None:
    summary, primary = _write_pair(tmp_path, "Fines follow Articles 3, 4(2) and 12.")
    problems = check_summary(summary, primary)
    assert [p.split(": ", 1)[1] for p in problems] == ["refers to Article 12, not in zh_sample.md"]
