"""Ratings of answers, kept in SQLite beside the index, and their export as labelled
questions for ``corpusqa eval``. A thumbs-down is a label only once the rater says what was
wrong; the export writes exactly what was said and nothing it would have to guess."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

FEEDBACK_FILE = "feedback.sqlite"
WRONG_ANSWER = "wrong answer"
SHOULD_HAVE_ANSWERED = "should have answered"
SHOULD_NOT_HAVE_ANSWERED = "should not have answered"
VERDICTS = (WRONG_ANSWER, SHOULD_HAVE_ANSWERED, SHOULD_NOT_HAVE_ANSWERED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, created TEXT NOT NULL, liked INTEGER NOT NULL, question TEXT NOT NULL,
    history TEXT NOT NULL, answer TEXT NOT NULL, abstained INTEGER NOT NULL, citations TEXT NOT NULL,
    short_answer TEXT, verdict TEXT, right_doc TEXT, right_passage TEXT)
"""
_ADDED_COLUMNS = ("verdict", "right_doc", "right_passage")  # absent from files of earlier versions


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False)
        with self._db:
            self._db.execute(_SCHEMA)
            present = {row[1] for row in self._db.execute("PRAGMA table_info(feedback)")}
            for column in _ADDED_COLUMNS:
                if column not in present:
                    self._db.execute(f"ALTER TABLE feedback ADD COLUMN {column} TEXT")

    def record(self, liked: bool, answer: dict, history: list[str]) -> int:
        """Save one rating of an answer (``answer`` as in ``corpusqa ask --json``); returns its id."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO feedback (created, liked, question, history, answer, abstained, citations, "
                "short_answer) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (time.strftime("%Y-%m-%dT%H:%M:%S%z"), int(liked), answer["question"], json.dumps(history),
                 answer["answer"], int(answer["abstained"]), json.dumps(answer["citations"]),
                 answer.get("short_answer")))
            return int(cursor.lastrowid)

    def explain(self, rating: int, verdict: str, right_passage: dict | None = None) -> None:
        """What was wrong with a disliked answer, and optionally the passage that answers
        (a ``{"doc", "text"}`` of one of the answer's passages)."""
        if verdict not in VERDICTS:
            raise ValueError(f"unknown verdict {verdict!r}: one of {', '.join(VERDICTS)}")
        doc, text = (right_passage["doc"], right_passage["text"]) if right_passage else (None, None)
        with self._lock, self._db:
            updated = self._db.execute(
                "UPDATE feedback SET verdict = ?, right_doc = ?, right_passage = ? WHERE id = ? AND liked = 0",
                (verdict, doc, text, rating)).rowcount
        if not updated:
            raise ValueError(f"no thumbs-down with id {rating}")

    def rows(self) -> list[dict]:
        with self._lock:
            cursor = self._db.execute("SELECT * FROM feedback ORDER BY id")
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row)) for row in cursor.fetchall()]

    def export(self, path: Path) -> tuple[int, int]:
        """Write the ratings that say something as labelled questions (JSONL); returns how
        many were written and how many said too little to label."""
        records = [_as_labelled(row) for row in self.rows()]
        labelled = [r for r in records if r is not None]
        with path.open("w", encoding="utf-8") as handle:
            for record in labelled:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        return len(labelled), len(records) - len(labelled)

    def close(self) -> None:
        self._db.close()


def _as_labelled(row: dict) -> dict | None:
    """A liked answer: answerable, its first citation the evidence (a liked abstention:
    unanswerable). A disliked one: what the rater said, or None when that is not enough."""
    base = {"id": f"feedback-{row['id']}", "question": row["question"],
            "history": json.loads(row["history"]), "split": "feedback"}
    if row["liked"]:
        citations = json.loads(row["citations"])
        if row["abstained"] or not citations:
            return {**base, "kind": "feedback-up", "answerable": False}
        first = citations[0]
        return {**base, "kind": "feedback-up", "answerable": True, "doc": first["doc"],
                "evidence": first["quote"], "answers": [row["short_answer"] or first["quote"]]}
    if row["verdict"] == SHOULD_NOT_HAVE_ANSWERED:
        return {**base, "kind": "feedback-down", "answerable": False}
    if row["verdict"] in (WRONG_ANSWER, SHOULD_HAVE_ANSWERED) and row["right_passage"]:
        # Correct when an answer cites the right passage (labelled_eval: no accepted strings).
        return {**base, "kind": "feedback-down", "answerable": True, "doc": row["right_doc"],
                "evidence": row["right_passage"], "answers": []}
    return None
