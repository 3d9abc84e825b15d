"""An ASGI layer in front of Gradio's routes for what Gradio does not do itself: slowing
wrong passwords per user name and per client address (and logging every login), expiring
login sessions, keeping login cookies off other sites' requests, refusing Gradio's file-upload
route to users who may not upload, refusing requests from other sites' pages, and tying each
Gradio session to the user who opened it (its session id is chosen by the client; another user
sending it would get that session's state and messages)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, urlsplit

from starlette.requests import Request

from .access import Access
from .limits import FILES_PER_UPLOAD, LoginThrottle
from .login_page import with_login_script
from .permissions import UPLOAD, Forbidden
from .uploads import MAX_UPLOAD_BYTES

SESSION_HOURS = float(os.environ.get("CORPUSQA_SESSION_HOURS", "12"))
MAX_BUFFERED_BODY = 2 * 1024 * 1024  # login forms and queue/join requests are small
# one upload request: FILES_PER_UPLOAD files of the largest size, with room for the form's parts
MAX_UPLOAD_REQUEST = FILES_PER_UPLOAD * (MAX_UPLOAD_BYTES + 64 * 1024)
_HEARTBEAT = re.compile(r"/heartbeat/([^/]+)$")


class HttpGuard:
    """The ASGI middleware (one per served app); with accounts it checks every HTTP request
    before Gradio sees it, without it passes everything through."""

    def __init__(self, app, access: Access, throttle: LoginThrottle | None = None,
                 session_seconds: float | None = None) -> None:
        self.app, self.access = app, access
        self.throttle = throttle or LoginThrottle()
        self.session_seconds = SESSION_HOURS * 3600 if session_seconds is None else session_seconds
        self._issued: dict[str, float] = {}  # login token -> when it was issued
        self._owners: dict[str, tuple[str, float]] = {}  # Gradio session id -> who opened it, when last used
        self.prune_seconds = 60.0  # how often ended logins and sessions are forgotten
        self._pruned = time.monotonic()
        self._lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.access.with_accounts:
            return await self.app(scope, receive, send)
        self._forget_stale(scope)
        path, method = scope["path"].rstrip("/"), scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        # Every method: Gradio's CORS layer lets any site read the answers when the host is not
        # loopback (GET /token would hand it the login token), so a foreign Origin gets nothing.
        if not _same_origin(headers):
            return await _reply(send, 403, "cross-origin requests are refused")
        user = self._session_user(scope, headers)
        if method == "GET" and not path and user is None:  # Gradio's login page: told what a 429 means
            return await with_login_script(self.app, scope, receive, send)
        if method == "POST" and path.endswith("/login"):
            return await self._login(scope, receive, send, headers)
        if method == "POST" and path.endswith("/upload"):
            try:
                self.access.check(self.access.user(user), UPLOAD)
            except Forbidden as error:
                return await _reply(send, 403, str(error))
            if not headers.get("content-length", "").isdigit():
                return await _reply(send, 411, "an upload must say its length")
            if int(headers["content-length"]) > MAX_UPLOAD_REQUEST:
                return await _reply(send, 413, f"too large: at most {FILES_PER_UPLOAD} files of "
                                               f"{MAX_UPLOAD_BYTES // 1048576} MB per upload")
        # the session a request names: in its query (queue/data, deep_link), its path (heartbeat)
        # or, for every other POST (queue/join, run, call, cancel, stream), its JSON body
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        sessions = query.get("session_hash", [])
        if heartbeat := _HEARTBEAT.search(path):
            sessions.append(heartbeat.group(1))
        if method == "POST" and not headers.get("content-type", "").startswith("multipart/"):
            body = await _body(receive)
            if body is None:
                return await _reply(send, 413, "request too large")
            sessions.append(_session_in(body))
            receive = _replay(body, receive)
        if not all(self._owned(session, user) for session in sessions):
            return await _reply(send, 403, "this session belongs to another user")
        return await self.app(scope, receive, send)

    def _owned(self, session: str | None, user: str | None) -> bool:
        """Whether ``user`` may use ``session``: the first logged-in user to name a session
        owns it; a request without a login may name only a session nobody owns yet."""
        if not session:
            return True
        with self._lock:
            owner, _ = self._owners.get(session, (None, 0.0))
            if owner is None and user:
                owner = user
            if owner is not None and owner == user:
                self._owners[session] = (owner, time.time())
            return owner is None or owner == user

    def tracked(self) -> tuple[int, int]:
        """How many login tokens and Gradio sessions the guard holds (both are forgotten once
        unused for a session's lifetime)."""
        with self._lock:
            return len(self._issued), len(self._owners)

    def _forget_stale(self, scope) -> None:
        """At most once per ``prune_seconds``: end the login tokens issued, and forget the
        sessions last used, more than a session's lifetime ago (Gradio forgets such a token
        too, so it cannot come back as new; a session unused that long belonged to an ended
        login), so the maps stay the size of the sessions in use."""
        now = time.monotonic()
        if now - self._pruned < self.prune_seconds:
            return
        self._pruned = now
        oldest = time.time() - self.session_seconds
        gradio_tokens = getattr(scope.get("app"), "tokens", None)
        with self._lock:
            ended = [token for token, at in self._issued.items() if at < oldest]
            for token in ended:
                del self._issued[token]
                if gradio_tokens is not None:
                    gradio_tokens.pop(token, None)
            self._owners = {session: seen for session, seen in self._owners.items() if seen[1] >= oldest}

    def _session_user(self, scope, headers) -> str | None:
        """The user of the request's login token; an expired token, one of a user since removed,
        or one issued before the user's password was last set is forgotten by Gradio here (the
        request then counts as logged out)."""
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get("cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed cookie header is a logged-out request
            return None
        tokens = {m.value for name, m in cookie.items() if name.startswith("access-token-")}
        gradio_tokens = getattr(scope.get("app"), "tokens", None)
        if not tokens or gradio_tokens is None:
            return None
        now = time.time()
        for token in tokens:
            user = gradio_tokens.get(token)
            if user is None:
                continue
            with self._lock:
                issued = self._issued.setdefault(token, now)
            account = self.access.accounts.get(user)
            if now - issued > self.session_seconds or account is None or issued < account.sessions_from:
                gradio_tokens.pop(token, None)
                with self._lock:
                    self._issued.pop(token, None)
                continue
            return user
        return None

    async def _login(self, scope, receive, send, headers):
        body = await _body(receive, 16 * 1024)
        if body is None:
            return await _reply(send, 413, "request too large")
        name = await _login_name(scope, body)
        if name is None:  # what Gradio would check could not be told: nothing is checked
            return await _reply(send, 400, "a login takes one username and one password")
        address = (scope.get("client") or ("unknown",))[0]
        wait = await self._turn(name, address)
        audit = self.access.audit
        if wait > 0:
            if audit:
                audit.record("login", name, "refused", address=address, reason="too many failed logins")
            seconds = max(1, round(wait))
            return await _reply(send, 429, f"too many failed logins: try again in {seconds} s",
                                [(b"retry-after", str(seconds).encode())])
        status = {}
        https = scope.get("scheme") == "https"

        async def recording_send(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [(key, _login_cookie(value, https) if key.lower() == b"set-cookie" else value)
                                      for key, value in message.get("headers", [])]
                for key, value in message["headers"]:
                    if key.lower() == b"set-cookie" and value.startswith(b"access-token-"):
                        token = value.split(b"=", 1)[1].split(b";", 1)[0].decode("latin-1")
                        with self._lock:
                            self._issued[token] = time.time()
            await send(message)

        succeeded = False
        try:
            await self.app(scope, _replay(body, receive), recording_send)
            succeeded = status.get("code") == 200
        finally:  # whatever happened, the try is over: else its name and address would wait for ever
            (self.throttle.succeeded if succeeded else self.throttle.failed)(name, address)
        if audit:
            audit.record("login", name, "ok" if succeeded else "failed", address=address)

    async def _turn(self, name: str, address: str) -> float:
        """0 when this try may be checked now, else the seconds to refuse it with; while earlier
        tries of the name or address are being checked it waits for them (they may fail)."""
        deadline = time.monotonic() + self.throttle.max_delay
        while (wait := self.throttle.attempt(name, address)) is None:
            if time.monotonic() > deadline:
                return 1.0
            await asyncio.sleep(0.02)
        return wait


def _login_cookie(value: bytes, https: bool) -> bytes:
    """Gradio's login cookie made SameSite=Lax (it sets None, which a cross-site request would
    carry) and, over HTTPS, Secure (the copy Gradio keeps for plain HTTP lacks it)."""
    if not value.startswith(b"access-token-"):
        return value
    value = re.sub(rb"(?i)samesite=none", b"SameSite=lax", value)
    if b"samesite=" not in value.lower():
        value += b"; SameSite=lax"
    if https and not re.search(rb"(?i);\s*secure(;|$)", value):
        value += b"; Secure"
    return value


async def _login_name(scope, body: bytes) -> str | None:
    """The user name of a login form as Gradio reads it (urlencoded, or multipart as the page
    sends it), stripped; None unless the form holds exactly one."""
    async def nothing_more():
        return {"type": "http.disconnect"}

    request = Request(scope, _replay(body, nothing_more))
    try:
        async with request.form(max_files=0, max_fields=10) as form:
            names = form.getlist("username")
    except Exception:  # noqa: BLE001 - an unreadable form is no login
        return None
    return names[0].strip() if len(names) == 1 and isinstance(names[0], str) else None


def _session_in(body: bytes) -> str | None:
    try:
        session = json.loads(body).get("session_hash")
    except (ValueError, AttributeError):
        return None
    return session if isinstance(session, str) else None


def _same_origin(headers: dict[str, str]) -> bool:
    """A request without Origin (an API client, a same-origin GET) or from a page of this same host."""
    origin = headers.get("origin")
    if not origin:
        return True
    hosts = {headers.get("host"), headers.get("x-forwarded-host")}
    return urlsplit(origin).netloc in hosts


async def _body(receive, limit: int = MAX_BUFFERED_BODY) -> bytes | None:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if size > limit:
            return None
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive):
    """``receive`` with the already-read ``body`` given first (later calls wait for the
    client's disconnect as before)."""
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replayed


async def _reply(send, status: int, detail: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    payload = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                            *headers]})
    await send({"type": "http.response.body", "body": payload})
