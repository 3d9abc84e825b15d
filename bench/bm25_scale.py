"""BM25 at scale: query time (scoring every chunk through the sparse matrix, then
partitioning, against MaxScore over the postings that can matter, with their top 10 compared),
and the saved matrix's write and open times (what opening an index now costs for
BM25, instead of reading every chunk's tokens and counting them again).

    .venv/bin/python -m bench.bm25_scale [--chunks 1000000] [--queries 200]"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from bench.run import VOCABULARY, percentiles, scifact_texts, synthetic_tokens, timed
from index.lexical import top_positive
from index.sparse_bm25 import SparseBM25
from index.tokenization import Tokenizer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    rng = np.random.default_rng(20261129)
    token_ids, lengths = synthetic_tokens(args.chunks, rng)
    vocabulary = {f"w{i}": i for i in range(VOCABULARY)}
    build_ms, bm25 = timed(SparseBM25.from_token_ids, vocabulary, token_ids, lengths, 0.9, 0.4)
    tokenize = Tokenizer()
    _, claims = scifact_texts(0)
    # Real query lengths, synthetic terms: each claim's token count drawn from the same Zipf words.
    queries = [[f"w{(rng.zipf(1.1) - 1) % VOCABULARY}" for _ in tokenize(c)] for c in claims[: args.queries]]
    queried = [timed(lambda q: top_positive(bm25.get_scores(q), 10), q)[0] for q in queries]
    pruned = [timed(bm25.top, q, 10)[0] for q in queries]
    same = sum(bm25.top(q, 10) == top_positive(bm25.get_scores(q), 10) for q in queries)
    with tempfile.TemporaryDirectory() as folder:
        save_ms, _ = timed(bm25.save, Path(folder) / "bm25")
        open_ms, opened = timed(SparseBM25.load, Path(folder) / "bm25")
        reopened = [timed(opened.top, q, 10)[0] for q in queries]
    print(f"{args.chunks:,} chunks, {len(queries)} queries: build {build_ms / 1000:.1f} s; every-row scoring p50 "
          f"{percentiles(queried)['p50']} / p95 {percentiles(queried)['p95']} ms; MaxScore top 10 p50 "
          f"{percentiles(pruned)['p50']} / p95 {percentiles(pruned)['p95']} ms, identical top 10 for "
          f"{same}/{len(queries)} queries; save {save_ms / 1000:.2f} s, "
          f"open {open_ms / 1000:.2f} s, queries on the opened (memory-mapped) matrix p50 "
          f"{percentiles(reopened)['p50']} ms")


if __name__ == "__main__":
    main()
