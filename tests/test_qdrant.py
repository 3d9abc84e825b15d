"""The Qdrant backend through qdrant-client's real embedded local mode: the same rankings as
the local backend, answers, alias-switched generations, a killed upload, the model missing."""

from __future__ import annotations

import dataclasses
import hashlib
import shutil

import pytest
from click.testing import CliRunner

from cli import cli
from index.backends import BackendConfig
from index.backends.qdrant import alias_target, client_for
from index.builder import build_index
from index.lexical import BM25Settings
from qa import Assistant
from qa.search.fusion import FusionSettings
from qa.query import QueryError

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


def test_client_fusion_scores_rows_missing_from_one_list_as_the_local_backend_does(qdrant_index, embedder):
    """Each ranker's top 10 only, so fused candidates are often missing from one list: Qdrant
    gives their exact scores by a second, filtered query, as the local stores do."""
    _, index_dir, _ = qdrant_index
    shallow = FusionSettings(depth=10)
    with Assistant.open(index_dir, embedder=embedder, fusion=shallow) as remote, \
            Assistant.open(index_dir, embedder=embedder, fusion=shallow, backend=BackendConfig()) as local:
        missing = 0
        for query in QUERIES:
            hits, theirs = remote.search(query, 10, "hybrid"), local.search(query, 10, "hybrid")
            missing += sum(h.dense_rank is None or h.bm25_rank is None for h in hits)
            assert [h.chunk_id for h in hits[:5]] == [h.chunk_id for h in theirs[:5]], query
            assert [h.score for h in hits] == pytest.approx([h.score for h in theirs], abs=2e-3)
        assert missing > 0


PIER = "# Pier\n\nThe new pier is made of recycled steel from old ships.\n"


@pytest.fixture
def sent_points(monkeypatch):
    """The points each ``upsert`` sends to Qdrant (the real call still runs)."""
    from qdrant_client import QdrantClient

    sent: list[int] = []
    upsert = QdrantClient.upsert

    def counting(self, collection_name, points, **kwargs):
        sent.append(len(points))
        return upsert(self, collection_name, points=points, **kwargs)

    monkeypatch.setattr(QdrantClient, "upsert", counting)
    return sent


def test_an_update_sends_only_the_changed_chunks_and_ranks_as_the_local_backend(qdrant_index, embedder,
                                                                                  sent_points):
    corpus, index_dir, config = qdrant_index
    client = client_for(config)
    collection = alias_target(client, config)
    (corpus / "pier.md").write_text(PIER)
    summary = build_index(corpus, index_dir, embedder=embedder)
    assert sent_points == [1]  # the new document's one chunk; the 113 others were flagged, not sent
    assert any("uploaded 1 of 114 chunks; 113 unchanged" in n for n in summary.notes), summary.notes
    from qdrant_client import models

    pier, _ = client.scroll(collection, scroll_filter=models.Filter(must=[models.FieldCondition(
        key="doc", match=models.MatchValue(value="pier.md"))]), with_payload=True)
    assert pier[0].payload["doc_sha256"] == hashlib.sha256((corpus / "pier.md").read_bytes()).hexdigest()
    assert pier[0].payload["text"] in PIER and pier[0].payload["lines"] == [3, 3]
    (corpus / "pier.md").unlink()
    edited = corpus / "us-korea-tariff-talks.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\nBoth sides will meet again in Busan.\n")
    build_index(corpus, index_dir, embedder=embedder)
    assert alias_target(client, config) == collection  # the same collection throughout
    with Assistant.open(index_dir, embedder=embedder) as remote, Assistant.open(index_dir, embedder=embedder,
                                                                                 backend=BackendConfig()) as local:
        assert client.count(collection, exact=True).count == local.manifest.chunks  # old points deleted
        for query in [*QUERIES, "pier steel", "meet again in Busan"]:
            for mode in ("bm25", "hybrid"):
                ours, theirs = remote.search(query, 10, mode), local.search(query, 10, mode)
                # Qdrant's IDF counts this generation's chunks only; BM25 weights keep the
                # collection's average length (within 1 % of this generation's)
                assert [h.chunk_id for h in ours[:5]] == [h.chunk_id for h in theirs[:5]], (query, mode)
                assert [h.score for h in ours[:1]] == pytest.approx([h.score for h in theirs[:1]], rel=0.01)
        assert "Busan" in remote.search("meet again in Busan", 1, "bm25")[0].text


def test_changed_settings_fill_a_new_collection_then_switch_the_alias(qdrant_index, embedder):
    corpus, index_dir, config = qdrant_index
    client = client_for(config)
    old = alias_target(client, config)
    build_index(corpus, index_dir, embedder=embedder, bm25=BM25Settings(k1=1.2))
    new = alias_target(client, config)
    assert new != old and {c.name for c in client.get_collections().collections} == {new}
    with Assistant.open(index_dir, embedder=embedder) as remote:
        assert remote.search("green shipping corridor", 1, "bm25")[0].bm25_rank == 1


def test_a_killed_upload_keeps_the_last_generation_served_and_the_next_build_resumes(qdrant_index, embedder,
                                                                                     monkeypatch):
    corpus, index_dir, config = qdrant_index
    client = client_for(config)
    collection = alias_target(client, config)
    with Assistant.open(index_dir, embedder=embedder) as before:
        served = [h.chunk_id for h in before.search("green shipping corridor", 5, "hybrid")]
        (corpus / "pier.md").write_text(PIER)

        def killed(*args, **kwargs):
            raise KeyboardInterrupt

        monkeypatch.setattr(type(client), "upsert", killed)
        with pytest.raises(KeyboardInterrupt):
            build_index(corpus, index_dir, embedder=embedder)
        monkeypatch.undo()
        assert alias_target(client, config) == collection
        assert [h.chunk_id for h in before.search("green shipping corridor", 5, "hybrid")] == served
        assert all(h.doc != "pier.md" for h in before.search("pier steel", 10, "bm25"))
    with pytest.raises(Exception, match="does not hold this index's generation"):
        Assistant.open(index_dir, embedder=embedder)  # the new local generation is not served yet
    build_index(corpus, index_dir, embedder=embedder)  # the next build completes the upload
    with Assistant.open(index_dir, embedder=embedder) as remote:
        assert remote.search("pier steel", 1, "bm25")[0].doc == "pier.md"


def test_server_side_fusion_keeps_each_rankers_rank(qdrant_index, embedder):
    _, index_dir, config = qdrant_index
    for fusion in ("rrf", "dbsf"):
        dataclasses.replace(config, fusion=fusion).save(index_dir)
        settings = FusionSettings(method=fusion)
        with Assistant.open(index_dir, embedder=embedder, fusion=settings) as remote, \
                Assistant.open(index_dir, embedder=embedder, fusion=settings, backend=BackendConfig()) as local:
            assert f"{fusion} fusion on the server" in remote.retriever.backend.describe()
            for query in QUERIES:
                hits, theirs = remote.search(query, 10, "hybrid"), local.search(query, 10, "hybrid")
                assert all(h.dense_rank or h.bm25_rank for h in hits)
                assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
                if fusion == "rrf":  # Qdrant's RRF with k + 1 orders exactly as corpusqa's
                    assert [(h.dense_rank, h.bm25_rank) for h in hits] == [(h.dense_rank, h.bm25_rank) for h in theirs]
                assert hits[0].chunk_id == theirs[0].chunk_id, (fusion, query)
            answer = remote.ask("How many vessels does Singapore supply with marine fuel each year?")
            assert "130,000" in answer.text


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
    fused = runner.invoke(cli, ["index", "--corpus", str(SHIPPED_CORPUS), "--index-dir", str(tmp_path / "i"),
                                "--qdrant-fusion", "rrf", "--json"])  # only the fusion changes
    assert fused.exit_code == 0 and BackendConfig.load(tmp_path / "i").fusion == "rrf"
    assert BackendConfig.load(tmp_path / "i").qdrant_path == str((tmp_path / "q").resolve())
    local = runner.invoke(cli, ["index", "--corpus", str(SHIPPED_CORPUS), "--index-dir", str(tmp_path / "local"),
                                "--qdrant-fusion", "dbsf"])
    assert local.exit_code == 2 and "--qdrant-fusion needs the qdrant backend" in local.output
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
