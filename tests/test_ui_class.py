"""Serving a class: ``study serve --host 0.0.0.0`` needs logins; with them nothing is served to someone
not logged in (neither the page nor the API), and each learner's review cards are their own.
Passwords never appear in any output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import study
from assistant.app.logins import LoginError, is_loopback, load_logins, parse_logins, user_folder
from assistant.app.workspace import Workspace
from core.settings import PROJECT_ROOT, AppSettings, Settings
from ingest.embeddings import LazyEmbeddings
from tests.conftest import free_port

LOGINS = {"alice": "alice-Secret-1", "bob": "bob-Secret-2"}
NOTES = (
    "# Machine parts\n"
    "Sprocket - a toothed wheel that drives the conveyor.\n"
    "Widget - a small reusable part that renders one control.\n"
    "Gadget - a larger part built from several widgets.\n"
    "Doohickey - a handle that locks the lid.\n"
)
QUIZ_SLOTS = 20


# ---------------------------------------------------------------- logins and addresses


def test_logins_come_from_a_file_and_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    users = tmp_path / "class.txt"
    users.write_text("# term 1\nalice:pw:with:colons\n\n  bob : pw2  \n", encoding="utf-8")
    monkeypatch.setenv("STUDY_APP__USERS", "carol:pw3,dave:pw4")
    monkeypatch.setenv("STUDY_APP__USERS_FILE", str(users))
    app = Settings().app
    assert app.users_file == users and "pw3" not in repr(app)  # the variable is kept as a secret
    assert load_logins(app) == {"alice": "pw:with:colons", "bob": "pw2", "carol": "pw3", "dave": "pw4"}


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["alice:pw", "bob secret-pw"], "class.txt, line 2: expected name:password"),
        (["al ice:secret-pw"], "class.txt, line 1: a name is"),
        (["../x:secret-pw"], "class.txt, line 1: a name is"),
        (["alice:"], "class.txt, line 1: alice has no password"),
        (["alice:pw", "# c", "alice:secret-pw"], "class.txt, line 3: alice is listed twice"),
    ],
)
def test_a_bad_login_line_is_named_without_its_password(lines: list[str], message: str) -> None:
    with pytest.raises(LoginError) as caught:
        parse_logins(lines, "class.txt")
    assert str(caught.value).startswith(message) and "secret-pw" not in str(caught.value)


def test_a_user_in_both_places_or_an_unreadable_file_is_an_error(tmp_path: Path) -> None:
    users = tmp_path / "class.txt"
    users.write_text("alice:pw1\n", encoding="utf-8")
    with pytest.raises(LoginError, match="alice is both in the users file and in STUDY_APP__USERS"):
        load_logins(AppSettings(users_file=users, users="alice:pw2"))  # type: ignore[arg-type]
    with pytest.raises(LoginError, match=r"can't read the users file .*missing\.txt"):
        load_logins(AppSettings(users_file=tmp_path / "missing.txt"))
    assert load_logins(AppSettings()) == {}


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.0.1.1", True), ("::1", True), ("localhost", True), ("[::1]", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("example.org", False), ("", False),
])
def test_only_loopback_addresses_count_as_this_computer(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_each_learner_gets_a_folder_of_their_own() -> None:
    names = ["alice", "Alice", "bob.smith", "../etc", "a/b", "é"]
    folders = [user_folder(name) for name in names]
    assert folders[:3] == ["alice", "Alice", "bob.smith"]
    assert len(set(folders)) == len(names) and all("/" not in f and not f.startswith(".") for f in folders)


# ---------------------------------------------------------------- the command


@pytest.mark.slow  # a subprocess importing the web stack
def test_a_public_address_without_logins_is_refused(tmp_path: Path) -> None:
    """The real process: exit 2, one clear line, no traceback, nothing served (no index is even opened)."""
    notes = tmp_path / "notes"
    notes.mkdir()
    env = {**os.environ, "STUDY_DATA_DIR": str(tmp_path / "data"), "STUDY_NOTES_DIR": str(notes)}
    env.pop("STUDY_APP__USERS", None)
    env.pop("STUDY_APP__USERS_FILE", None)
    done = subprocess.run([sys.executable, str(PROJECT_ROOT / "study.py"), "serve", "--host", "0.0.0.0"],
                          capture_output=True, text=True, env=env, timeout=300, check=False)
    assert done.returncode == 2, done
    assert done.stderr.startswith("error: refusing to serve on 0.0.0.0 without logins"), done.stderr
    assert "--users" in done.stderr and "Traceback" not in done.stderr + done.stdout
    assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists()


def test_the_host_setting_is_refused_the_same_way(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("STUDY_APP__HOST", "192.168.1.20")
    monkeypatch.delenv("STUDY_APP__USERS", raising=False)
    assert study.main(["serve", "--notes-dir", str(tmp_path), "--data-dir", str(tmp_path / "data")]) == 2
    assert "refusing to serve on 192.168.1.20 without logins" in capsys.readouterr().err


def test_a_bad_users_file_names_the_line_and_hides_passwords(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    users = tmp_path / "class.txt"
    users.write_text("alice:alice-Secret-1\nbob bob-Secret-2\n", encoding="utf-8")
    monkeypatch.delenv("STUDY_APP__USERS", raising=False)
    argv = ["serve", "--host", "0.0.0.0", "--users", str(users), "--notes-dir", str(tmp_path),
            "--data-dir", str(tmp_path / "data")]
    assert study.main(argv) == 2
    out, err = capsys.readouterr()
    assert err.strip() == f"error: users file {users}, line 2: expected name:password"
    assert "Secret" not in out + err
    monkeypatch.setenv("STUDY_APP__USERS", "carol:carol-Secret-3,dave")
    assert study.main(["serve", "--host", "0.0.0.0", "--notes-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "STUDY_APP__USERS, entry 2: expected name:password" in err and "Secret" not in err
    monkeypatch.setenv("STUDY_APP__USER", "carol:carol-Secret-3")  # a misspelt setting: named, its value not shown
    assert study.main(["serve", "--notes-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "app.user" in err and "Secret" not in err


# ---------------------------------------------------------------- the server


@pytest.fixture(scope="module")
def classroom(embeddings: LazyEmbeddings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Workspace]]:
    """The app bound to 0.0.0.0 with two logins, over a small ingested note; (its 127.0.0.1 URL, workspace)."""
    import ui

    root = tmp_path_factory.mktemp("ui-class")
    (root / "notes").mkdir()
    (root / "notes" / "parts.md").write_text(NOTES, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(root / "gradio"))
        ws = Workspace(Settings(data_dir=root / "data", notes_dir=root / "notes"), embeddings)
        ws.ingest([ws.notes_dir])
        port = free_port()
        app = ui.serve(ws, port, block=False, host="0.0.0.0", logins=LOGINS)
        try:
            yield f"http://127.0.0.1:{port}/", ws
        finally:
            app.close()


def wrong_cloze_quiz(client: Any, n: int) -> str:
    """Make a fill-in-the-blank quiz and answer every blank wrong; the score line."""
    made = client.predict("Machine parts", "cloze", n, api_name="/quiz")
    assert made[0].startswith(f"{n} questions"), made[0]
    checked = client.predict(*[None] * QUIZ_SLOTS, *["zzz"] * QUIZ_SLOTS, api_name="/check_quiz")
    return str(checked[0])


@pytest.mark.slow
def test_nothing_is_served_without_a_login(classroom: tuple[str, Workspace]) -> None:
    from gradio_client import Client

    url, _ = classroom
    page = httpx.get(url, timeout=60)
    assert "make-quiz" not in page.text and "Machine parts" not in page.text  # a login form, not the app
    for path in ("config", "gradio_api/info", "gradio_api/openapi.json"):
        assert httpx.get(url + path, timeout=60).status_code == 401, path
    for path in ("gradio_api/call/quiz", "gradio_api/queue/join", "gradio_api/run/quiz"):
        response = httpx.post(url + path, json={"data": ["Machine parts", "cloze", 1], "fn_index": 0}, timeout=60)
        assert response.status_code == 401, (path, response.text)
    with pytest.raises(Exception, match=r"(?i)credentials|login|auth"):
        Client(url, verbose=False)
    with pytest.raises(Exception, match=r"(?i)credentials|login|auth"):
        Client(url, auth=("alice", "wrong password"), verbose=False)
    refused = httpx.post(url + "login", data={"username": "alice", "password": "nope"}, timeout=60)
    assert refused.status_code == 400 and not refused.cookies

    with httpx.Client(base_url=url, timeout=60) as browser_like:
        assert browser_like.post("login", data={"username": "alice", "password": LOGINS["alice"]}).status_code == 200
        page = browser_like.get("")
        assert page.status_code == 200 and "make-quiz" in page.text
        assert browser_like.get("config").status_code == 200


@pytest.mark.slow
def test_each_learner_keeps_their_own_review_cards(classroom: tuple[str, Workspace],
                                                   capfd: pytest.CaptureFixture[str]) -> None:
    from gradio_client import Client

    url, ws = classroom
    alice = Client(url, auth=("alice", LOGINS["alice"]), verbose=False)
    assert "2 questions added to your review cards" in wrong_cloze_quiz(alice, 2)
    assert ws.reviews_for("alice").count() == 2
    assert ws.reviews_for("bob").count() == 0 and ws.reviews.count() == 0
    assert (ws.settings.data_dir / "users" / "alice" / "review.sqlite").is_file()

    bob = Client(url, auth=("bob", LOGINS["bob"]), verbose=False)
    assert "1 question added to your review cards" in wrong_cloze_quiz(bob, 1)
    assert ws.reviews_for("bob").count() == 1 and ws.reviews_for("alice").count() == 2
    assert ws.reviews.count() == 0  # nothing went to the shared store of a server without logins

    out, err = capfd.readouterr()
    assert not any(password in out + err for password in LOGINS.values())


def test_serve_itself_refuses_a_public_address_without_logins(tmp_path: Path) -> None:
    import ui

    ws = Workspace(Settings(data_dir=tmp_path / "data", notes_dir=tmp_path))
    with pytest.raises(ValueError, match="needs logins"):
        ui.serve(ws, free_port(), block=False, host="0.0.0.0")
