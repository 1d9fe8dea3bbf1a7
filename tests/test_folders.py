"""Notes folders of the same name, ingested into one index: each keeps its own records and its own
citation label, and ingesting one never deletes the other's chunks (real Chroma; fake embeddings:
the model is not what is tested)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from assistant.answer.retrieval import NotesRetriever
from core.settings import Settings
from evals.baseline import notes_documents
from ingest.folders import folder_label
from ingest.pipeline import ingest_paths
from ingest.store import NotesVectorStore, open_store

A_NOTE = "# SQS\nvisibility timeout 30 seconds default.\nmessages kept up to 14 days.\n"
B_NOTE = "# Kinesis\nshards hold records for 24 hours by default.\nretention up to 365 days.\n"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", notes_dir=tmp_path / "a" / "notes")


@pytest.fixture
def store(settings: Settings) -> NotesVectorStore:
    return open_store(settings, DeterministicFakeEmbedding(size=384))


def folder(path: Path, **files: str) -> Path:
    path.mkdir(parents=True)
    for name, text in files.items():
        (path / name).write_text(text)
    return path


def found(store: NotesVectorStore, question: str) -> list[str]:
    """Sources of the chunks the keyword search finds for ``question``."""
    return [str(d.metadata["source"]) for d in NotesRetriever(store=store).search(question, None)]


def test_two_folders_of_the_same_name_keep_their_own_facts_and_citations(
    tmp_path: Path, settings: Settings, store: NotesVectorStore
) -> None:
    a = folder(tmp_path / "a" / "notes", **{"aws.md": A_NOTE})
    b = folder(tmp_path / "b" / "notes", **{"aws.md": B_NOTE})  # the same file name, other facts
    first = ingest_paths([a], settings, store)
    assert (first.added, first.deleted) == (first.chunks, 0)

    second = ingest_paths([b], settings, store)
    assert second.deleted == 0 and second.added == second.chunks > 0
    assert found(store, "visibility timeout default")[0] == "notes/aws.md"
    assert found(store, "kinesis shards records hours")[0] == "notes~2/aws.md"
    assert {d.metadata["source"] for d in store.documents()} == {"notes/aws.md", "notes~2/aws.md"}

    again = ingest_paths([a], settings, store)
    assert (again.added, again.updated, again.deleted) == (0, 0, 0)
    assert again.skipped == first.chunks
    assert (ingest_paths([b / "aws.md"], settings, store).deleted, folder_label(settings, b)) == (0, "notes~2")
    assert store.count() == first.chunks + second.chunks

    (a / "aws.md").unlink()  # a file deleted from one folder goes from the index, the other's stays
    gone = ingest_paths([a], settings, store)
    assert gone.deleted == first.chunks
    assert {d.metadata["source"] for d in store.documents()} == {"notes~2/aws.md"}


def test_the_eval_baseline_names_files_as_the_index_does(
    tmp_path: Path, settings: Settings, store: NotesVectorStore
) -> None:
    a = folder(tmp_path / "a" / "notes", **{"aws.md": A_NOTE})
    b = folder(tmp_path / "b" / "notes", **{"aws.md": B_NOTE})
    report = ingest_paths([a, b], settings, store)  # both in one run
    assert report.deleted == 0 and store.count() == report.chunks == report.added
    assert {d.metadata["source"] for d in store.documents()} == {"notes/aws.md", "notes~2/aws.md"}
    assert [d.metadata["source"] for d in notes_documents([b, a], settings)] == ["notes~2/aws.md", "notes/aws.md"]


def test_a_moved_folder_keeps_its_label_and_its_chunks(
    tmp_path: Path, settings: Settings, store: NotesVectorStore
) -> None:
    a = folder(tmp_path / "a" / "notes", **{"aws.md": A_NOTE, "kinesis.md": B_NOTE})
    first = ingest_paths([a], settings, store)
    moved = tmp_path / "c" / "notes"
    moved.parent.mkdir()
    a.rename(moved)
    again = ingest_paths([moved], settings, store)
    assert (again.added, again.deleted, again.skipped) == (0, 0, first.chunks)
    assert folder_label(settings, moved) == "notes"


def test_a_copy_holding_the_same_notes_shares_the_label(
    tmp_path: Path, settings: Settings, store: NotesVectorStore
) -> None:
    """A copy of the folder (the original still there) with every indexed file unchanged takes the
    label over: ingesting it only adds its new file, and removes nothing."""
    a = folder(tmp_path / "a" / "notes", **{"aws.md": A_NOTE})
    first = ingest_paths([a], settings, store)
    copy = tmp_path / "copy" / "notes"
    shutil.copytree(a, copy)
    (copy / "kinesis.md").write_text(B_NOTE)
    again = ingest_paths([copy], settings, store)
    assert (again.deleted, again.skipped) == (0, first.chunks) and again.added > 0
    assert {d.metadata["source"] for d in store.documents()} == {"notes/aws.md", "notes/kinesis.md"}
    # The original now lacks a file indexed under "notes": it is another folder from here on.
    assert folder_label(settings, a, register=False) == "notes~2"


def test_an_index_made_before_the_folder_registry_keeps_working(
    tmp_path: Path, settings: Settings, store: NotesVectorStore
) -> None:
    a = folder(tmp_path / "a" / "notes", **{"aws.md": A_NOTE})
    first = ingest_paths([a], settings, store)
    with sqlite3.connect(settings.data_dir / "records.sqlite") as db:  # as an older version left it
        db.execute("DROP TABLE notes_folders")
    again = ingest_paths([a], settings, store)
    assert (again.added, again.deleted, again.skipped) == (0, 0, first.chunks)
    assert folder_label(settings, a) == "notes"


def test_a_folder_not_yet_ingested_is_shown_under_the_label_it_will_get(
    tmp_path: Path, settings: Settings, store: NotesVectorStore
) -> None:
    a = folder(tmp_path / "a" / "notes", **{"aws.md": A_NOTE})
    b = folder(tmp_path / "b" / "notes", **{"aws.md": B_NOTE})
    assert folder_label(settings, b, register=False) == "notes"  # nothing registered yet
    ingest_paths([a], settings, store)
    assert folder_label(settings, b, register=False) == "notes~2"
    assert folder_label(settings, a, register=False) == "notes"
