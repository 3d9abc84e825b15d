"""Thumbs up/down on answers, kept in SQLite beside the index, exportable as labelled
questions for ``corpusqa eval``."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

FEEDBACK_FILE = "feedback.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, created TEXT NOT NULL, liked INTEGER NOT NULL, question TEXT NOT NULL,
    history TEXT NOT NULL, answer TEXT NOT NULL, abstained INTEGER NOT NULL, citations TEXT NOT NULL,
    short_answer TEXT)
"""


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._db:
            self._db.execute(_SCHEMA)

    def record(self, liked: bool, answer: dict, history: list[str]) -> int:
        """Save one rating of an answer (``answer`` as in ``corpusqa ask --json``)."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO feedback (created, liked, question, history, answer, abstained, citations, "
                "short_answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (time.strftime("%Y-%m-%dT%H:%M:%S%z"), int(liked), answer["question"], json.dumps(history),
                 answer["answer"], int(answer["abstained"]), json.dumps(answer["citations"]),
                 answer.get("short_answer")))
            return int(cursor.lastrowid)

    def rows(self) -> list[dict]:
        with self._lock:
            cursor = self._db.execute("SELECT * FROM feedback ORDER BY id")
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def export(self, path: Path) -> int:
        """Write the ratings as labelled questions (JSONL). A liked answer becomes an
        answerable question whose evidence is its first citation; a disliked one a question
        the assistant should not have answered that way (``answerable: false``)."""
        records = [_as_labelled(row) for row in self.rows()]
        with path.open("w", encoding="utf-8") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        return len(records)

    def close(self) -> None:
        self._db.close()


def _as_labelled(row: dict) -> dict:
    citations = json.loads(row["citations"])
    first = citations[0] if citations else None
    liked = bool(row["liked"])
    answers = [row["short_answer"]] if row["short_answer"] else ([first["quote"]] if first else [])
    return {
        "id": f"feedback-{row['id']}", "question": row["question"],
        "kind": "feedback-up" if liked else "feedback-down",
        "answerable": liked and not row["abstained"],
        "doc": first["doc"] if liked and first else None,
        "evidence": first["quote"] if liked and first else None,
        "answers": answers if liked else [], "history": json.loads(row["history"]), "split": "test",
    }
