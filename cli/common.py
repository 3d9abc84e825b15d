"""What every command shares: one-line errors with exit code 2, common options, opening the index."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from index.generations import current_generation
from index.manifest import IndexUnavailable, Manifest
from qa.query import QueryError, check_query

CORPUS_ENV = "CORPUSQA_CORPUS"
DEFAULT_CORPUS = "corpus"


class CliError(click.ClickException):
    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"corpusqa: error: {self.format_message()}", err=True)


index_dir_option = click.option(
    "--index-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Index folder [default: $CORPUSQA_INDEX_DIR or .corpusqa].")
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
doc_option = click.option("--doc", "docs", multiple=True, metavar="PATH",
                          help="Only this document, or every document under this folder (repeatable; "
                               "paths as in the index, e.g. reports/2025.pdf or reports).")


def llm_options(command):
    """--llm-url, --llm-model and --llm-timeout (the API key only from the environment)."""
    from qa.generate.client import KEY_ENV, MODEL_ENV, TIMEOUT_ENV, URL_ENV

    for option in reversed((
            click.option("--llm-url", default=None, metavar="URL",
                         help=f"An OpenAI-compatible server (e.g. http://127.0.0.1:8080) [default: ${URL_ENV}]; "
                              f"API key from ${KEY_ENV}."),
            click.option("--llm-model", default=None, help=f"The model name the server knows [default: ${MODEL_ENV}]."),
            click.option("--llm-timeout", default=None, type=click.FloatRange(min=0.1), metavar="SECONDS",
                         help=f"Wait this long for the model before showing the extractive answer "
                              f"[default: ${TIMEOUT_ENV} or 30]."))):
        command = option(command)
    return command


def llm_settings(url: str | None, model: str | None, timeout: float | None, required: bool):
    """The configured model server; a one-line error when it is required but not configured."""
    from qa.generate.client import URL_ENV, LLMSettings

    try:
        settings = LLMSettings.from_env(url, model, timeout)
    except ValueError as error:
        raise CliError(str(error)) from error
    if settings is None and required:
        raise CliError(f"--llm needs a model server: pass --llm-url and --llm-model or set ${URL_ENV}")
    return settings


def corpus_dir(corpus: Path | None, index_dir: Path) -> Path:
    """The documents folder: ``corpus`` (``--corpus``), else ``$CORPUSQA_CORPUS``, else the folder
    the index in ``index_dir`` was built from (if it is still there: updating another folder's
    index never swaps ./corpus in by default), else ./corpus."""
    recorded = indexed_corpus(index_dir)
    chosen = corpus or os.environ.get(CORPUS_ENV) or (recorded if recorded and recorded.is_dir() else DEFAULT_CORPUS)
    return Path(chosen).expanduser().resolve()


def indexed_corpus(index_dir: Path) -> Path | None:
    """The folder the current index in ``index_dir`` was built from (None: no index there)."""
    try:
        return Path(Manifest.load(current_generation(index_dir), files=False).corpus)
    except IndexUnavailable:
        return None


class FastExit:
    """A read-only command whose result is ready may end the process as soon as it is printed:
    tearing down what it loaded (OpenVINO, onnxruntime, spaCy's vocabulary, every module) takes
    0.2–0.3 s of a cold `ask`'s 2 s. Only the installed entry point (``cli.main.main``) exits so,
    after a successful run; in-process callers (tests, ``CliRunner``) return as ever."""

    armed = False

    @classmethod
    def exit_if_armed(cls, code) -> None:
        if cls.armed and code in (0, None):
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)


def open_assistant(index_dir: Path | None, dense: bool = True, llm=None, backend=None, reader: bool = True):
    from qa.assistant import Assistant
    from qa.answer.scoring import AnswerConfigError
    from qa.answer.spans.syntax import ParserUnavailable

    try:
        return Assistant.open(index_dir, dense=dense, llm=llm, backend=backend, reader=reader)
    except (IndexUnavailable, AnswerConfigError, ParserUnavailable) as error:
        raise CliError(str(error)) from error


def checked_query(query: str, mode: str, k: int) -> str:
    try:
        return check_query(query, mode, k)
    except QueryError as error:
        raise CliError(str(error)) from error


def emit_json(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def evaluation_backend(name: str | None, url: str | None, path: Path | None, fusion: str | None):
    """The backend ``eval`` ranks on: None to follow the index's own (``backend.json``), this
    machine for ``local``, or a Qdrant configuration (its alias is chosen per index by ``served``)."""
    from index.backends import BackendConfig

    if name != "qdrant" and (url or path or fusion):
        raise CliError("--qdrant-url, --qdrant-path and --qdrant-fusion need --backend qdrant")
    try:
        return None if name is None else BackendConfig() if name == "local" else \
            BackendConfig("qdrant", url, str(path.resolve()) if path else None, fusion=fusion or "client")
    except ValueError as error:
        raise CliError(str(error)) from error


def served(index_dir: Path, backend, progress: bool):
    """``backend`` serving ``index_dir``'s current generation: a Qdrant backend gets the index
    published under an alias of its own (``corpusqa_eval_`` and a digest of the index folder), so
    an evaluation never replaces what ``serve`` reads, nor another index's evaluation."""
    import dataclasses
    import hashlib

    from index.backends import serve_generation
    from index.generations import current_generation

    if backend is None or backend.vectors_here:
        return backend
    digest = hashlib.sha256(str(index_dir.resolve()).encode()).hexdigest()[:12]
    backend = dataclasses.replace(backend, collection=f"corpusqa_eval_{digest}")
    note = serve_generation(backend, current_generation(index_dir), progress)
    if note and progress:
        click.echo(note, err=True)
    return backend


def backend_named(backend) -> str:
    """How an evaluation's settings name where it ranked."""
    if backend is None:
        return "the index's own backend (backend.json)"
    if backend.vectors_here:
        return "this machine (FAISS and the BM25 matrix)"
    where = backend.qdrant_url or f"Qdrant local mode in {backend.qdrant_path}"
    return f"Qdrant ({where}, alias {backend.collection}, hybrid fused by {backend.fusion})"


def need_extra(modules: tuple[str, ...], extra: str, needed_for: str) -> None:
    """A CLI error naming the extra to install, before a command starts long work without it."""
    from qa.extras import MissingExtra, require

    try:
        require(modules, extra, needed_for)
    except MissingExtra as error:
        raise CliError(str(error)) from error


def run_index(corpus: Path, index_dir: Path, model: str | None, progress: bool = True):
    """Run an incremental build, reporting on stderr; CLI errors for bad input."""
    from index.builder import build_index
    from index.scanning import CorpusError

    previous = indexed_corpus(index_dir)
    try:
        summary = build_index(corpus, index_dir, model=model, progress=progress)
    except CorpusError as error:
        raise CliError(str(error)) from error
    if progress:
        if previous is not None and previous != corpus:
            click.echo(f"note: {index_dir} indexed {previous}; it now indexes {corpus}", err=True)
        click.echo(describe_build(summary, corpus, index_dir), err=True)
    return summary


def describe_build(summary, corpus: Path, index_dir: Path) -> str:
    lines = [f"note: {note}" for note in summary.notes]
    if summary.rebuild_reason:
        lines.append(f"note: {summary.rebuild_reason}")
    if summary.up_to_date:
        lines.append(f"index up to date: {summary.documents} documents, {summary.chunks} chunks "
                     f"({summary.seconds:.2f} s)")
    else:
        lines.append(
            f"indexed {corpus} -> {index_dir}: {len(summary.added)} added, {len(summary.changed)} "
            f"changed, {len(summary.removed)} removed, {summary.unchanged} unchanged, "
            f"{len(summary.skipped)} skipped; {summary.documents} documents, {summary.chunks} chunks "
            f"({summary.embedded} embedded, {summary.reused_vectors} reused) in {summary.seconds:.1f} s")
    lines += [f"skipped {path}: {reason}" for path, reason in summary.skipped.items()]
    if summary.dense_warning:
        lines.append(f"warning: {summary.dense_warning}")
    return "\n".join(lines)
