"""Concurrent users: 50 gradio_client users × 20 questions against one launched server,
with zero errors and the same answers as asked one at a time."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_client import Client

from qa.evaluate.datasets import load_questions

from .conftest import ROOT, running_server

USERS, QUESTIONS_EACH = 50, 20


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder):
    with running_server(tmp_path_factory.mktemp("load"), embedder) as running:
        yield running


def comparable(answer: dict) -> tuple:
    return answer["answer"], answer["abstained"], [(c["doc"], c["start"], c["end"]) for c in answer["citations"]]


def test_50_concurrent_users_get_the_sequential_answers(server):
    service, url = server
    questions = [q.question for q in load_questions(ROOT / "qa" / "data" / "questions.jsonl")
                 if not q.history][:QUESTIONS_EACH]
    expected = {q: comparable(service.ask(q).as_dict()) for q in questions}

    def user(number: int) -> list[tuple[str, dict, float]]:
        client = Client(url, verbose=False)
        order = questions[number % len(questions):] + questions[:number % len(questions)]
        results = []
        for question in order:
            started = time.perf_counter()
            results.append((question, client.predict(question, api_name="/ask"), time.perf_counter() - started))
        return results

    started = time.perf_counter()
    with ThreadPoolExecutor(USERS) as pool:
        outcomes = [r for batch in pool.map(user, range(USERS)) for r in batch]
    elapsed = time.perf_counter() - started
    assert len(outcomes) == USERS * QUESTIONS_EACH
    mismatches = [q for q, answer, _ in outcomes if comparable(answer) != expected[q]]
    assert mismatches == []
    latencies = sorted(seconds * 1000 for _, _, seconds in outcomes)
    print(f"{len(outcomes)} answers in {elapsed:.1f} s: p50 {statistics.median(latencies):.0f} ms, "
          f"p95 {latencies[int(0.95 * len(latencies))]:.0f} ms per request")
