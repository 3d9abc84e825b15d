"""The performance benchmark: one command, a table on stdout, JSON in bench/results/.

    .venv/bin/python -m bench.run [--sizes 10000,100000,1000000] [--queries 200]

Synthetic corpora are deterministic: BM25 documents draw Zipf-distributed words (a 60,000-word
vocabulary, exponent 1.1, 40-120 tokens each: chunk-like statistics after stop words), and
vectors are real all-MiniLM-L6-v2 embeddings of SciFact abstracts plus Gaussian noise, so they
keep the clustered structure of real text embeddings. Queries are the SciFact training claims
(real MiniLM query vectors, tokenized with the project's tokenizer). Also measured: embedding
throughput, query embedding time, and the shipped corpus's build and no-change re-index.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from index.builder import build_index
from index.dense import HNSW_MIN_VECTORS, build_dense, dense_config
from index.embedding import Embedder
from index.sparse_bm25 import SparseBM25
from index.tokenization import Tokenizer
from qa.evaluate.retrieval import percentile
from qa.search.fusion import fuse

ROOT = Path(__file__).resolve().parent.parent
SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact-train"
VOCABULARY = 60_000


def percentiles(samples_ms: list[float]) -> dict:
    return {"p50": round(percentile(samples_ms, 50), 3), "p95": round(percentile(samples_ms, 95), 3)}


def timed(function, *args) -> tuple[float, object]:
    started = time.perf_counter()
    value = function(*args)
    return (time.perf_counter() - started) * 1000, value


def scifact_texts(limit: int) -> tuple[list[str], list[str]]:
    with (SCIFACT / "corpus.jsonl").open() as handle:
        passages = [f"{d['title']}\n{d['text']}" for d in map(json.loads, handle)][:limit]
    with (SCIFACT / "queries.jsonl").open() as handle:
        queries = [json.loads(line)["text"] for line in handle]
    return passages, queries


def synthetic_tokens(size: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Concatenated token ids of ``size`` documents, and their lengths."""
    lengths = rng.integers(40, 121, size=size)
    return (rng.zipf(1.1, size=int(lengths.sum())) - 1) % VOCABULARY, lengths


def synthetic_vectors(base: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Points between two real embeddings, plus noise: they fill the region of embedding
    space that real text occupies instead of piling up on copies of a few vectors."""
    vectors = np.empty((size, base.shape[1]), dtype=np.float32)
    for start in range(0, size, 100_000):
        n = min(100_000, size - start)
        mix = rng.uniform(0.2, 0.8, (n, 1)).astype(np.float32)
        block = mix * base[rng.integers(0, len(base), n)] + (1 - mix) * base[rng.integers(0, len(base), n)]
        block += rng.normal(0, 0.02, block.shape).astype(np.float32)
        vectors[start:start + n] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return vectors


def recall_at_10(exact, approximate, queries: np.ndarray) -> float:
    _, truth = exact.search(queries, 10)
    _, found = approximate.search(queries, 10)
    return float(np.mean([len(set(t) & set(f)) / 10 for t, f in zip(truth, found)]))


def bench_size(size: int, base: np.ndarray, query_vectors: np.ndarray, query_tokens: list[list[str]],
               rng: np.random.Generator) -> dict:
    import faiss

    row: dict = {"chunks": size}
    token_ids, lengths = synthetic_tokens(size, rng)
    vocabulary = {f"w{i}": i for i in range(VOCABULARY)}
    ms, bm25 = timed(SparseBM25.from_token_ids, vocabulary, token_ids, lengths, 0.9, 0.4)
    row["bm25_sparse_build_s"] = round(ms / 1000, 2)
    row["bm25_sparse_bytes_per_chunk"] = round(bm25.nbytes / size, 1)
    synthetic_queries = [[f"w{int(i)}" for i in (rng.zipf(1.1, size=6) - 1) % VOCABULARY] for _ in query_tokens]
    row["bm25_sparse_ms"] = percentiles([timed(bm25.top, q, 100)[0] for q in synthetic_queries])  # the product's path
    if size <= 100_000:
        from rank_bm25 import BM25Okapi

        words = np.array(list(vocabulary), dtype=object)[token_ids]
        documents = [list(d) for d in np.split(words, np.cumsum(lengths)[:-1])]
        ms, reference = timed(lambda: BM25Okapi(documents, k1=0.9, b=0.4))
        row["bm25_rank_bm25_build_s"] = round(ms / 1000, 2)
        row["bm25_rank_bm25_ms"] = percentiles([timed(reference.get_scores, q)[0] for q in synthetic_queries[:20]])
    vectors = synthetic_vectors(base, size, rng)
    flat = build_dense(vectors, {"type": "flat"})
    row["flat_ms"] = percentiles([timed(flat.search, q.reshape(1, -1), 100)[0] for q in query_vectors])
    row["flat_bytes_per_chunk"] = round(faiss.serialize_index(flat).nbytes / size, 1)
    config = {**dense_config(HNSW_MIN_VECTORS), "type": "hnsw"}
    ms, hnsw = timed(build_dense, vectors, config)
    row["hnsw_build_s"] = round(ms / 1000, 1)
    row["hnsw_bytes_per_chunk"] = round(faiss.serialize_index(hnsw).nbytes / size, 1)
    row["hnsw_recall@10"] = {}
    for ef in (32, 96, 256, config["ef_search"]):
        hnsw.hnsw.efSearch = ef
        row["hnsw_recall@10"][ef] = round(recall_at_10(flat, hnsw, query_vectors), 4)
    hnsw.hnsw.efSearch = config["ef_search"]
    row["hnsw_ms"] = percentiles([timed(hnsw.search, q.reshape(1, -1), 100)[0] for q in query_vectors])
    served = hnsw if size >= HNSW_MIN_VECTORS else flat

    def hybrid(vector: np.ndarray, tokens: list[str]) -> list:
        scores, ids = served.search(vector.reshape(1, -1), 100)
        dense = list(zip(ids[0].tolist(), scores[0].tolist()))
        return fuse(dense, bm25.top(tokens, 100), 10)

    row["hybrid_ms_without_query_embedding"] = percentiles(
        [timed(hybrid, v, t)[0] for v, t in zip(query_vectors, synthetic_queries)])
    return row


def bench_real_hnsw(passages: np.ndarray, queries: np.ndarray) -> dict:
    """HNSW recall@10 against flat search on real MiniLM embeddings (SciFact)."""
    flat = build_dense(passages, {"type": "flat"})
    config = dense_config(HNSW_MIN_VECTORS)
    hnsw = build_dense(passages, config)
    recall = {}
    for ef in (32, 64, 96, 128, 192):
        hnsw.hnsw.efSearch = ef
        recall[ef] = round(recall_at_10(flat, hnsw, queries), 4)
    return {"vectors": len(passages), "queries": len(queries), "M": config["M"],
            "ef_construction": config["ef_construction"], "recall@10_by_ef_search": recall}


def bench_embedding(passages: list[str], queries: list[str]) -> dict:
    """Passages per second and query time, torch fp32 (the baseline) and the fast backend."""
    results = {}
    for backend in ("torch", "auto"):
        embedder = Embedder(backend=backend)
        embedder.encode(passages[:32])  # warm-up
        ms, _ = timed(embedder.encode, passages)
        query_ms = [timed(embedder.encode_query, q)[0] for q in queries[:100]]
        results[embedder.backend] = {"passages_per_s": round(len(passages) / (ms / 1000), 1),
                                     "query_ms": percentiles(query_ms)}
    fast = next(v for k, v in results.items() if k != "torch")
    results["speed-up"] = round(fast["passages_per_s"] / results["torch"]["passages_per_s"], 2)
    return results


def bench_shipped_corpus(embedder: Embedder) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        first, summary = timed(lambda: build_index(ROOT / "corpus", Path(folder), embedder=embedder))
        again, _ = timed(lambda: build_index(ROOT / "corpus", Path(folder)))
    return {"chunks": summary.chunks, "build_s": round(first / 1000, 2), "unchanged_reindex_s": round(again / 1000, 3)}


def format_table(results: dict) -> str:
    """The benchmark as Markdown tables."""
    embedding = results["embedding"]
    lines = ["| embedding backend | passages/s | query p50 ms | query p95 ms |", "|---|---|---|---|"]
    lines += [f"| {name} | {row['passages_per_s']} | {row['query_ms']['p50']} | {row['query_ms']['p95']} |"
              for name, row in embedding.items() if isinstance(row, dict)]
    lines += ["", f"Speed-up over torch fp32: {embedding['speed-up']}×.", ""]
    shipped = results["shipped_corpus"]
    lines += [f"Shipped corpus: {shipped['chunks']} chunks built in {shipped['build_s']} s, "
              f"unchanged re-index {shipped['unchanged_reindex_s']} s (in-process).", ""]
    real = results["hnsw_on_real_embeddings"]
    lines += [f"HNSW (M={real['M']}, efConstruction={real['ef_construction']}) recall@10 against flat on "
              f"{real['vectors']} real MiniLM passage vectors and {real['queries']} real queries: "
              + ", ".join(f"efSearch {ef}: {r}" for ef, r in real["recall@10_by_ef_search"].items()), ""]
    lines += ["| chunks | BM25 sparse p50/p95 ms | rank-bm25 p50 ms | flat p50/p95 ms | HNSW p50/p95 ms | "
              f"HNSW recall@10 (efSearch {dense_config(HNSW_MIN_VECTORS)['ef_search']}) | hybrid p50/p95 ms (no query embedding) | bytes/chunk: BM25, flat, HNSW | "
              "build s: BM25, HNSW |", "|---" * 9 + "|"]
    for row in results["sizes"]:
        rank_bm25 = row.get("bm25_rank_bm25_ms", {}).get("p50", "—")
        lines.append(
            f"| {row['chunks']:,} | {row['bm25_sparse_ms']['p50']} / {row['bm25_sparse_ms']['p95']} | {rank_bm25} | "
            f"{row['flat_ms']['p50']} / {row['flat_ms']['p95']} | {row['hnsw_ms']['p50']} / {row['hnsw_ms']['p95']} | "
            f"{row['hnsw_recall@10'][str(dense_config(HNSW_MIN_VECTORS)['ef_search'])]} | {row['hybrid_ms_without_query_embedding']['p50']} / "
            f"{row['hybrid_ms_without_query_embedding']['p95']} | {row['bm25_sparse_bytes_per_chunk']:.0f}, "
            f"{row['flat_bytes_per_chunk']:.0f}, {row['hnsw_bytes_per_chunk']:.0f} | "
            f"{row['bm25_sparse_build_s']}, {row['hnsw_build_s']} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "bench.json")
    parser.add_argument("--show", type=Path, help="Print the tables of a saved run and stop.")
    args = parser.parse_args()
    if args.show:
        print(format_table(json.loads(args.show.read_text())))
        return
    rng = np.random.default_rng(20261129)
    passages, queries = scifact_texts(2000)
    results = {"embedding": bench_embedding(passages[:512], queries)}
    embedder = Embedder()
    print(json.dumps(results["embedding"]), flush=True)
    results["shipped_corpus"] = bench_shipped_corpus(embedder)
    print(json.dumps(results["shipped_corpus"]), flush=True)
    base = embedder.encode(passages)
    query_vectors = embedder.encode(queries[: args.queries])
    all_passages, _ = scifact_texts(10**6)
    results["hnsw_on_real_embeddings"] = bench_real_hnsw(embedder.encode(all_passages), embedder.encode(queries))
    print(json.dumps(results["hnsw_on_real_embeddings"]), flush=True)
    tokenize = Tokenizer()
    query_tokens = [tokenize(q) for q in queries[: args.queries]]
    results["sizes"] = []
    for size in (int(s) for s in args.sizes.split(",")):
        row = bench_size(size, base, query_vectors, query_tokens, rng)
        print(json.dumps(row), flush=True)
        results["sizes"].append(row)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(format_table(json.loads(args.out.read_text())))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
