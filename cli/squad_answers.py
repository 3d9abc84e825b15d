"""`corpusqa eval FILE.json --task answers`: SQuAD questions asked through the product, on
the whole set indexed as one corpus, and on an index that leaves some articles out."""

from __future__ import annotations

from pathlib import Path

import click

from qa.evaluate.answers import (
    article_split,
    ask_all,
    declined_share,
    dragged_back,
    preceded_by_other_articles,
    summarise,
)
from qa.evaluate.squad import load_squad, materialise_squad_corpus

from .common import CliError, backend_named, served


def squad_answers(path: Path, modes: list[str], k: int, split: str, holdout: int, as_json: bool,
                  after_other_article: bool = False, backend=None, reader: bool = True) -> dict:
    """The SQuAD answer figures of ``split``; ``backend``: where ranking runs (None: local);
    ``reader``: whether the reader model reads the best candidates."""
    from index.builder import build_index
    from qa.assistant import Assistant

    progress = not as_json
    dataset = load_squad(path)
    halves = article_split(dataset)
    if split not in ("fit", "report", "all"):
        raise CliError(f"unknown SQuAD split {split!r}: fit, report or all")
    titles = [a.title for a in dataset.articles if split == "all" or halves[a.title] == split]
    if holdout >= len(titles):
        raise CliError(f"--holdout-articles {holdout} leaves no article of split {split!r} ({len(titles)}) indexed")
    corpus, index_dir = materialise_squad_corpus(dataset)
    build_index(corpus, index_dir, progress=progress)
    docs = {a.doc for a in dataset.articles if a.title in titles}
    asked = [q for q in dataset.questions if q.doc in docs]
    main_backend = served(index_dir, backend, progress)
    settings = (f"each question asked as `corpusqa ask --k {k}` on all {len(dataset.articles)} articles indexed; "
                f"ranked on {backend_named(main_backend)}; {'with' if reader else 'without'} the reader; "
                "latency per mode from cold caches")
    if progress:
        click.echo(f"settings: {settings}; split {split}: {len(titles)} articles, {len(asked)} questions", err=True)
    rows = []
    with Assistant.open(index_dir, dense=modes != ["bm25"], backend=main_backend, reader=reader) as assistant:
        for mode in modes:
            rows.append(summarise(ask_all(assistant, asked, mode, k, progress=progress), mode))
        if after_other_article:  # the same questions, each after a question about another article
            history = preceded_by_other_articles(dataset, asked)
            for mode in modes:
                outcomes = ask_all(assistant, asked, mode, k, history=history, progress=progress)
                rows.append({**summarise(outcomes, f"{mode}+other"),
                             "dragged_back": dragged_back(outcomes)})
    if holdout:
        left_out = titles[-holdout:]
        subset = load_squad(path, [t for t in (a.title for a in dataset.articles) if t not in left_out])
        sub_corpus, sub_index = materialise_squad_corpus(subset)
        build_index(sub_corpus, sub_index, progress=progress)
        left_out_docs = {a.doc for a in dataset.articles if a.title in left_out}
        outside = [q for q in dataset.questions if q.doc in left_out_docs]
        sub_backend = served(sub_index, backend, progress)
        with Assistant.open(sub_index, dense=modes != ["bm25"], backend=sub_backend, reader=reader) as assistant:
            for row, mode in zip(rows, modes):  # the rows asked without history
                row["out_of_corpus_declined"] = declined_share(ask_all(assistant, outside, mode, k, progress=progress))
        settings += f"; out of corpus: {len(outside)} questions of {', '.join(left_out)}, not indexed"
    return {"dataset": str(path), "split": split, "queries": len(asked), "articles": titles, "settings": settings,
            "backend": main_backend.name if main_backend else "as saved", "results": rows}
