"""Offline retrieval evaluation (BEIR folders, SQuAD files) with trec_eval's metrics (ir-measures)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from index.progress import progress_bar

from qa.evaluate.datasets import doc_id_from_path
from qa.search.retriever import Retriever

METRIC_NAMES = ("nDCG@10", "Recall@10", "Recall@100", "MRR@10", "MAP@100")
RANKING_DEPTH = 100  # passages ranked per query: `corpusqa search --k 100`, the product's fusion depth
RECALL_CURVE_DEPTHS = (1, 2, 3, 5, 10, 20, 50, 100)
RESAMPLES = 2000  # bootstrap resamples of the queries for 95 % intervals
BATCH = 100  # resamples drawn at once


@dataclass
class ModeResult:
    mode: str
    metrics: dict[str, float]
    latencies_ms: list[float]
    recall_curve: dict[int, float] = field(default_factory=dict)  # depth -> recall
    per_query_ndcg: dict[str, float] = field(default_factory=dict)  # query id -> nDCG@10

    def row(self) -> dict:
        """This mode's entry in the ``--json`` results."""
        interval = {"nDCG@10_ci95": [round(v, 4) for v in bootstrap_interval(list(self.per_query_ndcg.values()))]} \
            if self.per_query_ndcg else {}
        return {"mode": self.mode, **{name: round(self.metrics[name], 4) for name in self.metrics}, **interval,
                "latency_ms_p50": round(percentile(self.latencies_ms, 50), 2),
                "latency_ms_p95": round(percentile(self.latencies_ms, 95), 2)}


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else 0.0


def bootstrap_interval(values: list[float], seed: int = 0) -> tuple[float, float]:
    """The 95 % percentile-bootstrap interval of the mean of ``values`` (queries resampled)."""
    array = np.asarray(values, dtype=np.float64)
    rng = np.random.default_rng(seed)
    means = np.concatenate([array[rng.integers(0, len(array), (BATCH, len(array)))].mean(axis=1)
                            for _ in range(RESAMPLES // BATCH)])  # in batches: bounded memory at any size
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def paired_differences(results: list[ModeResult]) -> list[dict]:
    """nDCG@10 of each mode minus each mode listed before it, over the same queries, with the
    95 % bootstrap interval of the difference: an interval that holds 0 is no evidence either
    mode ranks better on this data."""
    rows = []
    for k, later in enumerate(results):
        for earlier in results[:k]:
            queries = sorted(later.per_query_ndcg)
            differences = [later.per_query_ndcg[q] - earlier.per_query_ndcg[q] for q in queries]
            low, high = bootstrap_interval(differences)
            rows.append({"modes": f"{later.mode} - {earlier.mode}", "nDCG@10": round(float(np.mean(differences)), 4),
                         "ci95": [round(low, 4), round(high, 4)]})
    return rows


def ranking_metrics(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]]
                    ) -> tuple[dict[str, float], dict[int, float], dict[str, float]]:
    """Mean metrics over all judged queries (a query with no results counts as zero), the
    recall curve, and each query's nDCG@10."""
    import ir_measures
    from ir_measures import AP, RR, R, nDCG

    measures = {"nDCG@10": nDCG @ 10, "Recall@10": R @ 10, "Recall@100": R @ 100,
                "MRR@10": RR @ 10, "MAP@100": AP @ 100}
    curve = {depth: R @ depth for depth in RECALL_CURVE_DEPTHS}
    # trec_eval skips queries absent from the run; give them an empty ranking instead.
    complete_run = {qid: run.get(qid) or {"\0none": 0.0} for qid in qrels}
    values = ir_measures.calc_aggregate([*measures.values(), *curve.values()], qrels, complete_run)
    per_query = {m.query_id: float(m.value) for m in ir_measures.iter_calc([nDCG @ 10], qrels, complete_run)}
    return ({name: float(values[m]) for name, m in measures.items()},
            {depth: float(values[m]) for depth, m in curve.items()}, per_query)


def evaluate_retrieval(queries: dict[str, str], qrels: dict[str, dict[str, int]], retriever: Retriever,
                       modes: list[str], units: list[list[str]], depth: int = RANKING_DEPTH,
                       progress: bool = False) -> list[ModeResult]:
    """Rank every judged query in each mode as ``search --k depth`` would (the product's
    fusion settings), then score the judged units (BEIR documents, SQuAD paragraphs) by the
    best passage holding them (``units[row]``). Each mode starts with an empty query-vector
    cache, so its latency includes embedding every query."""
    results = []
    for mode in modes:
        retriever.query_vectors.clear()
        run: dict[str, dict[str, float]] = {}
        latencies = []
        for qid, text in progress_bar(list(queries.items()), f"querying ({mode})", progress, unit="query"):
            started = time.perf_counter()
            ranked = retriever.rank(text, depth, mode)
            latencies.append((time.perf_counter() - started) * 1000)
            run[qid] = collapse_to_documents([unit for r in ranked for unit in units[r.row]], depth)
        metrics, curve, per_query = ranking_metrics(qrels, run)
        results.append(ModeResult(mode, metrics, latencies, curve, per_query))
    return results


def beir_units(retriever: Retriever) -> list[list[str]]:
    """Each passage row's BEIR document id."""
    return [[doc_id_from_path(path)] for path in retriever.records.row_docs()]


def collapse_to_documents(ranked_docs: list[str], depth: int) -> dict[str, float]:
    """Passage ranking -> document ranking where each document keeps its best passage's
    place. Scores are strictly decreasing, so trec_eval's tie-breaking cannot reorder."""
    ranking: dict[str, float] = {}
    for doc in ranked_docs:
        if doc not in ranking:
            ranking[doc] = float(depth - len(ranking))
            if len(ranking) == depth:
                break
    return ranking
