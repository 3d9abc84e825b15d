"""The bad-input battery: odd questions, odd files, damaged indexes and hostile uploads.
Each case gets a clear message, nothing crashes, and the index is left as it was."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli.main import cli
from index.builder import build_index
from index.generations import current_generation
from ui.uploads import MAX_UPLOAD_BYTES, save_uploads

from .documents import docx_bytes, pdf_bytes


def fingerprint(index_dir: Path) -> dict[str, bytes]:
    """Every file of the index folder (but the lock), to prove a case changed nothing."""
    return {str(p.relative_to(index_dir)): p.read_bytes() for p in sorted(index_dir.rglob("*"))
            if p.is_file() and p.name != "build.lock"}


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


# --- questions ---------------------------------------------------------------------------

QUESTION_CASES = [
    ("empty", ["ask", ""], 2, "empty query"),
    ("whitespace only", ["ask", " \t\n "], 2, "empty query"),
    ("100 KB question", ["ask", "tariff " * 15_000], 2, "query too long"),
    ("control characters only", ["ask", "\x00\x07\x1b\x9b"], 2, "empty query"),
    ("control characters inside", ["search", "\x1b[31mtariff\x00 deal", "--json"], 0, '"mode": "hybrid"'),
    ("bidi override", ["ask", "\u202eWhat is the tariff?"], 0, "Sources"),
    ("emoji and odd unicode", ["ask", "𝔚𝔥𝔞𝔱 ❓ 🦜"], 0, "Not in the documents"),
    ("stop words only", ["search", "the of and", "--mode", "bm25"], 0, "no matching passages"),
    ("unknown mode", ["search", "tariff", "--mode", "semantic"], 2, "unknown mode"),
    ("k out of range", ["search", "tariff", "--k", "0"], 2, "Invalid value for '--k'"),
    ("history of blanks", ["ask", "What is the tariff deal?", "--history", "", "--history", "  "], 0, "Sources"),
    ("unusable history entry skipped", ["ask", "When was it implemented?", "--history", "x" * 3000,
                                        "--history", "What is the KORUS FTA?"], 0, "2012"),
]


@pytest.mark.parametrize("args, code, message", [c[1:] for c in QUESTION_CASES], ids=[c[0] for c in QUESTION_CASES])
def test_questions(shipped_index, args, code, message):
    before = fingerprint(shipped_index)
    result = run(*args, "--index-dir", str(shipped_index))
    assert result.exit_code == code, result.output
    assert message in (result.stdout + result.stderr)
    assert "\x1b" not in result.stdout
    assert fingerprint(shipped_index) == before


# --- corpus files ----------------------------------------------------------------------

def deep_html(depth: int) -> bytes:
    return ("<div>" * depth + "<p>The nesting note says deep markup is fine.</p>" + "</div>" * depth).encode()


FILE_CASES = [
    ("non-UTF-8 text", "latin.txt", b"\x81\x8d\x8f" * 50, "not UTF-8"),
    ("binary with a .txt name", "blob.txt", bytes(range(256)) * 8, "binary content"),
    ("empty file", "empty.md", b"", "no text"),
    ("malformed PDF", "broken.pdf", b"%PDF-1.7\n1 0 obj << /Type /Catalog", "unreadable PDF"),
    ("PDF without text", "blank.pdf", pdf_bytes([]), "no text"),
    ("unsupported type", "tool.exe", b"MZ\x90\x00", "unsupported type .exe"),
    ("huge single line", "line.txt", ("word " * 40_000).encode(), None),
    ("deeply nested HTML", "nested.html", deep_html(5000), None),
]


@pytest.mark.parametrize("name, data, reason", [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_corpus_files(tmp_path, embedder, name, data, reason):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.md").write_text("# Good\n\nThe good file says the otter fund has 7 staff.\n")
    (corpus / name).write_bytes(data)
    summary = build_index(corpus, tmp_path / "index", embedder=embedder)
    if reason is None:
        assert name not in summary.skipped and summary.documents == 2
    else:
        assert reason in summary.skipped[name] and summary.documents == 1


def test_empty_corpus_changes_nothing(shipped_index, tmp_path):
    copy = tmp_path / "index"
    shutil.copytree(shipped_index, copy)
    before = fingerprint(copy)
    (tmp_path / "empty").mkdir()
    result = run("index", "--corpus", str(tmp_path / "empty"), "--index-dir", str(copy))
    assert result.exit_code == 2 and "no indexable documents" in result.stderr and "(no files found)" in result.stderr
    assert fingerprint(copy) == before
    for name, content in [("data.numbers", "a,b\n"), ("blank.txt", "  \n"), ("b.md", ""), ("c.md", ""), ("d.md", "")]:
        (tmp_path / "empty" / name).write_text(content)
    result = run("index", "--corpus", str(tmp_path / "empty"), "--index-dir", str(copy))
    assert result.exit_code == 2 and "(5 skipped: " in result.stderr and "; 2 more): the index was not changed" in result.stderr
    assert "data.numbers: unsupported type .numbers" in result.stderr and "blank.txt: no text" in result.stderr
    assert fingerprint(copy) == before


# --- damaged indexes -------------------------------------------------------------------

def damage(index_dir: Path, how: str) -> None:
    generation = current_generation(index_dir)
    if how == "records missing":
        (generation / "records.sqlite").unlink()
    elif how == "records corrupt":
        (generation / "records.sqlite").write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    elif how == "manifest corrupt":
        (generation / "manifest.json").write_text("{not json")
    elif how == "manifest from another version":
        manifest = json.loads((generation / "manifest.json").read_text())
        (generation / "manifest.json").write_text(json.dumps({**manifest, "format_version": 99}))
    elif how == "pointer to a missing generation":
        (index_dir / "CURRENT").write_text("gen-gone\n")
    elif how == "pointer garbage":
        (index_dir / "CURRENT").write_text("../../etc\n")
    elif how == "dense index corrupt":
        (generation / "dense.faiss").write_bytes(b"\x00" * 100)
    elif how == "dense index missing":
        (generation / "dense.faiss").unlink()
    elif how == "dense index of other records":
        import faiss

        faiss.write_index(faiss.IndexFlatIP(384), str(generation / "dense.faiss"))
    elif how == "stored vectors corrupt":
        (generation / "vectors.npy").write_bytes(b"\x93NUMPY garbage" + b"\x00" * 64)
    elif how == "stored vectors of other records":
        import numpy as np

        np.save(generation / "vectors.npy", np.zeros((3, 384), dtype=np.float32))


DAMAGE_CASES = [
    ("records missing", 2, "index records missing"),
    ("records corrupt", 2, "index records unreadable"),
    ("manifest corrupt", 2, "index manifest unreadable"),
    ("manifest from another version", 2, "index format 99 is not 1"),
    ("pointer to a missing generation", 2, "names a missing generation"),
    ("pointer garbage", 2, "names a missing generation"),
    ("dense index corrupt", 0, "dense index unreadable"),
    ("dense index missing", 0, "dense index missing"),
    ("dense index of other records", 0, "does not match the records"),
]


@pytest.mark.parametrize("how, code, message", DAMAGE_CASES, ids=[c[0] for c in DAMAGE_CASES])
def test_damaged_index(shipped_index, tmp_path, how, code, message):
    copy = tmp_path / "index"
    shutil.copytree(shipped_index, copy)
    damage(copy, how)
    before = fingerprint(copy)
    result = run("search", "green shipping corridor", "--json", "--index-dir", str(copy))
    assert result.exit_code == code
    if code == 0:  # the BM25 fallback answers, and says why
        payload = json.loads(result.stdout)
        assert payload["mode"] == "bm25-fallback" and message in payload["notice"] and payload["hits"]
    else:
        assert result.stderr.startswith("corpusqa: error: ") and message in result.stderr
    assert fingerprint(copy) == before


def test_damaged_index_is_replaced_by_the_next_build(shipped_index, tmp_path, embedder):
    from .conftest import SHIPPED_CORPUS

    copy = tmp_path / "index"
    shutil.copytree(shipped_index, copy)
    damage(copy, "records corrupt")
    summary = build_index(SHIPPED_CORPUS, copy, embedder=embedder)
    assert "previous index unusable" in summary.rebuild_reason
    assert run("search", "tariff", "--index-dir", str(copy)).exit_code == 0


@pytest.mark.parametrize("how", ["stored vectors corrupt", "stored vectors of other records"])
def test_damaged_vector_cache_is_ignored_and_rebuilt(shipped_index, tmp_path, how):
    """vectors.npy only feeds the next build's reuse: a damaged one is noted and written again
    from dense.faiss (which holds the same vectors), never a crash of every later `index` or `serve`."""
    from .conftest import SHIPPED_CORPUS

    copy = tmp_path / "index"
    shutil.copytree(shipped_index, copy)
    damage(copy, how)
    built = run("index", "--corpus", str(SHIPPED_CORPUS), "--index-dir", str(copy), "--json")
    assert built.exit_code == 0, built.output
    summary = json.loads(built.stdout)
    assert summary["notes"] and "stored vectors" in summary["notes"][0] and "taken from" in summary["notes"][0]
    assert summary["embedded"] == 0 and summary["reused_vectors"] == summary["chunks"] and not summary["up_to_date"]
    again = run("index", "--corpus", str(SHIPPED_CORPUS), "--index-dir", str(copy), "--json")
    assert json.loads(again.stdout)["up_to_date"] and json.loads(again.stdout)["notes"] == []
    searched = json.loads(run("search", "green shipping corridor", "--json", "--index-dir", str(copy)).stdout)
    assert searched["mode"] == "hybrid"


def test_missing_model_falls_back_to_bm25_and_says_so(tmp_path, monkeypatch):
    from .conftest import SHIPPED_CORPUS

    monkeypatch.setenv("CORPUSQA_MODEL", str(tmp_path / "no-model-here"))
    built = run("index", "--corpus", str(SHIPPED_CORPUS), "--index-dir", str(tmp_path / "index"))
    assert built.exit_code == 0 and "search will use BM25 only" in built.stderr
    result = run("ask", "How many vessels does Singapore supply with marine fuel each year?",
                 "--json", "--index-dir", str(tmp_path / "index"))
    payload = json.loads(result.stdout)
    assert payload["mode"] == "bm25-fallback" and "without vectors" in payload["notice"]
    assert not payload["abstained"] and "130,000" in payload["answer"]  # the fallback answers
    unanswerable = json.loads(run("ask", "Who won the 2018 FIFA World Cup?", "--json", "--index-dir",
                                  str(tmp_path / "index")).stdout)
    assert unanswerable["mode"] == "bm25-fallback" and unanswerable["abstained"]  # and still declines


# --- datasets and feedback -------------------------------------------------------------

@pytest.mark.parametrize("content, message", [
    ("{broken\n", "invalid JSON"),
    ("", "holds no questions"),
    ('{"question": "q?", "colour": "red"}\n', "not a labelled question"),
], ids=["invalid JSON", "empty file", "unknown fields"])
def test_bad_labelled_questions(shipped_index, tmp_path, content, message):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(content)
    result = run("eval", str(questions), "--split", "all", "--index-dir", str(shipped_index))
    assert result.exit_code == 2 and message in result.stderr


def test_feedback_export_without_feedback(shipped_index, tmp_path):
    result = run("feedback", "export", str(tmp_path / "out.jsonl"), "--index-dir", str(shipped_index))
    assert result.exit_code == 2 and "no feedback yet" in result.stderr


# --- uploads ---------------------------------------------------------------------------

UPLOAD_CASES = [
    ("traversal name", "../../escape.txt", b"text", "escape.txt", None),
    ("absolute path", "/etc/cron.d/job.md", b"text", "job.md", None),
    ("windows path", "C:\\Users\\x\\notes.txt", b"text", "notes.txt", None),
    ("odd unicode", "ﬁle\u202e\u0000name.md", b"text", "file_name.md", None),
    ("hidden name", ".bashrc", b"text", None, "not an allowed file name"),
    ("wrong type", "payload.exe", b"MZ", None, "not an allowed file name or type"),
    ("no extension", "README", b"text", None, "not an allowed file name"),
    ("oversize", "big.txt", b"x" * (MAX_UPLOAD_BYTES + 1), None, "too large"),
    ("empty", "empty.txt", b"", None, "empty file"),
    ("docx, which the indexer reads", "Notes.DOCX", docx_bytes("Notes", ["The otter fund has 7 staff."]), "Notes.docx", None),
    ("docx it cannot read", "Broken.docx", b"PK\x03\x04docx bytes", None, "cannot be indexed"),
    ("csv, which the indexer reads", "Offices.CSV", b"City,Staff\nParis,85\n", "Offices.csv", None),
]


@pytest.mark.parametrize("name, data, saved_as, reason", [c[1:] for c in UPLOAD_CASES],
                         ids=[c[0] for c in UPLOAD_CASES])
def test_uploads(tmp_path, name, data, saved_as, reason):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    temporary = tmp_path / "upload.tmp"
    temporary.write_bytes(data)
    report = save_uploads([(name, temporary)], corpus)
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    if reason:
        assert report.saved == [] and reason in report.rejected[0][1]
        assert written == ["upload.tmp"]
    else:
        assert report.saved == [f"uploads/{saved_as}"]
        assert written == [f"corpus/uploads/{saved_as}", "upload.tmp"]


def test_duplicate_uploads_are_renamed_or_refused(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    first, second = tmp_path / "a.tmp", tmp_path / "b.tmp"
    first.write_text("one")
    second.write_text("two")
    report = save_uploads([("notes.txt", first), ("notes.txt", second), ("copy.txt", first)], corpus)
    assert report.saved == ["uploads/notes.txt", "uploads/notes-2.txt"]
    assert report.rejected == [("copy.txt", "same content as uploads/notes.txt")]


def test_an_answer_config_from_an_earlier_version_is_a_clear_error(tmp_path, monkeypatch, shipped_index):
    config = tmp_path / "old.json"
    config.write_text(json.dumps({"weights": {"dense": 1.0}, "threshold": 0.5, "type_weight": 0.1}))
    monkeypatch.setenv("CORPUSQA_ANSWER_CONFIG", str(config))
    result = run("ask", "What is the corridor?", "--index-dir", str(shipped_index))
    assert result.exit_code == 2 and "run `corpusqa calibrate` again" in result.stderr
    config.write_text(json.dumps({"weights": {"colour": 1.0}}))
    result = run("ask", "What is the corridor?", "--index-dir", str(shipped_index))
    assert result.exit_code == 2 and "unknown features ['colour']" in result.stderr
