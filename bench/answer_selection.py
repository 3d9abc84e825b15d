"""Choosing the evidence sentence, measured the way its features were chosen: each fit article
of the SQuAD set left out of the selection fit in turn (pairwise logistic regression, as
`corpusqa calibrate` fits it) and measured on it — the share of its answerable questions whose
evidence sentence scores best. The report articles are never read.

    .venv/bin/python -m bench.answer_selection [--without alignment_contrast ...] [--mode bm25]

With every feature (hybrid) this printed 0.727 of all 2,007 answerable questions; without
``alignment_contrast`` 0.712."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from index.builder import build_index
from qa.evaluate.answers import FIT, article_split
from qa.answer.features import FEATURES
from qa.assistant import Assistant
from qa.fit.calibration import HARD_NEGATIVES, Sample, collect, fit_selection, squad_items
from qa.evaluate.squad import load_squad, materialise_squad_corpus

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT.parent / "shared" / "datasets" / "squad2-train-10" / "train-v2.0-10-articles.json"


def fit_article_samples(path: Path, mode: str) -> dict[str, list[Sample]]:
    """Per fit article, its answerable questions' candidates and features, all ten articles indexed."""
    dataset = load_squad(path)
    halves = article_split(dataset)
    corpus, index_dir = materialise_squad_corpus(dataset)
    build_index(corpus, index_dir, progress=True)
    with Assistant.open(index_dir, dense=mode == "hybrid") as assistant:
        return {a.title: collect(assistant, squad_items([q for q in dataset.questions if q.doc == a.doc and q.answerable]),
                                 a.title, mode, progress=True)
                for a in dataset.articles if halves[a.title] == FIT}


def left_out_shares(by_article: dict[str, list[Sample]], hard_negatives: int) -> dict[str, tuple[int, float]]:
    """Per article: its questions and the share whose evidence scored best, fitted on the others."""
    result = {}
    for title, held_out in by_article.items():
        weights = fit_selection([s for other, samples in by_article.items() if other != title for s in samples],
                                hard_negatives=hard_negatives)
        vector = np.array([weights[name] for name in FEATURES])
        chosen = [bool(len(s.good)) and bool(s.good[int(np.argmax(s.features @ vector))]) for s in held_out]
        result[title] = (len(chosen), float(np.mean(chosen)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--mode", choices=("hybrid", "bm25"), default="hybrid")
    parser.add_argument("--without", nargs="*", default=[], choices=FEATURES, metavar="FEATURE",
                        help="features left out (their column set to 0 before fitting)")
    args = parser.parse_args()
    by_article = fit_article_samples(args.squad, args.mode)
    for samples in by_article.values():
        for s in samples:
            s.features[:, [FEATURES.index(name) for name in args.without]] = 0.0
    shares = left_out_shares(by_article, HARD_NEGATIVES if args.mode == "hybrid" else 0)
    print(f"\n| left-out article ({args.mode}, without {', '.join(args.without) or 'nothing'}) | questions | "
          "evidence scored best |\n|---|---|---|")
    for title, (count, share) in shares.items():
        print(f"| {title} | {count} | {share:.3f} |")
    total = sum(count for count, _ in shares.values())
    print(f"| all | {total} | {sum(count * share for count, share in shares.values()) / total:.4f} |")


if __name__ == "__main__":
    main()
