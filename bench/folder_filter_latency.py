"""How much a user's folders cost an answer: `ask` through ``ui.access.Access`` (the path the
server takes) for an admin (no filter), a user of one document, and a user of about half the
documents, on the shipped corpus's labelled questions. Each question is asked once by each
before timing (warm caches alike), then the three are timed in turn, ``--rounds`` times.

    .venv/bin/python -m bench.folder_filter_latency [--rounds 3]
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    questions = [json.loads(line) for line in (ROOT / "qa/data/questions.jsonl").read_text().splitlines()]
    questions = [q for q in questions if not q.get("history")]
    with tempfile.TemporaryDirectory() as folder:
        embedder = Embedder()
        build_index(ROOT / "corpus", Path(folder) / "index", embedder=embedder)
        service = Service(ROOT / "corpus", Path(folder) / "index", embedder)
        documents = service.documents()
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
