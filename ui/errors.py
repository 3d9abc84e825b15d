"""What a client may be told when something goes wrong: the deliberate messages (an empty or
over-long query, a refused action, a limit hit) as they are; anything unexpected as a short
message with an error id, its traceback only in the server's log. Also the checks that turn
inputs of the wrong type into such deliberate messages, and the scrubbing of absolute paths
from what is sent (a notice naming a damaged index file says which file, not where it lives)."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import logging
import re
import secrets

import gradio as gr

from qa.records import Answer
from qa.query import QueryError

from .accounts import AccountError
from .limits import LimitExceeded
from .permissions import Forbidden

log = logging.getLogger("corpusqa.errors")
DELIBERATE = (QueryError, Forbidden, LimitExceeded, AccountError)
_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])(?:/[^\s/'\"()\[\]]+)+/([^\s/'\"()\[\]]+)")


def unexpected(error: BaseException) -> gr.Error:
    """Log ``error`` with its traceback under a new id; the client gets only the id."""
    error_id = secrets.token_hex(4)
    log.error("error %s", error_id, exc_info=error)
    return gr.Error(f"something went wrong on the server (error id {error_id}); the details are in its log")


def client_error(error: BaseException) -> gr.Error:
    if isinstance(error, gr.Error):
        return error
    if isinstance(error, DELIBERATE):
        return gr.Error(scrub_paths(str(error)))
    return unexpected(error)


def guarded(function):
    """``function`` (a Gradio handler: plain or a generator) with every exception turned into
    what a client may see (``client_error``). The signature is kept: Gradio reads it."""
    if inspect.isgeneratorfunction(function):
        @functools.wraps(function)
        def generator(*args, **kwargs):
            try:
                yield from function(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - deliberately every one
                raise client_error(error) from None
        return generator

    @functools.wraps(function)
    def plain(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except Exception as error:  # noqa: BLE001
            raise client_error(error) from None
    return plain


def checked_text(value, what: str = "query") -> str:
    """``value`` if it is text that can be encoded (a lone surrogate cannot: the tokenizer
    would fail on it), else a deliberate error."""
    if not isinstance(value, str):
        raise QueryError(f"the {what} must be text, not {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise QueryError(f"the {what} holds characters that are not valid text (lone surrogates)") from None
    return value


def checked_history(history) -> list[str]:
    """The earlier questions: None, or a list of strings."""
    if history is None or history == "":
        return []
    if not isinstance(history, (list, tuple)) or not all(isinstance(h, str) for h in history):
        raise QueryError("history must be a list of the earlier questions (strings), oldest first")
    return [checked_text(h, "history") for h in history]


def checked_docs(docs) -> list[str]:
    """The documents or folders to search in: None, one path as a string (one folder, not its
    characters), or a list of strings."""
    if docs is None or docs == "":
        return []
    if isinstance(docs, str):
        return [checked_text(docs, "document")]
    if not isinstance(docs, (list, tuple)) or not all(isinstance(d, str) for d in docs):
        raise QueryError("docs must be a document path or folder, or a list of them")
    return [checked_text(d, "document") for d in docs]


def scrub_paths(text: str | None) -> str | None:
    """``text`` with every absolute path cut to its last part ("/srv/x/.corpusqa/gen/dense.faiss"
    → "dense.faiss")."""
    return text if not text else _ABSOLUTE_PATH.sub(r"\1", text)


def scrub_answer(answer: Answer) -> Answer:
    return dataclasses.replace(answer, notice=scrub_paths(answer.notice)) if answer.notice else answer
