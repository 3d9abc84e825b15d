"""The Gradio chat page and its HTTP API (``ask`` and ``search``)."""

from __future__ import annotations

import re
from pathlib import Path

import gradio as gr

from index.scanning import CorpusError
from qa.assistant import PASSAGES_READ
from qa.feedback import VERDICTS
from qa.retrieval import MODES, QueryError

from . import rendering
from .service import Service
from .uploads import UPLOAD_SUFFIXES, save_uploads

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


def build_app(service: Service) -> gr.Blocks:
    with gr.Blocks(title="corpusqa") as demo:
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
                within = gr.Dropdown(service.documents(), value=[], multiselect=True, elem_id="within",
                                     label="Only in these documents (none chosen: all of them)")
                generate = gr.Checkbox(service.llm is not None, visible=service.llm is not None, elem_id="generate",
                                       label=f"Let {service.llm.model if service.llm else 'the model'} write the "
                                             "answer (each sentence checked against its source)")
                examples = answered_examples(service)
                if examples:
                    gr.Examples(examples, inputs=question, label="Try")
                with gr.Accordion("Settings", open=False):
                    mode = gr.Radio(list(MODES), value="hybrid", label="Retrieval mode", elem_id="mode")
                    k = gr.Slider(1, 20, value=PASSAGES_READ, step=1, label="Passages to read", elem_id="passages")
                with gr.Accordion("Add documents", open=False):
                    files = gr.File(file_count="multiple", file_types=list(UPLOAD_SUFFIXES),
                                    label=f"{', '.join(s.lstrip('.') for s in UPLOAD_SUFFIXES)}; 10 MB each",
                                    elem_id="upload")
                    add = gr.Button("Add to the corpus and re-index", elem_id="add-button")
                    upload_status = gr.Textbox(label="Upload", interactive=False, lines=3, elem_id="upload-status")
            with gr.Column(scale=2):
                sources = gr.HTML(rendering.sources_html(None), elem_id="sources")
                picker = gr.Radio([], label="Open a citation in its document", elem_id="citation-picker")
                document = gr.HTML("", elem_id="document-view")

        def respond(message, chat_messages, asked_questions, answer_map, mode_value, k_value, generate_value,
                    chosen_docs):
            earlier = [_without_links(m) for m in chat_messages] + [
                {"role": "user", "content": rendering.markdown_text(message)}]
            try:
                if generate_value and service.llm is not None:
                    written = ""
                    for piece in service.ask_stream(message, asked_questions, mode_value, int(k_value), chosen_docs):
                        if isinstance(piece, str):
                            written += piece
                            writing = rendering.streaming_markdown(written, service.llm.model)
                            yield (earlier + [{"role": "assistant", "content": writing}],) + (gr.skip(),) * 6
                        else:
                            answer = piece
                else:
                    answer = service.ask(message, asked_questions, mode_value, int(k_value), docs=chosen_docs)
            except QueryError as error:
                gr.Warning(str(error))
                yield (gr.skip(),) * 7
                return
            messages = earlier + [{"role": "assistant", "content": rendering.answer_markdown(answer)}]
            answer_map = {**answer_map, len(messages) - 1: {**answer.as_dict(), "history": asked_questions}}
            yield (messages, "", asked_questions + [message], answer_map, rendering.sources_html(answer),
                   gr.update(choices=rendering.citation_choices(answer), value=None), "")

        outputs = [chat, question, asked, answers, sources, picker, document]
        inputs = [question, chat, asked, answers, mode, k, generate, within]
        for trigger in (send.click, question.submit):
            trigger(respond, inputs, outputs, api_visibility="private", concurrency_limit=4)

        def open_citation(choice, answer_map):
            if not choice or not answer_map:
                return ""
            latest = answer_map[max(answer_map)]
            citation = next((c for c in latest["citations"] if str(c["n"]) == str(choice)), None)
            found = service.document(citation["doc"]) if citation else None
            if found is None:
                return "<div class='cq-empty'>That document is no longer in the index.</div>"
            return rendering.cited_document_html(found.title, found.doc, found.text, citation)

        picker.select(open_citation, [picker, answers], document, api_visibility="private").then(
            None, js=rendering.SCROLL_TO_CITED)

        def rate(event: gr.LikeData, answer_map):
            answer = answer_map.get(event.index[0] if isinstance(event.index, list) else event.index)
            if answer is None:
                return None, gr.update(visible=False), gr.skip(), gr.skip()
            rating = service.feedback.record(bool(event.liked), answer, answer.get("history", []))
            if event.liked:
                gr.Info("Thanks: feedback saved.")
                return None, gr.update(visible=False), gr.skip(), gr.skip()
            passages = [(rendering.passage_label(p), str(i)) for i, p in enumerate(answer["passages"])]
            return ((rating, answer), gr.update(visible=True), gr.update(value=None),
                    gr.update(choices=[(NO_PASSAGE, "")] + passages, value=""))

        chat.like(rate, [answers], [pending, dislike_panel, verdict, right], api_visibility="private")

        def save_reason(pending_rating, verdict_value, passage_index):
            if pending_rating is None:
                return None, gr.update(visible=False)
            if not verdict_value:
                gr.Warning("Choose what was wrong first.")
                return gr.skip(), gr.skip()
            rating, answer = pending_rating
            passage = answer["passages"][int(passage_index)] if passage_index else None
            service.feedback.explain(rating, verdict_value, passage)
            gr.Info("Thanks: feedback saved.")
            return None, gr.update(visible=False)

        explain.click(save_reason, [pending, verdict, right], [pending, dislike_panel], api_visibility="private")

        def add_documents(uploaded, progress=gr.Progress()):
            if not uploaded:
                return "Choose one or more files first."
            progress(0.1, desc="saving files")
            report = save_uploads([(Path(f).name, Path(f)) for f in uploaded], service.corpus)
            if not report.saved:
                return report.message()
            progress(0.3, desc="re-indexing")
            try:
                summary = service.reindex()
            except (CorpusError, OSError) as error:  # the previous index keeps serving
                return f"{report.message()}\nre-indexing failed, the previous index is still used: {error}"
            progress(1.0, desc="done")
            unusable = [f"not indexed {path}: {summary.skipped[path]}" for path in report.saved
                        if path in summary.skipped]
            return "\n".join([report.message(), *unusable,
                              f"re-indexed: {len(summary.added)} added, {summary.embedded} passages "
                              f"embedded, {summary.chunks} in total ({summary.seconds:.2f} s)"])

        add.click(add_documents, files, upload_status, api_visibility="private", concurrency_limit=1).then(
            lambda: gr.update(choices=service.documents()), None, within, api_visibility="private")

        gr.api(_api_ask(service), api_name="ask")
        gr.api(_api_search(service), api_name="search")
    return demo


def _without_links(message: dict) -> dict:
    """Earlier answers keep their [n] markers as text: the picker holds the latest answer's."""
    if message.get("role") != "assistant" or not isinstance(message.get("content"), str):
        return message
    return {**message, "content": _CITE_LINK.sub(lambda m: f"\\[{m.group(1)}\\]", message["content"])}


def _api_ask(service: Service):
    def ask(question: str, history: list[str] | None = None, mode: str = "hybrid", k: int = PASSAGES_READ,
            generate: bool = False, docs: list[str] | None = None) -> dict:
        """Answer from the documents (only ``docs``, if given); the same JSON as `corpusqa ask
        --json` (`--llm` with generate)."""
        try:
            return service.ask(question, history, mode, int(k), generate=bool(generate), docs=docs).as_dict()
        except QueryError as error:
            raise gr.Error(str(error)) from error

    return ask


def _api_search(service: Service):
    def search(query: str, k: int = 10, mode: str = "hybrid", docs: list[str] | None = None) -> dict:
        """The best passages (only in ``docs``, if given); the same JSON as `corpusqa search --json`."""
        try:
            result = service.retrieve(query, int(k), mode, docs)
        except QueryError as error:
            raise gr.Error(str(error)) from error
        return {"query": query, "mode": result.mode, "notice": result.notice,
                "hits": [h.as_dict() for h in result.hits]}

    return search


def launch(service: Service, host: str = "127.0.0.1", port: int = 7860, auth=None,
           prevent_thread_lock: bool = False, quiet: bool = False):
    demo = build_app(service)
    demo.queue(default_concurrency_limit=4)
    return demo, demo.launch(server_name=host, server_port=port, auth=auth, prevent_thread_lock=prevent_thread_lock,
                             quiet=quiet, css=rendering.PAGE_CSS, head=rendering.PAGE_HEAD, footer_links=["api"],
                             show_error=True)
