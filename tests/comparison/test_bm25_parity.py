"""Each BM25 variant against its reference implementation: ``okapi`` against rank-bm25's
BM25Okapi, ``lucene`` and ``atire`` against bm25s; same scores, same top 10 and same idf, on
the shipped corpus and SciFact train. And the small corpora where ``okapi`` inverts."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from index.lexical import BM25Settings, LexicalIndex
from index.text import indexed_text
from index.tokenization import Tokenizer
from qa.evaluate.datasets import load_questions

from ..conftest import ROOT, SHARED, shared_dataset

SCIFACT = SHARED / "datasets" / "scifact-train"
tokenize = Tokenizer()


def reference_scores(variant: str, corpus: list[list[str]], k1: float, b: float):
    """A function query tokens -> every chunk's score, from the variant's reference library."""
    if variant == "okapi":
        from rank_bm25 import BM25Okapi

        okapi = BM25Okapi(corpus, k1=k1, b=b)
        return okapi.get_scores, okapi.idf
    import bm25s

    reference = bm25s.BM25(method=variant, k1=k1, b=b)
    reference.index(corpus, show_progress=False)
    vocabulary = set(reference.vocab_dict)

    def scores(tokens: list[str]) -> np.ndarray:
        known = [t for t in tokens if t in vocabulary]
        return reference.get_scores(known) if known else np.zeros(len(corpus))

    n, df = len(corpus), {}
    for tokens in corpus:
        for token in set(tokens):
            df[token] = df.get(token, 0) + 1
    idf = {t: (math.log(1 + (n - d + 0.5) / (d + 0.5)) if variant == "lucene" else math.log(n / d))
           for t, d in df.items()}  # bm25s' published formulas (it keeps no idf table)
    return scores, idf


def compare(variant: str, corpus: list[list[str]], queries: list[str], k1: float, b: float) -> None:
    ours = LexicalIndex(corpus, BM25Settings(variant, k1, b))
    scores, idf = reference_scores(variant, corpus, k1, b)
    for query in queries:
        tokens = tokenize(query)
        expected, actual = np.asarray(scores(tokens), dtype=np.float64), ours.scores(tokens)
        np.testing.assert_allclose(actual, expected, rtol=1e-4, atol=1e-5)
        # Our top 10 are the reference's top 10 (rows with tied scores may swap places).
        best = np.sort(expected[expected > 0])[::-1][:10]
        ours_top = [r for r, _ in ours.search(tokens, 10)]
        np.testing.assert_allclose(expected[ours_top], best, rtol=1e-4, atol=1e-5, err_msg=query)
    for term in ("shipbuild", "korea", "tariff", "cell"):
        if term in idf:
            assert ours.idf(term) == pytest.approx(idf[term], rel=1e-6)


@pytest.mark.parametrize("variant", ["okapi", "lucene", "atire"])
@pytest.mark.parametrize("k1, b", [(0.9, 0.4), (1.5, 0.75)])
def test_parity_on_the_shipped_corpus(assistant, variant, k1, b):
    records = assistant.retriever.records
    chunks = records.chunks(list(range(records.size)))
    corpus = [tokenize(indexed_text(c.title, c.section, c.text)) for c in chunks]
    questions = [q.question for q in load_questions(ROOT / "qa" / "data" / "questions.jsonl")]
    compare(variant, corpus, questions + ["tariff tariff tariff deal", "zzz unseen words"], k1, b)


def test_okapi_through_rank_bm25_itself_matches_the_sparse_scorer(assistant):
    records = assistant.retriever.records
    corpus = [tokenize(indexed_text(c.title, c.section, c.text)) for c in records.chunks(list(range(records.size)))]
    settings = BM25Settings("okapi")
    reference, sparse = LexicalIndex(corpus, settings, backend="rank-bm25"), LexicalIndex(corpus, settings)
    tokens = tokenize("green shipping corridor tariff")
    np.testing.assert_allclose(sparse.scores(tokens), reference.scores(tokens), rtol=1e-5, atol=1e-6)
    n = len(corpus)  # a term no chunk holds: rank-bm25's formula at document frequency 0
    assert sparse.idf("zzzunseen") == pytest.approx(math.log(n + 0.5) - math.log(0.5), rel=1e-9)
    with pytest.raises(ValueError, match="okapi variant only"):
        LexicalIndex(corpus, BM25Settings("lucene"), backend="rank-bm25")


@pytest.mark.parametrize("variant", ["okapi", "lucene", "atire"])
def test_parity_on_scifact_train(variant):
    with shared_dataset(SCIFACT / "corpus.jsonl").open() as handle:
        corpus = [tokenize(f"{d['title']}\n{d['text']}") for d in map(json.loads, handle)]
    with (SCIFACT / "queries.jsonl").open() as handle:
        queries = [json.loads(line)["text"] for line in handle][:100]
    compare(variant, corpus, queries, 0.9, 0.4)


SMALL = ["The pier is made of recycled steel.",
         "The harbour master works in the old customs house.",
         "Ferries to the islands leave from the pier twice a day."]


@pytest.mark.parametrize("size", [1, 2, 3])
def test_small_corpora_find_what_they_hold(size):
    """One to three chunks (a user chatting with one short upload): every term is in at least
    a third of the chunks. Lucene still ranks the chunk holding the query words first; okapi
    (rank-bm25's floor) finds nothing on one chunk."""
    corpus = [tokenize(text) for text in SMALL[:size]]
    lucene = LexicalIndex(corpus, BM25Settings("lucene"))
    assert [r for r, _ in lucene.search(tokenize("pier steel"), 3)][:1] == [0]
    assert lucene.idf("steel") >= lucene.idf("pier") > 0  # rarer or equal never weighs less
    if size == 1:
        assert LexicalIndex(corpus, BM25Settings("okapi")).search(tokenize("pier steel"), 3) == []


@pytest.mark.parametrize("variant", ["lucene", "atire", "okapi"])
def test_top_k_without_scoring_every_row_equals_ranking_every_score(variant):
    """``SparseBM25.top`` (common terms bounded, not summed) against ranking ``get_scores``:
    the same rows and the same float scores, on a corpus where some query terms are in most
    chunks (the path that sets terms aside) and others are rare; depths 1, 10 and 100."""
    from index.sparse_bm25 import SparseBM25, top_positive

    rng = np.random.default_rng(7)
    common = [f"c{i}" for i in range(4)]
    corpus = [[*rng.choice(common, size=rng.integers(1, 4)).tolist(),
               *(f"r{j}" for j in rng.zipf(1.3, size=rng.integers(3, 30)) % 3000)] for _ in range(5000)]
    bm25 = SparseBM25(corpus, k1=0.9, b=0.4, variant=variant)
    queries = [[*rng.choice(common, size=rng.integers(0, 3)).tolist(),
                *(f"r{j}" for j in rng.zipf(1.3, size=rng.integers(1, 8)) % 3000)] for _ in range(300)]
    set_aside = 0
    for query in queries:
        for depth in (1, 10, 100):
            assert bm25.top(query, depth) == top_positive(bm25.get_scores(query), depth), (query, depth)
        set_aside += any(t in common for t in query)
    assert set_aside > 100  # the bounded path ran


def test_top_k_with_a_query_term_no_row_holds():
    """A vocabulary word with no postings (a matrix built from token ids, as the 1M benchmark
    builds it) beside rare and common terms: the bounded path skips it (it raised IndexError)."""
    from index.sparse_bm25 import SparseBM25, top_positive

    rng = np.random.default_rng(11)
    lengths = rng.integers(5, 20, size=3000)
    token_ids = np.concatenate([np.concatenate([[0], rng.integers(2, 400, size=n - 1)]) if i % 2 else
                                rng.integers(2, 400, size=n) for i, n in enumerate(lengths)])
    vocabulary = {f"w{i}": i for i in range(500)}  # w1 and w400-w499: in no row
    bm25 = SparseBM25.from_token_ids(vocabulary, token_ids.astype(np.int32), lengths, 0.9, 0.4)
    for query in (["w0", "w1", "w7", "w9"], ["w1", "w450", "w0", "w3"]):
        assert bm25.top(query, 10) == top_positive(bm25.get_scores(query), 10) != []


def test_long_postings_summed_by_scipy_equal_numpy_bit_for_bit(monkeypatch):
    """A query whose postings pass ``SCIPY_FROM`` is summed by scipy's CSC product, shorter ones
    by numpy from the arrays: both must give the same float32 sums, so a ranking never depends
    on which path a query took (and the saved matrix opens without scipy)."""
    from index import sparse_bm25, sparse_columns

    rng = np.random.default_rng(7)
    rows, vocabulary = 60_000, {f"t{i}": i for i in range(2_000)}
    lengths = rng.integers(3, 12, rows)
    token_ids = (rng.zipf(1.4, int(lengths.sum())) % len(vocabulary)).astype(np.int64)
    index = sparse_bm25.SparseBM25.from_token_ids(vocabulary, token_ids, lengths)
    query = ["t0", "t1", "t7", "t300", "t1999"]
    ids, multiplicity = index._terms(query)
    postings = int((index._matrix.indptr[ids + 1] - index._matrix.indptr[ids]).sum())
    assert postings > sparse_columns.SCIPY_FROM  # the scipy path is taken as shipped
    through_scipy = index.get_scores(query)
    monkeypatch.setattr(sparse_columns, "SCIPY_FROM", postings + 1)
    through_numpy = index.get_scores(query)
    assert through_scipy.tobytes() == through_numpy.tobytes() and through_scipy.max() > 0
