"""The ``corpusqa`` command group: index, search, ask and serve (eval, calibrate and
feedback live in ``cli.evaluate``). Errors are one line on stderr with exit code 2."""

from __future__ import annotations

import dataclasses
import ipaddress
import os
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
    indexed_corpus,
    json_option,
    llm_options,
    llm_settings,
    open_assistant,
)
from .evaluate import eval_command, feedback
from .reader import train_reader
from .users import as_user_options, logged_in, scoped, users, users_file_option, users_path

PASSWORD_ENV = "CORPUSQA_PASSWORD"


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


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; anything but loopback exposes the page to your network.")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535))
@click.option("--corpus", type=click.Path(path_type=Path), default=None,
              help=f"Documents folder, indexed at start-up [default: ${CORPUS_ENV}, else the folder the index "
                   f"was built from, else ./{DEFAULT_CORPUS}].")
@click.option("--ssl-certfile", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Serve HTTPS with this certificate (PEM); needs --ssl-keyfile.")
@click.option("--ssl-keyfile", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The certificate's private key (PEM).")
@click.option("--audit-log", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Append-only JSON-lines log of logins, questions, uploads, deletions, re-indexing "
                   "[default: audit.jsonl in the index folder, when there are users].")
@click.option("--upload-quota-mb", type=click.FloatRange(min=0, min_open=True), default=None, metavar="MB",
              help="With accounts: how much of their uploads each user may keep in the corpus "
                   "[default: $CORPUSQA_UPLOAD_QUOTA_MB or 500].")
@users_file_option
@llm_options
@index_dir_option
def serve(host: str, port: int, corpus: Path | None, ssl_certfile: str | None, ssl_keyfile: str | None,
          audit_log: Path | None, upload_quota_mb: float | None, users_file: Path | None, llm_url: str | None,
          llm_model: str | None, llm_timeout: float | None, index_dir: Path | None) -> None:
    """Serve the chat page (and its HTTP API), updating the index first.

    With accounts (`corpusqa users add`), everyone logs in as themselves and sees only their
    folders; without, set CORPUSQA_PASSWORD to require one shared login (user name: corpusqa).
    With a model server configured, the page can let it write answers (verified sentence by
    sentence)."""
    from index.manifest import IndexUnavailable
    from ui.accounts import AccountError, Accounts
    from ui.app import Service, launch

    if bool(ssl_certfile) != bool(ssl_keyfile):
        raise CliError("--ssl-certfile and --ssl-keyfile go together")
    llm = llm_settings(llm_url, llm_model, llm_timeout, required=False)
    index_dir = resolve_index_dir(index_dir)
    accounts = Accounts(users_path(users_file, index_dir))
    try:
        with_accounts = bool(accounts)
    except AccountError as error:
        raise CliError(str(error)) from error
    corpus = corpus_dir(corpus, index_dir)
    try:
        run_index(corpus, index_dir, model=None)
    except CliError as error:
        if not (index_dir / "CURRENT").exists():
            raise
        click.echo(f"warning: {error.format_message()}; serving the existing index", err=True)
    password = None if with_accounts else os.environ.get(PASSWORD_ENV)
    if with_accounts and os.environ.get(PASSWORD_ENV):
        click.echo(f"note: {PASSWORD_ENV} is ignored: {accounts.path} holds accounts", err=True)
    for warning in (exposure_warning(host, bool(password) or with_accounts),
                    transport_warning(host, bool(ssl_certfile), bool(password) or with_accounts)):
        if warning:
            click.echo(warning, err=True)
    try:
        service = Service(corpus, index_dir, llm=llm)
    except IndexUnavailable as error:  # damaged and not rebuilt (the corpus folder was unusable)
        raise CliError(str(error)) from error
    for note in service.notes:  # a damaged feedback file moved aside
        click.echo(f"warning: {note}", err=True)
    access = None
    if with_accounts or audit_log:  # one person serving can keep an audit log too
        from ui.access import Access
        from ui.audit import AUDIT_FILE, AuditLog
        from ui.limits import UPLOAD_QUOTA_BYTES

        quota = int(upload_quota_mb * 1024 * 1024) if upload_quota_mb else UPLOAD_QUOTA_BYTES
        access = Access(service, accounts if with_accounts else None, AuditLog(audit_log or index_dir / AUDIT_FILE),
                        upload_quota_bytes=quota)
        users_note = f"accounts: {len(accounts.names())} users in {accounts.path}; " if with_accounts else ""
        click.echo(f"{users_note}audit log {access.audit.path}", err=True)
    launch(service, host, port, auth=("corpusqa", password) if password else None, access=access,
           ssl_certfile=ssl_certfile, ssl_keyfile=ssl_keyfile)


def _loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name
        return False


def exposure_warning(host: str, has_password: bool) -> str | None:
    """What to say when the page is served beyond this machine."""
    if _loopback(host):
        return None
    advice = "" if has_password else f"; set {PASSWORD_ENV} or add users (`corpusqa users add`) to require a login"
    return f"warning: serving on {host}: anyone who can reach this machine can read your documents{advice}"


def transport_warning(host: str, tls: bool, has_login: bool) -> str | None:
    """What travels in clear over plain HTTP beyond this machine."""
    if tls or _loopback(host):
        return None
    secrets = "passwords, login cookies, " if has_login else ""
    return (f"warning: serving plain HTTP on {host}: {secrets}questions, answers, document text and uploaded "
            "files cross the network unencrypted; pass --ssl-certfile/--ssl-keyfile or put an HTTPS reverse "
            "proxy in front")


for command in (eval_command, calibrate, calibrate_verifier, calibrate_short_answers, train_reader, feedback, users):
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
