"""`corpusqa serve` as a user runs it (what `make run` does): a fresh folder, the index built
on first run, and the page's API answering."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from gradio_client import Client

from .conftest import ROOT, SHIPPED_CORPUS, free_port


def checkout(environment: dict) -> dict:
    """``environment`` with this checkout first on the import path: run elsewhere (a fresh folder),
    `python -m cli` would otherwise import whichever copy is installed (an editable install of
    another worktree, say) instead of the code under test."""
    return {**environment, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), environment.get("PYTHONPATH")]))}


@contextmanager
def serving(folder, environment: dict, *options: str):
    """`corpusqa serve [options]` run in ``folder`` as a user runs it: yields its port and
    everything it printed until it listened (or exited), and stops it afterwards."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "cli", "serve", "--port", str(port), *options], cwd=folder,
                              env=checkout(environment), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
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
                               cwd=tmp_path, env=checkout(environment), input="a long password\n", capture_output=True,
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


def note_page(title: str, padding: int) -> bytes:
    """An HTML page of a sentence, made ``padding`` bytes larger by a comment the index never reads."""
    return (f"<html><body><!-- {'x' * padding} --><h1>{title}</h1><p>The {title.lower()} opens at eight "
            "every weekday.</p></body></html>").encode()


def test_each_editor_may_keep_only_so_many_bytes_of_uploads(tmp_path):
    """`serve --upload-quota-mb`: an upload that would take an editor past it is refused whole
    (nothing stored, nothing re-indexed), another editor's quota is their own, and a deleted
    upload no longer counts."""
    from gradio.utils import get_upload_folder
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    corpus = tmp_path / "corpus" / "team"
    corpus.mkdir(parents=True)
    (corpus / "welcome.md").write_text("# Welcome\n\nThe office is on the second floor.\n")
    environment = {**os.environ, "CORPUSQA_INDEX_DIR": str(tmp_path / ".corpusqa")}
    for name in ("ed", "eve"):
        added = subprocess.run([sys.executable, "-m", "cli", "users", "add", name, "--role", "editor", "--folder",
                                "team"], cwd=tmp_path, env=checkout(environment), input="a long password\n",
                               capture_output=True, text=True)
        assert added.returncode == 0, added.stderr
    files = {}
    for title in ("Canteen", "Library", "Gym"):
        files[title] = tmp_path / f"{title.lower()}.html"
        files[title].write_bytes(note_page(title, 40_000))  # ~40 KB each: one fits in 60 KB, two do not
    with serving(tmp_path, environment, "--upload-quota-mb", "0.06") as (port, log):
        assert "Running on local URL" in log, log
        url = f"http://127.0.0.1:{port}/"
        ed, eve = (Client(url, auth=(name, "a long password"), verbose=False) for name in ("ed", "eve"))
        assert "added team/uploads/canteen.html" in ed.predict([handle_file(str(files["Canteen"]))],
                                                                api_name="/add_documents")
        with pytest.raises(AppError, match=r"upload quota reached: your uploads in the corpus take 39 KB of the "
                                           r"61 KB each user may keep, and these files are 39 KB") as refused:
            ed.predict([handle_file(str(files["Library"]))], api_name="/add_documents")
        assert "/" not in str(refused.value).split("quota reached")[1]  # no path of the server's
        assert not (corpus / "uploads" / "library.html").exists()
        assert "team/uploads/library.html" not in ed.predict(api_name="/documents")
        assert "added team/uploads/library.html" in eve.predict([handle_file(str(files["Library"]))],
                                                                 api_name="/add_documents")  # her own quota
        assert "deleted team/uploads/canteen.html" in ed.predict("team/uploads/canteen.html", api_name="/delete")
        assert "added team/uploads/gym.html" in ed.predict([handle_file(str(files["Gym"]))], api_name="/add_documents")
    audit = (tmp_path / ".corpusqa" / "audit.jsonl").read_text()
    assert '"action": "upload", "user": "ed", "result": "refused", "reason": "upload quota reached' in audit
    assert sorted(p.name for p in (corpus / "uploads").iterdir()) == ["gym.html", "library.html"]
    assert not [p for p in Path(get_upload_folder()).rglob("*.html") if p.name in ("canteen.html", "library.html")]


@pytest.mark.parametrize("setting, megabytes", [("0.5", 0.5), ("2", 2), ("lots", 500), ("-1", 500), (None, 500)])
def test_the_upload_quota_follows_the_environment(setting, megabytes):
    environment = {k: v for k, v in os.environ.items() if k != "CORPUSQA_UPLOAD_QUOTA_MB"}
    if setting is not None:
        environment["CORPUSQA_UPLOAD_QUOTA_MB"] = setting
    read = subprocess.run([sys.executable, "-c", "from ui.limits import UPLOAD_QUOTA_BYTES; print(UPLOAD_QUOTA_BYTES)"],
                          env=checkout(environment), capture_output=True, text=True, check=True)
    assert int(read.stdout) == int(megabytes * 1024 * 1024)


def test_a_flipped_byte_in_an_index_file_is_found_in_the_background_and_named(tmp_path, embedder, caplog):
    """A byte changed in the middle of dense.faiss passes the checks at open (header, size): the
    server starts and answers, the full checksum check run behind it names the file in the log
    and in every answer's notice, and the next re-index rebuilds instead of calling it up to date."""
    from index.builder import build_index
    from index.generations import current_generation
    from ui.app import Service, launch

    shutil.copytree(SHIPPED_CORPUS, tmp_path / "corpus")
    index_dir = tmp_path / ".corpusqa"
    build_index(tmp_path / "corpus", index_dir, embedder=embedder)
    generation = current_generation(index_dir)
    dense = generation / "dense.faiss"
    data = bytearray(dense.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dense.write_bytes(bytes(data))
    question = "How much did South Korea pledge to invest in the US?"
    with caplog.at_level("WARNING", logger="corpusqa.index"):
        service = Service(tmp_path / "corpus", index_dir, embedder)
        demo, (_, url, _) = launch(service, port=free_port(), prevent_thread_lock=True, quiet=True)
        try:
            client = Client(url, verbose=False)
            deadline, notice = time.time() + 60, None
            while time.time() < deadline and not notice:
                answer = client.predict(question, api_name="/ask")
                notice = answer["notice"]
                time.sleep(0.2)
            assert answer["short_answer"] == "$350 billion"  # served meanwhile, as before
            assert notice and f"{generation.name}/dense.faiss" in notice and "do not match the checksums" in notice
            assert str(tmp_path) not in notice and "vectors.npy" not in notice and "records.sqlite" not in notice
            assert f"{generation.name}/dense.faiss" in client.predict("tariff", 3, api_name="/search")["notice"]
            assert any("do not match the checksums" in r.getMessage() for r in caplog.records)
            summary = service.reindex()
            assert "do not match their checksums" in (summary.rebuild_reason or ""), summary
            assert service.generation != generation.name
            with service.lease() as fresh:
                assert service.check_files(fresh) is None
            assert client.predict(question, api_name="/ask")["notice"] is None
        finally:
            demo.close()
            service.close()
