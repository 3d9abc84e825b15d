"""The chat page's HTTP API on a real launched Gradio server, through gradio_client."""

from __future__ import annotations

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError

from .conftest import running_server


@pytest.fixture(scope="module")
def served(tmp_path_factory, embedder):
    with running_server(tmp_path_factory.mktemp("served"), embedder) as running:
        yield running


@pytest.fixture(scope="module")
def client(served):
    return Client(served[1], verbose=False)


def test_ask_endpoint_returns_the_cli_json(client, served):
    service, _ = served
    result = client.predict("How many vessels does Singapore supply with marine fuel each year?", api_name="/ask")
    assert set(result) >= {"question", "answer", "abstained", "citations", "passages"}
    assert not result["abstained"] and "130,000" in result["answer"]
    citation = result["citations"][0]
    text = service.document(citation["doc"]).text
    assert text[citation["start"]:citation["end"]] == citation["quote"]


def test_ask_endpoint_uses_history_for_follow_ups(client):
    result = client.predict("When was it implemented?", ["What is the KORUS FTA?"], api_name="/ask")
    assert "2012" in result["answer"] and "KORUS" in result["retrieval_query"]


def test_search_endpoint_with_defaults_and_mode(client):
    result = client.predict("quantum-safe cryptography", api_name="/search")
    assert result["mode"] == "hybrid" and len(result["hits"]) == 10
    assert result["hits"][0]["doc"] == "singapore-korea-strategic-partnership.txt"
    bm25 = client.predict("shipbuilding investment", 3, "bm25", api_name="/search")
    assert bm25["mode"] == "bm25" and len(bm25["hits"]) == 3
    assert all(h["dense_rank"] is None and h["bm25_rank"] == h["rank"] for h in bm25["hits"])


def test_unanswerable_question_abstains_with_closest_matches(client):
    result = client.predict("Who won the 2018 FIFA World Cup?", api_name="/ask")
    assert result["abstained"] and result["citations"] == [] and result["passages"]


@pytest.mark.parametrize("question", ["", "   ", "x" * 3000])
def test_bad_questions_are_errors_with_a_message(client, question):
    with pytest.raises(AppError, match="empty query|too long"):
        client.predict(question, api_name="/ask")


def test_endpoints_search_and_answer_within_chosen_documents(client):
    doc = "us-korea-tariff-talks.txt"
    searched = client.predict("tariffs", 5, "hybrid", [doc], api_name="/search")
    assert {h["doc"] for h in searched["hits"]} == {doc}
    asked = client.predict("What will the US tariff on most South Korean goods be cut to?", None, "hybrid", 8,
                           False, [doc], api_name="/ask")
    assert asked["citations"] and {c["doc"] for c in asked["citations"]} == {doc}
    with pytest.raises(AppError, match="no document or folder"):
        client.predict("tariffs", 5, "hybrid", ["nope.txt"], api_name="/search")


def test_example_questions_are_offered_only_where_the_index_answers_them(served, tmp_path, embedder):
    from index.builder import build_index
    from ui.app import EXAMPLES, Service, answered_examples

    assert answered_examples(served[0]) == EXAMPLES  # the shipped documents answer every one
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "pier.md").write_text("# Pier\n\nThe pier is made of recycled steel. It opened in 1932.\n")
    build_index(corpus, tmp_path / "index", embedder=embedder)
    own = Service(corpus, tmp_path / "index", embedder)
    try:
        assert answered_examples(own) == []  # no question about Singapore's ships over a pier
    finally:
        own.close()
