"""Shared fixtures: the real model (loaded once), a real index of the shipped corpus, and
user state (index folder, caches) pointed at a temporary folder for every test."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from index.builder import build_index
from index.embedding import Embedder

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CORPUS = ROOT / "corpus"


SHARED = ROOT.parent / "shared"


def shared_dataset(path: Path) -> Path:
    """A file of ../shared/: skipped on a developer machine without it, a failure in CI
    (which always has it), so that a test meant to run there cannot silently skip."""
    if not path.exists():
        import os

        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing in CI: ../shared/ should be beside the checkout")
        pytest.skip(f"{path} is not here (it lives in ../shared/, outside the project)")
    return path


def run_python(code: str, timeout: float = 120) -> str:
    """``code`` run by a fresh interpreter in the project folder (what a cold process imports
    and does); its output, after asserting it succeeded."""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="session", autouse=True)
def session_cache(tmp_path_factory) -> Path:
    """One cache folder for the session, set before any session fixture opens an embedder (the
    ONNX export and OpenVINO's compiled models, 87 MB each, were written again for every test
    that opened one, and the session's embedder used the developer's cache)."""
    path = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CORPUSQA_CACHE", str(path))
        yield path


@pytest.fixture(autouse=True)
def isolated_user_state(tmp_path, monkeypatch, session_cache):
    """No test reads or writes the developer's .corpusqa folder or caches."""
    monkeypatch.setenv("CORPUSQA_INDEX_DIR", str(tmp_path / "default-index"))
    monkeypatch.setenv("CORPUSQA_CACHE", str(session_cache))
    monkeypatch.delenv("CORPUSQA_MODEL", raising=False)
    monkeypatch.delenv("CORPUSQA_CORPUS", raising=False)


@pytest.fixture(scope="session")
def embedder(session_cache) -> Embedder:
    return Embedder()


@pytest.fixture(scope="session")
def shipped_index(tmp_path_factory, embedder) -> Path:
    """An index of the shipped corpus, built once per test session (read-only for tests)."""
    index_dir = tmp_path_factory.mktemp("shipped") / "index"
    build_index(SHIPPED_CORPUS, index_dir, embedder=embedder)
    return index_dir


@pytest.fixture(scope="session")
def assistant(shipped_index, embedder):
    from qa import Assistant

    with Assistant.open(shipped_index, embedder=embedder) as opened:
        yield opened


@pytest.fixture(scope="module")
def stand_in():
    """A stand-in OpenAI-compatible model server streaming chosen replies (tests/llm_servers.py)."""
    from .llm_servers import StandInServer

    server = StandInServer()
    yield server
    server.stop()


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    """A writable copy of the shipped corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(SHIPPED_CORPUS, target)
    return target


def free_port() -> int:
    """A loopback port nobody listens on (so tests run beside a `make run` server)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def running_server(root: Path, embedder: Embedder, extra_documents: dict[str, str] | None = None, llm=None):
    """A real chat server on a writable copy of the shipped corpus (plus ``extra_documents``),
    answering with the model server ``llm`` when given; yields the service and the page's URL."""
    from ui.app import Service, launch

    corpus = root / "corpus"
    shutil.copytree(SHIPPED_CORPUS, corpus)
    for name, text in (extra_documents or {}).items():
        (corpus / name).write_text(text)
    build_index(corpus, root / "index", embedder=embedder)
    service = Service(corpus, root / "index", embedder, llm=llm)
    demo, (_, url, _) = launch(service, port=free_port(), prevent_thread_lock=True, quiet=True)
    try:
        yield service, url
    finally:
        demo.close()
        service.close()
