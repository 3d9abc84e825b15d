"""`corpusqa eval`: pick the dataset kind, build or reuse its index, print and report."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .datasets import DatasetError, is_beir_folder, load_beir, materialise_beir_corpus
from .evaluation import METRIC_NAMES, evaluate_beir


def run_eval(dataset: Path, modes: list[str], k: int, split: str, as_json: bool,
             report_dir: Path | None, index_dir: Path | None) -> None:
    from index.builder import build_index

    from .assistant import Assistant

    progress = not as_json
    if not is_beir_folder(dataset):
        raise DatasetError(f"{dataset} is neither a BEIR folder (corpus.jsonl, queries.jsonl, "
                           "qrels/) nor a labelled-questions .jsonl file")
    beir = load_beir(dataset, split)
    corpus, beir_index = materialise_beir_corpus(beir, progress=progress)
    summary = build_index(corpus, beir_index, progress=progress)
    if progress:
        click.echo(f"index: {summary.chunks} passages from {summary.documents} documents "
                   f"({'cached' if summary.up_to_date else f'built in {summary.seconds:.0f} s'})", err=True)
    assistant = Assistant.open(beir_index, dense=modes != ["bm25"])
    results = evaluate_beir(beir, assistant.retriever, modes, k, progress=progress)
    payload = {"dataset": str(dataset), "split": split, "queries": len(beir.queries),
               "passages": summary.chunks, "results": [r.row() for r in results]}
    if as_json:
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(format_table(payload))
    if report_dir is not None:
        from .report import write_report

        path = write_report(report_dir, payload, results)
        click.echo(f"report written to {path}", err=True)


def format_table(payload: dict) -> str:
    columns = [*METRIC_NAMES, "latency_ms_p50", "latency_ms_p95"]
    header = f"{'mode':<14}" + "".join(f"{c.replace('latency_ms_', 'ms ').rjust(12)}" for c in columns)
    rows = [f"{r['mode']:<14}" + "".join(f"{r[c]:>12.4f}" if c in METRIC_NAMES else f"{r[c]:>12.1f}"
                                          for c in columns) for r in payload["results"]]
    return "\n".join([f"{payload['dataset']} ({payload['split']}): {payload['queries']} queries, "
                      f"{payload['passages']} passages", header, *rows])
