"""How much a user's folders cost an answer: `ask` through ``ui.access.Access`` (the path the
server takes) for an admin (no filter), a user of one document, and a user of about half the
documents, on the shipped corpus's labelled questions, or (``--squad``) on the SQuAD set
written as one folder per article, a user's folders being one article's or half of them. Each
question is asked once by each before timing (warm caches alike), then the three are timed in
turn, ``--rounds`` times.

    .venv/bin/python -m bench.folder_filter_latency [--rounds 3] [--squad [--questions 200]]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from index.builder import build_index
from index.embedding import Embedder
from ui.access import Access
from ui.accounts import Accounts, User
from ui.limits import RateLimit
from ui.service import Service

ROOT = Path(__file__).resolve().parent.parent
SQUAD = ROOT.parent / "shared" / "datasets" / "squad2-train-10" / "train-v2.0-10-articles.json"


def squad_by_article(folder: Path, limit: int) -> tuple[Path, list[dict]]:
    """The SQuAD set's articles, each in a folder of its own, and up to ``limit`` of the report
    articles' questions (``doc``: the question's article folder)."""
    from qa.evaluate.answers import REPORT, article_split
    from qa.evaluate.squad import load_squad

    dataset = load_squad(SQUAD)
    corpus = folder / "squad"
    for article in dataset.articles:
        (corpus / Path(article.doc).stem).mkdir(parents=True)
        (corpus / Path(article.doc).stem / article.doc).write_text(article.text, encoding="utf-8")
    halves = article_split(dataset)
    report = {a.doc for a in dataset.articles if halves[a.title] == REPORT}
    return corpus, [{"question": q.question, "doc": Path(q.doc).stem} for q in dataset.questions if q.doc in report][:limit]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--squad", action="store_true", help="the SQuAD set, one folder per article")
    parser.add_argument("--questions", type=int, default=200, help="SQuAD report questions asked")
    args = parser.parse_args()
    rounds = args.rounds
    questions = [json.loads(line) for line in (ROOT / "qa/data/questions.jsonl").read_text().splitlines()]
    questions = [q for q in questions if not q.get("history")]
    with tempfile.TemporaryDirectory() as folder:
        corpus = ROOT / "corpus"
        if args.squad:
            corpus, questions = squad_by_article(Path(folder), args.questions)
        embedder = Embedder()
        build_index(corpus, Path(folder) / "index", embedder=embedder)
        service = Service(corpus, Path(folder) / "index", embedder)
        documents = service.documents()
        if args.squad:
            documents = sorted({doc.split("/")[0] for doc in documents})  # a user's folders: articles
        half = documents[: (len(documents) + 1) // 2]
        access = Access(service, Accounts(Path(folder) / "users.json"))  # no users: filters come from User
        access.questions = RateLimit(10**9, 60, "questions")  # timing, not limiting
        users = {"no filter": lambda q: User("admin", "admin", ()),
                 "one document": lambda q: User("one", "reader", (q["doc"] or documents[0],)),
                 f"{len(half)} of {len(documents)} documents": lambda q: User("half", "reader", tuple(half))}
        times: dict[str, list[float]] = {name: [] for name in users}
        for q in questions:  # warm-up
            for make in users.values():
                access.ask(make(q), q["question"])
        for _ in range(rounds):
            for q in questions:
                for name, make in users.items():
                    started = time.perf_counter()
                    access.ask(make(q), q["question"])
                    times[name].append(time.perf_counter() - started)
        service.close()
    base = statistics.median(times["no filter"])
    print(f"{len(questions)} questions x {rounds} rounds, {len(documents)} documents")
    for name, values in times.items():
        values.sort()
        p95 = values[int(0.95 * (len(values) - 1))]
        print(f"{name:>24}: p50 {1000 * statistics.median(values):6.1f} ms  p95 {1000 * p95:6.1f} ms  "
              f"p50 ratio {statistics.median(values) / base:.2f}")


if __name__ == "__main__":
    main()
