"""Index the shipped corpus from scratch and report time, chunk sizes, and the rank of
the answering passage for ten questions in each retrieval mode.

    .venv/bin/python bench/shipped_corpus.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from index.builder import build_index
from qa import Assistant
from qa.evaluate.datasets import load_questions
from qa.evaluate.labelled import evidence_span, holds_evidence

ROOT = Path(__file__).resolve().parent.parent
QUESTION_IDS = ["q001", "q007", "q011", "q023", "q026", "q031", "q032", "q035", "q042", "q043"]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        summary = build_index(ROOT / "corpus", Path(folder) / "index")
        seconds = time.perf_counter() - started
        print(f"indexed {summary.documents} documents into {summary.chunks} chunks in {seconds:.1f} s "
              "(model load included)")
        with Assistant.open(Path(folder) / "index") as assistant:
            records = assistant.retriever.records
            sizes = [len(c.text) for c in records.chunks(list(range(records.size)))]
            quartiles = statistics.quantiles(sizes, n=4)
            print(f"chunk characters: min {min(sizes)}, quartiles {quartiles[0]:.0f} / {quartiles[1]:.0f} / "
                  f"{quartiles[2]:.0f}, max {max(sizes)}, mean {statistics.mean(sizes):.0f}")
            questions = {q.id: q for q in load_questions(ROOT / "qa" / "data" / "questions.jsonl")}
            print("\n| question | hybrid | dense | bm25 |\n|---|---|---|---|")
            for qid in QUESTION_IDS:
                q = questions[qid]
                span = evidence_span(assistant, q)
                ranks = []
                for mode in ("hybrid", "dense", "bm25"):
                    hits = assistant.search(q.question, k=20, mode=mode)
                    ranks.append(next((str(h.rank) for h in hits if holds_evidence(h, q.doc, span)), ">20"))
                print(f"| {q.question} | " + " | ".join(ranks) + " |")


if __name__ == "__main__":
    main()
