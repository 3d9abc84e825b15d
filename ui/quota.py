"""How many bytes of uploads each user may keep in the corpus. Who uploaded which file is kept
in ``<index-dir>/uploads.sqlite`` (SQLite: a second server on the same index sees the same
ledger); a user's usage is the size of their uploads still in the corpus, so a deleted one
(moved to the trash) no longer counts."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from .limits import LimitExceeded

LEDGER_FILE = "uploads.sqlite"
MB = 1024 * 1024


def megabytes(size: float) -> str:
    return f"{size / MB:.1f} MB" if size >= MB // 10 else f"{size / 1024:.0f} KB"


class UploadQuota:
    """At most ``limit`` bytes of uploaded files per user in the corpus; ``check`` before an
    upload is saved, ``record`` what was saved."""

    def __init__(self, index_dir: Path, corpus: Path, limit: int) -> None:
        self.corpus, self.limit = Path(corpus), int(limit)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(Path(index_dir) / LEDGER_FILE, check_same_thread=False, timeout=30)
        with self._db:
            self._db.execute("CREATE TABLE IF NOT EXISTS uploads (path TEXT PRIMARY KEY, user TEXT NOT NULL, "
                             "bytes INTEGER NOT NULL)")

    def used(self, user: str) -> int:
        """Bytes of ``user``'s uploads still in the corpus (as recorded when saved)."""
        with self._lock:
            rows = self._db.execute("SELECT path, bytes FROM uploads WHERE user = ?", (user,)).fetchall()
        return sum(size for path, size in rows if (self.corpus / path).is_file())

    def check(self, user: str, incoming: int) -> None:
        """LimitExceeded (nothing is saved) when ``incoming`` more bytes would take ``user`` past the limit."""
        used = self.used(user)
        if used + incoming > self.limit:
            raise LimitExceeded(
                f"upload quota reached: your uploads in the corpus take {megabytes(used)} of the "
                f"{megabytes(self.limit)} each user may keep, and these files are {megabytes(incoming)}; "
                "delete some of yours first or ask an admin to raise the quota")

    def record(self, user: str, paths: Iterable[str]) -> None:
        """``user`` uploaded ``paths`` (relative to the corpus; a path used before is theirs now)."""
        rows = [(path, user, (self.corpus / path).stat().st_size) for path in paths]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO uploads (path, user, bytes) VALUES (?, ?, ?)", rows)

    def close(self) -> None:
        self._db.close()
