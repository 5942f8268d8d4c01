"""What the Slack bot tests share: the signing secret, the bot token, and a fake engine."""

from __future__ import annotations

import threading

from rag.types import Also, Answer, Citation

SECRET = "8f2b0c-test-signing-secret"
BOT_TOKEN = "xoxb-1111-2222-test-bot-token"


def citation(n: int, article: int) -> Citation:
    quote = f"Quoted text of Article {article}."
    return Citation(
        n=n,
        chunk_id=f"pipl-{article}",
        doc_id="pipl-en",
        source_path="docs/pipl.md",
        title="Personal Information Protection Law",
        label=f"PIPL Art. {article}",
        article=article,
        quote=quote,
        quote_start=10,
        quote_end=10 + len(quote),
        promulgated="2021-08-20",
        effective="2021-11-01",
        status="in_force",
        url=f"http://www.npc.gov.cn/pipl#{article}",
        also=[
            Also(
                chunk_id=f"pipl-zh-{article}",
                doc_id="pipl-zh",
                label=f"《个人信息保护法》第{article}条",
                language="zh",
                relation="translation",
                promulgated="2021-08-20",
            )
        ],
    )


class FakeEngine:
    """Deterministic answers with real `Answer`/`Citation` objects; records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[dict[str, str]]]] = []
        self.gate: threading.Event | None = None  # when set, answering waits for it

    def __call__(self, question: str, history: list[dict[str, str]]) -> Answer:
        self.calls.append((question, list(history)))
        if self.gate is not None and not self.gate.wait(60):
            raise RuntimeError("gate never opened")
        if "weather" in question:
            return Answer(
                question=question,
                text="The documents do not answer this.",
                refused=True,
                searched="14 documents (PIPL, DSL, CSL, …) for 'weather'",
            )
        if "uncited" in question:
            return Answer(question=question, text="Probably a large fine.")
        if "long" in question:
            paragraph = "Personal information handlers must keep processing records [1]. " * 40
            return Answer(
                question=question, text="\n\n".join([paragraph] * 3), citations=[citation(1, 54)]
            )
        # The citations list is deliberately not in n order: Sources must follow n.
        return Answer(
            question=question,
            text=(
                "Serious violations can be fined up to RMB 50 million or 5% of the previous "
                "year's turnover [1]. Violations are also entered in credit records [2]."
            ),
            citations=[citation(2, 67), citation(1, 66)],
        )
