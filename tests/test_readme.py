"""The README stays in step with the CLI: every command and option it offers is documented."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from cli.main import cli

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def commands(group=cli, prefix=()):
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            yield from commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


@pytest.mark.parametrize("command", list(commands()), ids=" ".join)
def test_every_command_and_option_is_in_the_readme(command):
    assert f"corpusqa {' '.join(command)}" in README
    help_text = CliRunner().invoke(cli, [*command, "--help"]).output
    for option in set(re.findall(r"(--[a-z][a-z-]+)", help_text)) - {"--help"}:
        assert option in README, f"{option} of `corpusqa {' '.join(command)}` is not in the README"


def test_readme_opens_with_the_two_commands():
    first_lines = README.splitlines()[:5]
    assert any(line.strip().startswith("make run") for line in first_lines)
    assert any(line.strip().startswith("make test") for line in first_lines)
