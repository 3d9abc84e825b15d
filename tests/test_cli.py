"""The CLI end to end with click's CliRunner: real index, real model, JSON output, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from cli.main import cli

from .conftest import ROOT

HIT_KEYS = {"rank", "chunk_id", "doc", "title", "section", "start", "end", "line_start",
            "line_end", "score", "dense_rank", "bm25_rank", "text", "page"}


@pytest.fixture
def runner():
    return CliRunner()


def test_index_then_search_json(runner, corpus_copy, tmp_path):
    index_dir = tmp_path / "index"
    built = runner.invoke(cli, ["index", "--corpus", str(corpus_copy), "--index-dir", str(index_dir), "--json"])
    assert built.exit_code == 0, built.output
    summary = json.loads(built.stdout)
    assert len(summary["added"]) == 5 and summary["chunks"] > 50

    result = runner.invoke(cli, ["search", "Which browser blocks ads?", "--json", "--k", "3",
                                 "--index-dir", str(index_dir)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["query"] == "Which browser blocks ads?" and payload["mode"] == "hybrid"
    assert len(payload["hits"]) == 3 and set(payload["hits"][0]) == HIT_KEYS
    top = payload["hits"][0]
    assert top["doc"] == "maxthon-browser.txt"
    text = (corpus_copy / top["doc"]).read_text()
    assert text[top["start"]:top["end"]] == top["text"]

    again = runner.invoke(cli, ["index", "--corpus", str(corpus_copy), "--index-dir", str(index_dir)])
    assert again.exit_code == 0 and "index up to date" in again.stderr


def test_search_uses_CORPUSQA_INDEX_DIR_and_prints_readable_hits(runner, shipped_index, monkeypatch):
    monkeypatch.setenv("CORPUSQA_INDEX_DIR", str(shipped_index))
    result = runner.invoke(cli, ["search", "quantum-safe cryptography", "--k", "2", "--mode", "bm25"])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("1. singapore-korea-strategic-partnership.txt › Part III: Cybersecurity")
    assert "(line" in first and "bm25 #1" in first and "quantum-safe cryptography" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["search", "tariffs"], "no index in"),
    (["search", "", "--index-dir", "{index}"], "empty query"),
    (["search", "tariffs", "--mode", "fuzzy", "--index-dir", "{index}"], "unknown mode 'fuzzy'"),
    (["index", "--corpus", "{missing}"], "corpus folder not found"),
    (["index", "--corpus", "{file}"], "corpus is not a folder"),
    (["eval", "{file}"], "is not a BEIR folder"),
    (["eval", "{corpus}", "--modes", "dense,magic"], "unknown mode magic"),
])
def test_bad_input_is_one_line_and_exit_code_2(runner, shipped_index, tmp_path, args, message):
    (tmp_path / "plain.txt").write_text("hello")
    values = {"index": str(shipped_index), "missing": str(tmp_path / "nowhere"),
              "file": str(tmp_path / "plain.txt"), "corpus": str(tmp_path)}
    result = runner.invoke(cli, [a.format(**values) for a in args])
    assert result.exit_code == 2
    assert result.stderr.startswith("corpusqa: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("host, password, expected", [
    ("127.0.0.1", False, None), ("localhost", False, None), ("::1", False, None), ("127.0.0.2", False, None),
    ("my-laptop.example", False, "can read your documents"),
    ("0.0.0.0", False, "set CORPUSQA_PASSWORD"), ("192.0.2.7", True, "can read your documents"),
])
def test_serving_beyond_loopback_warns(host, password, expected):
    from cli.serve import exposure_warning

    warning = exposure_warning(host, password)
    assert warning is None if expected is None else expected in warning


def test_pdf_citations_carry_their_page(runner, tmp_path):
    from qa.records import Answer, Citation
    from ui.rendering import sources_html

    from .documents import pdf_bytes

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "harbour.pdf").write_bytes(pdf_bytes(
        ["Harbour report 2026.", "The harbour opened in 1850 as a fishing port for herring boats.",
         "Its first warehouse burned down in 1871 and was rebuilt in brick by the town council."],
        ["The harbour employs 340 dockworkers in three shifts.",
         "Cranes were electrified in 1962, and container traffic began in 1975.",
         "Ferries leave for the islands twice a day in summer and once a day in winter.",
         "The harbour master's office moved into the old customs house in 1998.",
         "Night shifts unload fishing boats between two and six in the morning.",
         *[f"Berth {n} was dredged to a depth of {n + 8} metres in {1990 + n}." for n in range(1, 8)]],
        ["The new pier is made of recycled steel from old ships.",
         "It was finished in 2025 after two years of work and cost 14 million euros.",
         "Cruise ships of up to 300 metres can now moor at the pier.",
         "A cycle path runs along the pier to the lighthouse at its end."]))
    index_dir = tmp_path / "index"
    assert runner.invoke(cli, ["index", "--corpus", str(corpus), "--index-dir", str(index_dir)]).exit_code == 0
    asked = runner.invoke(cli, ["ask", "What is the new pier made of?", "--json", "--index-dir", str(index_dir)])
    payload = json.loads(asked.stdout)
    assert not payload["abstained"] and "recycled steel" in payload["answer"]
    assert payload["citations"][0]["page"] == 3 and {h["page"] for h in payload["passages"]} <= {1, 2, 3}
    shown = runner.invoke(cli, ["ask", "What is the new pier made of?", "--index-dir", str(index_dir)])
    assert "harbour.pdf (p. 3, line" in shown.stdout
    answer = Answer(payload["question"], payload["answer"], False, [Citation(**payload["citations"][0])], [],
                    "hybrid", payload["confidence"])
    assert "harbour.pdf (p. 3, line" in sources_html(answer)
    from index.loaders import read_document as load_text

    pages = load_text(corpus / "harbour.pdf", (corpus / "harbour.pdf").read_bytes()).pages
    hits = json.loads(runner.invoke(cli, ["search", "harbour", "--json", "--index-dir", str(index_dir)]).stdout)["hits"]
    assert len(hits) > 1 and len({h["page"] for h in hits}) > 1  # passages start on different pages
    for hit in hits:  # a passage's page is where it starts
        assert pages[hit["page"] - 1] <= hit["start"] < (pages + (10**9,))[hit["page"]]


def test_search_and_ask_within_a_document_or_folder(runner, corpus_copy, tmp_path):
    import json

    from cli import cli

    (corpus_copy / "notes").mkdir()
    (corpus_copy / "notes" / "pier.md").write_text("# Pier\n\nThe new pier is made of recycled steel from old ships.\n")
    index_dir = str(tmp_path / "index")
    assert runner.invoke(cli, ["index", "--corpus", str(corpus_copy), "--index-dir", index_dir]).exit_code == 0
    within = runner.invoke(cli, ["search", "steel", "--doc", "notes", "--json", "--index-dir", index_dir])
    assert {h["doc"] for h in json.loads(within.stdout)["hits"]} == {"notes/pier.md"}
    asked = runner.invoke(cli, ["ask", "What is the pier made of?", "--doc", "notes/pier.md", "--json",
                                "--index-dir", index_dir])
    assert all(c["doc"] == "notes/pier.md" for c in json.loads(asked.stdout)["citations"])
    unknown = runner.invoke(cli, ["ask", "What is the pier made of?", "--doc", "nope", "--index-dir", index_dir])
    assert unknown.exit_code == 2 and "no document or folder 'nope'" in unknown.output


def test_an_index_is_updated_from_the_folder_it_was_built_from(runner, tmp_path, monkeypatch):
    docs, other = tmp_path / "notes", tmp_path / "corpus"
    docs.mkdir(), other.mkdir()
    (docs / "pier.md").write_text("The pier is made of recycled steel.\n")
    (other / "tolls.md").write_text("Tolls were abolished in 2004.\n")
    monkeypatch.chdir(tmp_path)  # ./corpus exists: the default for a folder with no index
    monkeypatch.delenv("CORPUSQA_CORPUS", raising=False)
    index_dir = tmp_path / "index"
    assert runner.invoke(cli, ["index", "--corpus", str(docs), "--index-dir", str(index_dir)]).exit_code == 0

    (docs / "bridge.md").write_text("The bridge opened in 1932.\n")
    updated = runner.invoke(cli, ["index", "--index-dir", str(index_dir), "--json"])
    assert updated.exit_code == 0, updated.output
    summary = json.loads(updated.stdout)
    assert summary["added"] == ["bridge.md"] and summary["removed"] == [] and summary["documents"] == 2

    moved = runner.invoke(cli, ["index", "--corpus", str(other), "--index-dir", str(index_dir)])
    assert moved.exit_code == 0, moved.output
    assert f"note: {index_dir} indexed {docs}; it now indexes {other}" in moved.stderr
    assert "1 added, 0 changed, 2 removed" in moved.stderr


def test_the_installed_command_prints_the_whole_answer_before_it_ends_at_once(shipped_index):
    """`corpusqa ask` ends the process as soon as its answer is printed (tearing the models down
    cost 0.2–0.3 s of a cold ask): the JSON must still arrive whole, and a failure keeps its
    message and exit code."""
    question = "How many vessels does Singapore refuel each year?"
    done = subprocess.run([sys.executable, "-m", "cli", "ask", question, "--json", "--index-dir", str(shipped_index)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["citations"] and "130,000" in answer["citations"][0]["quote"]
    failed = subprocess.run([sys.executable, "-m", "cli", "ask", " ", "--index-dir", str(shipped_index)],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert failed.returncode == 2 and "empty query" in failed.stderr
