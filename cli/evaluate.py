"""`corpusqa eval` and `feedback export`: evaluation with the product's own settings, and
turning ratings into labelled questions."""

from __future__ import annotations

from pathlib import Path

import click

from index.generations import resolve_index_dir
from index.manifest import IndexUnavailable
from qa.evaluate.datasets import (
    DatasetError,
    is_beir_folder,
    load_beir,
    load_questions,
    materialise_beir_corpus,
)
from qa.evaluate.retrieval import METRIC_NAMES, RANKING_DEPTH, beir_units, evaluate_retrieval, paired_differences
from qa.evaluate.squad import is_squad_file, load_squad, materialise_squad_corpus
from qa.query import MODES, PASSAGES_READ

from .common import (
    CliError,
    emit_json,
    index_dir_option,
    json_option,
    llm_options,
    llm_settings,
    need_extra,
    backend_named,
    evaluation_backend,
    open_assistant,
    served,
)


@click.command("eval")
@click.argument("dataset", type=click.Path(exists=True, path_type=Path))
@click.option("--modes", default="bm25,dense,hybrid", show_default=True,
              help="Comma-separated modes to compare.")
@click.option("--k", default=None, type=click.IntRange(1, 1000),
              help=f"Passages per question [default: the product's: {PASSAGES_READ} as `ask` reads for "
                   f"labelled questions, {RANKING_DEPTH} as `search --k {RANKING_DEPTH}` ranks for BEIR].")
@click.option("--split", default=None, help="BEIR qrels split [test]; labelled split [test] (all: every one); "
              "SQuAD articles: fit, report or all [report] (articles alternate between fit and report).")
@click.option("--task", type=click.Choice(["retrieval", "answers"]), default=None,
              help="What a SQuAD file measures [default: retrieval, question → its paragraph]; BEIR folders "
                   "measure retrieval, labelled questions answers.")
@json_option
@click.option("--holdout-articles", type=click.IntRange(0, 1000), default=0,
              help="SQuAD answers: also index all but the last N articles of the split and ask their "
                   "questions, which must all be declined.")
@click.option("--after-other-article", is_flag=True,
              help="SQuAD answers: also ask every question after one about another article (a follow-up "
                   "cue must not drag it there); adds rows `<mode>+other` with `dragged_back`.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              default=None, help="Write report.md and PNG plots into this folder.")
@click.option("--backend", type=click.Choice(["local", "qdrant"]), default=None,
              help="Where ranking runs while evaluating: this machine, or Qdrant (the index is published under "
                   "an alias of its own, never the one `serve` reads) [default: as the index was set up by "
                   "`corpusqa index --backend`, else local].")
@click.option("--qdrant-url", default=None, metavar="URL",
              help="--backend qdrant: a Qdrant server or cluster (API key from $CORPUSQA_QDRANT_API_KEY).")
@click.option("--qdrant-path", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="--backend qdrant: Qdrant's embedded local mode in this folder.")
@click.option("--qdrant-fusion", type=click.Choice(["client", "rrf", "dbsf"]), default=None,
              help="--backend qdrant: hybrid fused by corpusqa (client, the default) or by Qdrant (RRF / DBSF).")
@click.option("--without-reader", is_flag=True,
              help="Answers: without the reader model (qa/data/reader), to compare with and without it.")
@click.option("--llm", "generate", is_flag=True,
              help="Labelled questions: also ask each mode with your model server writing the answers.")
@llm_options
@index_dir_option
def eval_command(dataset: Path, modes: str, k: int | None, split: str | None, task: str | None,
                 holdout_articles: int, after_other_article: bool, as_json: bool, report_dir: Path | None,
                 backend: str | None, qdrant_url: str | None, qdrant_path: Path | None, qdrant_fusion: str | None,
                 without_reader: bool, generate: bool,
                 llm_url: str | None, llm_model: str | None, llm_timeout: float | None,
                 index_dir: Path | None) -> None:
    """Evaluate retrieval on a BEIR folder or a SQuAD JSON file, or answers on a
    labelled-questions JSONL file. Retrieval results give each mode's nDCG@10 with a 95 %
    bootstrap interval over the queries, and each two modes' paired difference with its own."""
    if report_dir is not None:
        need_extra(("matplotlib",), "eval", "`corpusqa eval --report`")  # before the run, not after it
    llm = llm_settings(llm_url, llm_model, llm_timeout, required=True) if generate else None
    if llm and not (dataset.is_file() and dataset.suffix == ".jsonl"):
        raise CliError("--llm evaluates labelled questions (.jsonl) only")
    config = evaluation_backend(backend, qdrant_url, qdrant_path, qdrant_fusion)
    mode_list = [m.strip() for m in modes.split(",") if m.strip()]
    unknown = [m for m in mode_list if m not in MODES]
    if unknown or not mode_list:
        raise CliError(f"unknown mode {', '.join(unknown) or '(none)'}: choose from {', '.join(MODES)}")
    try:
        if dataset.is_file() and dataset.suffix == ".jsonl":
            payload, results = _labelled(dataset, mode_list, k or PASSAGES_READ, split or "test", as_json, index_dir,
                                         llm, config, not without_reader)
            columns = LABELLED_COLUMNS + (GENERATION_COLUMNS if llm else ())
        elif is_beir_folder(dataset):
            payload, results = _beir(dataset, mode_list, k or RANKING_DEPTH, split or "test", as_json, config)
            columns = METRIC_NAMES
        elif is_squad_file(dataset) and task in (None, "retrieval"):
            payload, results = _squad_retrieval(dataset, mode_list, k or RANKING_DEPTH, as_json, config)
            columns = METRIC_NAMES
        elif is_squad_file(dataset):
            from .squad_answers import squad_answers

            payload = squad_answers(dataset, mode_list, k or PASSAGES_READ, split or "report", holdout_articles,
                                    as_json, after_other_article, config, not without_reader)
            results, columns = [], SQUAD_ANSWER_COLUMNS
        else:
            raise DatasetError(f"{dataset} is not a BEIR folder (corpus.jsonl, queries.jsonl, qrels/), a "
                               "SQuAD .json file or a labelled-questions .jsonl file")
    except (DatasetError, IndexUnavailable) as error:
        raise CliError(str(error)) from error
    if as_json:
        emit_json(payload)
    else:
        click.echo(format_table(payload, columns))
    if report_dir is not None:
        from qa.evaluate.report import write_report

        click.echo(f"report written to {write_report(report_dir, payload, results)}", err=True)


def _beir(dataset: Path, modes: list[str], depth: int, split: str, as_json: bool, backend=None):
    beir = load_beir(dataset, split)
    corpus, index_dir = materialise_beir_corpus(beir, progress=not as_json)
    payload, results = _ranked(corpus, index_dir, beir.queries, beir.qrels, beir_units, modes, depth, as_json,
                               backend)
    return {"dataset": str(dataset), "split": split, **payload}, results


def _squad_retrieval(dataset: Path, modes: list[str], depth: int, as_json: bool, backend=None):
    """Each answerable question against the paragraph it was written about."""
    squad = load_squad(dataset)
    corpus, index_dir = materialise_squad_corpus(squad)
    questions = [q for q in squad.questions if q.answerable]

    def units(retriever) -> list[list[str]]:
        return [squad.paragraph_of(c.doc, c.start, c.end)
                for c in retriever.records.chunks(list(range(retriever.records.size)))]

    payload, results = _ranked(corpus, index_dir, {q.id: q.question for q in questions},
                               {q.id: {q.paragraph: 1} for q in questions}, units, modes, depth, as_json,
                               backend)
    return {"dataset": str(dataset), "split": "retrieval: question → paragraph", **payload}, results


def _ranked(corpus: Path, index_dir: Path, queries: dict, qrels: dict, units_of, modes: list[str], depth: int,
            as_json: bool, backend=None):
    """Build (or reuse) the dataset's index, then rank every query in each mode."""
    from index.builder import build_index
    from qa.assistant import Assistant

    progress = not as_json
    summary = build_index(corpus, index_dir, progress=progress)
    if progress:
        click.echo(f"index: {summary.chunks} passages from {summary.documents} documents "
                   f"({'cached' if summary.up_to_date else f'built in {summary.seconds:.0f} s'})", err=True)
    backend = served(index_dir, backend, progress)
    with Assistant.open(index_dir, dense=modes != ["bm25"], backend=backend) as assistant:
        fusion = assistant.retriever.fusion
        settings = (f"each query ranked as `corpusqa search --k {depth}`: hybrid fuses each ranker's top "
                    f"{max(depth, fusion.depth)} ({describe_fusion(fusion)}); BM25 "
                    f"{assistant.retriever.lexical.settings.variant}, "
                    f"{assistant.retriever.tokenizer.settings.stopwords} stopwords; ranked on "
                    f"{backend_named(backend)}; latency per mode with a cold query-vector cache")
        if progress:
            click.echo(f"settings: {settings}", err=True)
        results = evaluate_retrieval(queries, qrels, assistant.retriever, modes, units_of(assistant.retriever),
                                     depth, progress=progress)
    payload = {"queries": len(queries), "passages": summary.chunks, "settings": settings,
               "backend": backend.name if backend else "as saved", "results": [r.row() for r in results],
               "paired_differences": paired_differences(results)}
    return payload, results


def describe_fusion(fusion) -> str:
    if fusion.method == "rrf":
        return f"RRF k {fusion.rrf_k}, dense weight {fusion.dense_weight}"
    missing = "its exact score" if fusion.exact_missing else "the list's lowest"
    floor = f"; no normalised score below {fusion.floor}" if fusion.floor is not None else ""
    return (f"{fusion.method} scores, dense weight {fusion.dense_weight}, BM25 weight {fusion.bm25_weight}; "
            f"a row missing from one list gets {missing}{floor}")


def _labelled(dataset: Path, modes: list[str], k: int, split: str, as_json: bool, index_dir: Path | None,
              llm=None, backend=None, reader: bool = True):
    """Ask every labelled question of ``split`` ("all" for every one) in each mode, and with
    ``llm`` each mode again with the model writing the answers."""
    from qa.evaluate.labelled import generation_figures, run_questions, summarise

    questions = [q for q in load_questions(dataset) if split == "all" or q.split == split]
    if not questions:
        raise DatasetError(f"no questions of split {split!r} in {dataset} (use --split all)")
    backend = served(resolve_index_dir(index_dir), backend, not as_json)
    settings = (f"each question asked as `corpusqa ask --k {k}`; ranked on {backend_named(backend)}; "
                f"{'with' if reader else 'without'} the reader; latency per mode from cold caches")
    if not as_json:
        click.echo(f"settings: {settings}", err=True)
    with open_assistant(index_dir, llm=llm, backend=backend, reader=reader) as assistant:
        rows = [summarise(run_questions(assistant, questions, mode, k, progress=not as_json), mode)
                for mode in modes]
        if llm:
            for mode in modes:
                outcomes = run_questions(assistant, questions, mode, k, progress=not as_json, generate=True)
                rows.append({**summarise(outcomes, f"{mode}+llm"), **generation_figures(outcomes)})
        settings += f"; +llm rows: {llm.model} at {llm.url} writes, every sentence verified" if llm else ""
    payload = {"dataset": str(dataset), "split": split, "queries": len(questions), "settings": settings,
               "backend": backend.name if backend else "as saved", "results": rows}
    return payload, []


SQUAD_ANSWER_COLUMNS = ("answered", "cited_sentence_holds_gold", "first_cited_holds_gold", "short_answer_f1",
                        "unanswerable_declined", "answered_precision", "out_of_corpus_declined", "dragged_back")
GENERATION_COLUMNS = ("sentences_kept", "fallback_rate", "first_text_ms_p50")
LABELLED_COLUMNS = ("evidence_recall@5", "evidence_mrr", "answer_accuracy", "abstention_precision",
                    "abstention_recall", "follow_up_accuracy", "topic_switch_accuracy", "citation_exactness")


def format_table(payload: dict, columns: tuple[str, ...]) -> str:
    columns = [*columns, "latency_ms_p50", "latency_ms_p95"]
    header = f"{'mode':<14}" + "".join(f"{_short(c):>14}" for c in columns)
    rows = [f"{r['mode']:<14}" + "".join(_cell(r.get(c), c) for c in columns) for r in payload["results"]]
    passages = f", {payload['passages']} passages" if "passages" in payload else ""
    intervals = [f"{r['mode']} {r['nDCG@10']:.4f} [{r['nDCG@10_ci95'][0]:.4f}, {r['nDCG@10_ci95'][1]:.4f}]"
                 for r in payload["results"] if "nDCG@10_ci95" in r]
    differences = [f"{d['modes']} {d['nDCG@10']:+.4f} [{d['ci95'][0]:+.4f}, {d['ci95'][1]:+.4f}]"
                   for d in payload.get("paired_differences", [])]
    notes = ([f"nDCG@10, 95 % bootstrap interval over the queries: {'; '.join(intervals)}"] if intervals else []) + \
        ([f"paired difference (an interval holding 0: no evidence either ranks better): {'; '.join(differences)}"]
         if differences else [])
    return "\n".join([f"{payload['dataset']} ({payload['split']}): {payload['queries']} queries{passages}",
                      header, *rows, *notes])


def _short(column: str) -> str:
    return (column.replace("latency_ms_", "ms ").replace("evidence_", "ev ").replace("abstention_", "abst ")
            .replace("_accuracy", " acc").replace("citation_exactness", "cite exact").replace("answer", "ans")
            .replace("follow_up", "follow-up").replace("topic_switch", "switch").replace("precision", "P")
            .replace("recall", "R").replace("cited_sentence_holds_gold", "cited gold")
            .replace("first_cited_holds_gold", "1st cited gold").replace("short_answer_f1", "short F1")
            .replace("unanswerable_declined", "unans declined").replace("out_of_corpus_declined", "out declined")
            .replace("sentences_kept", "kept").replace("fallback_rate", "fallback").replace("first_text_ms_p50", "1st words ms"))


def _cell(value, column: str) -> str:
    if value is None:
        return f"{'—':>14}"
    return f"{value:>14.1f}" if column.endswith(("_p50", "_p95")) else f"{value:>14.4f}"


@click.group()
def feedback() -> None:
    """Ratings given on the chat page."""


@feedback.command("export")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path))
@index_dir_option
def feedback_export(output: Path, index_dir: Path | None) -> None:
    """Write the ratings to OUTPUT as labelled questions for `corpusqa eval`: only what the
    rater said (a dislike without a reason is not a label)."""
    from qa.feedback import FEEDBACK_FILE, FeedbackDamaged, FeedbackStore

    path = resolve_index_dir(index_dir) / FEEDBACK_FILE
    if not path.is_file():
        raise CliError(f"no feedback yet in {path.parent}: rate answers on the chat page first")
    try:  # every rating: whoever runs this reads the index folder itself (an admin)
        store = FeedbackStore(path, replace_damaged=False)
    except FeedbackDamaged as error:
        raise CliError(f"{error}: `corpusqa serve` moves it aside and starts a new one") from error
    try:
        written, unlabelled = store.export(output)
    finally:
        store.close()
    click.echo(f"wrote {written} labelled questions to {output}"
               + (f"; {unlabelled} ratings say too little to label (no reason or no right passage)"
                  if unlabelled else ""), err=True)
