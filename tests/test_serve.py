"""`corpusqa serve` as a user runs it (what `make run` does): a fresh folder, the index built
on first run, and the page's API answering."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

from gradio_client import Client

from .conftest import SHIPPED_CORPUS, free_port


def test_serve_builds_the_index_on_first_run_and_answers(tmp_path):
    shutil.copytree(SHIPPED_CORPUS, tmp_path / "corpus")
    port = free_port()
    environment = {**os.environ, "CORPUSQA_INDEX_DIR": str(tmp_path / ".corpusqa")}
    server = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port)],
                              cwd=tmp_path, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    output = []
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            line = server.stdout.readline()
            output.append(line)
            if "Running on local URL" in line or server.poll() is not None:
                break
        log = "".join(output)
        assert "indexed" in log and "5 added" in log, log
        answer = Client(f"http://127.0.0.1:{port}/", verbose=False).predict(
            "How much did South Korea pledge to invest in the US?", api_name="/ask")
        assert answer["short_answer"] == "$350 billion"
        assert (tmp_path / ".corpusqa" / "CURRENT").is_file()
    finally:
        server.terminate()
        server.wait(timeout=30)
