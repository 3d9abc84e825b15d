"""The house rules that code review otherwise has to catch: imports point down only
(cli → ui → qa → index), and library calls leave the caller's environment alone."""

from __future__ import annotations

import ast
import os

import pytest

from .conftest import ROOT

LAYERS = ["index", "qa", "ui", "cli"]  # each may import only those before it


def imported_packages(package: str) -> dict[str, set[str]]:
    """Module path -> the top-level project packages it imports (at any depth of the file)."""
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names & set(LAYERS)
    return found


@pytest.mark.parametrize("package", LAYERS)
def test_imports_point_down_only(package):
    allowed = set(LAYERS[: LAYERS.index(package) + 1])
    upward = {module: sorted(names - allowed) for module, names in imported_packages(package).items()
              if names - allowed}
    assert upward == {}


def test_loading_the_model_leaves_the_environment_alone(monkeypatch):
    import openvino  # noqa: F401
    import sentence_transformers  # noqa: F401  importing it sets KMP_* and TORCHINDUCTOR_* by itself

    from index.embedding import Embedder

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    before = dict(os.environ)
    assert Embedder().encode(["a pier of recycled steel"]).shape == (1, 384)
    assert dict(os.environ) == before
