"""Accounts, roles and folder permissions: `corpusqa users` end to end, and a launched server
(real index, real model, real Gradio, logins through gradio_client) on which a reader of one
folder learns nothing of another, a reader cannot change anything, wrong passwords are slowed,
and nothing unexpected reaches a client."""

from __future__ import annotations

import json
import os
import re
import stat
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from gradio_client import Client, handle_file
from gradio.utils import get_upload_folder
from gradio_client.exceptions import AppError

from cli.main import cli
from index.builder import build_index

from .conftest import free_port

PASSWORD = "correct horse battery"
HANDBOOK = {"handbook/leave.md": "# Leave policy\n\nEmployees get 25 days of paid leave each year. Leave requests "
                                 "go to your manager two weeks ahead.\n\n## Sick leave\n\nA doctor's note is needed "
                                 "after three days of sick leave.\n"}
HR = {"hr/salaries.md": "# Salary bands\n\nThe quokkaberry bonus is paid every March. Engineers in band 4 earn "
                        "91,500 kroner a month.\n",
      "hr/reviews.md": "# Performance reviews\n\nIngrid Vasquez received the top rating in the 2025 performance "
                       "review. Her promotion to principal engineer takes effect in May.\n"}
# what a reader of handbook/ must never see: words, names and numbers only hr/ holds
SECRETS = ("quokkaberry", "91,500", "Ingrid", "Vasquez", "salaries", "reviews.md", "hr/", "principal engineer")
USERS = {"rita": ("reader", ["handbook"]), "hugo": ("reader", ["hr"]), "ed": ("editor", ["handbook"]),
         "ada": ("admin", []), "target": ("reader", ["handbook"])}


@pytest.fixture
def runner():
    return CliRunner()


def test_users_commands_end_to_end(runner, tmp_path):
    index = ["--index-dir", str(tmp_path / "idx")]
    added = runner.invoke(cli, ["users", "add", "rita", "--role", "reader", "--folder", "./hr/", "--folder",
                                "handbook", *index], input=f"{PASSWORD}\n")
    assert added.exit_code == 0, added.output
    path = tmp_path / "idx" / "users.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = json.loads(path.read_text())["users"]["rita"]
    assert stored["hash"].startswith("$argon2id$") and PASSWORD not in path.read_text()
    assert stored["folders"] == ["handbook", "hr"] and stored["role"] == "reader"
    listed = runner.invoke(cli, ["users", "list", "--json", *index])
    assert json.loads(listed.stdout) == {"users": [{"name": "rita", "role": "reader", "folders": ["handbook", "hr"]}]}
    assert "argon2" not in listed.stdout

    from ui.accounts import Accounts

    accounts = Accounts(path)
    assert accounts.verify("rita", PASSWORD) and not accounts.verify("rita", "wrong password")
    assert runner.invoke(cli, ["users", "passwd", "rita", *index], input="a new long password\n").exit_code == 0
    assert accounts.verify("rita", "a new long password") and not accounts.verify("rita", PASSWORD)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".users.json.") and "lock" not in p.name]

    for args, message in [
        (["users", "add", "rita", "--role", "reader"], "exists"),
        (["users", "add", "bob", "--role", "reader"], "too short"),  # the input below is short
        (["users", "add", "bob", "--role", "reader", "--folder", "../etc"], "unusable folder"),
        (["users", "add", "bob", "--role", "reader", "--folder", "/etc"], "unusable folder"),
        (["users", "add", "b b", "--role", "reader"], "unusable user name"),
        (["users", "remove", "nobody"], "no user"),
        (["users", "passwd", "nobody"], "no user"),
    ]:
        long_enough = "short" if message == "too short" else PASSWORD
        result = runner.invoke(cli, [*args, *index], input=f"{long_enough}\n")
        assert result.exit_code == 2 and message in result.stderr, (args, result.output)
    assert runner.invoke(cli, ["users", "add", "bob", "--role", "boss", *index], input=f"{PASSWORD}\n").exit_code == 2
    assert runner.invoke(cli, ["users", "add", "bob", "--role", "reader", "--password", "x", *index]).exit_code == 2
    assert runner.invoke(cli, ["users", "remove", "rita", *index]).exit_code == 0
    assert json.loads(runner.invoke(cli, ["users", "list", "--json", *index]).stdout) == {"users": []}
    elsewhere = tmp_path / "team" / "people.json"
    assert runner.invoke(cli, ["users", "add", "ada", "--role", "admin", "--users", str(elsewhere), *index],
                         input=f"{PASSWORD}\n").exit_code == 0
    assert Accounts(elsewhere).get("ada").role == "admin"


def test_ask_and_search_as_a_user_answer_only_from_their_folders(runner, tmp_path, embedder):
    """`corpusqa ask/search --as USER`: the password from stdin (never an argument), the same
    folder filter as the server's, and one error for a wrong password or an unknown name."""
    from ui.accounts import Accounts

    corpus, index = tmp_path / "corpus", tmp_path / "idx"
    for name, text in {**HANDBOOK, **HR}.items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text)
    build_index(corpus, index, embedder=embedder)
    accounts = Accounts(index / "users.json")
    for name, (role, folders) in USERS.items():
        if name in ("rita", "hugo"):
            accounts.add(name, role, folders, PASSWORD)
    at = ["--index-dir", str(index)]

    def as_user(name, *args, password=PASSWORD):
        return runner.invoke(cli, [*args, "--as", name, *at], input=f"{password}\n")

    for question in ("How much do engineers in band 4 earn?", "Who received the top rating in the performance review?"):
        asked = as_user("rita", "ask", question, "--json")
        assert asked.exit_code == 0, asked.output
        answer = json.loads(asked.stdout)
        assert not leaked(answer) and all(p["doc"].startswith("handbook/") for p in answer["passages"]), answer
        found = as_user("rita", "search", question, "--json")
        assert found.exit_code == 0 and not leaked(json.loads(found.stdout)), found.output
        assert all(h["doc"].startswith("handbook/") for h in json.loads(found.stdout)["hits"])
    greeting = as_user("rita", "ask", "hi")
    assert "1 document is indexed: handbook/leave.md" in greeting.stdout and not leaked(greeting.output)
    # the answer is there for a reader of hr/ (and for anyone without --as)
    assert "91,500" in as_user("hugo", "ask", "How much do engineers in band 4 earn?").stdout
    assert "91,500" in runner.invoke(cli, ["ask", "How much do engineers in band 4 earn?", *at]).stdout
    # naming hr/ fails as for a document that does not exist
    for doc in ("hr", "hr/salaries.md", "nope.txt"):
        refused = as_user("rita", "search", "bonus", "--doc", doc)
        assert refused.exit_code == 2 and f"no document or folder {doc!r}" in refused.stderr, refused.output
        assert "91,500" not in refused.output and "quokkaberry" not in refused.output
    # a wrong password and an unknown name: the same error, nothing answered
    wrong = as_user("rita", "ask", "How many days of paid leave?", password="not her password")
    unknown = as_user("nobody", "ask", "How many days of paid leave?")
    for refused in (wrong, unknown):
        assert refused.exit_code == 2 and "unknown user or wrong password" in refused.stderr, refused.output
        assert "25 days" not in refused.output and PASSWORD not in refused.output
    assert wrong.stderr.replace("rita", "") == unknown.stderr.replace("nobody", "")
    empty = runner.invoke(cli, ["ask", "leave?", "--as", "rita", *at], input="")
    assert empty.exit_code == 2 and "no password on standard input" in empty.stderr
    assert runner.invoke(cli, ["ask", "leave?", "--as", "rita", "--password", PASSWORD, *at]).exit_code == 2
    lone = runner.invoke(cli, ["ask", "leave?", "--users", str(index / "users.json"), *at])
    assert lone.exit_code == 2 and "--users goes with --as" in lone.stderr


@pytest.fixture(scope="module")
def team(tmp_path_factory, embedder, stand_in):
    """A launched server over handbook/ and hr/ with the USERS, a model server stand-in, and a
    guard whose session lifetime a test may shorten."""
    from qa.generate.client import LLMSettings
    from ui.access import Access
    from ui.accounts import Accounts
    from ui.app import launch
    from ui.audit import AuditLog
    from ui.http_guard import HttpGuard
    from ui.service import Service

    root = tmp_path_factory.mktemp("team")
    corpus = root / "corpus"
    for name, text in {**HANDBOOK, **HR}.items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text)
    build_index(corpus, root / "index", embedder=embedder)
    accounts = Accounts(root / "index" / "users.json")
    for name, (role, folders) in USERS.items():
        accounts.add(name, role, folders, PASSWORD)
    service = Service(corpus, root / "index", embedder, llm=LLMSettings(stand_in.url, "stand-in-model", timeout=10))
    access = Access(service, accounts, AuditLog(root / "index" / "audit.jsonl"))
    guard = HttpGuard(None, access)
    demo, (_, url, _) = launch(service, port=free_port(), prevent_thread_lock=True, quiet=True, access=access,
                               guard=guard)
    try:
        yield {"url": url, "service": service, "access": access, "guard": guard, "root": root, "demo": demo}
    finally:
        demo.close()
        service.close()


def client(team, name: str) -> Client:
    return Client(team["url"], auth=(name, PASSWORD), verbose=False)


def test_a_login_free_client_gets_nothing_but_the_login(team):
    with pytest.raises(Exception):  # noqa: B017 - gradio_client cannot even read the page's config
        Client(team["url"], verbose=False)
    with pytest.raises(ValueError):
        Client(team["url"], auth=("rita", "not her password"), verbose=False)
    raw = httpx.post(f"{team['url']}gradio_api/queue/join", json={
        "data": [[]], "fn_index": 0, "session_hash": "anon123", "event_data": None, "trigger_id": None})
    assert raw.status_code in (401, 403)
    assert httpx.get(f"{team['url']}config").status_code in (401, 403)


def leaked(response) -> list[str]:
    text = json.dumps(response, ensure_ascii=False)
    return [secret for secret in SECRETS if secret.lower() in text.lower()]


def test_a_reader_of_one_folder_learns_nothing_of_another(team, stand_in):
    rita, hugo = client(team, "rita"), client(team, "hugo")
    questions = ["How much do engineers in band 4 earn?", "When is the bonus paid?",
                 "Who received the top rating in the performance review?", "What is the quokaberry bonus?",
                 "Who was promoted to principal?", "hi", "What is this document about?"]
    for question in questions:
        answer = rita.predict(question, api_name="/ask")
        assert not leaked(answer), (question, answer)
        assert all(p["doc"].startswith("handbook/") for p in answer["passages"])
        found = rita.predict(question, 10, "hybrid", api_name="/search")
        assert not leaked(found) and all(h["doc"].startswith("handbook/") for h in found["hits"])
    greeting = rita.predict("hi", api_name="/ask")["answer"]
    assert "1 document is indexed: handbook/leave.md" in greeting
    # the answers are there, for a reader of hr/
    assert "91,500" in hugo.predict("How much do engineers in band 4 earn?", api_name="/ask")["answer"]
    # a typo only hr/ could correct is not read as hr/'s word
    typo = rita.predict("What is the quokaberry bonus?", api_name="/ask")
    assert "quokkaberry" not in json.dumps(typo) and not (typo["notice"] or "").startswith("read")
    # asking for hr/ by name fails as for a document that does not exist
    for docs in (["hr"], "hr", ["hr/salaries.md"], ["nope.txt"]):
        with pytest.raises(AppError, match="no document or folder") as refused:
            rita.predict("bonus", 5, "hybrid", docs, api_name="/search")
        assert not leaked(str(refused.value)) or docs == ["nope.txt"] or "hr" in str(docs)
    assert rita.predict(api_name="/documents") == ["handbook/leave.md"]
    with pytest.raises(AppError, match="no document") as viewed:
        rita.predict("hr/salaries.md", api_name="/document")
    assert "91,500" not in str(viewed.value)
    assert "25 days" in rita.predict("handbook/leave.md", api_name="/document")["text"]
    # the model server is sent only handbook/ passages
    stand_in.reply, stand_in.word_delay = "Employees get 25 days of paid leave each year.", 0.0
    before = len(stand_in.requests)
    for question in ("How many days of paid leave do employees get, and what do engineers in band 4 earn?",
                     "How much do engineers in band 4 earn?"):
        generated = rita.predict(question, None, "hybrid", 8, True, api_name="/ask")
        assert not leaked(generated)
    assert len(stand_in.requests) > before  # the model was asked, and shown only handbook/
    assert not leaked(stand_in.requests[before:])
    # feedback on her answers exports nothing of hr/
    for question in questions[:3]:
        answer = rita.predict(question, api_name="/ask")
        rita.predict(answer["answer_id"], False, "should have answered", 0, api_name="/feedback")
        rita.predict(answer["answer_id"], True, api_name="/feedback")
    with pytest.raises(AppError, match="no such answer"):
        hugo.predict(answer["answer_id"], True, api_name="/feedback")  # not his to rate
    # hugo, a reader of hr/, rates his answers from hr/: each rating names its rater, and an
    # export for rita holds nothing of them (nor his for her of handbook/)
    for question in questions[:3]:
        answer = hugo.predict(question, api_name="/ask")
        assert answer["citations"] and all(c["doc"].startswith("hr/") for c in answer["citations"])
        hugo.predict(answer["answer_id"], True, api_name="/feedback")
        hugo.predict(answer["answer_id"], False, "wrong answer", 0, api_name="/feedback")
    access, rows = team["access"], team["service"].feedback.rows()
    assert {row["rater"] for row in rows} == {"rita", "hugo"}
    assert all(row["rater"] == "hugo" for row in rows if "hr/" in row["citations"] + (row["right_doc"] or ""))
    exported = {name: team["root"] / f"feedback-{name}.jsonl" for name in ("rita", "hugo", "ada")}
    written = {name: access.export_feedback(access.user(name), path)[0] for name, path in exported.items()}
    assert written["rita"] >= 3 and not leaked(exported["rita"].read_text())
    assert written["hugo"] >= 3 and "91,500" in exported["hugo"].read_text()
    assert "handbook/" not in exported["hugo"].read_text() and "25 days" not in exported["hugo"].read_text()
    assert written["ada"] == written["rita"] + written["hugo"]  # no folders: every rating


def test_feedback_is_exported_over_http_only_from_the_users_folders(team):
    """The `export_feedback` endpoint gives each user what `Access.export_feedback` writes for
    them: a reader of handbook/ nothing of hr/, an admin without folders every rating."""
    rita, hugo, ada = client(team, "rita"), client(team, "hugo"), client(team, "ada")
    for who, question in ((rita, "How many days of paid leave do employees get?"),
                          (hugo, "How much do engineers in band 4 earn?")):  # a rating of each folder
        answer = who.predict(question, api_name="/ask")
        who.predict(answer["answer_id"], True, api_name="/feedback")
    access, exported = team["access"], {}
    for name, who in (("rita", rita), ("hugo", hugo), ("ada", ada)):
        exported[name] = who.predict(api_name="/export_feedback")
        path = team["root"] / f"http-export-{name}.jsonl"
        written, unlabelled = access.export_feedback(access.user(name), path)
        assert exported[name]["records"] == [json.loads(line) for line in path.read_text().splitlines()]
        assert (exported[name]["written"], exported[name]["unlabelled"]) == (written, unlabelled)
    assert "25 days" in json.dumps(exported["rita"]) and not leaked(exported["rita"])
    hugos = json.dumps(exported["hugo"])
    assert "91,500" in hugos and "25 days" not in hugos and "handbook/" not in hugos
    assert exported["ada"]["written"] == exported["rita"]["written"] + exported["hugo"]["written"] > 0
    audit = (team["root"] / "index" / "audit.jsonl").read_text()
    assert '"action": "export", "user": "rita", "result": "ok"' in audit


def test_roles_are_enforced_by_the_server(team, tmp_path):
    rita, ed, ada = client(team, "rita"), client(team, "ed"), client(team, "ada")
    note = tmp_path / "parking.md"
    note.write_text("# Parking\n\nStaff park on level 3 of the garage; visitors on level 1.\n")
    with pytest.raises(httpx.HTTPStatusError, match="403"):  # Gradio's upload route, before storing
        rita.predict([handle_file(str(note))], api_name="/add_documents")
    with pytest.raises(AppError, match="not allowed: a reader cannot add documents"):
        rita.predict([], api_name="/add_documents")
    with pytest.raises(AppError, match="not allowed: a reader cannot delete"):
        rita.predict("handbook/leave.md", api_name="/delete")
    with pytest.raises(AppError, match="not allowed: a reader cannot re-index"):
        rita.predict(api_name="/reindex")
    # Gradio's own upload route refuses a reader before storing anything
    session = httpx.Client(base_url=team["url"])
    assert session.post("/login", data={"username": "rita", "password": PASSWORD}).status_code == 200
    refused = session.post("/gradio_api/upload", files={"files": ("x.md", b"# X\n\nhello there\n")})
    assert refused.status_code == 403 and "not allowed" in refused.text
    # a cross-site page cannot post with a user's cookies
    assert session.post("/gradio_api/upload", files={"files": ("x.md", b"# X\n\nhi\n")},
                        headers={"Origin": "https://evil.example"}).status_code == 403
    # an editor adds to their folder, cannot delete outside it, cannot re-index
    report = ed.predict([handle_file(str(note))], api_name="/add_documents")
    assert "added handbook/uploads/parking.md" in report and "re-indexed" in report
    assert not list(Path(get_upload_folder()).rglob("parking.md"))  # Gradio's stored copy is gone
    assert "level 3" in rita.predict("Where do staff park?", api_name="/ask")["answer"]
    with pytest.raises(AppError, match="no document 'hr/salaries.md'"):
        ed.predict("hr/salaries.md", api_name="/delete")
    with pytest.raises(AppError, match="not allowed: an editor cannot re-index"):
        ed.predict(api_name="/reindex")
    assert "deleted handbook/uploads/parking.md" in ed.predict("handbook/uploads/parking.md", api_name="/delete")
    assert "handbook/uploads/parking.md" not in rita.predict(api_name="/documents")
    assert "re-indexed" in ada.predict(api_name="/reindex")
    audit = [json.loads(line) for line in (team["root"] / "index" / "audit.jsonl").read_text().splitlines()]
    assert {(e["action"], e["user"], e["result"]) for e in audit} >= {
        ("upload", "rita", "refused"), ("upload", "ed", "ok"), ("delete", "ed", "ok"), ("reindex", "ada", "ok"),
        ("login", "rita", "ok")}
    asked = [e for e in audit if e["action"] == "ask"]
    assert asked and all("question" not in e and len(e["question_hash"]) == 32 for e in asked)


def test_an_upload_over_the_limit_is_refused_while_it_is_received(team):
    from ui.uploads import MAX_UPLOAD_BYTES

    started = time.time()
    big = b"word " * (MAX_UPLOAD_BYTES // 5 + 200_000)  # 11 MB
    with httpx.Client(base_url=team["url"], timeout=60) as session:
        assert session.post("/login", data={"username": "ed", "password": PASSWORD}).status_code == 200
        refused = session.post("/gradio_api/upload", files={"files": ("big.md", big)})
        assert refused.status_code == 413, refused.text
        assert session.post("/gradio_api/upload", files={"files": ("small.md", b"# Small\n\nfine\n")}).status_code == 200
    stored = [p for p in Path(get_upload_folder()).rglob("*") if p.is_file() and p.stat().st_mtime >= started - 1
              and p.stat().st_size > MAX_UPLOAD_BYTES]
    assert stored == []


def test_wrong_passwords_are_slowed_per_user(team):
    url, tries = team["url"], []
    with httpx.Client(base_url=url) as session:
        for _ in range(5):
            assert session.post("/login", data={"username": "target", "password": "guess"}).status_code == 400
        started = time.monotonic()
        while time.monotonic() - started < 3:
            tries.append(session.post("/login", data={"username": "target", "password": "guess"}))
        checked = [r for r in tries if r.status_code == 400]
        slowed = [r for r in tries if r.status_code == 429]
        assert slowed and "too many failed logins" in slowed[0].json()["detail"]
        assert len(checked) <= 3, len(checked)  # at most one checked try a second
        # once the wait is over, the right password works (and clears the count)
        time.sleep(team["guard"].throttle.wait("target", "127.0.0.1") + 0.1)
        assert session.post("/login", data={"username": "target", "password": PASSWORD}).status_code == 200
    audit = (team["root"] / "index" / "audit.jsonl").read_text()
    assert '"action": "login", "user": "target", "result": "failed"' in audit
    assert '"action": "login", "user": "target", "result": "refused"' in audit


def test_sessions_expire(team):
    with httpx.Client(base_url=team["url"]) as session:
        assert session.post("/login", data={"username": "ada", "password": PASSWORD}).status_code == 200
        assert session.get("/config").status_code == 200
        team["guard"].session_seconds = 0.5
        try:
            time.sleep(1)
            assert session.get("/config").status_code in (401, 403)
        finally:
            team["guard"].session_seconds = 12 * 3600


def test_a_changed_password_ends_the_users_sessions(team):
    accounts = team["access"].accounts
    with httpx.Client(base_url=team["url"]) as old, httpx.Client(base_url=team["url"]) as other:
        assert old.post("/login", data={"username": "ada", "password": PASSWORD}).status_code == 200
        assert other.post("/login", data={"username": "rita", "password": PASSWORD}).status_code == 200
        assert old.get("/config").status_code == 200
        time.sleep(0.01)  # the new password is set after the old login, by the clock both read
        accounts.passwd("ada", PASSWORD + "-new")
        try:
            assert old.get("/config").status_code in (401, 403)  # logged in before the change: out
            assert other.get("/config").status_code == 200  # another user's session stays
            with httpx.Client(base_url=team["url"]) as new:
                assert new.post("/login", data={"username": "ada", "password": PASSWORD}).status_code != 200
                assert new.post("/login", data={"username": "ada", "password": PASSWORD + "-new"}).status_code == 200
                assert new.get("/config").status_code == 200
        finally:
            accounts.passwd("ada", PASSWORD)


def test_the_guard_forgets_ended_logins_and_sessions(team):
    guard = team["guard"]
    with httpx.Client(base_url=team["url"]) as session:
        assert session.post("/login", data={"username": "rita", "password": PASSWORD}).status_code == 200
        assert session.get("/config").status_code == 200
        session.post("/gradio_api/queue/join", json={"session_hash": "forgotten-session", "data": []})
        assert guard.tracked()[0] >= 1 and guard.tracked()[1] >= 1
        guard.session_seconds, guard.prune_seconds = 0.5, 0.0  # a lifetime that ended; pruned at each request
        try:
            time.sleep(1)
            assert session.get("/config").status_code in (401, 403)  # the token is gone, not renewed
            assert guard.tracked() == (0, 0)
        finally:
            guard.session_seconds, guard.prune_seconds = 12 * 3600, 60.0


def test_bad_input_gets_a_clear_message_and_no_internals(team):
    ada = client(team, "ada")
    for args, message in [((5,), "must be text"), (("What is leave?", 5), "history must be a list"),
                          (("What is leave?", "not a list"), "history must be a list"),
                          (("",), "empty query"),
                          (("x" * 3000,), "query too long")]:
        with pytest.raises(AppError, match=message) as refused:
            ada.predict(*args, api_name="/ask")
        assert "Traceback" not in str(refused.value) and not re.search(r"/(?:tmp|root|home|work)/", str(refused.value))
    # a lone surrogate (which gradio_client cannot even send) through the raw HTTP API
    with httpx.Client(base_url=team["url"]) as session:
        assert session.post("/login", data={"username": "ada", "password": PASSWORD}).status_code == 200
        for question, message in [("\ud800 leave", "not valid text"), (["a list"], "must be text")]:
            data = [question, None, "hybrid", 8, False, None]
            started = session.post("/gradio_api/call/ask", content=json.dumps({"data": data}),  # \ud800 escaped
                                   headers={"Content-Type": "application/json"})
            events = session.get(f"/gradio_api/call/ask/{started.json()['event_id']}").text
            assert "event: error" in events and message in events, events
            assert "Traceback" not in events and "TextEncodeInput" not in events and "/work/" not in events
    # a folder given as one string is one folder, not its characters
    one = ada.predict("paid leave", 5, "hybrid", "handbook", api_name="/search")
    assert one["hits"] and all(h["doc"].startswith("handbook/") for h in one["hits"])


def test_question_rate_is_limited_per_user(team, monkeypatch):
    from ui.limits import RateLimit

    access = team["access"]
    original = access.questions
    access.questions = RateLimit(3, 60, "questions")
    try:
        hugo, rita = client(team, "hugo"), client(team, "rita")
        for _ in range(3):
            hugo.predict("bonus", 3, "bm25", api_name="/search")
        with pytest.raises(AppError, match="too many questions: at most 3 a minute; try again in"):
            hugo.predict("bonus", 3, "bm25", api_name="/search")
        assert rita.predict("leave", 3, "bm25", api_name="/search")["hits"]  # her own count
    finally:
        access.questions = original


def test_users_file_permissions_and_atomic_rewrite(tmp_path):
    from ui.accounts import Accounts

    accounts = Accounts(tmp_path / "users.json")
    accounts.add("ada", "admin", [], PASSWORD)
    os.chmod(tmp_path / "users.json", 0o644)  # someone loosened it: the next write restores 0600
    accounts.passwd("ada", "another long one")
    assert stat.S_IMODE((tmp_path / "users.json").stat().st_mode) == 0o600


def test_removing_every_user_lets_no_session_act_as_the_one_person(tmp_path):
    """Accounts emptied (or the file removed) while serving: a session still logged in is
    refused, never taken for the one person who may do everything."""
    from ui.access import Access, Forbidden
    from ui.accounts import Accounts

    accounts = Accounts(tmp_path / "users.json")
    accounts.add("rita", "reader", ["handbook"], PASSWORD)
    access = Access(None, accounts)
    assert access.user("rita").folders == ("handbook",)
    accounts.remove("rita")  # the file now holds no user
    with pytest.raises(Forbidden):
        access.user("rita")
    (tmp_path / "users.json").unlink()
    with pytest.raises(Forbidden):
        access.user("rita")
    assert access.with_accounts


def test_a_failed_reindex_shows_an_error_id_not_the_exception(caplog):
    from types import SimpleNamespace

    from ui.access import SINGLE_USER, Access

    def reindex():
        raise RuntimeError("disk I/O error in /srv/secret/.corpusqa/gen-7/records.sqlite")

    with caplog.at_level("ERROR", logger="corpusqa.errors"):
        said = Access(SimpleNamespace(reindex=reindex)).reindex(SINGLE_USER)
    assert "re-indexing failed" in said and re.search(r"error id [0-9a-f]{8}", said)
    assert "disk I/O" not in said and "/srv" not in said and caplog.records


def test_logins_are_counted_per_name_as_the_page_sends_them_and_side_by_side(team):
    """The page logs in with a multipart form: its user name is counted too (else every name
    shares one count and a name's tries are not slowed); tries sent at once are not all checked."""
    from concurrent.futures import ThreadPoolExecutor

    throttle, url = team["guard"].throttle, team["url"]
    try:
        with httpx.Client(base_url=url) as session:
            for _ in range(5):
                form = {"username": (None, "mallory"), "password": (None, "guess")}
                assert session.post("/login", files=form).status_code == 400
        assert throttle.wait("mallory", "198.51.100.7") > 0  # the name is slowed from any address
        audit = (team["root"] / "index" / "audit.jsonl").read_text()
        assert '"action": "login", "user": "mallory", "result": "failed"' in audit
        throttle.succeeded("mallory", "127.0.0.1")

        def guess(_):
            return httpx.post(f"{url}login", data={"username": "trudy", "password": "guess"}).status_code

        with ThreadPoolExecutor(20) as pool:
            codes = list(pool.map(guess, range(20)))
        assert codes.count(400) <= 5 and codes.count(429) >= 15, codes
    finally:
        throttle.succeeded("mallory", "127.0.0.1")
        throttle.succeeded("trudy", "127.0.0.1")


def test_logins_at_once_from_one_address_wait_their_turn_and_are_not_refused():
    """A team behind one address logging in together: tries past the free failures' worth wait
    while earlier ones are checked (they may fail), and go ahead once those succeed; once five
    have failed, the address is slowed."""
    from ui.limits import LoginThrottle

    throttle, office = LoginThrottle(), "192.0.2.10"
    assert [throttle.attempt(f"user{i}", office) for i in range(5)] == [0.0] * 5
    assert throttle.attempt("user5", office) is None  # five being checked: wait, not refused
    throttle.succeeded("user0", office)
    assert throttle.attempt("user5", office) == 0.0
    for i in range(1, 6):
        throttle.failed(f"user{i}", office)
    assert throttle.attempt("user6", office) > 0 and throttle.wait("user6", "198.51.100.1") == 0


def test_login_cookies_stay_off_other_sites_requests(team):
    with httpx.Client(base_url=team["url"]) as session:
        logged_in = session.post("/login", data={"username": "rita", "password": PASSWORD})
        cookies = [v for k, v in logged_in.headers.multi_items() if k.lower() == "set-cookie"]
        assert cookies and all("samesite=lax" in c.lower() for c in cookies if c.startswith("access-token-"))
        assert session.get("/gradio_api/token").status_code == 200
        # Gradio's CORS layer answers any site when the host is not loopback: the guard does not
        for route in ("/gradio_api/token", "/config", "/gradio_api/info"):
            assert session.get(route, headers={"Origin": "https://evil.example"}).status_code == 403


def test_a_session_answers_only_the_user_who_opened_it(team):
    documents = next(i for i, fn in team["demo"].fns.items() if fn.api_name == "documents")
    with httpx.Client(base_url=team["url"]) as rita, httpx.Client(base_url=team["url"]) as hugo:
        for session, name in ((rita, "rita"), (hugo, "hugo")):
            assert session.post("/login", data={"username": name, "password": PASSWORD}).status_code == 200
        joined = rita.post("/gradio_api/queue/join", json={"data": [], "fn_index": documents,
                                                           "session_hash": "ritas-session", "event_data": None})
        assert joined.status_code == 200, joined.text
        body = {"data": [], "fn_index": documents, "session_hash": "ritas-session"}
        for method, route, options in [("POST", "/gradio_api/run/predict", {"json": body}),
                                       ("POST", "/gradio_api/queue/join", {"json": body}),
                                       ("POST", "/gradio_api/queue/join", {"content": json.dumps(body)}),
                                       ("GET", "/gradio_api/deep_link?session_hash=ritas-session", {}),
                                       ("GET", "/gradio_api/queue/data?session_hash=ritas-session", {})]:
            assert hugo.request(method, route, **options).status_code == 403, route
        # a request without a login cannot close her session either
        assert httpx.get(f"{team['url']}gradio_api/heartbeat/ritas-session", timeout=5).status_code == 403


def test_an_upload_must_say_its_length(team):
    def chunks():
        yield b"--x\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.md\"\r\n\r\nhello\r\n--x--\r\n"

    with httpx.Client(base_url=team["url"]) as session:
        assert session.post("/login", data={"username": "ed", "password": PASSWORD}).status_code == 200
        refused = session.post("/gradio_api/upload", content=chunks(),
                               headers={"Content-Type": "multipart/form-data; boundary=x"})
        assert refused.status_code == 411


def test_an_unexpected_failure_reaches_the_client_as_an_error_id_only(team, caplog):
    """Run last in this module: it closes the server's feedback store (a real failure, not a mock)."""
    rita = client(team, "rita")
    answer = rita.predict("How many days of paid leave do employees get?", api_name="/ask")
    team["service"].feedback.close()
    with caplog.at_level("ERROR", logger="corpusqa.errors"):
        with pytest.raises(AppError) as failed:
            rita.predict(answer["answer_id"], True, api_name="/feedback")
    message = str(failed.value)
    error_id = re.search(r"error id ([0-9a-f]{8})", message).group(1)
    assert "closed database" not in message and "sqlite" not in message.lower() and "/" not in message
    assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)  # the details are logged


@pytest.mark.parametrize("host, tls, expected", [
    ("127.0.0.1", False, None), ("0.0.0.0", True, None),
    ("0.0.0.0", False, "passwords, login cookies, questions, answers, document text and uploaded files"),
])
def test_plain_http_beyond_loopback_names_what_travels_in_clear(host, tls, expected):
    from cli.serve import transport_warning

    warning = transport_warning(host, tls, has_login=True)
    assert warning is None if expected is None else expected in warning and "--ssl-certfile" in warning


@pytest.mark.browser
@pytest.mark.parametrize("name, sees_upload", [("rita", False), ("ed", True)])
def test_the_page_logs_in_and_shows_the_upload_box_only_to_those_who_may_add(team, name, sees_upload):
    from playwright.sync_api import sync_playwright

    from .test_browser import ARTIFACTS, CHROMIUM

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(team["url"])
            page.locator("input[type='password']").wait_for(timeout=30_000)
            assert page.locator("#question").count() == 0  # nothing but the login
            page.locator("input:not([type='password'])").first.fill(name)
            page.locator("input[type='password']").fill(PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_selector("#question textarea", timeout=30_000)
            page.wait_for_timeout(1500)  # the per-user load event fills the picker and the upload box
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"accounts-{name}.png"), full_page=True)
            assert page.locator("#add-documents").is_visible() == sees_upload
            page.click("#within input")
            page.locator("#within [role='option']").first.wait_for(timeout=10_000)
            options = [o.strip() for o in page.locator("#within [role='option']").all_inner_texts()]
            assert options == ["handbook/leave.md"], options  # hr/ is never offered
        finally:
            browser.close()


@pytest.mark.browser
def test_the_login_page_says_when_too_many_failed_logins_may_try_again(team):
    """Gradio's page shows nothing for the guard's 429: the guard's script says so, with the wait,
    in the same words for a name that exists and one that does not; the right password works
    once the wait is over."""
    from playwright.sync_api import sync_playwright

    from .test_browser import ARTIFACTS, CHROMIUM

    throttle, url = team["guard"].throttle, team["url"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(url)
            page.locator("input[type='password']").wait_for(timeout=30_000)

            def log_in(name: str, password: str) -> None:
                page.locator("input:not([type='password'])").first.fill(name)
                page.locator("input[type='password']").fill(password)
                page.keyboard.press("Enter")

            log_in("rita", "not her password")  # a wrong password: Gradio's own message, no notice
            page.get_by_text("Incorrect Credentials", exact=False).wait_for(timeout=10_000)
            assert page.locator("#cq-login-notice").count() == 0
            # ten failures from this address, counted by the server's own throttle (over HTTP they
            # would take 15 s of waiting): every name from here waits 6 s, long enough to look
            assert throttle.attempt("nobody-at-all", "127.0.0.1") == 0
            for _ in range(10):
                throttle.failed("nobody-at-all", "127.0.0.1")
            assert throttle.wait("anyone", "127.0.0.1") > 4
            said = {}
            for name in ("nobody-at-all", "rita"):
                log_in(name, "guess again")
                notice = page.locator("#cq-login-notice")
                notice.wait_for(timeout=10_000)
                said[name] = notice.inner_text()
                assert not page.get_by_text("Incorrect Credentials", exact=False).is_visible()
                page.wait_for_timeout(200)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "login-too-many.png"), full_page=True)
            assert re.fullmatch(r"Too many failed logins for this name or from this address\. "
                                r"Try again in \d+ s \(at .+\)\.", said["rita"]), said
            assert re.sub(r"\d", "", said["rita"]) == re.sub(r"\d", "", said["nobody-at-all"])  # same for both
            assert "rita" not in said["rita"] and "nobody" not in said["nobody-at-all"]
            time.sleep(throttle.wait("rita", "127.0.0.1") + 0.2)
            log_in("rita", "still not her password")  # checked again: Gradio's message, the notice gone
            page.get_by_text("Incorrect Credentials", exact=False).wait_for(timeout=10_000)
            assert page.locator("#cq-login-notice").count() == 0
            time.sleep(throttle.wait("rita", "127.0.0.1") + 0.2)
            log_in("rita", PASSWORD)
            page.wait_for_selector("#question textarea", timeout=30_000)
        finally:
            browser.close()
            throttle.succeeded("nobody-at-all", "127.0.0.1")
            throttle.succeeded("rita", "127.0.0.1")
