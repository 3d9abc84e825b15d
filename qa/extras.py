"""Optional dependencies, imported only by what needs them, with a message naming the extra."""

from __future__ import annotations

import importlib
from types import ModuleType


class MissingExtra(ImportError):
    """An optional dependency is not installed; the message says which extra brings it."""


def require(modules: tuple[str, ...], extra: str, needed_for: str) -> None:
    """Fail now, before any long work, if one of ``modules`` is missing (``MissingExtra``)."""
    for module in modules:
        optional_import(module, extra, needed_for)


def optional_import(module: str, extra: str, needed_for: str) -> ModuleType:
    """``module`` imported, or ``MissingExtra`` naming ``pip install 'corpusqa[extra]'``."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtra(f"{needed_for} needs {module.split('.')[0]}, which is not installed: "
                           f"pip install 'corpusqa[{extra}]' (`make setup` installs it)") from error
