"""Passages per second of the ONNX/OpenVINO encoder per batch size, torch fp32 in the same
run, rounds interleaved so a busy neighbour on a shared machine slows every column alike.

    .venv/bin/python -m bench.onnx_batch [--rounds 4] [--sizes 2,4,8,16]"""

from __future__ import annotations

import argparse
import statistics

from bench.run import scifact_texts, timed
from index.embedding import Embedder


def passages_per_second(embedder: Embedder, passages: list[str], batch_size: int | None = None) -> float:
    ms, _ = timed(embedder.encode, passages, batch_size)
    return len(passages) / (ms / 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--sizes", default="2,4,8,16")
    args = parser.parse_args()
    passages, _ = scifact_texts(512)
    torch, fast = Embedder(backend="torch"), Embedder(backend="auto")
    sizes = [int(size) for size in args.sizes.split(",")]
    for embedder in (torch, fast):
        embedder.encode(passages[:32])  # warm-up
    runs: dict[str, list[float]] = {"torch fp32": [], **{f"{fast.backend} batch {size}": [] for size in sizes}}
    for _ in range(args.rounds):
        runs["torch fp32"].append(passages_per_second(torch, passages))
        for size in sizes:
            runs[f"{fast.backend} batch {size}"].append(passages_per_second(fast, passages, size))
    baseline = statistics.median(runs["torch fp32"])
    print(f"| encoder ({len(passages)} SciFact abstracts) | passages/s per round | median | × torch |")
    print("|---|---|---|---|")
    for name, values in runs.items():
        median = statistics.median(values)
        print(f"| {name} | {', '.join(f'{v:.0f}' for v in values)} | {median:.1f} | {median / baseline:.2f} |")


if __name__ == "__main__":
    main()
