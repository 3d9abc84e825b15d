"""A team at once: 20 accounts of three roles (made with `corpusqa users add`) asking, searching,
rating and uploading side by side through a launched server (real index, model and Gradio;
gradio_client in threads). Nothing fails, nobody sees another folder's documents or can rate
another's answers, and every answer is the one the same user gets asking alone."""

from __future__ import annotations

import json
import shutil
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from click.testing import CliRunner
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from cli.main import cli
from index.builder import build_index

from .conftest import SHIPPED_CORPUS, free_port

PASSWORD = "a team password"
FOLDERS = {"alliance": ["us-korea-alliance-outlook.txt"],
           "trade": ["us-korea-tariff-talks.txt", "us-korea-trade-and-singapore.txt"],
           "browser": ["maxthon-browser.txt"]}
# (question, history) each folder answers; the last is a follow-up read with its history
QUESTIONS = {"alliance": [("When did Seoul launch its New Southern Policy?", []),
                          ("By what year have both countries committed to carbon neutrality?", [])],
             "trade": [("What will the US tariff on most South Korean goods be cut to?", []),
                       ("When was it implemented?", ["What is the KORUS FTA?"])],
             "browser": [("Which browser offers an incognito mode?", [])]}
ALL_QUESTIONS = [q for questions in QUESTIONS.values() for q in questions]
# 12 readers (4 a folder), 5 editors, 3 admins (no folders: every document)
READERS = {f"reader-{folder}-{i}": folder for folder in FOLDERS for i in range(4)}
EDITORS = {"editor-alliance-0": "alliance", "editor-alliance-1": "alliance", "editor-trade-0": "trade",
           "editor-trade-1": "trade", "editor-browser-0": "browser"}
ADMINS = ["admin-0", "admin-1", "admin-2"]
CODEWORDS = dict(zip(EDITORS, ["quetzal", "narwhal", "axolotl", "pangolin", "wombat"]))
SECONDS = 60  # for everyone's logins, questions and uploads (each upload re-indexes) to be done


def login(url: str, name: str) -> Client:
    """``name``'s API client. Argon2 checks are slow on purpose, and twenty logins at once wait
    their turn longer than httpx's default timeout allows a request."""
    return Client(url, auth=(name, PASSWORD), verbose=False, httpx_kwargs={"timeout": 30})


def said(answer: dict) -> dict:
    """What an answer says and cites. Its confidence and the passages it read are left out:
    BM25's IDF is corpus-wide, so documents uploaded meanwhile (to any folder) shift scores."""
    return {key: answer[key] for key in ("question", "answer", "abstained", "short_answer", "mode", "notice",
                                         "retrieval_query", "citations")}


@pytest.fixture(scope="module")
def team_server(tmp_path_factory, embedder):
    from ui.access import Access
    from ui.accounts import Accounts
    from ui.app import launch
    from ui.audit import AuditLog
    from ui.service import Service

    root = tmp_path_factory.mktemp("team-at-once")
    corpus, index_dir = root / "corpus", root / "index"
    for folder, names in FOLDERS.items():
        (corpus / folder).mkdir(parents=True)
        for name in names:
            shutil.copy(SHIPPED_CORPUS / name, corpus / folder / name)
    build_index(corpus, index_dir, embedder=embedder)
    runner = CliRunner()
    accounts = [(name, "reader", folder) for name, folder in READERS.items()] + \
        [(name, "editor", folder) for name, folder in EDITORS.items()] + [(name, "admin", None) for name in ADMINS]
    for name, role, folder in accounts:
        added = runner.invoke(cli, ["users", "add", name, "--role", role, *(["--folder", folder] if folder else []),
                                    "--index-dir", str(index_dir)], input=f"{PASSWORD}\n")
        assert added.exit_code == 0, added.output
    service = Service(corpus, index_dir, embedder)
    access = Access(service, Accounts(index_dir / "users.json"), AuditLog(index_dir / "audit.jsonl"))
    demo, (_, url, _) = launch(service, port=free_port(), prevent_thread_lock=True, quiet=True, access=access)
    try:
        yield {"url": url, "service": service, "access": access, "root": root}
    finally:
        demo.close()
        service.close()


def test_twenty_users_of_three_roles_at_once(team_server, tmp_path):
    url, access = team_server["url"], team_server["access"]
    # what each scope's user is answered asking alone (one at a time, before anyone else asks)
    alone = {}
    for scope, questions in [*((folder, QUESTIONS[folder]) for folder in FOLDERS), (None, ALL_QUESTIONS)]:
        user = access.user(next(n for n, f in READERS.items() if f == scope) if scope else ADMINS[0])
        for question, history in questions:
            alone[scope, question] = said(json.loads(json.dumps(access.ask(user, question, history).as_dict())))
    errors, mixups, answers = [], [], {}
    lock = threading.Lock()

    def seen_by(name: str, folder: str | None, what: str, docs) -> None:
        """A document outside the user's folder in anything they were sent is a mix-up."""
        strays = [doc for doc in docs if folder and not doc.startswith(f"{folder}/")]
        if strays:
            with lock:
                mixups.append((name, what, strays))

    def ask(name: str, client: Client, folder: str | None, question: str, history: list[str]) -> dict:
        answer = client.predict(question, history, api_name="/ask")
        seen_by(name, folder, question, [part["doc"] for part in answer["passages"] + answer["citations"]])
        if said(answer) != alone[folder, question]:
            with lock:
                mixups.append((name, "answer differs from asking alone", question))
        client.predict(answer["answer_id"], True, api_name="/feedback")  # their own: accepted
        with lock:
            others = [given[-1]["answer_id"] for who, given in answers.items() if who != name]
            answers.setdefault(name, []).append(answer)
        if others:  # another user's answer, given meanwhile: not theirs to rate
            try:
                client.predict(others[-1], False, api_name="/feedback")
                with lock:
                    mixups.append((name, "rated another user's answer", others[-1]))
            except AppError as refused:
                if "no such answer" not in str(refused):
                    raise
        return answer

    def reader(name: str, folder: str) -> None:
        client = login(url, name)
        for question, history in QUESTIONS[folder]:
            ask(name, client, folder, question, history)
            seen_by(name, folder, "documents", client.predict(api_name="/documents"))
            found = client.predict(question, 5, "hybrid", api_name="/search")
            seen_by(name, folder, "search", [hit["doc"] for hit in found["hits"]])

    def editor(name: str, folder: str) -> None:
        client = login(url, name)
        note = tmp_path / f"{name}.md"
        note.write_text(f"# Permit of {name}\n\nThe {CODEWORDS[name]} permit of the team is number "
                        f"{len(name) * 1000 + 7}.\n")
        report = client.predict([handle_file(str(note))], api_name="/add_documents")
        if f"added {folder}/uploads/{name}.md" not in report or "re-indexed" not in report:
            with lock:
                errors.append((name, report))
        own = client.predict(f"What is the number of the {CODEWORDS[name]} permit?", api_name="/ask")
        if str(len(name) * 1000 + 7) not in own["answer"]:
            with lock:
                mixups.append((name, "own upload not answered", own["answer"]))
        for question, history in QUESTIONS[folder]:
            ask(name, client, folder, question, history)

    def admin(name: str) -> None:
        client = login(url, name)
        for question, history in ALL_QUESTIONS:
            ask(name, client, None, question, history)
        if name == ADMINS[0] and "re-indexed" not in client.predict(api_name="/reindex"):
            with lock:
                errors.append((name, "reindex"))

    def guarded(job, *args) -> None:
        try:
            job(*args)
        except Exception as error:  # noqa: BLE001 - every failure of any user is counted
            with lock:
                errors.append((args[0], repr(error)))

    started = time.monotonic()
    with ThreadPoolExecutor(20) as pool:
        futures = [pool.submit(guarded, reader, name, folder) for name, folder in READERS.items()]
        futures += [pool.submit(guarded, editor, name, folder) for name, folder in EDITORS.items()]
        futures += [pool.submit(guarded, admin, name) for name in ADMINS]
        for future in futures:
            future.result(timeout=max(0.0, started + SECONDS - time.monotonic()))
    elapsed = time.monotonic() - started
    assert errors == [] and mixups == []
    asked = sum(len(QUESTIONS[f]) for f in [*READERS.values(), *EDITORS.values()]) + len(ADMINS) * len(ALL_QUESTIONS)
    assert len(answers) == 20 and sum(map(len, answers.values())) == asked
    assert elapsed < SECONDS, elapsed
    # each rating names the user it was given to (only theirs could be rated), and cites only their folder
    rows = team_server["service"].feedback.rows()
    assert len(rows) == asked and {row["rater"] for row in rows} == set(answers)
    folder_of = {**READERS, **EDITORS}
    for row in rows:
        if row["rater"] in folder_of:
            cited = [citation["doc"] for citation in json.loads(row["citations"])]
            assert all(doc.startswith(f"{folder_of[row['rater']]}/") for doc in cited), (row["rater"], cited)
    # afterwards each reader lists their folder's documents, their editors' uploads among them
    for folder in FOLDERS:
        listed = login(url, f"reader-{folder}-0").predict(api_name="/documents")
        uploads = {f"{folder}/uploads/{name}.md" for name, f in EDITORS.items() if f == folder}
        assert set(listed) == {f"{folder}/{name}" for name in FOLDERS[folder]} | uploads
