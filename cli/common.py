"""What every command shares: one-line errors with exit code 2, common options, opening the index."""

from __future__ import annotations

import json
import os
from pathlib import Path

import click

from index.manifest import IndexUnavailable
from qa.retrieval import QueryError, check_query

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


def corpus_dir(corpus: Path | None) -> Path:
    return (corpus or Path(os.environ.get(CORPUS_ENV) or DEFAULT_CORPUS)).expanduser().resolve()


def open_assistant(index_dir: Path | None, dense: bool = True):
    from qa.assistant import Assistant

    try:
        return Assistant.open(index_dir, dense=dense)
    except IndexUnavailable as error:
        raise CliError(str(error)) from error


def checked_query(query: str, mode: str, k: int) -> str:
    try:
        return check_query(query, mode, k)
    except QueryError as error:
        raise CliError(str(error)) from error


def emit_json(data: dict) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))
