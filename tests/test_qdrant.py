"""The Qdrant backend through qdrant-client's real embedded local mode: the same rankings as
the local backend, answers, alias-switched generations, a killed upload, the model missing."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from cli import cli
from index.backends import BackendConfig
from index.backends.qdrant import client_for
from index.builder import build_index
from qa import Assistant
from qa.retrieval import QueryError

from .conftest import SHIPPED_CORPUS

QUERIES = ["green shipping corridor", "What will the US tariff on most South Korean goods be cut to?",
           "incognito mode browser privacy"]


@pytest.fixture
def qdrant_index(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    config = BackendConfig("qdrant", qdrant_path=str(tmp_path / "qdrant"))
    config.save(tmp_path / "index")
    build_index(corpus, tmp_path / "index", embedder=embedder)
    return corpus, tmp_path / "index", config


def test_every_mode_ranks_as_the_local_backend_does(qdrant_index, assistant, embedder):
    _, index_dir, _ = qdrant_index
    with Assistant.open(index_dir, embedder=embedder) as remote:
        assert remote.retriever.backend.name == "qdrant"
        for query in QUERIES:
            for mode in ("bm25", "dense", "hybrid"):
                ours = [(h.chunk_id, round(h.score, 3)) for h in remote.search(query, 10, mode)]
                local = [(h.chunk_id, round(h.score, 3)) for h in assistant.search(query, 10, mode)]
                assert [c for c, _ in ours[:5]] == [c for c, _ in local[:5]], (query, mode)
                assert ours[0][1] == pytest.approx(local[0][1], abs=2e-3)
        answer = remote.ask("How many vessels does Singapore supply with marine fuel each year?")
        assert "130,000" in answer.text and answer.mode == "hybrid"


def test_a_rebuild_switches_the_alias_and_drops_the_old_collection(qdrant_index, embedder):
    corpus, index_dir, config = qdrant_index
    client = client_for(config)
    before = {c.name for c in client.get_collections().collections}
    (corpus / "pier.md").write_text("# Pier\n\nThe new pier is made of recycled steel from old ships.\n")
    build_index(corpus, index_dir, embedder=embedder)
    after = {c.name for c in client.get_collections().collections}
    assert len(before) == len(after) == 1 and before != after
    aliases = {a.alias_name: a.collection_name for a in client.get_aliases().aliases}
    assert aliases["corpusqa"] in after
    with Assistant.open(index_dir, embedder=embedder) as remote:
        assert "recycled steel" in remote.search("pier steel", 1, "bm25")[0].text


def test_a_killed_upload_leaves_the_alias_on_the_last_good_collection(qdrant_index, embedder, monkeypatch):
    corpus, index_dir, config = qdrant_index
    client = client_for(config)
    good = {a.alias_name: a.collection_name for a in client.get_aliases().aliases}["corpusqa"]
    (corpus / "pier.md").write_text("# Pier\n\nThe new pier is made of recycled steel from old ships.\n")
    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(type(client), "upsert", killed)
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, index_dir, embedder=embedder)
    monkeypatch.undo()
    assert {a.alias_name: a.collection_name for a in client.get_aliases().aliases}["corpusqa"] == good
    with pytest.raises(Exception, match="does not point at this index"):
        Assistant.open(index_dir, embedder=embedder)  # the new local generation is not served yet
    build_index(corpus, index_dir, embedder=embedder)  # the next build completes the upload
    with Assistant.open(index_dir, embedder=embedder) as remote:
        assert remote.search("pier steel", 1, "bm25")[0].doc == "pier.md"
    assert {a.alias_name: a.collection_name for a in client.get_aliases().aliases}["corpusqa"] != good


def test_without_the_model_bm25_runs_on_qdrant_sparse_vectors(qdrant_index):
    _, index_dir, _ = qdrant_index
    with Assistant.open(index_dir, dense=False) as remote:
        result = remote.retrieve("green shipping corridor", 3, "hybrid")
        assert result.mode == "bm25-fallback" and result.hits[0].bm25_rank == 1
        answer = remote.ask("How many vessels does Singapore supply with marine fuel each year?")
        assert not answer.abstained and "130,000" in answer.text


def test_cli_remembers_the_backend_and_rejects_an_incomplete_choice(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(cli, ["index", "--corpus", str(SHIPPED_CORPUS), "--index-dir", str(tmp_path / "i"),
                              "--backend", "qdrant"])
    assert bad.exit_code == 2 and "needs --qdrant-url URL or --qdrant-path DIR" in bad.output
    built = runner.invoke(cli, ["index", "--corpus", str(SHIPPED_CORPUS), "--index-dir", str(tmp_path / "i"),
                                "--qdrant-path", str(tmp_path / "q"), "--json"])
    assert built.exit_code == 0, built.output
    assert BackendConfig.load(tmp_path / "i").name == "qdrant"
    searched = runner.invoke(cli, ["search", "green shipping corridor", "--index-dir", str(tmp_path / "i"), "--json"])
    assert searched.exit_code == 0 and '"bm25_rank": 1' in searched.output
    client = client_for(BackendConfig.load(tmp_path / "i"))
    for collection in client.get_collections().collections:
        client.delete_collection(collection.name)
    missing = runner.invoke(cli, ["ask", "What is the corridor?", "--index-dir", str(tmp_path / "i")])
    assert missing.exit_code == 2 and "Qdrant has no collection" in missing.output


def test_questions_within_chosen_documents_on_both_backends(qdrant_index, assistant, embedder):
    _, index_dir, _ = qdrant_index
    doc = "us-korea-tariff-talks.txt"
    with Assistant.open(index_dir, embedder=embedder) as remote:
        for opened in (assistant, remote):
            for mode in ("bm25", "dense", "hybrid"):
                hits = opened.search("tariffs on cars", 10, mode, docs=[doc])
                assert hits and {h.doc for h in hits} == {doc}, (opened.retriever.backend.name, mode)
            answer = opened.ask("What will the US tariff on most South Korean goods be cut to?", docs=[doc])
            assert all(c.doc == doc for c in answer.citations)
            with pytest.raises(QueryError, match="no document or folder 'missing.pdf'"):
                opened.search("tariffs", 5, "hybrid", docs=["missing.pdf"])
