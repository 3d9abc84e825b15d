"""The CLI end to end with click's CliRunner: real index, real model, JSON output, errors."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qa.cli import cli

HIT_KEYS = {"rank", "chunk_id", "doc", "title", "section", "start", "end", "line_start",
            "line_end", "score", "dense_rank", "bm25_rank", "text"}


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
    (["eval", "{file}"], "neither a BEIR folder"),
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
    from qa.cli import exposure_warning

    warning = exposure_warning(host, password)
    assert warning is None if expected is None else expected in warning
