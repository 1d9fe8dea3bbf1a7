"""Symbolic links in a notes folder are never followed, by ingest, the Notes viewer or uploads alike;
each skipped link is reported with why (real Chroma; fake embeddings: the model is not tested)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from assistant.app.uploads import UploadError, list_notes, save_upload
from assistant.app.workspace import Workspace
from core.settings import AnswerSettings, Settings
from ingest.__main__ import main
from ingest.errors import NotesError
from ingest.pipeline import ingest_paths
from ingest.store import NotesVectorStore, open_store

NOTE = "# SQS\nvisibility timeout 30 seconds default.\n"
SECRET = "# Secret\nthe launch code is 0000 and lives outside the notes.\n"


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "sqs.md").write_text(NOTE)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.md").write_text(SECRET)
    return folder


@pytest.fixture
def settings(tmp_path: Path, notes: Path) -> Settings:
    # No cross-encoder: the fast layer loads no model (the Notes tab's chunk counts need no answers).
    return Settings(data_dir=tmp_path / "data", notes_dir=notes, answer=AnswerSettings(reranker=False))


@pytest.fixture
def store(settings: Settings) -> NotesVectorStore:
    return open_store(settings, DeterministicFakeEmbedding(size=384))


def indexed(store: NotesVectorStore) -> tuple[set[str], str]:
    docs = store.documents()
    return {str(d.metadata["source"]) for d in docs}, "\n".join(d.page_content for d in docs)


def test_a_link_to_a_file_outside_is_skipped_and_reported(
    notes: Path, settings: Settings, store: NotesVectorStore
) -> None:
    os.symlink(notes.parent / "outside" / "secret.md", notes / "secret.md")
    report = ingest_paths([notes], settings, store)
    sources, text = indexed(store)
    assert sources == {"notes/sqs.md"} and "launch code" not in text
    assert [(p.file, p.reason) for p in report.problems] == [
        ("notes/secret.md", "a link to a file outside the notes folder: links are not followed")
    ]


def test_a_link_to_a_folder_outside_is_skipped_and_reported(
    notes: Path, settings: Settings, store: NotesVectorStore
) -> None:
    os.symlink(notes.parent / "outside", notes / "more")
    report = ingest_paths([notes], settings, store)
    assert indexed(store)[0] == {"notes/sqs.md"}
    assert [(p.file, p.reason) for p in report.problems] == [
        ("notes/more", "a link to a folder outside the notes folder: links are not followed")
    ]


def test_link_loops_end_and_are_reported(notes: Path, settings: Settings, store: NotesVectorStore) -> None:
    sub = notes / "sub"
    sub.mkdir()
    (sub / "ec2.md").write_text("EC2 - virtual machines.\nuser data runs once at launch.\n")
    os.symlink(notes, sub / "up")  # a folder link back to the notes folder
    os.symlink(notes / "b.md", notes / "a.md")  # a -> b -> a
    os.symlink(notes / "a.md", notes / "b.md")
    os.symlink(notes / "sqs.md", notes / "alias.md")  # inside, to a file that is read as itself
    report = ingest_paths([notes], settings, store)
    assert indexed(store)[0] == {"notes/sqs.md", "notes/sub/ec2.md"}  # each real file once
    assert {p.file: p.reason for p in report.problems} == {
        "notes/a.md": "a broken link (or a loop of links): links are not followed",
        "notes/b.md": "a broken link (or a loop of links): links are not followed",
        "notes/alias.md": "a link to a file inside the notes folder (sqs.md): links are not followed",
        "notes/sub/up": "a link to a folder inside the notes folder (.): links are not followed",
    }


def test_the_notes_viewer_and_list_follow_the_same_rule(
    notes: Path, settings: Settings, store: NotesVectorStore
) -> None:
    os.symlink(notes.parent / "outside" / "secret.md", notes / "secret.md")
    os.symlink(notes / "sqs.md", notes / "alias.md")
    os.symlink(notes.parent / "outside", notes / "more")
    ingest_paths([notes], settings, store)
    ws = Workspace(settings, DeterministicFakeEmbedding(size=384))  # type: ignore[arg-type]
    assert [n.name for n in ws.notes()] == ["sqs.md"] and ws.notes()[0].chunks > 0
    assert list_notes(notes) == [notes / "sqs.md"]
    assert ws.note_lines("sqs.md")[0] == "notes/sqs.md"
    for name, why in [("secret.md", "outside the notes folder"), ("alias.md", "inside the notes folder"),
                      ("more/secret.md", "outside the notes folder"), ("../outside/secret.md", "not in the notes")]:
        with pytest.raises(NotesError, match=why):
            ws.note_lines(name)


def test_an_upload_never_writes_through_a_link(notes: Path, tmp_path: Path) -> None:
    os.symlink(notes.parent / "outside" / "secret.md", notes / "secret.md")
    upload = tmp_path / "upload.md"
    upload.write_text(NOTE)
    with pytest.raises(UploadError, match="not a regular file"):
        save_upload(upload, "secret.md", notes, replace=True)
    assert (notes.parent / "outside" / "secret.md").read_text() == SECRET


def test_the_ingest_command_names_each_skipped_link(
    notes: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (notes / "sqs.md").unlink()  # nothing to embed: the command runs without loading the model
    os.symlink(notes.parent / "outside" / "secret.md", notes / "secret.md")
    code = main([str(notes), "--data-dir", str(tmp_path / "data")])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "skipped notes/secret.md: a link to a file outside the notes folder: links are not followed" in out
