"""Golden answers: every question of the labelled sets (shipped corpus, office, and the real
documentation folders), and of the SQuAD report articles, asked in hybrid and BM25 mode, with
the answer text, citations and confidence recorded, so that a change meant to move nothing
(the qa/ rebuild) can show it moved nothing. Embeddings run in fp32 (sentence-transformers):
the ONNX backend's bf16 rounds differently on each CPU.

    .venv/bin/python -m bench.golden_answers record [--sets labelled,office,squad]
    .venv/bin/python -m bench.golden_answers check  [--sets ...]

``record`` writes ``tests/golden/answers.json.gz``; ``check`` asks again and lists every
question whose answer text, citations or abstention changed, or whose confidence moved by
more than 1e-4. ``tests/test_golden_answers.py`` checks the labelled and office sets in CI.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
GOLDEN = ROOT / "tests" / "golden" / "answers.json.gz"
SQUAD = SHARED / "datasets" / "squad2-train-10" / "train-v2.0-10-articles.json"
MODES = ("hybrid", "bm25")
TOLERANCE = 1e-4
LABELLED_SETS = {  # name: (questions, corpus folder)
    "labelled": (ROOT / "qa/data/questions.jsonl", ROOT / "corpus"),
    "office": (ROOT / "qa/data/office_questions.jsonl", ROOT / "qa/data/office"),
    "poetry": (ROOT / "qa/data/poetry_questions.jsonl", SHARED / "corpora/poetry-docs"),
    "peps": (ROOT / "qa/data/peps_questions.jsonl", SHARED / "corpora/peps"),
    "papers": (ROOT / "qa/data/papers_questions.jsonl", ROOT / "qa/data/papers"),
}
ALL_SETS = (*LABELLED_SETS, "squad")


def answer_record(answer) -> dict:
    """What must not move: the text, the short answer, abstention, citations, confidence."""
    return {"text": answer.text, "short": answer.short_answer, "abstained": answer.abstained,
            "citations": [[c.doc, c.start, c.end] for c in answer.citations],
            "confidence": round(float(answer.confidence), 6)}


def ask_labelled(name: str, work: Path, embedder, progress: bool = True) -> dict[str, dict]:
    """Every question of the labelled set ``name`` over its own corpus, in each mode."""
    from index.builder import build_index
    from qa.assistant import Assistant
    from qa.evaluate.datasets import load_questions

    questions_file, corpus = LABELLED_SETS[name]
    index_dir = work / name
    build_index(corpus, index_dir, embedder=embedder, progress=progress)
    answers = {}
    with Assistant.open(index_dir, embedder=embedder) as assistant:
        for mode in MODES:
            for q in load_questions(questions_file):
                answers[f"{name}/{q.id}/{mode}"] = answer_record(assistant.ask(q.question, q.history, mode=mode))
    return answers


def ask_squad(work: Path, embedder, progress: bool = True) -> dict[str, dict]:
    """Every question of the SQuAD report articles, all ten articles indexed, in each mode."""
    from index.builder import build_index
    from qa.evaluate.answers import REPORT, article_split
    from qa.assistant import Assistant
    from qa.evaluate.squad import load_squad, materialise_squad_corpus

    dataset = load_squad(SQUAD)
    halves = article_split(dataset)
    report = {a.doc for a in dataset.articles if halves[a.title] == REPORT}
    corpus, _ = materialise_squad_corpus(dataset)
    index_dir = work / "squad"
    build_index(corpus, index_dir, embedder=embedder, progress=progress)
    answers = {}
    with Assistant.open(index_dir, embedder=embedder) as assistant:
        for mode in MODES:
            for q in (q for q in dataset.questions if q.doc in report):
                answers[f"squad/{q.id}/{mode}"] = answer_record(assistant.ask(q.question, mode=mode))
    return answers


def ask_sets(sets: list[str], progress: bool = True) -> dict[str, dict]:
    from index.embedding import Embedder

    embedder = Embedder(backend="torch")  # fp32: the same on any CPU
    answers: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as work:
        for name in sets:
            print(f"asking {name}", file=sys.stderr)
            answers.update(ask_squad(Path(work), embedder, progress) if name == "squad"
                           else ask_labelled(name, Path(work), embedder, progress))
    return answers


def load_golden() -> dict[str, dict]:
    with gzip.open(GOLDEN, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def differences(recorded: dict[str, dict], answers: dict[str, dict]) -> list[str]:
    """One line per question whose answer moved (a key asked but never recorded counts)."""
    moved = []
    for key, now in answers.items():
        was = recorded.get(key)
        if was is None:
            moved.append(f"{key}: not recorded")
            continue
        for field in ("text", "short", "abstained", "citations"):
            if was[field] != now[field]:
                moved.append(f"{key}: {field} {was[field]!r} -> {now[field]!r}")
        if abs(was["confidence"] - now["confidence"]) > TOLERANCE:
            moved.append(f"{key}: confidence {was['confidence']} -> {now['confidence']}")
    return moved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("record", "check"))
    parser.add_argument("--sets", default=",".join(ALL_SETS), help=f"comma-separated, of {', '.join(ALL_SETS)}")
    args = parser.parse_args()
    sets = [s for s in args.sets.split(",") if s]
    unknown = set(sets) - set(ALL_SETS)
    if unknown:
        parser.error(f"unknown sets: {', '.join(sorted(unknown))}")
    answers = ask_sets(sets)
    if args.action == "record":
        recorded = load_golden() if GOLDEN.exists() else {}
        recorded.update(answers)
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        with gzip.GzipFile(GOLDEN, "wb", mtime=0) as handle:  # no timestamp: the same answers, the same bytes
            handle.write((json.dumps(recorded, indent=0, sort_keys=True, ensure_ascii=False) + "\n").encode())
        print(f"recorded {len(answers)} answers in {GOLDEN.relative_to(ROOT)}")
        return 0
    moved = differences(load_golden(), answers)
    print("\n".join(moved) if moved else f"all {len(answers)} answers as recorded")
    return 1 if moved else 0


if __name__ == "__main__":
    sys.exit(main())
