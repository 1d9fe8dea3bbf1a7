"""An index with no notes in it (an empty folder ingested, an ingest killed before its first chunks
landed, every note removed and re-ingested) is said plainly: "no notes ingested yet", never a
traceback, in the assistant, on the command line and in the app."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from assistant.answer.engine import NO_NOTES, Assistant
from assistant.app.workspace import Workspace
from assistant.quiz.generate import generate_quiz
from assistant.quiz.items import QuizError
from core.settings import PROJECT_ROOT, Settings
from ingest.pipeline import ingest_paths
from ingest.store import open_store
from tests.support import api_ask, free_port

NOTE = "SQS\n\nThe default visibility timeout of an SQS queue is 30 seconds.\n"
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


def fake() -> Any:
    return DeterministicFakeEmbedding(size=384)


def cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "study.py", *args], cwd=PROJECT_ROOT, env=ENV, capture_output=True,
                          text=True, input=stdin.decode() if stdin is not None else None, timeout=300)


def says_no_notes(run: subprocess.CompletedProcess[str]) -> None:
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert run.stderr.startswith("error: ") and "Traceback" not in run.stderr, run.stderr
    assert "no notes ingested yet" in run.stderr.lower(), run.stderr


@pytest.fixture
def empty_settings(tmp_path: Path) -> Settings:
    """An index made by ingesting an empty notes folder."""
    notes = tmp_path / "notes"
    notes.mkdir()
    settings = Settings(data_dir=tmp_path / "data", notes_dir=notes, answer={"reranker": False})  # type: ignore[arg-type]
    report = ingest_paths([notes], settings, open_store(settings, fake()))
    assert (report.files, report.chunks) == (0, 0)
    return settings


@pytest.mark.slow
def test_cli_on_an_empty_ingested_dir(tmp_path: Path) -> None:
    empty, data = tmp_path / "empty", str(tmp_path / "data")
    empty.mkdir()
    ingested = subprocess.run([sys.executable, "-m", "ingest", str(empty), "--data-dir", data], cwd=PROJECT_ROOT,
                              env=ENV, capture_output=True, text=True, timeout=300)
    assert ingested.returncode == 0, ingested.stderr
    says_no_notes(cli("ask", "What is the default visibility timeout of SQS?", "--data-dir", data))
    says_no_notes(cli("ask", "What is SQS?", "--json", "--data-dir", data))
    says_no_notes(cli("solve", "--data-dir", data, stdin=b"Which service is pull based?\nA) SQS\nB) SNS\n"))
    quiz = cli("quiz", "--n", "3", "--data-dir", data)
    assert quiz.returncode == 2 and quiz.stderr.startswith("error: ") and "Traceback" not in quiz.stderr
    assert "no notes" in quiz.stderr


def test_assistant_on_an_empty_index_answers_that_there_are_no_notes(empty_settings: Settings) -> None:
    assistant = Assistant(empty_settings, fake())
    answer = assistant.answer("What is the default visibility timeout of SQS?")
    assert not answer.grounded and answer.citations == [] and answer.closest == []
    assert answer.text == NO_NOTES and answer.error == NO_NOTES
    assert "no notes ingested yet" in answer.text.lower()
    assert assistant.retrieve("SQS visibility timeout") == []
    with pytest.raises(QuizError, match="no notes"):
        generate_quiz(assistant.chunks(), n=3, embeddings=fake())


def test_workspace_after_every_note_is_removed_and_reingested(
    tmp_path: Path, make_settings: Callable[..., Settings]
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "sqs.txt").write_text(NOTE, encoding="utf-8")
    ws = Workspace(make_settings(answer={"reranker": False}), fake())
    ws.ingest([notes])
    before = ws.assistant().answer("What is the default visibility timeout of SQS?")
    assert before.error is None and before.passages, "the keyword index is built over one chunk"
    (notes / "sqs.txt").unlink()
    assert ws.ingest([notes]).deleted == 1  # what "Re-ingest all" does
    after = ws.assistant().answer("What is the default visibility timeout of SQS?")
    assert after.error == NO_NOTES and "no notes ingested yet" in after.text.lower()
    assert [note.name for note in ws.notes()] == []


@pytest.mark.slow  # imports gradio (seconds)
def test_app_handlers_on_an_empty_index(empty_settings: Settings, tmp_path: Path) -> None:
    import ui

    ws = Workspace(empty_settings, fake())
    steps = list(ui.ask(ws, "What is SQS?", []))
    chat, turns, status = steps[-1][0], steps[-1][1], steps[-1][4]
    assert chat[-1]["role"] == "assistant" and "No notes ingested yet" in chat[-1]["content"]
    assert "Notes" in chat[-1]["content"] and status == ""
    assert [t["role"] for t in turns] == ["user", "assistant"]
    made = ui.make_quiz(ws, None, "mixed", 3)
    assert made[1].startswith("⚠️") and "no notes" in made[1]
    assert ui.topics(ws) == [] and ui.notes_table(ws) == []

    # The Notes tab still takes an upload, and then the chat answers from it.
    upload = tmp_path / "upload" / "sqs.txt"
    upload.parent.mkdir()
    upload.write_text(NOTE, encoding="utf-8")
    table, _, _, status, _ = ui.add_notes(ws, [str(upload)], False, None, lambda *a, **k: None)  # type: ignore[arg-type]
    assert "Indexed:" in status and table == [["sqs.txt", f"{len(NOTE)} B", 1]], status
    answer = ws.assistant().answer("What is the default visibility timeout of SQS?")
    assert answer.error is None and answer.passages


def wait_for_page(port: int, server: subprocess.Popen[bytes], log: Path, seconds: float = 240) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, f"the app exited with {server.returncode}: {log.read_text()[-2000:]}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
                assert response.status == 200
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("the app did not answer on its port")




@pytest.mark.slow
def test_app_starts_on_an_empty_notes_folder_and_says_how_to_add_notes(tmp_path: Path) -> None:
    empty = tmp_path / "notes"
    empty.mkdir()
    port = free_port()
    command = [sys.executable, "ui.py", "--data-dir", str(tmp_path / "data"), "--notes-dir", str(empty),
               "--port", str(port)]
    log = tmp_path / "app.log"
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**ENV, "GRADIO_TEMP_DIR": str(tmp_path / "gr")},
                                  stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for_page(port, server, log)
        events = api_ask(port, json.dumps({"data": ["What is the default visibility timeout of SQS?", []]}).encode())
        assert [e for e, _ in events if e == "error"] == [], events
        final = [data for event, data in events if event == "complete"][-1]
        assert "No notes ingested yet" in json.dumps(final[0][-1]["content"])
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.slow
def test_ingest_killed_before_its_first_chunks_leaves_an_empty_index_that_says_so(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    corpus = (PROJECT_ROOT / "corpus" / "aws-developer-associate-notes.txt").read_text(encoding="utf-8")
    for i in range(3):  # one batch of 500+ chunks: nothing is stored before all of them are embedded
        (notes / f"part{i}.txt").write_text(corpus.replace("AWS", f"AWS{i}"), encoding="utf-8")
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-m", "ingest", str(notes), "--data-dir", str(data)], cwd=PROJECT_ROOT,
                            env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (data / "records.sqlite").exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)  # the collection exists once the ingest opens its records
    time.sleep(2)
    assert proc.poll() is None, "the ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    settings = Settings(data_dir=data, answer={"reranker": False})  # type: ignore[arg-type]
    assert Assistant(settings, fake()).chunks() == [], "no chunk of the killed ingest is visible"
    says_no_notes(cli("ask", "What is the default visibility timeout of SQS?", "--data-dir", str(data)))
