"""Ratings of answers, kept in SQLite beside the index, and their export as labelled
questions for ``corpusqa eval``. A thumbs-down is a label only once the rater says what was
wrong; the export writes exactly what was said and nothing it would have to guess. Each rating
names who gave it, and an export can be limited to the documents one user may read."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger("corpusqa.feedback")

FEEDBACK_FILE = "feedback.sqlite"
WRONG_ANSWER = "wrong answer"
SHOULD_HAVE_ANSWERED = "should have answered"
SHOULD_NOT_HAVE_ANSWERED = "should not have answered"
VERDICTS = (WRONG_ANSWER, SHOULD_HAVE_ANSWERED, SHOULD_NOT_HAVE_ANSWERED)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY, created TEXT NOT NULL, liked INTEGER NOT NULL, question TEXT NOT NULL,
    history TEXT NOT NULL, answer TEXT NOT NULL, abstained INTEGER NOT NULL, citations TEXT NOT NULL,
    short_answer TEXT, verdict TEXT, right_doc TEXT, right_passage TEXT, rater TEXT)
"""
# absent from files of earlier versions (a rating from before raters were recorded has none)
_ADDED_COLUMNS = ("verdict", "right_doc", "right_passage", "rater")


class FeedbackDamaged(RuntimeError):
    """The feedback file is not a readable SQLite database (and was not to be replaced)."""


class FeedbackStore:
    def __init__(self, path: Path, replace_damaged: bool = True) -> None:
        """Open (or start) the ratings in ``path``. A damaged file is moved aside as
        ``feedback.sqlite.damaged-<time>`` and a fresh one started (``replaced`` says so), so that
        a server still starts; with ``replace_damaged=False`` (an export) it is FeedbackDamaged."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path, self.replaced = path, None
        self._lock = threading.Lock()
        try:
            self._db = _opened(path)
        except sqlite3.DatabaseError as error:
            if not replace_damaged:
                raise FeedbackDamaged(f"{path.name} is damaged ({error})") from error
            aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
            for suffix in ("-journal", "-wal", "-shm", ""):  # SQLite's companions go with the old file
                if Path(f"{path}{suffix}").exists():
                    os.replace(f"{path}{suffix}", f"{aside}{suffix}")
            self.replaced = f"{path.name} was damaged ({error}): moved aside as {aside.name}, a new one started"
            log.warning("%s (in %s)", self.replaced, path.parent)
            self._db = _opened(path)

    def record(self, liked: bool, answer: dict, history: list[str], rater: str | None = None) -> int:
        """Save ``rater``'s rating of an answer (``answer`` as in ``corpusqa ask --json``); returns its id."""
        with self._lock, self._db:
            cursor = self._db.execute(
                "INSERT INTO feedback (created, liked, question, history, answer, abstained, citations, "
                "short_answer, rater) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (time.strftime("%Y-%m-%dT%H:%M:%S%z"), int(liked), answer["question"], json.dumps(history),
                 answer["answer"], int(answer["abstained"]), json.dumps(answer["citations"]),
                 answer.get("short_answer"), rater))
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

    def rows(self, readable: Callable[[str], bool] | None = None, rater: str | None = None) -> list[dict]:
        """Every rating; with ``readable`` (may this document be read?), only those whose every
        document (cited, or chosen as the right passage) is readable, and, of ratings naming no
        document (an abstention), only ``rater``'s own: what they hold came from elsewhere."""
        with self._lock:
            cursor = self._db.execute("SELECT * FROM feedback ORDER BY id")
            names = [d[0] for d in cursor.description]
            rows = [dict(zip(names, row)) for row in cursor.fetchall()]
        return rows if readable is None else [row for row in rows if _within(row, readable, rater)]

    def labelled(self, readable: Callable[[str], bool] | None = None,
                 rater: str | None = None) -> tuple[list[dict], int]:
        """The ratings that say something, as labelled questions, limited as ``rows`` limits
        them; and how many said too little to label."""
        records = [_as_labelled(row) for row in self.rows(readable, rater)]
        labelled = [r for r in records if r is not None]
        return labelled, len(records) - len(labelled)

    def export(self, path: Path, readable: Callable[[str], bool] | None = None,
               rater: str | None = None) -> tuple[int, int]:
        """Write ``labelled``'s questions as JSONL; returns how many were written and how many
        said too little to label."""
        labelled, unlabelled = self.labelled(readable, rater)
        with path.open("w", encoding="utf-8") as handle:
            for record in labelled:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        return len(labelled), unlabelled

    def close(self) -> None:
        self._db.close()


def _opened(path: Path) -> sqlite3.Connection:
    """A connection to the ratings, their table made or brought up to date; DatabaseError when
    the file is not a whole SQLite database (``PRAGMA quick_check``)."""
    db = sqlite3.connect(path, check_same_thread=False)
    try:
        said = [row[0] for row in db.execute("PRAGMA quick_check(3)")]
        if said != ["ok"]:
            raise sqlite3.DatabaseError(" ".join(" ".join(said).split())[:300])
        with db:
            db.execute(_SCHEMA)
            present = {row[1] for row in db.execute("PRAGMA table_info(feedback)")}
            for column in _ADDED_COLUMNS:
                if column not in present:
                    db.execute(f"ALTER TABLE feedback ADD COLUMN {column} TEXT")
    except sqlite3.DatabaseError:
        db.close()
        raise
    return db


def _within(row: dict, readable: Callable[[str], bool], rater: str | None) -> bool:
    docs = [citation["doc"] for citation in json.loads(row["citations"])]
    if row["right_doc"]:
        docs.append(row["right_doc"])
    return all(map(readable, docs)) if docs else rater is not None and row["rater"] == rater


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
