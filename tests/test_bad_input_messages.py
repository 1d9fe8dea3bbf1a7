"""Input that can't be used gets one line, ``error: ...``, and exit status 2, never a traceback: exam
files that are missing, folders or not UTF-8; questions with bytes that are not UTF-8 (argv, stdin);
a data dir that is a file; a damaged Chroma database (left as it was). In the app, a question holding
a lone surrogate gets a message instead of a broken response stream.

The command-line cases run ``python study.py`` as a subprocess, as a user would (slow: a few seconds
each); ``test_in_process_messages`` checks the same messages in-process for the fast layer."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

import study
from assistant.app.workspace import Workspace
from core.settings import PROJECT_ROOT, Settings
from ingest.pipeline import ingest_paths
from ingest.store import open_store
from tests.support import api_ask, free_port

NOTE = "SQS\n\nThe default visibility timeout of an SQS queue is 30 seconds.\nSQS is pull based.\n"
EXAM = "Which service is pull based?\nA) SQS\nB) SNS\n"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


def run(argv: list[str | bytes], stdin: bytes = b"", module: bool = False) -> subprocess.CompletedProcess[bytes]:
    """``python study.py ARGV`` (``python -m assistant ARGV`` with ``module``) in the worktree."""
    command: list[str | bytes] = [sys.executable, *(["-m", "assistant"] if module else ["study.py"]), *argv]
    return subprocess.run(command, cwd=PROJECT_ROOT, env=ENV, input=stdin, capture_output=True, timeout=300)


def refused(result: subprocess.CompletedProcess[bytes], *says: str) -> str:
    """The one-line message of a command that exited 2 without a traceback."""
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, (result.returncode, err[-3000:])
    assert "Traceback" not in err, err[-3000:]
    assert err.startswith("error: ") and err.count("\n") == 1 and err.endswith("\n"), err[-3000:]
    for words in says:
        assert words in err, err
    return err.strip()


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with one small note ingested (fake vectors of the real model's size)."""
    root = tmp_path_factory.mktemp("indexed")
    notes = root / "notes"
    notes.mkdir()
    (notes / "sqs.txt").write_text(NOTE, encoding="utf-8")
    settings = Settings(data_dir=root / "data", notes_dir=notes)
    ingest_paths([notes], settings, open_store(settings, DeterministicFakeEmbedding(size=384)))
    return settings.data_dir


def test_in_process_messages(tmp_path: Path, indexed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_file = tmp_path / "data.txt"
    data_file.write_text("x", encoding="utf-8")
    exam = tmp_path / "exam.txt"
    exam.write_bytes(EXAM.replace("service", "servic\xe9").encode("latin-1"))
    for argv, says in [
        (["solve", str(tmp_path / "nope.txt"), "--data-dir", str(indexed)], "no such file"),
        (["solve", str(tmp_path), "--data-dir", str(indexed)], "is a folder"),
        (["solve", str(exam), "--data-dir", str(indexed)], "not valid UTF-8"),
        (["ask", "What is the SQS visibility timeout \udcff?", "--data-dir", str(indexed)], "not text"),
        (["ask", "What is SQS?", "--data-dir", str(data_file)], "is a file"),
        (["ingest", str(tmp_path), "--data-dir", str(data_file / "sub")], "is inside the file"),
        (["review", "--data-dir", str(data_file)], "is a file"),
    ]:
        assert study.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and says in err, (argv, err)


# ---------------------------------------------------------------- solve: the exam question's file


@pytest.mark.slow
def test_solve_on_a_missing_file(tmp_path: Path, indexed: Path) -> None:
    refused(run(["solve", str(tmp_path / "nope.txt"), "--data-dir", str(indexed)]), "nope.txt", "no such file")


@pytest.mark.slow
def test_solve_on_a_directory(tmp_path: Path, indexed: Path) -> None:
    refused(run(["solve", str(tmp_path), "--data-dir", str(indexed)], module=True), "is a folder")


@pytest.mark.slow
def test_solve_on_a_latin1_file(tmp_path: Path, indexed: Path) -> None:
    exam = tmp_path / "exam.txt"
    exam.write_bytes(EXAM.replace("service", "servic\xe9").encode("latin-1"))
    refused(run(["solve", str(exam), "--data-dir", str(indexed)]), "exam.txt", "not valid UTF-8")
    refused(run(["solve", "--data-dir", str(indexed)], stdin=exam.read_bytes()), "standard input", "UTF-8")


# ---------------------------------------------------------------- ask: bytes that are not UTF-8


@pytest.mark.slow
def test_ask_with_a_non_utf8_byte_in_the_argument(indexed: Path) -> None:
    refused(run(["ask", b"\xff", "--data-dir", str(indexed)]))
    refused(run(["ask", b"What is the SQS visibility timeout \xff?", "--data-dir", str(indexed)]), "not text")


@pytest.mark.slow
def test_ask_with_non_utf8_bytes_on_stdin(indexed: Path) -> None:
    refused(run(["ask", "-", "--data-dir", str(indexed)], stdin=b"\xff\xfe"), "standard input", "UTF-8")
    refused(run(["ask", "-", "--data-dir", str(indexed)], stdin=b"What is the SQS visibility timeout \xff\xfe?"),
            "standard input", "UTF-8")


# ---------------------------------------------------------------- a data dir that is a file


@pytest.mark.slow
@pytest.mark.parametrize(
    "argv",
    [["ingest", "NOTES"], ["ask", "What is SQS?"], ["quiz", "--n", "2"], ["serve", "--notes-dir", "NOTES"],
     ["review", "--list"], ["solve", "EXAM"]],
    ids=["ingest", "ask", "quiz", "serve", "review", "solve"],
)
def test_a_data_dir_that_is_a_file(argv: list[str], tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "sqs.txt").write_text(NOTE, encoding="utf-8")
    (tmp_path / "exam.txt").write_text(EXAM, encoding="utf-8")
    data = tmp_path / "data.txt"
    data.write_text("not a folder\n", encoding="utf-8")
    args = [str(notes) if a == "NOTES" else str(tmp_path / "exam.txt") if a == "EXAM" else a for a in argv]
    refused(run([*args, "--data-dir", str(data)]), "data dir", "is a file")
    assert data.read_text(encoding="utf-8") == "not a folder\n"
    refused(run([*args, "--data-dir", str(data / "inside")]), "is inside the file")


# ---------------------------------------------------------------- a damaged Chroma database


@pytest.mark.slow
def test_a_corrupt_chroma_database_is_named_and_left_alone(tmp_path: Path, indexed: Path) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(indexed, data)
    database = data / "chroma" / "chroma.sqlite3"
    database.write_bytes(b"garbage, not SQLite " * 4096)
    before = hashlib.sha256(database.read_bytes()).hexdigest()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "sqs.txt").write_text(NOTE, encoding="utf-8")
    for argv in (["ask", "What is SQS?"], ["ingest", str(notes)]):
        refused(run([*argv, "--data-dir", str(data)]), "cannot open the index", str(data / "chroma"))
    assert hashlib.sha256(database.read_bytes()).hexdigest() == before, "the damaged database was changed"


# ---------------------------------------------------------------- the app's API


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """The app over one ingested note, on a free 127.0.0.1 port."""
    import ui

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "sqs.txt").write_text(NOTE, encoding="utf-8")
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(tmp_path / "gradio"))
    settings = Settings(data_dir=tmp_path / "data", notes_dir=notes, answer={"reranker": False})  # type: ignore[arg-type]
    ws = Workspace(settings, DeterministicFakeEmbedding(size=384))  # type: ignore[arg-type]
    ws.ingest([notes])
    port = free_port()
    app = ui.serve(ws, port, block=False)
    try:
        yield port
    finally:
        app.close()




@pytest.mark.slow
def test_a_lone_surrogate_through_the_api_gets_a_message(served: int) -> None:
    # "\ud800" escaped in the JSON itself: json.loads gives the handler a str holding a lone surrogate.
    events = api_ask(served, b'{"data": ["What is the SQS visibility timeout? \\ud800", []]}')
    assert [e for e, _ in events if e == "error"] == [], events
    final = [data for event, data in events if event == "complete"]
    assert final, events
    status = final[-1][4]
    assert "not text" in json.dumps(status), final[-1]
    # And the app still answers a proper question afterwards.
    events = api_ask(served, json.dumps({"data": ["What is the SQS visibility timeout?", []]}).encode())
    assert [e for e, _ in events if e == "error"] == [] and [e for e, _ in events if e == "complete"], events
