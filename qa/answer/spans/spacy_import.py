"""spaCy imported lean: without torch and without its command line, neither of which the
parser here uses (``qa.answer.spans.syntax``)."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import threading


def import_spacy():
    """spaCy, imported without what parsing here never uses: thinc imports torch if it can
    (1.7 s of a cold `corpusqa ask`'s 2.7 s spaCy import, bench/README.md), and spaCy's
    package imports its command line (``spacy.cli``: typer, requests; 0.15 s) only to offer
    ``spacy.info``. Both are hidden from this thread only, while it imports spaCy (``import
    torch`` fails here as if torch were not installed; ``spacy.cli`` is an empty stand-in,
    dropped after): other threads import torch meanwhile as ever (the index may be opening
    beside it), and a later ``import spacy.cli`` gets the real one."""
    if "spacy" in sys.modules:
        return sys.modules["spacy"]
    hider = _HiddenFromThisThread()
    sys.meta_path.insert(0, hider)
    try:
        import spacy
    finally:
        sys.meta_path.remove(hider)
        for name in _STAND_INS:
            if getattr(sys.modules.get(name), "__stand_in__", False):
                del sys.modules[name]
        package = sys.modules.get("spacy")
        if getattr(getattr(package, "cli", None), "__stand_in__", False):
            delattr(package, "cli")  # `spacy.cli` then imports the real one
    return spacy


_STAND_INS = ("spacy.cli", "spacy.cli.info")


class _HiddenFromThisThread(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """For the thread that made it: torch not found, ``spacy.cli`` an empty stand-in whose
    ``info`` says it is not loaded. Every other thread's imports pass it by."""

    def __init__(self) -> None:
        self.thread = threading.get_ident()

    def find_spec(self, fullname, path, target=None):
        if threading.get_ident() != self.thread:
            return None
        if fullname == "torch" or fullname.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        if fullname in _STAND_INS:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=fullname == "spacy.cli")
        return None

    def create_module(self, spec):
        return None  # the default module object

    def exec_module(self, module) -> None:
        module.__stand_in__ = True
        module.info = _no_info


def _no_info(*args, **kwargs):
    raise RuntimeError("spacy.info is not loaded here: run `python -m spacy info`")
