"""A cold `corpusqa ask`: a fresh process answering one question from a built index, wall time,
the median of ``--runs`` after one warm-up run (which fills the file cache); then the same
question in a fresh process that opens the assistant with ``reader=False`` (`ask` has no such
option: the reader is part of the product).

    .venv/bin/python -m bench.cold_ask [--index-dir IDX] [--runs 5] [QUESTION]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTION = "How many vessels does Singapore refuel each year?"
WITHOUT_READER = ("import sys; from qa import Assistant; from qa.display import format_answer; "
                  "a = Assistant.open(sys.argv[1], reader=False); print(format_answer(a.ask(sys.argv[2])))")


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("question", nargs="?", default=QUESTION)
    parser.add_argument("--index-dir", type=Path, default=ROOT / ".corpusqa")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    commands = {
        "ask (with the reader)": [sys.executable, "-m", "cli", "ask", args.question, "--index-dir", str(args.index_dir)],
        "ask without the reader": [sys.executable, "-c", WITHOUT_READER, str(args.index_dir), args.question],
    }
    for name, command in commands.items():
        timed(command)  # warm-up: the file cache
        runs = [timed(command) for _ in range(args.runs)]
        print(f"{name}: median {statistics.median(runs):.2f} s of {args.runs} "
              f"(min {min(runs):.2f}, max {max(runs):.2f})")


if __name__ == "__main__":
    main()
