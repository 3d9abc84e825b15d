"""The audit log: one JSON object per line, appended, for every login (and failed one),
question, upload, deletion and re-index, with who, when, from where and the result. A question
is logged as a keyed hash by default (who asked what stays private, yet an admin holding the key
can tell whether a given question was asked); ``CORPUSQA_AUDIT_QUESTIONS=text`` logs the text."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from pathlib import Path

AUDIT_FILE = "audit.jsonl"
KEY_FILE = "audit.key"
QUESTIONS_ENV = "CORPUSQA_AUDIT_QUESTIONS"


class AuditLog:
    """The log file, held open for appending by one server; ``record`` writes one event."""

    def __init__(self, path: Path, question_text: bool | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.question_text = (os.environ.get(QUESTIONS_ENV, "hash") == "text") if question_text is None \
            else question_text
        self._key = None if self.question_text else _key(self.path.with_name(KEY_FILE))
        self._lock = threading.Lock()
        # O_APPEND: every write lands at the end, whatever else writes the file; never truncated
        self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def question(self, text: str) -> dict:
        """How a question is logged: its text, or its keyed hash."""
        if self.question_text:
            return {"question": text}
        digest = hmac.new(self._key, text.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
        return {"question_hash": digest[:32]}

    def record(self, action: str, user: str | None, result: str, **details) -> None:
        """Append one event: ``action`` (login, ask, search, upload, delete, reindex, …),
        ``result`` ("ok", "refused", "failed", "error"), and what else says what happened."""
        entry = {"time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "action": action, "user": user,
                 "result": result, **details}
        line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8", "replace")
        with self._lock:
            if self._fd is not None:
                os.write(self._fd, line)  # one write per line: lines never interleave

    def lines(self) -> list[dict]:
        with self.path.open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _key(path: Path) -> bytes:
    """The install's secret for question hashes, made once (0600) beside the log."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except (FileNotFoundError, ValueError):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        key = secrets.token_bytes(32)
        with os.fdopen(fd, "w") as out:
            out.write(key.hex())
        return key
