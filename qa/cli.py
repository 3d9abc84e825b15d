"""The ``corpusqa`` command line. Errors are one line on stderr with exit code 2."""

from __future__ import annotations

import ipaddress
import json
import os
import sys
from pathlib import Path

import click

from index.generations import resolve_index_dir
from index.manifest import IndexUnavailable

from .retrieval import MODES, QueryError, check_query

CORPUS_ENV = "CORPUSQA_CORPUS"
PASSWORD_ENV = "CORPUSQA_PASSWORD"
DEFAULT_CORPUS = "corpus"


class CliError(click.ClickException):
    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"corpusqa: error: {self.format_message()}", err=True)


index_dir_option = click.option(
    "--index-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
    help="Index folder [default: $CORPUSQA_INDEX_DIR or .corpusqa].")
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")


def corpus_dir(corpus: Path | None) -> Path:
    return (corpus or Path(os.environ.get(CORPUS_ENV) or DEFAULT_CORPUS)).expanduser().resolve()


def open_assistant(index_dir: Path | None, dense: bool = True):
    from .assistant import Assistant

    try:
        return Assistant.open(index_dir, dense=dense)
    except IndexUnavailable as error:
        raise CliError(str(error)) from error


def emit_json(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="corpusqa")
def cli() -> None:
    """Answer questions from a folder of documents, citing the exact passages."""


@cli.command("index")
@click.option("--corpus", type=click.Path(path_type=Path), default=None,
              help=f"Documents folder [default: ${CORPUS_ENV} or ./{DEFAULT_CORPUS}].")
@index_dir_option
@click.option("--model", default=None, help="Embedding model: name or path [default: the packaged "
              "all-MiniLM-L6-v2, or $CORPUSQA_MODEL].")
@json_option
def index_command(corpus: Path | None, index_dir: Path | None, model: str | None, as_json: bool) -> None:
    """Build or update the index (only new and changed files are embedded)."""
    summary = run_index(corpus_dir(corpus), resolve_index_dir(index_dir), model, progress=not as_json)
    if as_json:
        emit_json(summary.as_dict())


def run_index(corpus: Path, index_dir: Path, model: str | None, progress: bool = True):
    """Run an incremental build, reporting on stderr; CLI errors for bad input."""
    from index.builder import build_index
    from index.scanning import CorpusError

    try:
        summary = build_index(corpus, index_dir, model=model, progress=progress)
    except CorpusError as error:
        raise CliError(str(error)) from error
    if progress:
        click.echo(describe_build(summary, corpus, index_dir), err=True)
    return summary


def describe_build(summary, corpus: Path, index_dir: Path) -> str:
    lines = []
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


@cli.command()
@click.argument("query")
@click.option("--k", default=10, show_default=True, type=click.IntRange(1, 1000), help="Passages to return.")
@click.option("--mode", default="hybrid", show_default=True, help=f"One of {', '.join(MODES)}.")
@json_option
@index_dir_option
def search(query: str, k: int, mode: str, as_json: bool, index_dir: Path | None) -> None:
    """Print the passages that best match QUERY."""
    from .display import format_hits

    try:
        check_query(query, mode, k)
    except QueryError as error:
        raise CliError(str(error)) from error
    result = open_assistant(index_dir, dense=mode != "bm25").retrieve(query, k=k, mode=mode)
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
@click.option("--k", default=8, show_default=True, type=click.IntRange(1, 100), help="Passages to read.")
@json_option
@index_dir_option
def ask(question: str, history: tuple[str, ...], mode: str, k: int, as_json: bool,
        index_dir: Path | None) -> None:
    """Answer QUESTION from the documents, citing exact passages (or say it is not there)."""
    from .display import format_answer

    try:
        check_query(question, mode, k)
    except QueryError as error:
        raise CliError(str(error)) from error
    answer = open_assistant(index_dir).ask(question, history, mode=mode, k=k)
    if as_json:
        emit_json(answer.as_dict())
        return
    if answer.notice:
        click.echo(f"note: {answer.notice}", err=True)
    click.echo(format_answer(answer))


@cli.command()
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--split", default="tune", show_default=True, help="Fit on the questions of this split.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the config [default: print it]; use it with $CORPUSQA_ANSWER_CONFIG.")
@index_dir_option
def calibrate(questions: Path, split: str, output: Path | None, index_dir: Path | None) -> None:
    """Fit answer scoring and the "not in the documents" threshold on labelled QUESTIONS."""
    from .calibration import calibrate as fit
    from .datasets import DatasetError, load_questions

    try:
        labelled = load_questions(questions)
    except DatasetError as error:
        raise CliError(str(error)) from error
    settings = fit(open_assistant(index_dir), labelled, split, progress=True)
    if output is None:
        emit_json(settings.__dict__)
    else:
        settings.save(output)
        click.echo(f"wrote {output}: threshold {settings.threshold}, weights {settings.weights}", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback exposes the page to your network.")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535))
@click.option("--corpus", type=click.Path(path_type=Path), default=None,
              help=f"Documents folder, indexed at start-up [default: ${CORPUS_ENV} or ./{DEFAULT_CORPUS}].")
@index_dir_option
def serve(host: str, port: int, corpus: Path | None, index_dir: Path | None) -> None:
    """Serve the chat page (and its HTTP API), updating the index first.

    Set CORPUSQA_PASSWORD to require a login (user name: corpusqa)."""
    from ui.app import Service, launch

    corpus, index_dir = corpus_dir(corpus), resolve_index_dir(index_dir)
    try:
        run_index(corpus, index_dir, model=None)
    except CliError as error:
        if not (index_dir / "CURRENT").exists():
            raise
        click.echo(f"warning: {error.format_message()}; serving the existing index", err=True)
    password = os.environ.get(PASSWORD_ENV)
    warning = exposure_warning(host, bool(password))
    if warning:
        click.echo(warning, err=True)
    service = Service(corpus, index_dir)
    launch(service, host, port, auth=("corpusqa", password) if password else None)


def exposure_warning(host: str, has_password: bool) -> str | None:
    """What to say when the page is served beyond this machine."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name
        loopback = False
    if loopback:
        return None
    advice = "" if has_password else f"; set {PASSWORD_ENV} to require a login"
    return f"warning: serving on {host}: anyone who can reach this machine can read your documents{advice}"


@cli.group()
def feedback() -> None:
    """Ratings given on the chat page."""


@feedback.command("export")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@index_dir_option
def feedback_export(output: Path, index_dir: Path | None) -> None:
    """Write the ratings to OUTPUT as labelled questions for `corpusqa eval`."""
    from ui.feedback import FEEDBACK_FILE, FeedbackStore

    path = resolve_index_dir(index_dir) / FEEDBACK_FILE
    if not path.is_file():
        raise CliError(f"no feedback yet in {path.parent}: rate answers on the chat page first")
    count = FeedbackStore(path).export(output)
    click.echo(f"wrote {count} labelled questions to {output}", err=True)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("corpusqa: interrupted", err=True)
        sys.exit(130)


@cli.command("eval")
@click.argument("dataset", type=click.Path(exists=True, path_type=Path))
@click.option("--modes", default="bm25,dense,hybrid", show_default=True,
              help="Comma-separated modes to compare.")
@click.option("--k", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Passages per question (labelled questions).")
@click.option("--split", default="test", show_default=True, help="BEIR qrels split.")
@json_option
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Write report.md and PNG plots into this folder.")
@index_dir_option
def eval_command(dataset: Path, modes: str, k: int, split: str, as_json: bool,
                 report_dir: Path | None, index_dir: Path | None) -> None:
    """Evaluate retrieval on a BEIR folder or a labelled-questions JSONL file."""
    from .datasets import DatasetError
    from .evaluate_command import run_eval

    mode_list = [m.strip() for m in modes.split(",") if m.strip()]
    unknown = [m for m in mode_list if m not in MODES]
    if unknown or not mode_list:
        raise CliError(f"unknown mode {', '.join(unknown) or '(none)'}: choose from {', '.join(MODES)}")
    try:
        run_eval(dataset, mode_list, k, split, as_json, report_dir, index_dir)
    except (DatasetError, IndexUnavailable) as error:
        raise CliError(str(error)) from error


if __name__ == "__main__":
    main()
