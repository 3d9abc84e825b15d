"""What each role may do and which documents a user may see. The folder filter becomes the
``docs`` argument every search and answer already takes, so the backends rank only the user's
documents (a row mask locally, a payload filter in Qdrant): a passage outside them is never
ranked, and so never cited, quoted, counted or sent to a model."""

from __future__ import annotations

from collections.abc import Sequence

from qa.query import QueryError

from .accounts import User

ASK, FEEDBACK, UPLOAD, DELETE, REINDEX, MANAGE_USERS = "ask", "feedback", "upload", "delete", "reindex", "users"
ALLOWED = {
    "reader": {ASK, FEEDBACK},
    "editor": {ASK, FEEDBACK, UPLOAD, DELETE},
    "admin": {ASK, FEEDBACK, UPLOAD, DELETE, REINDEX, MANAGE_USERS},
}
DOING = {UPLOAD: "add documents", DELETE: "delete documents", REINDEX: "re-index", MANAGE_USERS: "manage users",
         ASK: "ask questions", FEEDBACK: "give feedback"}


class Forbidden(PermissionError):
    """The user's role or folders do not allow this; the message says so without naming
    anything the user may not see."""


def require(user: User, action: str) -> None:
    if action not in ALLOWED.get(user.role, ()):
        article = "an" if user.role[:1] in "aeiou" else "a"
        raise Forbidden(f"not allowed: {article} {user.role} cannot {DOING[action]}")


def under(path: str, folder: str) -> bool:
    """Whether document ``path`` is ``folder`` itself or inside it (folders are whole path
    segments: "hr" holds "hr/pay.txt", not "hr-old/pay.txt")."""
    return path == folder or path.startswith(folder + "/")


def visible(user: User, path: str) -> bool:
    return not user.folders or any(under(path, folder) for folder in user.folders)


def visible_documents(user: User, documents: Sequence[str]) -> list[str]:
    return list(documents) if not user.folders else [d for d in documents if visible(user, d)]


def scoped_docs(user: User, requested: Sequence[str], documents: Sequence[str]) -> list[str]:
    """The ``docs`` filter to search with: what was asked for (``requested``: paths or folders)
    within the user's folders. A requested name outside them gets the same error as a name not
    indexed at all, so the error never tells that a hidden document exists."""
    names = [name.strip().removeprefix("./").strip("/") for name in requested]
    if not user.folders:
        return names
    mine = visible_documents(user, documents)
    if not mine:
        raise QueryError("no documents in your folders yet: ask an editor or admin to add some")
    if not names:  # everything the user may read: their folders that hold documents
        return [f for f in user.folders if any(under(d, f) for d in mine)]
    chosen: list[str] = []
    for name in names:
        # the name itself if it lies inside a folder of theirs; the folders of theirs inside it otherwise
        # ("hr" asked by a reader of "hr/policies" searches "hr/policies")
        inside = [name] if name and any(under(name, f) for f in user.folders) else \
            [f for f in user.folders if name and under(f, name)]
        found = [n for n in inside if any(under(d, n) for d in mine)]
        if not found:
            raise QueryError(f"no document or folder {name!r} in the index (see the document list)")
        chosen += found
    return list(dict.fromkeys(chosen))
