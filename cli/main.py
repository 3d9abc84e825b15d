"""The ``corpusqa`` command group: index, search and ask here; serve in ``cli.serve``, eval and
feedback in ``cli.evaluate``, calibration in ``cli.calibrate``, accounts in ``cli.users``.
Errors are one line on stderr with exit code 2."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import click

from index.generations import resolve_index_dir
from qa.query import PASSAGES_READ
from qa.extras import MissingExtra
from qa.query import MODES, QueryError

from .calibrate import calibrate, calibrate_short_answers, calibrate_verifier
from .common import (
    CORPUS_ENV,
    DEFAULT_CORPUS,
    FastExit,
    CliError,
    checked_query,
    corpus_dir,
    doc_option,
    emit_json,
    index_dir_option,
    json_option,
    llm_options,
    llm_settings,
    open_assistant,
    run_index,
)
from .evaluate import eval_command, feedback
from .reader import train_reader
from .serve import serve
from .users import as_user_options, logged_in, scoped, users

@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="corpusqa")
def cli() -> None:
    """Answer questions from a folder of documents, citing the exact passages."""


@cli.command("index")
@click.option("--corpus", type=click.Path(path_type=Path), default=None,
              help=f"Documents folder [default: ${CORPUS_ENV}, else the folder the index was built from, "
                   f"else ./{DEFAULT_CORPUS}].")
@index_dir_option
@click.option("--model", default=None, help="Embedding model: name or path [default: the packaged "
              "all-MiniLM-L6-v2, or $CORPUSQA_MODEL].")
@click.option("--backend", type=click.Choice(["local", "qdrant"]), default=None,
              help="Where ranking runs; remembered for later commands [default: as before, else local].")
@click.option("--qdrant-url", default=None, metavar="URL",
              help="A Qdrant server or cluster (API key from $CORPUSQA_QDRANT_API_KEY).")
@click.option("--qdrant-path", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Qdrant's embedded local mode in this folder (tests, small setups).")
@click.option("--qdrant-shards", default=1, show_default=True, type=click.IntRange(1, 1000),
              help="Shards per collection on a cluster.")
@click.option("--qdrant-replicas", default=1, show_default=True, type=click.IntRange(1, 10),
              help="Copies of each shard on a cluster.")
@click.option("--qdrant-fusion", type=click.Choice(["client", "rrf", "dbsf"]), default=None,
              help="Hybrid fusion: corpusqa's own, as the local backend (client, the default), or "
              "Qdrant's RRF / DBSF on the server; remembered.")
@json_option
def index_command(corpus: Path | None, index_dir: Path | None, model: str | None, backend: str | None,
                  qdrant_url: str | None, qdrant_path: Path | None, qdrant_shards: int, qdrant_replicas: int,
                  qdrant_fusion: str | None, as_json: bool) -> None:
    """Build or update the index (only new and changed files are embedded).

    \b
    Reads .txt .md .rst .html .pdf .docx .pptx .xlsx .odt .epub .ipynb .csv .tsv .eml;
    files of other types, and files that cannot be read within the limits (zip bombs,
    malformed files), are skipped and listed with the reason."""
    index_dir = resolve_index_dir(index_dir)
    if backend or qdrant_url or qdrant_path or qdrant_fusion:
        from index.backends import BackendConfig

        try:
            if backend or qdrant_url or qdrant_path:
                config = BackendConfig(backend or "qdrant", qdrant_url,
                                       str(qdrant_path.resolve()) if qdrant_path else None,
                                       shards=qdrant_shards, replicas=qdrant_replicas, fusion=qdrant_fusion or "client")
            else:  # only the fusion changes
                config = dataclasses.replace(BackendConfig.load(index_dir), fusion=qdrant_fusion)
            config.save(index_dir)
        except ValueError as error:
            raise CliError(str(error)) from error
    summary = run_index(corpus_dir(corpus, index_dir), index_dir, model, progress=not as_json)
    if as_json:
        emit_json(summary.as_dict())


@cli.command()
@click.argument("query")
@click.option("--k", default=10, show_default=True, type=click.IntRange(1, 1000), help="Passages to return.")
@click.option("--mode", default="hybrid", show_default=True, help=f"One of {', '.join(MODES)}.")
@doc_option
@as_user_options
@json_option
@index_dir_option
def search(query: str, k: int, mode: str, docs: tuple[str, ...], as_user: str | None, users_file: Path | None,
           as_json: bool, index_dir: Path | None) -> None:
    """Print the passages that best match QUERY."""
    from qa.display import format_hits

    checked_query(query, mode, k)
    user = logged_in(as_user, users_file, index_dir)
    try:
        assistant = open_assistant(index_dir, dense=mode != "bm25")
        result = assistant.retrieve(query, k=k, mode=mode, docs=scoped(user, docs, assistant))
    except QueryError as error:
        raise CliError(str(error)) from error
    if as_json:
        emit_json({"query": query, "mode": result.mode, "notice": result.notice,
                   "hits": [h.as_dict() for h in result.hits]})
        return
    if result.notice:
        click.echo(f"note: {result.notice}", err=True)
    click.echo(format_hits(result.hits) if result.hits else "no matching passages")


@cli.command()
@click.argument("question")
@click.option("--history", multiple=True, metavar="PREVIOUS_QUESTION",
              help="An earlier question of the conversation (repeat, oldest first).")
@click.option("--mode", default="hybrid", show_default=True, help=f"One of {', '.join(MODES)}.")
@click.option("--k", default=PASSAGES_READ, show_default=True, type=click.IntRange(1, 100),
              help="Passages to read.")
@click.option("--llm", "generate", is_flag=True,
              help="Let your model server write the answer; only sentences its sources support are kept.")
@llm_options
@doc_option
@as_user_options
@json_option
@index_dir_option
def ask(question: str, history: tuple[str, ...], mode: str, k: int, generate: bool, llm_url: str | None,
        llm_model: str | None, llm_timeout: float | None, docs: tuple[str, ...], as_user: str | None,
        users_file: Path | None, as_json: bool, index_dir: Path | None) -> None:
    """Answer QUESTION from the documents, citing exact passages (or say it is not there)."""
    from qa.answer.spans.syntax import parse
    from qa.display import format_answer

    checked_query(question, mode, k)
    parse.load_in_background()  # a second of spaCy, while the index and the models open
    llm = llm_settings(llm_url, llm_model, llm_timeout, required=generate) if generate else None
    user = logged_in(as_user, users_file, index_dir)
    try:
        assistant = open_assistant(index_dir, llm=llm)
        answer = assistant.ask(question, history, mode=mode, k=k, generate=generate,
                               docs=scoped(user, docs, assistant))
    except QueryError as error:
        raise CliError(str(error)) from error
    FastExit.armed = True
    if as_json:
        emit_json(answer.as_dict())
        return
    if answer.notice:
        click.echo(f"note: {answer.notice}", err=True)
    click.echo(format_answer(answer))


for command in (eval_command, calibrate, calibrate_verifier, calibrate_short_answers, train_reader, feedback, users,
                serve):
    cli.add_command(command)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except SystemExit as ending:
        FastExit.exit_if_armed(ending.code)
        raise
    except KeyboardInterrupt:
        click.echo("corpusqa: interrupted", err=True)
        sys.exit(130)
    except MissingExtra as error:  # fitting or plotting without its optional dependencies
        click.echo(f"corpusqa: error: {error}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    main()
