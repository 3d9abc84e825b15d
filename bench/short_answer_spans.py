"""The short-answer span model chosen on the SQuAD fit articles alone: each fit article left out
of the fit in turn and measured on it (its answerable questions, the gold sentence given), the
best span always shown; the report articles are never read. The figure the README's short-answer
choices quote as "each fit article left out in turn".

    .venv/bin/python -m bench.short_answer_spans [--without-dense] [--spans FILE.jsonl]

Printed: per left-out article its questions, exact match and token F1 of the best span, and the
mean over all questions; ``--spans`` writes each question's best span beside its gold answers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qa.evaluate.answers import FIT
from qa.fit.short_answers import best_spans, describe, fp32_embedder, rank_trees
from qa.answer.spans.model import ShortAnswerModel
from qa.answer.spans.features import DENSE_FEATURES, FEATURES
from qa.evaluate.squad import load_squad

SQUAD = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets" / "squad2-train-10" / \
    "train-v2.0-10-articles.json"


def left_out_in_turn(path: Path, dense: bool, spans_file: Path | None = None) -> list[tuple[str, int, float, float]]:
    """Per fit article: its questions, and the exact match and token F1 of the best span of
    its gold sentences under trees fitted on the other fit articles (each question's span
    written to ``spans_file``, if given)."""
    dataset = load_squad(path)
    halves, described = describe(dataset, fp32_embedder() if dense else None)
    items, spans = halves[FIT], described[FIT]
    titles = {a.doc: a.title for a in dataset.articles}
    rows, written = [], []
    for doc in dict.fromkeys(question.doc for question, _ in items):
        kept = [k for k, (question, _) in enumerate(items) if question.doc != doc]
        out = [k for k, (question, _) in enumerate(items) if question.doc == doc]
        trees, _, _ = rank_trees([items[k] for k in kept], [spans[k] for k in kept], str(path))
        model = ShortAnswerModel(DENSE_FEATURES if dense else FEATURES, trees, threshold=0.0)
        best = best_spans(model, [items[k] for k in out], [spans[k] for k in out])
        for k in out:
            question, sentence = items[k]
            found = model.best_of(spans[k], question.question, sentence)
            written.append({"question": question.question, "sentence": sentence, "gold": list(question.answers),
                             "span": sentence[slice(*found.span)] if found else None})
        rows.append((titles[doc], len(out), sum(b[2] for b in best) / len(out), sum(b[3] for b in best) / len(out)))
        print(f"{titles[doc]:40} {len(out):5} EM {rows[-1][2]:.3f} F1 {rows[-1][3]:.3f}", flush=True)
    if spans_file is not None:
        spans_file.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in written), encoding="utf-8")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=SQUAD)
    parser.add_argument("--without-dense", action="store_true", help="the fallback's model: no word vectors")
    parser.add_argument("--spans", type=Path, help="write each question's best span here (JSON lines)")
    args = parser.parse_args()
    rows = left_out_in_turn(args.squad, not args.without_dense, args.spans)
    total = sum(n for _, n, _, _ in rows)
    print(f"{'all':40} {total:5} EM {sum(n * em for _, n, em, _ in rows) / total:.3f} "
          f"F1 {sum(n * f1 for _, n, _, f1 in rows) / total:.3f}")


if __name__ == "__main__":
    main()
