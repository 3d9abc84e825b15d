"""The Gradio chat page and its HTTP API (``ui/api.py``). Every handler acts as the logged-in
user through ``ui.access.Access`` (roles, folders, limits, audit); with accounts, what the page
offers (documents, the upload box) is filled in per user when the page loads."""

from __future__ import annotations

import re
from pathlib import Path

import gradio as gr

from qa.query import PASSAGES_READ
from qa.feedback import VERDICTS
from qa.query import MODES

from . import api, rendering
from .access import Access
from .errors import DELIBERATE, client_error, guarded
from .http_guard import HttpGuard
from .limits import FILES_PER_UPLOAD
from .permissions import ALLOWED, DELETE, UPLOAD
from .service import Service
from .uploads import MAX_UPLOAD_BYTES, UPLOAD_SUFFIXES

__all__ = ["Service", "build_app", "launch"]

EXAMPLES = [
    "How many vessels does Singapore supply with marine fuel each year?",
    "What will the US tariff on most South Korean goods be cut to?",
    "Which browser offers an incognito mode?",
    "What does the partnership plan for cybersecurity?",
]
_CITE_LINK = re.compile(r"\[\\\[(\d+)\\\]\]\(#cite-\d+\)")
NO_PASSAGE = "none of these"


def answered_examples(service: Service) -> list[str]:
    """The example questions (about the shipped documents) that this index answers: none
    suggested about documents a user's own corpus does not hold."""
    return [question for question in EXAMPLES if not service.ask(question).abstained]


def build_app(service: Service, access: Access | None = None) -> gr.Blocks:
    """The page; ``access`` (default: one user who may do everything) acts for each request's user."""
    access = access or Access(service)

    def current(request: gr.Request | None):
        return access.user(request.username if request is not None else None)

    # Gradio keeps stored uploads until restart: files never sent on to "Add documents" are
    # deleted after an hour (checked every 10 minutes); those that are, at once (Access.upload).
    with gr.Blocks(title="corpusqa", delete_cache=(600, 3600)) as demo:
        gr.Markdown("## corpusqa — answers from your documents, with the exact sources")
        asked = gr.State([])  # the questions of this browser session, for follow-ups
        answers = gr.State({})  # chat message index -> answer dict, for feedback and citations
        pending = gr.State(None)  # (rating id, answer dict) of a thumbs-down awaiting its reason
        with gr.Row():
            with gr.Column(scale=3):
                chat = gr.Chatbot(label="Conversation", height=460, elem_id="chat",
                                  feedback_options=("Like", "Dislike"), sanitize_html=True)
                with gr.Group(visible=False, elem_id="dislike-panel") as dislike_panel:
                    verdict = gr.Radio(list(VERDICTS), label="What was wrong?", elem_id="verdict")
                    right = gr.Dropdown([], label="The passage that answers it (optional)",
                                        elem_id="right-passage")
                    explain = gr.Button("Save", size="sm", elem_id="verdict-save")
                with gr.Row():
                    question = gr.Textbox(placeholder="Ask about the documents…", show_label=False,
                                          scale=5, elem_id="question", max_lines=4)
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask-button")
                # filled per user on load: with accounts, no user's page lists another's documents
                within = gr.Dropdown(service.documents() if not access.with_accounts else [], value=[],
                                     multiselect=True, elem_id="within",
                                     label="Only in these documents (none chosen: all of them)")
                generate = gr.Checkbox(service.llm is not None, visible=service.llm is not None, elem_id="generate",
                                       label=f"Let {service.llm.model if service.llm else 'the model'} write the "
                                             "answer (each sentence checked against its source)")
                # with accounts, examples could tell a reader what another folder answers: none shown
                examples = answered_examples(service) if not access.with_accounts else []
                if examples:
                    gr.Examples(examples, inputs=question, label="Try")
                with gr.Accordion("Settings", open=False):
                    mode = gr.Radio(list(MODES), value="hybrid", label="Retrieval mode", elem_id="mode")
                    k = gr.Slider(1, 20, value=PASSAGES_READ, step=1, label="Passages to read", elem_id="passages")
                with gr.Accordion("Add documents", open=False, elem_id="add-documents",
                                  visible=not access.with_accounts) as add_panel:
                    files = gr.File(file_count="multiple", file_types=list(UPLOAD_SUFFIXES),
                                    label=f"{', '.join(s.lstrip('.') for s in UPLOAD_SUFFIXES)}; "
                                          f"{MAX_UPLOAD_BYTES // 1048576} MB each, {FILES_PER_UPLOAD} at a time",
                                    elem_id="upload")
                    add = gr.Button("Add to the corpus and re-index", elem_id="add-button")
                    upload_status = gr.Textbox(label="Upload", interactive=False, lines=3, elem_id="upload-status")
            with gr.Column(scale=2):
                sources = gr.HTML(rendering.sources_html(None), elem_id="sources")
                picker = gr.Radio([], label="Open a citation in its document", elem_id="citation-picker")
                document = gr.HTML("", elem_id="document-view")

        def respond(message, chat_messages, asked_questions, answer_map, mode_value, k_value, generate_value,
                    chosen_docs, request: gr.Request):
            earlier = [_without_links(m) for m in chat_messages] + [
                {"role": "user", "content": rendering.markdown_text(message)}]
            try:
                user = current(request)
                if generate_value and service.llm is not None:
                    written = ""
                    for piece in access.ask_stream(user, message, asked_questions, mode_value, int(k_value),
                                                   chosen_docs):
                        if isinstance(piece, str):
                            written += piece
                            writing = rendering.streaming_markdown(written, service.llm.model)
                            yield (earlier + [{"role": "assistant", "content": writing}],) + (gr.skip(),) * 6
                        else:
                            answer = piece
                else:
                    answer = access.ask(user, message, asked_questions, mode_value, int(k_value), docs=chosen_docs)
            except DELIBERATE as error:
                gr.Warning(str(client_error(error).message))
                yield (gr.skip(),) * 7
                return
            messages = earlier + [{"role": "assistant", "content": rendering.answer_markdown(answer)}]
            answer_map = {**answer_map, len(messages) - 1: {**answer.as_dict(), "history": asked_questions}}
            yield (messages, "", asked_questions + [message], answer_map, rendering.sources_html(answer),
                   gr.update(choices=rendering.citation_choices(answer), value=None), "")

        outputs = [chat, question, asked, answers, sources, picker, document]
        inputs = [question, chat, asked, answers, mode, k, generate, within]
        for trigger in (send.click, question.submit):
            trigger(guarded(respond), inputs, outputs, api_visibility="private", concurrency_limit=4)

        def open_citation(choice, answer_map, request: gr.Request):
            if not choice or not answer_map:
                return ""
            latest = answer_map[max(answer_map)]
            citation = next((c for c in latest["citations"] if str(c["n"]) == str(choice)), None)
            found = access.document(current(request), citation["doc"]) if citation else None
            if found is None:
                return "<div class='cq-empty'>That document is no longer in the index.</div>"
            return rendering.cited_document_html(found.title, found.doc, found.text, citation)

        picker.select(guarded(open_citation), [picker, answers], document, api_visibility="private").then(
            None, js=rendering.SCROLL_TO_CITED)

        def rate(event: gr.LikeData, answer_map, request: gr.Request):
            answer = answer_map.get(event.index[0] if isinstance(event.index, list) else event.index)
            if answer is None:
                return None, gr.update(visible=False), gr.skip(), gr.skip()
            rating = access.rate(current(request), answer, answer.get("history", []), bool(event.liked))
            if event.liked:
                gr.Info("Thanks: feedback saved.")
                return None, gr.update(visible=False), gr.skip(), gr.skip()
            passages = [(rendering.passage_label(p), str(i)) for i, p in enumerate(answer["passages"])]
            return ((rating, answer), gr.update(visible=True), gr.update(value=None),
                    gr.update(choices=[(NO_PASSAGE, "")] + passages, value=""))

        chat.like(guarded(rate), [answers], [pending, dislike_panel, verdict, right], api_visibility="private")

        def save_reason(pending_rating, verdict_value, passage_index, request: gr.Request):
            if pending_rating is None:
                return None, gr.update(visible=False)
            if not verdict_value:
                gr.Warning("Choose what was wrong first.")
                return gr.skip(), gr.skip()
            rating, answer = pending_rating
            passage = answer["passages"][int(passage_index)] if passage_index else None
            access.explain(current(request), rating, verdict_value, passage)
            gr.Info("Thanks: feedback saved.")
            return None, gr.update(visible=False)

        explain.click(guarded(save_reason), [pending, verdict, right], [pending, dislike_panel], api_visibility="private")

        def add_documents(uploaded: list[str] | None, request: gr.Request, progress=gr.Progress()) -> str:
            """Add files to your folder of the corpus and re-index (editors and admins)."""
            user = current(request)
            access.check(user, UPLOAD)  # before anything else: a reader learns nothing here
            if not uploaded:
                return "Choose one or more files first."
            progress(0.1, desc="saving and re-indexing")
            return access.upload(user, [(Path(f).name, Path(f)) for f in uploaded])

        # named and public: an editor's script may upload too; a reader's call is refused by Access
        def refreshed_documents(request: gr.Request):
            return gr.update(choices=access.documents(current(request)))

        add.click(guarded(add_documents), files, upload_status, api_name="add_documents",
                  concurrency_limit=1).then(guarded(refreshed_documents), None, within, api_visibility="private")

        def on_load(request: gr.Request):
            """What this user's page offers: their documents, and the upload box if they may add."""
            user = current(request)
            may_add = bool({UPLOAD, DELETE} & ALLOWED[user.role])
            return gr.update(choices=access.documents(user)), gr.update(visible=may_add)

        demo.load(guarded(on_load), None, [within, add_panel], api_visibility="private")
        api.register(access)
    return demo


def _without_links(message: dict) -> dict:
    """Earlier answers keep their [n] markers as text: the picker holds the latest answer's."""
    if message.get("role") != "assistant" or not isinstance(message.get("content"), str):
        return message
    return {**message, "content": _CITE_LINK.sub(lambda m: f"\\[{m.group(1)}\\]", message["content"])}


def launch(service: Service, host: str = "127.0.0.1", port: int = 7860, auth=None,
           prevent_thread_lock: bool = False, quiet: bool = False, access: Access | None = None,
           ssl_certfile: str | None = None, ssl_keyfile: str | None = None, guard: HttpGuard | None = None):
    """Serve the page. With ``access`` holding accounts, logins are checked against them (and
    slowed, logged and expired by ``HttpGuard``); else ``auth`` is Gradio's (the shared password)."""
    access = access or Access(service)
    demo = build_app(service, access)
    demo.queue(default_concurrency_limit=4)
    middleware = []
    if access.with_accounts:
        from starlette.middleware import Middleware

        auth = _account_login(access)
        middleware = [Middleware(HttpGuardFactory(guard), access=access)]
    # show_error=False: an unexpected exception's text never reaches a client (ui.errors gives an id)
    return demo, demo.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=prevent_thread_lock,
                             quiet=quiet, css=rendering.PAGE_CSS, head=rendering.PAGE_HEAD, footer_links=["api"],
                             show_error=False, max_file_size=MAX_UPLOAD_BYTES, ssl_certfile=ssl_certfile,
                             ssl_keyfile=ssl_keyfile, app_kwargs={"middleware": middleware} if middleware else None)


LOGINS_CHECKED_AT_ONCE = 4  # each argon2 check holds 64 MiB: logins from many addresses at once wait


def _account_login(access: Access):
    """Gradio's login check against the accounts; argon2 runs in a worker thread (Gradio awaits
    it in its event loop, which a ~50 ms hash would otherwise stall for every user), a few at a
    time (a flood of logins would otherwise take 64 MiB per worker thread, 40 of them)."""
    import anyio

    limiter = None

    async def login(name: str, password: str) -> bool:
        nonlocal limiter
        limiter = limiter or anyio.CapacityLimiter(LOGINS_CHECKED_AT_ONCE)  # made in the server's loop
        return await anyio.to_thread.run_sync(access.accounts.verify, name, password, limiter=limiter)

    return login


class HttpGuardFactory:
    """Starlette builds middleware itself (``cls(app, **options)``); this hands it a guard made
    beforehand (tests keep theirs to shorten the session time) or a new one."""

    def __init__(self, guard: HttpGuard | None) -> None:
        self.guard = guard

    def __call__(self, app, access: Access) -> HttpGuard:
        if self.guard is None:
            return HttpGuard(app, access)
        self.guard.app = app
        return self.guard
