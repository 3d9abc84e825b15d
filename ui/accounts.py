"""The user accounts a served page logs people in with: names, roles, the folders each may
read, and argon2 password hashes, kept in one JSON file (``<index-dir>/users.json`` unless
``--users FILE``) that only its owner can read (mode 0600), rewritten atomically so that a
crash or a second ``corpusqa users`` never leaves half a file. ``corpusqa users`` edits it; a
running ``serve`` rereads it when it changes, so an added, removed or demoted user takes effect
without a restart."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# argon2id (argon2-cffi, the maintained binding of the reference C code): a memory-hard hash,
# so a stolen users.json costs an attacker memory as well as time per guess (a GPU cannot run
# thousands of guesses in parallel as it can for SHA-256 or PBKDF2). The library's default
# parameters (RFC 9106's low-memory profile: 64 MiB, 3 passes) take ~50 ms per check here.
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

USERS_FILE = "users.json"
ROLES = ("reader", "editor", "admin")
MIN_PASSWORD_CHARS = 8
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}")
_HASHER = PasswordHasher()
# Checked when a name is unknown, so that a login takes as long for a wrong name as for a wrong
# password (the time would otherwise tell which names exist).
_DUMMY_HASH = _HASHER.hash("not a password of anyone")


class AccountError(ValueError):
    """An unusable name, role, folder or password; the message says why."""


@dataclass(frozen=True)
class User:
    """Who is asking: a role and the folders (prefixes of document paths) they may read;
    no folders means every document."""

    name: str
    role: str = "admin"
    folders: tuple[str, ...] = field(default_factory=tuple)
    sessions_from: float = 0.0  # when the password was last set: a login token issued before is void

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "folders": list(self.folders)}


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise AccountError(f"unusable user name {name!r}: 1 to 64 letters, digits or _ . @ -, starting with a "
                           "letter or digit")
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    return role


def normalize_folder(folder: str) -> str:
    """A folder as document paths spell it ("./hr/" → "hr"); AccountError for an absolute path,
    "..", or nothing (a user with no folders already reads everything)."""
    cleaned = folder.strip().replace("\\", "/").strip("/")
    parts = [p for p in PurePosixPath(cleaned).parts if p != "."] if cleaned else []
    if not parts or ".." in parts or folder.strip().startswith("/"):
        raise AccountError(f"unusable folder {folder!r}: a path inside the corpus, as documents are named "
                           "(e.g. hr or reports/2025)")
    return "/".join(parts)


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"password too short: at least {MIN_PASSWORD_CHARS} characters")
    return password


class Accounts:
    """The users file: read on demand (and again when it changes), written atomically under a lock."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        # (inode, mtime, size) of the file last read: each write renames a new file into place,
        # so a rewrite within one mtime tick (same size: a changed password) is still seen
        self._seen: tuple[int, int, int] | None = None
        self._users: dict[str, dict] = {}

    # -- reading
    def _entries(self) -> dict[str, dict]:
        """The stored users, reread when the file changed (a stat per call: cheap)."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            with self._lock:
                self._seen, self._users = None, {}
            return {}
        with self._lock:
            seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            if self._seen != seen:
                self._users = _read(self.path)
                self._seen = seen
            return self._users

    def __bool__(self) -> bool:
        return bool(self._entries())

    def names(self) -> list[str]:
        return sorted(self._entries())

    def get(self, name: str | None) -> User | None:
        entry = self._entries().get(name) if name else None
        return None if entry is None else User(name, entry["role"], tuple(entry.get("folders", ())),
                                                entry.get("password_set", 0.0))

    def verify(self, name: str, password: str) -> bool:
        """Whether ``password`` is ``name``'s; as slow for an unknown name as for a known one."""
        entry = self._entries().get(name)
        try:
            return _HASHER.verify(entry["hash"] if entry else _DUMMY_HASH, password) and entry is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    # -- writing
    def add(self, name: str, role: str, folders: list[str], password: str) -> User:
        check_name(name), check_role(role), check_password(password)
        chosen = sorted({normalize_folder(f) for f in folders})
        with self._editing() as users:
            if name in users:
                raise AccountError(f"user {name!r} exists: `corpusqa users passwd` changes the password, "
                                   "`users remove` then `users add` the role or folders")
            users[name] = {"role": role, "folders": chosen, "hash": _HASHER.hash(password), "password_set": time.time()}
        return User(name, role, tuple(chosen))

    def remove(self, name: str) -> None:
        with self._editing() as users:
            if users.pop(name, None) is None:
                raise AccountError(f"no user {name!r}")

    def passwd(self, name: str, password: str) -> None:
        check_password(password)
        with self._editing() as users:
            if name not in users:
                raise AccountError(f"no user {name!r}")
            users[name]["hash"] = _HASHER.hash(password)
            users[name]["password_set"] = time.time()  # every session logged in before it ends

    @contextlib.contextmanager
    def _editing(self):
        """The stored users to change in place, written back atomically; one writer at a time
        (an flock on a lock file beside it, so two `corpusqa users` commands never lose an edit)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_fd = os.open(self.path.with_name(f".{self.path.name}.lock"), os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX)
            users = _read(self.path) if self.path.exists() else {}
            yield users
            _write(self.path, users)
        finally:
            os.close(lock_fd)


def _read(path: Path) -> dict[str, dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        users = data["users"]
        if not isinstance(users, dict) or not all(
                isinstance(u, dict) and u.get("role") in ROLES and isinstance(u.get("hash"), str)
                # a hand-edited "folders": "hr" would otherwise be read as the folders "h" and "r"
                and isinstance(u.get("folders", []), list)
                and all(isinstance(f, str) and f for f in u.get("folders", []))
                for u in users.values()):
            raise ValueError("unexpected entries")
        return users
    except (OSError, ValueError, KeyError, TypeError) as error:
        # Serving without the accounts would open the page to everyone: refuse instead.
        raise AccountError(f"unreadable users file {path.name} ({error}): fix or remove it") from error


def _write(path: Path, users: dict[str, dict]) -> None:
    """Write to a 0600 temporary file beside ``path``, flush it to disk, then rename it over
    ``path``: readers see the old file or the new one, never a mix, and never a readable hash."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # created 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"version": 1, "users": users}, out, indent=2, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
