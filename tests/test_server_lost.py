"""A Chroma server lost in mid-session: every stage says so (a StoreError, a message, exit 2), none
raises the HTTP client's own errors."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.__main__ import main
from assistant.app.workspace import Workspace
from assistant.exam.solve import parse_exam_question, solve
from core.settings import Settings
from ingest.embeddings import LazyEmbeddings
from ingest.errors import StoreError
from ingest.pipeline import ingest_paths
from ingest.store import open_store
from tests.support import ChromaServer

EXAM = """Which service keeps a message hidden for 30 seconds by default after it is received?
A) SQS
B) SNS
"""


@pytest.mark.slow
def test_every_stage_names_a_lost_server(
    tmp_path: Path, embeddings: LazyEmbeddings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "sqs.txt").write_text(
        "SQS\n\nSQS - a queue service. The default visibility timeout of an SQS queue is 30 seconds.\n"
        "SNS\n\nSNS - a pub/sub service that pushes messages to subscribers.\n",
        encoding="utf-8",
    )
    with ChromaServer(tmp_path / "db") as server:
        url = server.url
        settings = Settings(data_dir=tmp_path / "data", notes_dir=notes, chroma_url=url)
        ingest_paths([notes], settings, open_store(settings, embeddings))
        assistant = Assistant(settings, embeddings)
        workspace = Workspace(settings, embeddings)
        assert assistant.answer("What is the default visibility timeout of SQS?").grounded
        listed = workspace.notes()
    # The server has stopped.
    with pytest.raises(StoreError, match=f"lost the Chroma server at {url}"):
        assistant.store.count()
    with pytest.raises(StoreError, match=f"lost the Chroma server at {url}"):
        assistant.retrieve("visibility timeout")
    # Exam mode, in process and on the command line.
    with pytest.raises(StoreError, match="lost the Chroma server"):
        solve(parse_exam_question(EXAM), assistant.retrieve, None)
    data = ["--data-dir", str(settings.data_dir), "--chroma-url", url]
    monkeypatch.setattr("sys.stdin", io.StringIO(EXAM))
    assert main(["solve", *data]) == 2
    assert f"cannot reach the Chroma server at {url}" in capsys.readouterr().err
    # Quizzes: the command line says so; review needs no server at all.
    assert main(["quiz", "--n", "2", "--json", *data]) == 2
    assert f"cannot reach the Chroma server at {url}" in capsys.readouterr().err
    assert main(["review", "--list", *data]) == 0
    # The Notes tab still lists the folder's files from what it read before.
    assert [n.name for n in workspace.notes()] == [n.name for n in listed] == ["sqs.txt"]
    # The chat answers with the error instead of raising.
    answer = assistant.answer("How long is the visibility timeout?")
    assert not answer.grounded and answer.citations == [] and answer.passages == []
    assert answer.error is not None and f"lost the Chroma server at {url}" in answer.error
