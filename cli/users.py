"""``corpusqa users``: the accounts ``serve`` logs people in with (``ui/accounts.py``).
Passwords are read from a prompt (typed twice) or, when standard input is not a terminal,
from its first line; never from an argument, which other users of the machine can see in the
process list and which shells keep in their history."""

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


def _password(prompt: str) -> str:
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    line = sys.stdin.readline()
    if not line:
        raise CliError("no password on standard input: type it at the prompt or pipe one line")
    return line.rstrip("\r\n")


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
