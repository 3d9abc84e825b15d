"""The ONNX embedding backend against torch (sentence-transformers, the reference):
cosine ≥ 0.999 on every shipped chunk, and the same dense top 5 for the labelled questions."""

from __future__ import annotations

import numpy as np
import pytest

from index.dense import search_dense
from index.embedding import Embedder
from index.text import indexed_text
from qa.evaluate.datasets import load_questions

from ..conftest import ROOT


@pytest.fixture(scope="module")
def backends():
    torch_embedder, onnx_embedder = Embedder(backend="torch"), Embedder(backend="onnx")
    assert torch_embedder.backend == "torch" and onnx_embedder.backend.startswith("onnx/")
    return torch_embedder, onnx_embedder


def test_onnx_vectors_match_torch_on_the_shipped_corpus(assistant, backends):
    records = assistant.retriever.records
    texts = [indexed_text(c.title, c.section, c.text) for c in records.chunks(list(range(records.size)))]
    reference, fast = (embedder.encode(texts) for embedder in backends)
    cosines = np.sum(reference * fast, axis=1)
    assert cosines.min() >= 0.999, f"lowest cosine {cosines.min():.5f}"


def test_onnx_word_pieces_match_torch(assistant, backends):
    """The contextual vectors answers are aligned on (``encode_with_tokens``), from both backends."""
    records = assistant.retriever.records
    texts = [c.text for c in records.chunks(list(range(0, records.size, 8)))] + ["How many vessels?"]
    (reference, reference_tokens), (fast, fast_tokens) = (e.encode_with_tokens(texts) for e in backends)
    assert np.sum(reference * fast, axis=1).min() >= 0.999
    assert np.array_equal(fast, backends[1].encode(texts))  # the same run as encode's vectors
    for slow, quick in zip(reference_tokens, fast_tokens):
        assert quick.pieces == slow.pieces and "[CLS]" not in quick.pieces and "[SEP]" not in quick.pieces
        assert np.sum(slow.vectors * quick.vectors, axis=1).min() >= 0.99


def test_onnx_queries_give_the_same_top_5(assistant, backends):
    index = assistant.retriever.backend.dense_index
    for question in load_questions(ROOT / "qa" / "data" / "questions.jsonl"):
        reference, fast = ([row for row, _ in search_dense(index, e.encode_query(question.question), 5)]
                           for e in backends)
        assert fast == reference, question.question
