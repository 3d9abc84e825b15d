"""`corpusqa serve`: the chat page and its HTTP API, the index updated first, with the
warnings for a page reachable beyond this machine."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import click

from index.generations import resolve_index_dir

from .common import (CORPUS_ENV, DEFAULT_CORPUS, CliError, corpus_dir, index_dir_option, llm_options, llm_settings,
                     run_index)
from .users import users_file_option, users_path

PASSWORD_ENV = "CORPUSQA_PASSWORD"


@click.command()
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
