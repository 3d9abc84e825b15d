"""The page's named HTTP endpoints (``gradio_client.Client(url, auth=(name, password))``):
ask, search, documents, document, feedback, export_feedback, delete and reindex (uploads are the page's own
``add_documents`` event, named too). Each acts as the logged-in user through ``Access``, which
checks the role and folders; every error reaches the client as ``ui.errors`` allows."""

from __future__ import annotations

import gradio as gr

from qa.query import PASSAGES_READ
from qa.feedback import VERDICTS
from qa.query import QueryError

from .access import Access
from .errors import guarded


def register(access: Access) -> None:
    """Add the endpoints to the Blocks being built."""

    def user(request: gr.Request | None):
        return access.user(request.username if request is not None else None)

    @guarded
    def ask(question: str, history: list[str] | None = None, mode: str = "hybrid", k: int = PASSAGES_READ,
            generate: bool = False, docs: list[str] | None = None, request: gr.Request = None) -> dict:
        """Answer from the documents (only ``docs``, if given: a path or folder, or a list of
        them); the same JSON as `corpusqa ask --json` (`--llm` with generate), plus
        ``answer_id`` for ``feedback``."""
        who = user(request)
        answer = access.ask(who, question, history, mode, k, generate, docs).as_dict()
        return {**answer, "answer_id": access.keep(who, answer, history or [])}

    @guarded
    def search(query: str, k: int = 10, mode: str = "hybrid", docs: list[str] | None = None,
               request: gr.Request = None) -> dict:
        """The best passages (only in ``docs``, if given); the same JSON as `corpusqa search --json`."""
        result = access.search(user(request), query, k, mode, docs)
        return {"query": query, "mode": result.mode, "notice": result.notice,
                "hits": [h.as_dict() for h in result.hits]}

    @guarded
    def documents(request: gr.Request = None) -> list[str]:
        """The documents you may read (what ``docs`` may name)."""
        return access.documents(user(request))

    @guarded
    def document(doc: str, request: gr.Request = None) -> dict:
        """A document's full text, to read a citation in context."""
        found = access.document(user(request), doc)
        if found is None:
            raise QueryError(f"no document {doc!r} in the index (see the document list)")
        return {"doc": found.doc, "title": found.title, "text": found.text}

    @guarded
    def feedback(answer_id: str, liked: bool, verdict: str | None = None, passage: int | None = None,
                 request: gr.Request = None) -> dict:
        """Rate an answer you were given (``answer_id`` from ``ask``); a thumbs-down may say what
        was wrong (``verdict``) and which of its passages answers (``passage``, an index)."""
        who = user(request)
        answer, history = access.kept(who, answer_id)
        if verdict is not None and verdict not in VERDICTS:
            raise QueryError(f"unknown verdict {verdict!r}: one of {', '.join(VERDICTS)}")
        rating = access.rate(who, answer, history, bool(liked))
        if verdict and not liked:
            if passage is not None and not (isinstance(passage, int) and 0 <= passage < len(answer["passages"])):
                raise QueryError("passage must be the index of one of the answer's passages")
            access.explain(who, rating, verdict, answer["passages"][passage] if passage is not None else None)
        return {"rating": rating}

    @guarded
    def export_feedback(request: gr.Request = None) -> dict:
        """The ratings you may see as labelled questions, as `corpusqa feedback export` writes them
        (one JSON object each): those whose documents all lie in your folders, and your own that
        name none; every rating for a user without folders. ``unlabelled``: ratings that said too
        little to label."""
        labelled, unlabelled = access.feedback_labelled(user(request))
        return {"records": labelled, "written": len(labelled), "unlabelled": unlabelled}

    @guarded
    def delete(doc: str, request: gr.Request = None) -> str:
        """Remove a document of your folders from the corpus (kept in the index folder's trash/) and re-index."""
        return access.delete(user(request), doc)

    @guarded
    def reindex(request: gr.Request = None) -> str:
        """Bring the index up to date with the corpus folder (admins)."""
        return access.reindex(user(request))

    for function in (ask, search, documents, document, feedback, export_feedback, delete, reindex):
        gr.api(function, api_name=function.__name__)
