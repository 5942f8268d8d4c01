"""A question read once (issue 14): the kind of answer it asks for, what it names, and the
first sentence each kind needs."""

from __future__ import annotations

import pytest

from rag.answer import holds
from rag.knowledge.intents import KINDS, answer_kind
from rag.retrieval import Index, read_question


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When did the Data Security Law take effect?", "date"),
        ("个人信息保护法什么时候开始施行？", "date"),
        ("二十届四中全会是在哪几天召开的？", "date"),
        ("What is the maximum fine under the Anti-Monopoly Law?", "amount"),
        ("弹窗广告不能一键关闭，罚多少？", "amount"),
        # a scale to reach is an amount, a compensation too; a level to reach is a target
        ("软件和信息技术服务业规模要达到多少？", "amount"),
        ("经营者欺诈的，赔偿额是多少？", "amount"),
        ("每千人口执业医师数要达到多少？", "percentage"),
        ("What is the fine for exporting important data in a serious case?", "amount"),
        ("What were the penalties for the breach?", "amount"),
        ("What forest coverage rate does the plan target for 2025?", "percentage"),
        ("到2025年，每千人口执业医师数目标是多少？", "percentage"),
        ("How many illegal acts did the CAC find?", "count"),
        ("How long must logs be kept?", "duration"),
        ("How much notice must a seller give before closing its shop?", "duration"),
        ("How far ahead of expiry must we apply for an extension?", "duration"),
        ("Which body issued the platform guidelines?", "who"),
        ("《数字经济发展规划》是谁印发的？", "who"),
        ("Can a shop make facial recognition the only way in?", "yesno"),
        ("Does PIPL set an hour or day deadline for breach notices?", "yesno"),
        ("这个告示有法律效力吗？", "yesno"),
        ("什么是关键信息基础设施？", "definition"),
        ("“匿名化”是什么意思？", "definition"),
        ("与2016年版相比，罚款有什么变化？", "comparison"),
        ("Which legal routes let us send personal information out of China?", "conditions"),
        ("个人信息出境需要满足什么条件？", "conditions"),
        ("What does the outline say about rural revitalisation?", "open"),
    ],
)
def test_the_kind_of_answer_a_question_asks_for(question, kind):
    assert answer_kind(question) == kind


def test_every_kind_is_known():
    assert set(KINDS) == {
        "yesno",
        "duration",
        "date",
        "percentage",
        "amount",
        "count",
        "who",
        "definition",
        "comparison",
        "conditions",
        "open",
    }


def test_a_question_is_read_once_into_language_articles_years_and_asks():
    q = read_question(Index(), "2030年前，第三十八条规定的罚款是多少？")
    assert q.language == "zh" and q.chinese
    assert q.articles == (38,) and q.years == frozenset({"2030"})
    assert q.kind == "amount" and "penalty" in q.asks
    assert q.named == frozenset() and not q.compares
    english = read_question(Index(), "What does Article 17 require?")
    assert english.language == "en" and english.articles == (17,)


@pytest.mark.parametrize(
    ("question", "two"),
    [
        ("How long does Phase II review take, and by how much can it be extended?", True),
        ("What can consumers return within seven days, and what is excluded?", True),
        ("阿里巴巴和美团的罚款分别是多少？", True),
        ("什么是“大数据杀熟”？个人信息保护法怎么规定的？", True),
        ("How long and how often must logs be kept?", True),
        ("What must processors and platforms do?", False),
        ("个人信息出境需要满足什么条件？", False),
    ],
)
def test_a_question_asking_two_things_is_read_as_such(question, two):
    assert read_question(Index(), question).two_parts is two


@pytest.mark.parametrize(
    ("kind", "answers", "does_not"),
    [
        ("date", "The law took effect on 2021-09-01.", "The law protects personal information."),
        ("amount", "a fine of up to 50 million yuan", "a fine may be imposed"),
        # a year or an ordinal is not the figure a target question asks for
        ("percentage", "2025 target 4.5", "the 14th Five-Year Plan, reaching to 2035"),
        ("count", "16 illegal acts in eight categories", "the 14th plan, approved in 2021"),
        ("duration", "within 72 hours", "promptly"),
        ("duration", "报告和处理情况记录应当至少保存三年。", "报告和处理情况记录应当妥善保存。"),
        ("who", "issued by the State Council", "issued in 2021"),
        ("definition", "Important data means data that…", "Important data must be protected."),
        (
            "definition",
            "A platform (平台) is an organisational form that lets two sides interact.",
            "The platform is liable for its merchants.",
        ),
        ("yesno", "Providers must not refuse service.", "Providers offer services."),
    ],
)
def test_what_a_first_sentence_must_hold(kind, answers, does_not):
    assert holds(kind, answers)
    assert not holds(kind, does_not)
