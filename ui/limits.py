"""How much one user (or one address) may do: questions and uploads per minute, and how fast
wrong passwords may be tried. Counters live in memory: a restart forgets them, which costs an
attacker a restart they cannot cause."""

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


QUESTIONS_PER_MINUTE = _env_int("CORPUSQA_QUESTIONS_PER_MINUTE", 30)
UPLOADS_PER_HOUR = _env_int("CORPUSQA_UPLOADS_PER_HOUR", 50)  # files, not requests
FILES_PER_UPLOAD = 10
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
    count: int = 0
    last: float = 0.0


class LoginThrottle:
    """Wrong passwords per user name and per client address. After ``FREE_LOGIN_FAILURES``
    failures a key must wait before its next try: 1 s, then 1 s more per failure, up to
    ``MAX_LOGIN_DELAY``; a try that comes early is refused unchecked (so guessing runs at most
    one try a second per name and per address, however many requests are sent, side by side
    too: a try counts as a failure from the moment it is let through until it succeeds). A
    success clears the name's and the address's count."""

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

    def attempt(self, user: str, address: str) -> float:
        """Let a try through (0) and count it as failed until ``succeeded`` says otherwise, or
        the seconds it must wait. Checked and counted under one lock: tries sent at once cannot
        all pass while the first is still being checked."""
        keys, now = (f"user:{user}", f"addr:{address}"), time.monotonic()
        with self._lock:
            wait = self._wait(keys, now)
            if wait > 0:
                return wait
            for key in keys:
                entry = self._failures.setdefault(key, _Failures())
                entry.count, entry.last = entry.count + 1, now
            if len(self._failures) > 100_000:  # a spray of names must not grow memory without end
                oldest = sorted(self._failures, key=lambda k: self._failures[k].last)[:50_000]
                for key in oldest:
                    del self._failures[key]
        return 0.0

    def succeeded(self, user: str, address: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{user}", None)
            self._failures.pop(f"addr:{address}", None)
