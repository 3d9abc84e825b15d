"""Compare chunker settings on the shipped corpus with the labelled questions: evidence
rank (MRR, recall@5) and answer accuracy in hybrid mode, all questions.

    .venv/bin/python -m bench.chunk_sizes
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from index.builder import build_index
from index.chunking import ChunkerSettings
from index.embedding import Embedder
from qa import Assistant
from qa.evaluate.datasets import load_questions
from qa.evaluate.labelled import run_questions, summarise

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = [ChunkerSettings(400, 80), ChunkerSettings(600, 120), ChunkerSettings(800, 150),
            ChunkerSettings(1000, 150), ChunkerSettings(1400, 200)]


def main() -> None:
    embedder = Embedder()
    questions = load_questions(ROOT / "qa" / "data" / "questions.jsonl")
    print("| target / overlap | chunks | evidence recall@5 | evidence MRR | answer accuracy |")
    print("|---|---|---|---|---|")
    for settings in SETTINGS:
        with tempfile.TemporaryDirectory() as folder:
            summary = build_index(ROOT / "corpus", Path(folder), chunker=settings, embedder=embedder)
            with Assistant.open(Path(folder), embedder=embedder) as assistant:
                row = summarise(run_questions(assistant, questions), "hybrid")
        print(f"| {settings.target_chars} / {settings.overlap_chars} | {summary.chunks} | "
              f"{row['evidence_recall@5']} | {row['evidence_mrr']} | {row['answer_accuracy']} |")


if __name__ == "__main__":
    main()
