"""Every action of the page and its API, as one user: the role checked, the user's folders
turned into the search filter, the rate limits spent and the audit log written, here and
only here, so that no route can forget one. The page's handlers and the named endpoints call
this, never the ``Service`` directly."""

from __future__ import annotations

import dataclasses
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path

from index.scanning import CorpusError
from qa.records import Answer
from qa.query import QueryError

from .accounts import AccountError, Accounts, User, normalize_folder
from .audit import AuditLog
from .errors import checked_docs, checked_history, checked_text, scrub_answer, scrub_paths, unexpected
from .limits import (FILES_PER_UPLOAD, QUESTIONS_PER_MINUTE, UPLOAD_QUOTA_BYTES, UPLOADS_PER_HOUR, LimitExceeded,
                     RateLimit)
from .permissions import (ASK, DELETE, FEEDBACK, REINDEX, UPLOAD, Forbidden, require, scoped_docs, visible,
                          visible_documents)
from .quota import UploadQuota
from .service import Service
from .uploads import UPLOAD_FOLDER, UploadReport, save_uploads

SINGLE_USER = User("corpusqa", "admin", ())  # no accounts: the one person serving it may do everything
KEPT_ANSWERS = 200  # answers per user that feedback can refer to


class Access:
    """Acts for one user at a time on the ``Service``: what the page's handlers and the named
    endpoints call, so that roles, folders, limits and the audit log are applied in one place."""

    def __init__(self, service: Service, accounts: Accounts | None = None, audit: AuditLog | None = None,
                 upload_quota_bytes: int = UPLOAD_QUOTA_BYTES) -> None:
        """``accounts``: None (or none stored now) serves one person, who may do everything;
        ``upload_quota_bytes``: how much of their uploads each user (with accounts) may keep."""
        self.service, self.accounts, self.audit = service, accounts, audit
        # Decided once: if the users file were read as "no accounts" whenever it is emptied or
        # removed while serving, every session still logged in would act as that one person,
        # an admin over every folder. With accounts, no accounts left means nobody is let in.
        self.with_accounts = accounts is not None and bool(accounts)
        self.questions = RateLimit(QUESTIONS_PER_MINUTE, 60, "questions")
        self.uploads = RateLimit(UPLOADS_PER_HOUR, 3600, "uploaded files")
        self.upload_quota_bytes, self._quota = upload_quota_bytes, None  # the ledger, opened at the first upload
        self._quota_lock = threading.Lock()
        self._answers: dict[str, OrderedDict[str, tuple[dict, list[str]]]] = {}
        self._answers_lock = threading.Lock()

    def user(self, name: str | None) -> User:
        """The user a request was logged in as; Forbidden for none (or one since removed)."""
        if not self.with_accounts:
            return SINGLE_USER
        found = self.accounts.get(name)
        if found is None:
            raise Forbidden("not logged in: log in again")
        return found

    def check(self, user: User, action: str) -> None:
        """Forbidden (and a "refused" line in the audit log) unless ``user``'s role allows ``action``."""
        try:
            require(user, action)
        except Forbidden as error:
            self._record(action, user, "refused", reason=str(error))
            raise

    def _record(self, action: str, user: User, result: str, **details) -> None:
        if self.audit is not None:
            self.audit.record(action, user.name, result, **details)

    # -- reading
    def documents(self, user: User) -> list[str]:
        return visible_documents(user, self.service.documents())

    def document(self, user: User, doc: str):
        """A document to show, or None when it is not indexed or not the user's (alike)."""
        require(user, ASK)
        doc = checked_text(doc, "document")
        return self.service.document(doc) if visible(user, doc) else None

    def _scope(self, user: User, docs) -> list[str]:
        return scoped_docs(user, checked_docs(docs), self.service.documents())

    def _asking(self, user: User, action: str, question, history=None) -> tuple[str, list[str]]:
        require(user, ASK)
        question = checked_text(question, "question")
        history = checked_history(history)
        try:
            if self.with_accounts:  # one person's own server (or a test's load) is not rationed
                self.questions.take(user.name)
        except LimitExceeded:
            self._record(action, user, "refused", reason="rate limit", **self._said(question))
            raise
        return question, history

    def _said(self, question: str) -> dict:
        return self.audit.question(question) if self.audit is not None else {}

    def ask(self, user: User, question, history=None, mode: str = "hybrid", k: int = 8,
            generate: bool = False, docs=None) -> Answer:
        question, history = self._asking(user, "ask", question, history)
        try:
            answer = self.service.ask(question, history, mode, int(k), generate=bool(generate),
                                      docs=self._scope(user, docs))
        except QueryError as error:
            self._record("ask", user, "refused", reason=str(error), **self._said(question))
            raise
        self._record("ask", user, "ok", abstained=answer.abstained, **self._said(question))
        return scrub_answer(answer)

    def ask_stream(self, user: User, question, history=None, mode: str = "hybrid", k: int = 8,
                   docs=None) -> Iterator[str | Answer]:
        question, history = self._asking(user, "ask", question, history)
        scope = self._scope(user, docs)
        for piece in self.service.ask_stream(question, history, mode, int(k), scope):
            if isinstance(piece, Answer):
                self._record("ask", user, "ok", abstained=piece.abstained, generated=True, **self._said(question))
                piece = scrub_answer(piece)
            yield piece

    def search(self, user: User, query, k: int = 10, mode: str = "hybrid", docs=None):
        query, _ = self._asking(user, "search", query)
        result = self.service.retrieve(query, int(k), mode, self._scope(user, docs))
        self._record("search", user, "ok", hits=len(result.hits), **self._said(query))
        return dataclasses.replace(result, notice=scrub_paths(result.notice))  # as ask's: no absolute paths

    # -- feedback on answers this user was given
    def keep(self, user: User, answer: dict, history: list[str]) -> str:
        """Remember an answer given to ``user``; its id lets them rate it (and only it) later."""
        answer_id = f"{time.time_ns():x}"
        with self._answers_lock:
            kept = self._answers.setdefault(user.name, OrderedDict())
            kept[answer_id] = (answer, list(history))
            while len(kept) > KEPT_ANSWERS:
                kept.popitem(last=False)
        return answer_id

    def kept(self, user: User, answer_id: str) -> tuple[dict, list[str]]:
        with self._answers_lock:
            found = self._answers.get(user.name, {}).get(str(answer_id))
        if found is None:
            raise QueryError("no such answer of yours to rate (only recent answers can be rated)")
        return found

    def rate(self, user: User, answer: dict, history: list[str], liked: bool) -> int:
        require(user, FEEDBACK)
        rating = self.service.feedback.record(bool(liked), answer, history, rater=user.name)
        self._record("feedback", user, "ok", liked=bool(liked))
        return rating

    def explain(self, user: User, rating: int, verdict: str, passage: dict | None) -> None:
        require(user, FEEDBACK)
        self.service.feedback.explain(rating, verdict, passage)

    def export_feedback(self, user: User, path: Path) -> tuple[int, int]:
        """Write the ratings ``user`` may see as labelled questions (``FeedbackStore.export``): those
        of documents in their folders (and their own that name none); every rating for a user
        without folders."""
        require(user, FEEDBACK)
        return self.service.feedback.export(path, self._readable(user), rater=user.name)

    def feedback_labelled(self, user: User) -> tuple[list[dict], int]:
        """The labelled questions ``export_feedback`` would write for ``user`` (the same choice of
        ratings), and how many of those ratings said too little to label; for the HTTP API."""
        require(user, FEEDBACK)
        labelled, unlabelled = self.service.feedback.labelled(self._readable(user), rater=user.name)
        self._record("export", user, "ok", written=len(labelled))
        return labelled, unlabelled

    @staticmethod
    def _readable(user: User):
        return (lambda doc: visible(user, doc)) if user.folders else None

    # -- changing the corpus
    def upload_folder(self, user: User, folder: str | None) -> str:
        """Where ``user``'s uploads go: ``folder`` if it is theirs, else uploads/ (or, for a user
        with folders, uploads/ inside their first)."""
        if not folder:
            return UPLOAD_FOLDER if not user.folders else f"{user.folders[0]}/{UPLOAD_FOLDER}"
        try:
            folder = normalize_folder(folder)
        except AccountError as error:
            raise QueryError(str(error)) from error
        if not visible(user, folder):
            raise Forbidden(f"not allowed: you can add documents only to {', '.join(user.folders)}")
        return folder

    def upload(self, user: User, files: Sequence[tuple[str, Path]], folder: str | None = None) -> str:
        """Save uploaded ``(name, temporary path)`` pairs into the user's folder and re-index;
        the temporary files are removed whatever happens. Returns the report shown on the page."""
        try:
            self.check(user, UPLOAD)
            if len(files) > FILES_PER_UPLOAD:
                raise LimitExceeded(f"too many files at once: at most {FILES_PER_UPLOAD} per upload")
            target = self.upload_folder(user, folder)
            if self.with_accounts:  # as questions: one person's own server is not rationed
                self.quota().check(user.name, sum(path.stat().st_size for _, path in files))
            self.uploads.take(user.name, len(files))
            report = save_uploads(list(files), self.service.corpus, target)
            if self.with_accounts:
                self.quota().record(user.name, report.saved)
        except (LimitExceeded, QueryError) as error:
            self._record("upload", user, "refused", reason=str(error), files=len(files))
            raise
        finally:
            remove_temporary(path for _, path in files)
        self._record("upload", user, "ok" if report.saved else "rejected", saved=report.saved,
                     rejected=[name for name, _ in report.rejected])
        return self._reindexed(user, report)

    def quota(self) -> UploadQuota:
        with self._quota_lock:
            if self._quota is None:
                self._quota = UploadQuota(self.service.index_dir, self.service.corpus, self.upload_quota_bytes)
            return self._quota

    def _reindexed(self, user: User, report: UploadReport | None = None) -> str:
        if report is not None and not report.saved:
            return report.message()
        head = [report.message()] if report else []
        try:
            summary = self.service.reindex()
        except Exception as error:  # noqa: BLE001 - the previous index keeps serving; the log has the rest
            # a corpus problem is the user's to fix and is said; anything else is an error id
            said = scrub_paths(str(error)) if isinstance(error, CorpusError) else unexpected(error).message
            self._record("reindex", user, "failed", reason=scrub_paths(str(error)))
            return "\n".join([*head, f"re-indexing failed, the previous index is still used: {said}"])
        self._record("reindex", user, "ok", added=len(summary.added), removed=len(summary.removed))
        unusable = [f"not indexed {path}: {scrub_paths(str(reason))}" for path, reason in summary.skipped.items()
                    if report is None and visible(user, path) or report is not None and path in report.saved]
        return "\n".join([*head, *unusable,
                          f"re-indexed: {len(summary.added)} added, {len(summary.removed)} removed, "
                          f"{summary.embedded} passages embedded ({summary.seconds:.2f} s)"])

    def delete(self, user: User, doc: str) -> str:
        """Move a document of the user's folders out of the corpus (into ``<index-dir>/trash/``,
        whence it can be put back) and re-index."""
        self.check(user, DELETE)
        doc = checked_text(doc, "document").strip().strip("/")
        # the path itself, not where a link in it leads: deleting a link must not move its target
        source = (self.service.corpus / doc).parent.resolve() / (self.service.corpus / doc).name
        corpus = self.service.corpus.resolve()
        if not visible(user, doc) or doc not in self.service.documents() or not source.is_file() \
                or not source.parent.is_relative_to(corpus):
            self._record("delete", user, "refused", doc=doc if visible(user, doc) else None)
            raise QueryError(f"no document {doc!r} in the index (see the document list)")
        trash = self.service.index_dir / "trash" / time.strftime("%Y%m%dT%H%M%S") / doc
        trash.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source, trash)
        self._record("delete", user, "ok", doc=doc)
        return f"deleted {doc} (kept in the index folder's trash/)\n" + self._reindexed(user)

    def reindex(self, user: User) -> str:
        self.check(user, REINDEX)
        return self._reindexed(user)


def remove_temporary(paths) -> None:
    """Delete Gradio's stored copies of uploaded files (and their folders once empty): the
    upload cache would otherwise keep every file ever sent. Only paths inside that cache."""
    from gradio.utils import get_upload_folder

    cache = Path(get_upload_folder()).resolve()
    for path in paths:
        path = Path(path).resolve()
        if path.is_relative_to(cache) and path != cache:
            path.unlink(missing_ok=True)
            try:
                path.parent.rmdir() if path.parent != cache else None
            except OSError:
                pass


__all__ = ["Access", "Forbidden", "SINGLE_USER"]
