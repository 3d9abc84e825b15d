"""``corpusqa users``: the accounts ``serve`` logs people in with (``ui/accounts.py``), and
``ask``/``search --as USER``, which answer as the server would answer that user (only the
documents of their folders, through the same filter). Passwords are read from a prompt (typed
twice when one is set) or, when standard input is not a terminal, from its first line; never
from an argument, which other users of the machine can see in the process list and which
shells keep in their history."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from index.generations import resolve_index_dir

from .common import CliError, emit_json, index_dir_option, json_option

users_file_option = click.option(
    "--users", "users_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="The accounts file [default: users.json in the index folder].")


def users_path(users_file: Path | None, index_dir: Path | None) -> Path:
    from ui.accounts import USERS_FILE

    return users_file.expanduser().resolve() if users_file else resolve_index_dir(index_dir) / USERS_FILE


def _accounts(users_file: Path | None, index_dir: Path | None):
    from ui.accounts import Accounts

    return Accounts(users_path(users_file, index_dir))


def _password(prompt: str, confirm: bool = True) -> str:
    if sys.stdin.isatty():  # on stderr: what a command prints on stdout (its --json) stays clean
        return click.prompt(prompt, hide_input=True, confirmation_prompt=confirm, err=True)
    line = sys.stdin.readline()
    if not line:
        raise CliError("no password on standard input: type it at the prompt or pipe one line")
    return line.rstrip("\r\n")


def as_user_options(command):
    """--as USER and --users FILE, for commands that answer as one user of the accounts."""
    as_user = click.option("--as", "as_user", metavar="USER", default=None,
                           help="Answer as USER of the accounts (`corpusqa users`), from their folders' documents "
                                "only, as `serve` would; the password from a prompt (or stdin's first line).")
    return as_user(users_file_option(command))


def logged_in(as_user: str | None, users_file: Path | None, index_dir: Path | None):
    """The user ``--as`` names once their password is checked (None without ``--as``). A wrong
    password and an unknown name get the same error (it never tells which names exist)."""
    if as_user is None:
        if users_file is not None:
            raise CliError("--users goes with --as USER")
        return None
    from ui.accounts import AccountError  # a dummy argon2 hash at import: only with --as
    from ui.permissions import ASK, Forbidden, require

    accounts = _accounts(users_file, index_dir)
    try:
        if not accounts.verify(as_user, _password(f"Password for {as_user}", confirm=False)):
            raise CliError(f"unknown user or wrong password (accounts in {accounts.path})")
        user = accounts.get(as_user)
        require(user, ASK)
    except (AccountError, Forbidden) as error:
        raise CliError(str(error)) from error
    return user


def scoped(user, docs: tuple[str, ...], assistant) -> tuple[str, ...]:
    """``docs`` (the --doc filter) within ``user``'s folders of ``assistant``'s documents, exactly
    as the server scopes a request (``ui.permissions.scoped_docs``); unchanged without ``--as``."""
    if user is None:
        return docs
    from qa.query import QueryError
    from ui.permissions import scoped_docs

    try:
        return tuple(scoped_docs(user, list(docs), assistant.documents()))
    except QueryError as error:
        raise CliError(str(error)) from error


@click.group()
def users() -> None:
    """Accounts for `corpusqa serve`: names, roles (reader, editor, admin) and folders."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reader", "editor", "admin"]), required=True,
              help="reader: ask, search, open cited documents, give feedback; editor: also add and delete "
                   "documents in their folders; admin: also re-index and manage users.")
@click.option("--folder", "folders", multiple=True, metavar="PATH",
              help="A folder (as document paths are spelled, e.g. hr) the user may read; repeatable; "
                   "none: every document.")
@users_file_option
@index_dir_option
def add(name: str, role: str, folders: tuple[str, ...], users_file: Path | None, index_dir: Path | None) -> None:
    """Add user NAME; the password is read from a prompt (or stdin's first line)."""
    from ui.accounts import AccountError

    accounts = _accounts(users_file, index_dir)
    try:
        user = accounts.add(name, role, list(folders), _password(f"Password for {name}"))
    except AccountError as error:
        raise CliError(str(error)) from error
    where = ", ".join(user.folders) or "every document"
    click.echo(f"added {user.name} ({user.role}; reads {where}) to {accounts.path}", err=True)


@users.command("list")
@users_file_option
@index_dir_option
@json_option
def list_users(users_file: Path | None, index_dir: Path | None, as_json: bool) -> None:
    """List the users, their roles and folders (never their password hashes)."""
    from ui.accounts import AccountError

    accounts = _accounts(users_file, index_dir)
    try:
        found = [accounts.get(name) for name in accounts.names()]
    except AccountError as error:
        raise CliError(str(error)) from error
    if as_json:
        emit_json({"users": [u.as_dict() for u in found]})
        return
    if not found:
        click.echo(f"no users in {accounts.path}: `serve` uses $CORPUSQA_PASSWORD (or no login)", err=True)
    for user in found:
        click.echo(f"{user.name}\t{user.role}\t{', '.join(user.folders) or '(all documents)'}")


@users.command("remove")
@click.argument("name")
@users_file_option
@index_dir_option
def remove(name: str, users_file: Path | None, index_dir: Path | None) -> None:
    """Remove user NAME (a running server logs them out at their next request)."""
    from ui.accounts import AccountError

    try:
        _accounts(users_file, index_dir).remove(name)
    except AccountError as error:
        raise CliError(str(error)) from error
    click.echo(f"removed {name}", err=True)


@users.command("passwd")
@click.argument("name")
@users_file_option
@index_dir_option
def passwd(name: str, users_file: Path | None, index_dir: Path | None) -> None:
    """Set user NAME's password (from a prompt, or stdin's first line); a running server
    ends the sessions NAME logged in before."""
    from ui.accounts import AccountError

    accounts = _accounts(users_file, index_dir)
    try:
        if accounts.get(name) is None:
            raise AccountError(f"no user {name!r}")
        accounts.passwd(name, _password(f"New password for {name}"))
    except AccountError as error:
        raise CliError(str(error)) from error
    click.echo(f"password of {name} changed", err=True)
