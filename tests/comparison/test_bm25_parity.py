"""The sparse BM25 backend against rank-bm25 (the reference): same tokenization and
parameters give the same scores and the same top 10, on the shipped corpus and SciFact train."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from index.text import indexed_text
from index.lexical import LexicalIndex
from index.tokenization import Tokenizer
from qa.datasets import load_questions

from ..conftest import ROOT, shared_dataset

SCIFACT = ROOT.parent / "shared" / "datasets" / "scifact-train"
tokenize = Tokenizer()


def compare(corpus_tokens: list[list[str]], queries: list[str], k1: float, b: float) -> None:
    reference = LexicalIndex(corpus_tokens, k1=k1, b=b, backend="rank-bm25")
    sparse = LexicalIndex(corpus_tokens, k1=k1, b=b, backend="sparse")
    for query in queries:
        tokens = tokenize(query)
        expected, actual = reference.scores(tokens), sparse.scores(tokens)
        np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)
        assert [r for r, _ in sparse.search(tokens, 10)] == [r for r, _ in reference.search(tokens, 10)], query
    reference_idf = BM25Okapi(corpus_tokens, k1=k1, b=b).idf  # rank-bm25's own table, not our wrapper
    for term in ("shipbuild", "korea", "tariff"):
        if term in reference_idf:
            assert sparse.idf(term) == pytest.approx(reference_idf[term], rel=1e-6)
    # A term no chunk holds: rank-bm25's formula at document frequency 0.
    n = len(corpus_tokens)
    assert sparse.idf("zzzunseen") == pytest.approx(math.log(n + 0.5) - math.log(0.5), rel=1e-9)


@pytest.mark.parametrize("k1, b", [(0.9, 0.4), (1.5, 0.75)])
def test_parity_on_the_shipped_corpus(assistant, k1, b):
    records = assistant.retriever.records
    chunks = records.chunks(list(range(records.size)))
    corpus = [tokenize(indexed_text(c.title, c.section, c.text)) for c in chunks]
    questions = [q.question for q in load_questions(ROOT / "qa" / "data" / "questions.jsonl")]
    compare(corpus, questions + ["tariff tariff tariff deal", "zzz unseen words"], k1, b)


def test_parity_on_scifact_train():
    shared_dataset(SCIFACT / "corpus.jsonl")
    with (SCIFACT / "corpus.jsonl").open() as handle:
        corpus = [tokenize(f"{d['title']}\n{d['text']}") for d in map(json.loads, handle)]
    with (SCIFACT / "queries.jsonl").open() as handle:
        queries = [json.loads(line)["text"] for line in handle][:200]
    compare(corpus, queries, 0.9, 0.4)
