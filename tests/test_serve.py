"""`corpusqa serve` as a user runs it (what `make run` does): a fresh folder, the index built
on first run, and the page's API answering."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest
from gradio_client import Client

from .conftest import SHIPPED_CORPUS, free_port


@contextmanager
def serving(folder, environment: dict):
    """`corpusqa serve` run in ``folder`` as a user runs it: yields its port and everything it
    printed until it listened (or exited), and stops it afterwards."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port)], cwd=folder,
                              env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = []
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            line = server.stdout.readline()
            output.append(line)
            if "Running on local URL" in line or server.poll() is not None:
                break
        yield port, "".join(output)
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_serve_builds_the_index_on_first_run_and_answers(tmp_path):
    shutil.copytree(SHIPPED_CORPUS, tmp_path / "corpus")
    environment = {**os.environ, "CORPUSQA_INDEX_DIR": str(tmp_path / ".corpusqa")}
    with serving(tmp_path, environment) as (port, log):
        assert "indexed" in log and "5 added" in log, log
        answer = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(
            "How much did South Korea pledge to invest in the US?", api_name="/ask")
        assert answer["short_answer"] == "$350 billion"
        assert (tmp_path / ".corpusqa" / "CURRENT").is_file()


def test_serve_with_accounts_logs_api_clients_in_as_themselves(tmp_path):
    """`corpusqa users add` then `corpusqa serve`: the accounts are used, a wrong or missing login
    gets nothing, and a folder-limited reader's answers come only from their folder."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus / "korea")
    (corpus / "hr").mkdir()
    (corpus / "hr" / "pay.md").write_text("# Pay\n\nThe quokkaberry bonus is 4,200 euros, paid every March.\n")
    environment = {**os.environ, "CORPUSQA_INDEX_DIR": str(tmp_path / ".corpusqa"), "CORPUSQA_PASSWORD": "ignored"}
    for name, folder in (("kim", ["--folder", "korea"]), ("ada", [])):
        added = subprocess.run([sys.executable, "-m", "cli", "users", "add", name, "--role", "reader", *folder],
                               cwd=tmp_path, env=environment, input="a long password\n", capture_output=True,
                               text=True)
        assert added.returncode == 0, added.stderr
    with serving(tmp_path, environment) as (port, log):
        assert "accounts: 2 users" in log and "CORPUSQA_PASSWORD is ignored" in log, log
        url = f"http://127.0.0.1:{port}/"
        kim = Client(url, auth=("kim", "a long password"), verbose=False)
        answer = kim.predict("How much is the quokkaberry bonus?", api_name="/ask")
        assert "4,200" not in str(answer) and all(p["doc"].startswith("korea/") for p in answer["passages"])
        assert "4,200" in Client(url, auth=("ada", "a long password"), verbose=False).predict(
            "How much is the quokkaberry bonus?", api_name="/ask")["answer"]
        for auth in (("kim", "ignored"), ("corpusqa", "ignored")):
            with pytest.raises(ValueError):
                Client(url, auth=auth, verbose=False)
        with pytest.raises(Exception):  # noqa: B017 - no login: not even the page's config
            Client(url, verbose=False)
        audit = (tmp_path / ".corpusqa" / "audit.jsonl").read_text()
        assert '"user": "kim", "result": "ok"' in audit and '"result": "failed"' in audit


def test_serve_rebuilds_a_truncated_dense_index_and_moves_a_damaged_feedback_file_aside(tmp_path, embedder):
    """A truncated dense.faiss is not "up to date": `serve` writes it again (from the stored
    vectors) before listening, and answers in hybrid mode; a garbage feedback.sqlite is moved
    aside with a warning instead of stopping startup with a traceback."""
    from index.builder import build_index
    from index.generations import current_generation

    shutil.copytree(SHIPPED_CORPUS, tmp_path / "corpus")
    index_dir = tmp_path / ".corpusqa"
    build_index(tmp_path / "corpus", index_dir, embedder=embedder)
    dense = current_generation(index_dir) / "dense.faiss"
    dense.write_bytes(dense.read_bytes()[:100_000])
    (index_dir / "feedback.sqlite").write_bytes(b"these are not the ratings you are looking for" * 50)
    with serving(tmp_path, {**os.environ, "CORPUSQA_INDEX_DIR": str(index_dir)}) as (port, log):
        assert "up to date" not in log and "Traceback" not in log, log
        assert "dense.faiss (truncated: 100000 bytes" in log and "rebuilt from the stored vectors" in log, log
        assert "0 embedded" in log and "warning: feedback.sqlite was damaged" in log, log
        answer = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(
            "How much did South Korea pledge to invest in the US?", api_name="/ask")
        assert answer["mode"] == "hybrid" and answer["notice"] is None and answer["short_answer"] == "$350 billion"
        assert [p.name for p in index_dir.glob("feedback.sqlite.damaged-*")] and (index_dir / "feedback.sqlite").is_file()
