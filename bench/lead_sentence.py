"""Choosing the sentence cited first (``qa/answer/selection.py``: ``LEAD_CANDIDATES``, ``LEAD_WEIGHTS``,
``LEAD_SCORE_GAP``), measured on the fit articles of the SQuAD set only: every answerable
question asked as `ask` does, its best-scored sentences described by their selection score and
their best short-answer span (score, softmax share), then each setting of the grid picks the
lead and is scored by whether the lead holds a gold answer and by the token F1 of its best span
(always shown). The short-answer trees were fitted on these articles, so their scores here are
in-sample. The report articles are never read.

    .venv/bin/python -m bench.lead_sentence [--mode bm25]

Hybrid printed: the best-scored sentence F1 0.608, lead holds gold 0.727; the grid's best, 2
sentences with weights 0.3 / 2.0, 0.624 / 0.741 (3: 0.624, 5: 0.620); shipped, 0.3 / 1.0, 0.622
/ 0.741, as good within noise with fewer second parses (every change of lead within a score gap
of 1.41, against 1.62 for 0.3 / 2.0; 45 % of questions have a second sentence within 1.5).
BM25: best-scored 0.512 / 0.634, grid's best 1.0 / 2.0 0.540 / 0.660, shipped 0.532 / 0.653 (one
setting for both: a heavier span weight is the direction in-sample span scores flatter)."""

from __future__ import annotations

import argparse
import itertools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.builder import build_index
from qa.evaluate.answers import FIT, article_split, token_f1
from qa.answer.selection import LEAD_CANDIDATES, LEAD_SCORE_GAP, LEAD_WEIGHTS, lead_weight
from qa.assistant import Assistant
from qa.query import PASSAGES_READ
from qa.answer.spans.model import BestSpan
from qa.evaluate.squad import load_squad, materialise_squad_corpus

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT.parent / "shared" / "datasets" / "squad2-train-10" / "train-v2.0-10-articles.json"
DEPTH = 5  # best-scored sentences described per question
SENTENCES = (1, 2, 3, 5)
SPAN_WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
SHARE_WEIGHTS = (0.0, 0.5, 1.0, 2.0)


@dataclass
class Described:
    score: float  # selection score
    best: BestSpan | None  # its best short-answer span
    holds_gold: bool
    f1: float  # token F1 of the best span against the gold answers


def describe(path: Path, mode: str) -> list[list[Described]]:
    """Per answerable fit question, its ``DEPTH`` best-scored sentences, best first."""
    dataset = load_squad(path)
    halves = article_split(dataset)
    fit_docs = {a.doc for a in dataset.articles if halves[a.title] == FIT}
    corpus, index_dir = materialise_squad_corpus(dataset)
    build_index(corpus, index_dir, progress=True)
    described = []
    with Assistant.open(index_dir, dense=mode == "hybrid") as assistant:
        pipeline = assistant.pipeline
        for q in [q for q in dataset.questions if q.doc in fit_docs and q.answerable]:
            evidence = pipeline.evidence(q.question, [], mode, PASSAGES_READ)
            rows = []
            for i in np.argsort(-evidence.scores, kind="stable")[:DEPTH]:
                c = evidence.candidates[int(i)]
                best = pipeline.spans.best(q.question, c.text)
                f1 = max(token_f1(c.text[slice(*best.span)], g) for g in q.answers) if best else 0.0
                rows.append(Described(float(evidence.scores[i]), best,
                                      any(c.hit.doc == q.doc and c.start <= s and e <= c.end for s, e in q.spans), f1))
            described.append(rows)
    return described


def measure(described: list[list[Described]], sentences: int, span_weight: float, share_weight: float):
    """Token F1 of the lead's best span and the share of leads that hold a gold answer."""
    leads = [max(rows[:sentences], key=lambda r: lead_weight(r.score, r.best, (span_weight, share_weight)))
             for rows in described if rows]
    return float(np.mean([r.f1 for r in leads])), float(np.mean([r.holds_gold for r in leads]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--mode", choices=("hybrid", "bm25"), default="hybrid")
    args = parser.parse_args()
    described = describe(args.squad, args.mode)
    print(f"{len(described)} answerable fit questions, {args.mode}")
    print(f"best-scored sentence alone: F1 {measure(described, 1, 0, 0)[0]:.3f}, "
          f"lead holds gold {measure(described, 1, 0, 0)[1]:.3f}")
    print("| sentences | span weight | share weight | short F1 | lead holds gold |\n|---|---|---|---|---|")
    for sentences in SENTENCES[1:]:
        grid = [(measure(described, sentences, w, v), w, v) for w, v in itertools.product(SPAN_WEIGHTS, SHARE_WEIGHTS)]
        (f1, gold), w, v = max(grid, key=lambda row: row[0][0])
        print(f"| {sentences} | {w} | {v} | {f1:.3f} | {gold:.3f} |")
    f1, gold = measure(described, LEAD_CANDIDATES, *LEAD_WEIGHTS)
    print(f"shipped: {LEAD_CANDIDATES} sentences, weights {LEAD_WEIGHTS}: F1 {f1:.3f}, lead holds gold {gold:.3f}")
    changed = [rows[0].score - rows[1].score for rows in described
               if len(rows) > 1 and lead_weight(rows[1].score, rows[1].best) > lead_weight(rows[0].score, rows[0].best)]
    close = np.mean([rows[0].score - rows[1].score < LEAD_SCORE_GAP for rows in described if len(rows) > 1])
    print(f"score gaps of the {len(changed)} questions whose lead it changes: at most {max(changed):.2f}, "
          f"{np.mean(np.array(changed) < LEAD_SCORE_GAP):.3f} within {LEAD_SCORE_GAP}; "
          f"{close:.3f} of questions have a second sentence that close")


if __name__ == "__main__":
    main()
