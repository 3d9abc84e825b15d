"""How much one user (or one address) may do: questions and uploads per minute, how many bytes
of uploads they may keep (``ui.quota``), and how fast wrong passwords may be tried. Counters
live in memory: a restart forgets them, which costs an attacker a restart they cannot cause."""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass


def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, default)))
    except ValueError:
        return default


def _env_megabytes(name: str, default: float) -> int:
    """Bytes from a number of MB in the environment (fractions allowed); ``default`` MB when unset or unusable."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        value = default
    return int((value if value > 0 else default) * 1024 * 1024)


QUESTIONS_PER_MINUTE = _env_int("CORPUSQA_QUESTIONS_PER_MINUTE", 30)
UPLOADS_PER_HOUR = _env_int("CORPUSQA_UPLOADS_PER_HOUR", 50)  # files, not requests
FILES_PER_UPLOAD = 10
UPLOAD_QUOTA_ENV = "CORPUSQA_UPLOAD_QUOTA_MB"
UPLOAD_QUOTA_BYTES = _env_megabytes(UPLOAD_QUOTA_ENV, 500)  # per user, of their uploads kept in the corpus
FREE_LOGIN_FAILURES = 5  # wrong passwords before tries are slowed
MAX_LOGIN_DELAY = 30.0  # seconds between tries once slowed, at most


class LimitExceeded(Exception):
    """Too much, too fast; the message says what the limit is and when to try again."""


class RateLimit:
    """At most ``count`` units per ``seconds`` per key, over a sliding window."""

    def __init__(self, count: int, seconds: float, what: str) -> None:
        self.count, self.seconds, self.what = count, seconds, what
        self._lock = threading.Lock()
        self._spent: dict[str, deque[float]] = defaultdict(deque)

    def take(self, key: str, units: int = 1) -> None:
        """Spend ``units`` for ``key`` or raise LimitExceeded (spending nothing)."""
        now = time.monotonic()
        with self._lock:
            spent = self._spent[key]
            while spent and spent[0] <= now - self.seconds:
                spent.popleft()
            if len(spent) + units > self.count:
                wait = (spent[len(spent) + units - self.count - 1] + self.seconds - now) if spent else self.seconds
                per = "a minute" if self.seconds == 60 else "an hour" if self.seconds == 3600 else \
                    f"per {self.seconds:g} s"
                raise LimitExceeded(f"too many {self.what}: at most {self.count} {per}; "
                                    f"try again in {max(1, round(wait))} s")
            spent.extend([now] * units)


@dataclass
class _Failures:
    count: int = 0  # wrong passwords since the last right one
    last: float = 0.0  # when the last try was let through or failed
    pending: int = 0  # tries let through and still being checked


class LoginThrottle:
    """Wrong passwords per user name and per client address. After ``FREE_LOGIN_FAILURES``
    failures a key must wait before its next try: 1 s, then 1 s more per failure, up to
    ``MAX_LOGIN_DELAY``; a try that comes early is refused unchecked (so guessing runs at most
    one try a second per name and per address, however many requests are sent). Tries being
    checked count as failures that have not happened yet: no more may be let through at once
    than failures are free (one at a time once slowed), and the rest are told to wait their turn
    (``attempt`` gives None), so that tries sent side by side cannot all be checked before the
    first fails, while a team logging in at once from one address is only queued, not refused.
    A right password clears the name's and the address's failures."""

    def __init__(self, free: int = FREE_LOGIN_FAILURES, max_delay: float = MAX_LOGIN_DELAY) -> None:
        self.free, self.max_delay = free, max_delay
        self._lock = threading.Lock()
        self._failures: dict[str, _Failures] = {}

    def _delay(self, failures: _Failures) -> float:
        return 0.0 if failures.count < self.free else min(self.max_delay, failures.count - self.free + 1.0)

    def _wait(self, keys: tuple[str, str], now: float) -> float:
        return max([0.0, *(f.last + self._delay(f) - now for key in keys if (f := self._failures.get(key)))])

    def wait(self, user: str, address: str) -> float:
        """Seconds before ``user`` may try again from ``address`` (0: now)."""
        with self._lock:
            return self._wait((f"user:{user}", f"addr:{address}"), time.monotonic())

    def attempt(self, user: str, address: str) -> float | None:
        """Let a try through (0: ``succeeded`` or ``failed`` must follow), the seconds it must
        wait (refuse it), or None: earlier tries of this name or address are still being
        checked and may yet fail, so ask again shortly. Checked and counted under one lock."""
        keys, now = (f"user:{user}", f"addr:{address}"), time.monotonic()
        with self._lock:
            wait = self._wait(keys, now)
            if wait > 0:
                return wait
            entries = [self._failures.get(key) or _Failures() for key in keys]
            if any(e.pending and (e.count + e.pending >= self.free) for e in entries):
                return None
            for key, entry in zip(keys, entries):
                entry.pending, entry.last = entry.pending + 1, now
                self._failures[key] = entry
            if len(self._failures) > 100_000:  # a spray of names must not grow memory without end
                oldest = sorted(self._failures, key=lambda k: self._failures[k].last)[:50_000]
                for key in oldest:
                    if not self._failures[key].pending:
                        del self._failures[key]
        return 0.0

    def failed(self, user: str, address: str) -> None:
        self._checked(user, address, right=False)

    def succeeded(self, user: str, address: str) -> None:
        self._checked(user, address, right=True)

    def _checked(self, user: str, address: str, right: bool) -> None:
        now = time.monotonic()
        with self._lock:
            for key in (f"user:{user}", f"addr:{address}"):
                entry = self._failures.get(key)
                if entry is None:
                    continue
                entry.pending = max(0, entry.pending - 1)
                entry.count, entry.last = (0, entry.last) if right else (entry.count + 1, now)
                if not entry.count and not entry.pending:
                    del self._failures[key]
