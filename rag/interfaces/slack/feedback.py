"""Answers given in Slack and the 👍/👎 votes on them, in SQLite under `RAG_DATA_DIR`.

Each answer is stored when it is posted (question, text, citations, where it went), so a
vote or a "Post to channel" click only has to carry the answer's id in the button value.
`rag feedback` prints a summary.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import closing
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ...config import Settings
from ...text import is_chinese
from ...types import Answer, Check, Citation

FILENAME = "feedback.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    id TEXT PRIMARY KEY,
    created TEXT NOT NULL,
    source TEXT NOT NULL,          -- mention, dm, thread, slash
    channel TEXT NOT NULL,
    user TEXT NOT NULL,
    thread_ts TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    refused INTEGER NOT NULL,
    citations TEXT NOT NULL,       -- JSON list of citations as posted
    payload TEXT NOT NULL          -- the Answer minus hits, to re-render it
);
CREATE TABLE IF NOT EXISTS votes (
    answer_id TEXT NOT NULL REFERENCES answers(id),
    user TEXT NOT NULL,
    vote INTEGER NOT NULL CHECK (vote IN (-1, 1)),
    created TEXT NOT NULL,
    PRIMARY KEY (answer_id, user)
);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """A small SQLite file; one short-lived connection per call, so threads can share it."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._ready = False

    @classmethod
    def for_settings(cls, settings: Settings) -> FeedbackStore:
        return cls(Path(settings.data_dir) / FILENAME)

    def _connect(self) -> sqlite3.Connection:
        if not self._ready:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=10)
        conn.row_factory = sqlite3.Row
        if not self._ready:
            conn.executescript(_SCHEMA)
            self._ready = True
        return conn

    def record_answer(
        self, answer: Answer, *, source: str, channel: str, user: str, thread_ts: str = ""
    ) -> str:
        """Store an answer about to be posted; returns its id for the buttons."""
        answer_id = uuid.uuid4().hex
        payload = asdict(answer)
        payload.pop("hits", None)  # retrieval internals: large and not needed to re-render
        citations = [c.to_json() for c in answer.citations]
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    answer_id,
                    _now(),
                    source,
                    channel,
                    user,
                    thread_ts or None,
                    answer.question,
                    answer.text,
                    int(answer.refused),
                    json.dumps(citations, ensure_ascii=False),
                    json.dumps(payload, ensure_ascii=False),
                ),
            )
        return answer_id

    def load_answer(self, answer_id: str) -> Answer | None:
        with closing(self._connect()) as conn:
            row = conn.execute("SELECT payload FROM answers WHERE id = ?", (answer_id,)).fetchone()
        if row is None:
            return None
        data = json.loads(row["payload"])
        data["citations"] = [Citation(**c) for c in data.get("citations", [])]
        data["checks"] = [Check(**c) for c in data.get("checks", [])]
        return Answer(**data)

    def record_vote(self, answer_id: str, user: str, vote: int) -> bool:
        """Store (or change) one user's vote; False when the answer is unknown."""
        if vote not in (-1, 1):
            raise ValueError(f"vote must be 1 or -1, got {vote!r}")
        with closing(self._connect()) as conn, conn:
            if conn.execute("SELECT 1 FROM answers WHERE id = ?", (answer_id,)).fetchone() is None:
                return False
            conn.execute(
                "INSERT INTO votes VALUES (?, ?, ?, ?) ON CONFLICT (answer_id, user) "
                "DO UPDATE SET vote = excluded.vote, created = excluded.created",
                (answer_id, user, vote, _now()),
            )
        return True

    def votes(self) -> list[dict[str, Any]]:
        """Every vote with its question, answer and citations, newest first."""
        return self._with_citations(
            "SELECT v.vote, v.user, v.created, a.id AS answer_id, a.question, a.answer, "
            "a.citations, a.channel FROM votes v JOIN answers a ON a.id = v.answer_id "
            "ORDER BY v.created DESC"
        )

    def confirmed(self) -> list[dict[str, Any]]:
        """Answers (not refusals) that more people marked 👍 than 👎, oldest first."""
        return self._with_citations(
            "SELECT a.id, a.question, a.citations FROM answers a JOIN votes v "
            "ON v.answer_id = a.id WHERE a.refused = 0 GROUP BY a.id "
            "HAVING SUM(v.vote) > 0 ORDER BY a.created"
        )

    def _with_citations(self, query: str) -> list[dict[str, Any]]:
        """The rows of `query`, its `citations` column read back from JSON."""
        with closing(self._connect()) as conn:
            rows = conn.execute(query).fetchall()
        return [dict(row) | {"citations": json.loads(row["citations"])} for row in rows]

    def summary(self, recent: int = 10) -> dict[str, Any]:
        with closing(self._connect()) as conn:
            answers, refused = conn.execute(
                "SELECT COUNT(*), COALESCE(SUM(refused), 0) FROM answers"
            ).fetchone()
            up, down = conn.execute(
                "SELECT COALESCE(SUM(vote = 1), 0), COALESCE(SUM(vote = -1), 0) FROM votes"
            ).fetchone()
        downvoted = [v for v in self.votes() if v["vote"] < 0][:recent]
        return {
            "answers": answers,
            "refused": refused,
            "up": up,
            "down": down,
            "recent_down": downvoted,
        }


def export_pairs(settings: Settings, path: Path) -> int:
    """`rag feedback --export FILE`: every answer with more 👍 than 👎 as a labelled pair in
    the gold-set format, its cited articles as the gold (what `rag tune` learns from).
    Returns how many were written."""
    store = FeedbackStore.for_settings(settings)
    confirmed = store.confirmed() if store.path.exists() else []
    written = 0
    with Path(path).open("w", encoding="utf-8") as out:
        for row in confirmed:
            gold = [
                {"doc_id": c["doc_id"], "article": c["article"]}
                for c in row["citations"]
                if c.get("article") is not None
            ]
            if gold:
                pair = {
                    "id": f"feedback-{row['id']}",
                    "question": row["question"],
                    "lang": "zh" if is_chinese(row["question"]) else "en",
                    "in_scope": True,
                    "gold": gold,
                    "facts": [],
                }
                out.write(json.dumps(pair, ensure_ascii=False) + "\n")
                written += 1
    return written


def print_summary(settings: Settings) -> None:
    """`rag feedback`: totals, then the most recent 👎 questions to look at."""
    store = FeedbackStore.for_settings(settings)
    if not store.path.exists():
        print(f"No feedback yet ({store.path} does not exist).")
        return
    s = store.summary()
    print(f"Feedback database: {store.path}")
    print(f"Answers posted: {s['answers']} ({s['refused']} refusals)")
    print(f"Votes: {s['up']} 👍  {s['down']} 👎")
    if s["recent_down"]:
        print("\nMost recent 👎:")
    for vote in s["recent_down"]:
        labels = ", ".join(c.get("label") or c.get("title", "") for c in vote["citations"])
        print(f"- {vote['created']}  {vote['question']!r}")
        print(f"    cited: {labels or '(nothing)'}")
