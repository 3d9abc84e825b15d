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


def test_fitting_without_its_extra_names_the_extra(monkeypatch):
    import sys

    from qa.extras import MissingExtra, optional_import

    monkeypatch.setitem(sys.modules, "lightgbm", None)  # as if `corpusqa[fit]` were not installed
    with pytest.raises(MissingExtra, match=r"pip install 'corpusqa\[fit\]'"):
        optional_import("lightgbm", "fit", "`corpusqa calibrate-short-answers`")
    assert optional_import("numpy", "fit", "anything").__name__ == "numpy"


# Inside qa/, each layer may import only those before it (and itself): the answer path never
# reaches up into the facade, evaluation or fitting, and the steps never into their pipeline.
QA_LAYERS = [
    ("qa.records", "qa.query", "qa.cache", "qa.extras", "qa.display", "qa.feedback"),
    ("qa.search",),
    ("qa.answer",),
    ("qa.generate",),
    ("qa.assistant",),
    ("qa.evaluate",),
    ("qa.fit",),
]


def qa_layer(module: str) -> int | None:
    return next((i for i, layer in enumerate(QA_LAYERS)
                 if any(module == name or module.startswith(name + ".") for name in layer)), None)


def qa_imports() -> dict[str, set[str]]:
    """qa module name -> the qa modules it imports (absolute imports: qa/ uses no relative ones)."""
    found = {}
    for path in sorted((ROOT / "qa").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                names.add(f"relative import in {module}")
            elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qa."):
                names.add(node.module)
            elif isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names if alias.name.startswith("qa.")}
        found[module] = names
    return found


def test_qa_sub_packages_import_down_only():
    upward = {}
    for module, names in qa_imports().items():
        if module == "qa":  # the package's front door re-exports the facade
            continue
        layer = qa_layer(module)
        assert layer is not None, f"{module} belongs to no layer of QA_LAYERS"
        wrong = sorted(n for n in names if qa_layer(n) is None or qa_layer(n) > layer)
        if wrong:
            upward[module] = wrong
    assert upward == {}


def test_no_step_imports_its_pipeline():
    """The steps are parts the pipeline is built from: none reaches back into it."""
    callers = {module for module, names in qa_imports().items()
               if module.startswith("qa.answer") and "qa.answer.pipeline" in names}
    assert callers == set()


def test_no_import_cycle_between_project_modules():
    """Module-level imports only (a function's lazy import breaks no load order, but is listed too)."""
    graph: dict[str, set[str]] = {}
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            names = set()
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    names.add(node.module)
                elif isinstance(node, ast.ImportFrom) and node.level:
                    base = module.split(".")[: -node.level + (1 if path.name == "__init__.py" else 0) or None]
                    names.add(".".join(base + ([node.module] if node.module else [])))
                elif isinstance(node, ast.Import):
                    names |= {alias.name for alias in node.names}
            graph[module] = {n for n in names if n.split(".")[0] in LAYERS and n != module}
    modules = set(graph)

    def resolve(name: str) -> str | None:  # "qa.answer.state" or a name imported from a package
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges = {m: {r for r in map(resolve, names) if r and r != m and not m.startswith(r + ".")}
             for m, names in graph.items()}
    cycles, state = [], {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []
