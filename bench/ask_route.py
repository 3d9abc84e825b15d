"""The route of one `ask` through the project's own modules: a question is asked once (so its
query vector and parses are cached), then again under ``sys.setprofile``; every call from a
function of one project module (index, qa, ui, cli) into a function of another is an edge.
Prints the distinct modules entered, the distinct caller-module → callee-module edges, and the
pairs of modules that call each other.

    .venv/bin/python -m bench.ask_route [--question "..."] [--mode hybrid] [--edges]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("index", "qa", "ui", "cli")
QUESTION = "How many vessels does Singapore refuel each year?"


def own_module(frame, written: bool = False) -> str | None:
    """The project module ``frame`` runs in; with ``written``, only if its code is written in
    that module's file (not a dataclass's generated ``__init__`` or ``__eq__``)."""
    name = frame.f_globals.get("__name__", "")
    if name.split(".")[0] not in PACKAGES:
        return None
    return name if not written or frame.f_code.co_filename == frame.f_globals.get("__file__") else None


def route(call, written: bool = False) -> tuple[set[str], set[tuple[str, str]]]:
    """The project modules ``call()`` enters and the caller → callee module edges between them.
    A call from a library back into the project (a sort key, a thread) counts from the nearest
    project frame below it."""
    modules: set[str] = set()
    edges: set[tuple[str, str]] = set()

    def profile(frame, event, arg):
        if event != "call":
            return
        callee = own_module(frame, written)
        if callee is None:
            return
        modules.add(callee)
        caller, back = None, frame.f_back
        while back is not None and caller is None:
            caller = own_module(back)
            back = back.f_back
        if caller is not None and caller != callee:
            edges.add((caller, callee))

    sys.setprofile(profile)
    try:
        call()
    finally:
        sys.setprofile(None)
    return modules, edges


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--question", default=QUESTION)
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--edges", action="store_true", help="list every edge too")
    parser.add_argument("--written", action="store_true",
                        help="count only calls into code written in a module's file (no dataclass-generated methods)")
    args = parser.parse_args()
    from index.builder import build_index
    from qa.assistant import Assistant

    with tempfile.TemporaryDirectory() as work:
        build_index(ROOT / "corpus", Path(work) / "index")
        with Assistant.open(Path(work) / "index") as assistant:
            assistant.ask(args.question, mode=args.mode)
            modules, edges = route(lambda: assistant.ask(args.question, mode=args.mode), args.written)
    mutual = sorted({tuple(sorted(e)) for e in edges if (e[1], e[0]) in edges})
    print(f"modules entered: {len(modules)}")
    print(f"caller -> callee module edges: {len(edges)}")
    print(f"pairs calling each other: {len(mutual)}" + "".join(f"\n  {a} <-> {b}" for a, b in mutual))
    if args.edges:
        print("\n".join(f"  {a} -> {b}" for a, b in sorted(edges)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
