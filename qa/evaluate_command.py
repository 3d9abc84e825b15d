"""`corpusqa eval`: pick the dataset kind, build or reuse its index, print and report."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .datasets import DatasetError, is_beir_folder, load_beir, load_questions, materialise_beir_corpus
from .evaluation import METRIC_NAMES, evaluate_beir


def run_eval(dataset: Path, modes: list[str], k: int, split: str, as_json: bool,
             report_dir: Path | None, index_dir: Path | None) -> None:
    from index.builder import build_index

    from .assistant import Assistant

    progress = not as_json
    if dataset.is_file() and dataset.suffix == ".jsonl":
        return run_labelled(dataset, modes, k, split, as_json, report_dir, index_dir)
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


def run_labelled(dataset: Path, modes: list[str], k: int, split: str, as_json: bool,
                 report_dir: Path | None, index_dir: Path | None) -> None:
    """Ask every labelled question of ``split`` ("all" for every one) in each mode."""
    from .assistant import Assistant
    from .labelled_eval import run_questions, summarise

    questions = [q for q in load_questions(dataset) if split == "all" or q.split == split]
    if not questions:
        raise DatasetError(f"no questions of split {split!r} in {dataset} (use --split all)")
    assistant = Assistant.open(index_dir)
    rows = [summarise(run_questions(assistant, questions, mode, k, progress=not as_json), mode)
            for mode in modes]
    payload = {"dataset": str(dataset), "split": split, "queries": len(questions), "results": rows}
    if as_json:
        click.echo(json.dumps(payload, indent=2))
    else:
        click.echo(format_table(payload, columns=LABELLED_COLUMNS))
    if report_dir is not None:
        from .report import write_report

        click.echo(f"report written to {write_report(report_dir, payload, [])}", err=True)


LABELLED_COLUMNS = ("evidence_recall@5", "evidence_mrr", "answer_accuracy", "abstention_precision",
                    "abstention_recall", "follow_up_accuracy", "topic_switch_accuracy", "citation_exactness")


def format_table(payload: dict, columns: tuple[str, ...] = METRIC_NAMES) -> str:
    columns = [*columns, "latency_ms_p50", "latency_ms_p95"]
    header = f"{'mode':<14}" + "".join(f"{_short(c):>14}" for c in columns)
    rows = [f"{r['mode']:<14}" + "".join(_cell(r.get(c), c) for c in columns) for r in payload["results"]]
    passages = f", {payload['passages']} passages" if "passages" in payload else ""
    return "\n".join([f"{payload['dataset']} ({payload['split']}): {payload['queries']} queries{passages}",
                      header, *rows])


def _short(column: str) -> str:
    return (column.replace("latency_ms_", "ms ").replace("evidence_", "ev ").replace("abstention_", "abst ")
            .replace("_accuracy", " acc").replace("citation_exactness", "cite exact").replace("answer", "ans")
            .replace("follow_up", "follow-up").replace("topic_switch", "switch").replace("precision", "P")
            .replace("recall", "R"))


def _cell(value, column: str) -> str:
    if value is None:
        return f"{'—':>14}"
    return f"{value:>14.1f}" if column.startswith("latency") else f"{value:>14.4f}"
