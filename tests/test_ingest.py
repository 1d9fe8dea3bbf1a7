"""Incremental ingest into a real Chroma store. The bookkeeping (what is added, replaced, removed or
kept) does not depend on the vectors: those tests run with fake vectors (fast) and again with the real
embedding model (slow); searching the ingested notes and killing a real ingest run are slow only."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from core.settings import PROJECT_ROOT, Settings
from ingest.__main__ import main
from ingest.embeddings import LazyEmbeddings
from ingest.errors import StoreError
from ingest.generations import Generations
from ingest.loaders import NotesLoader
from ingest.pipeline import ingest_paths
from ingest.store import MODEL_KEY, NotesVectorStore, open_store

SQS_NOTE = "# SQS\nvisibility timeout 30 seconds default.\nmessages kept up to 14 days.\n"
EC2_NOTE = "EC2 - virtual machines.\nuser data runs only once at launch.\n"


def store_for(settings: Settings, embeddings: Embeddings) -> NotesVectorStore:
    return open_store(settings, embeddings)


def unique_chunks(store: NotesVectorStore) -> None:
    docs = store.documents()
    keys = [(d.metadata["source"], d.metadata["start_line"], d.metadata["end_line"]) for d in docs]
    assert len(keys) == len(set(keys)), "a chunk is stored twice"


def ingest_corpus_twice(notes_dir: Path, settings: Settings, store: NotesVectorStore) -> None:
    """The corpus ingested, then again: the second run adds, updates and deletes nothing."""
    first = ingest_paths([notes_dir], settings, store)
    assert first.files == 1 and first.added == first.chunks > 150 and first.deleted == 0
    assert store.count() == first.chunks
    second = ingest_paths([notes_dir], settings, store)
    assert (second.added, second.updated, second.deleted) == (0, 0, 0)
    assert second.skipped == first.chunks
    assert store.count() == first.chunks
    unique_chunks(store)


def test_corpus_reingest_adds_nothing(
    notes_dir: Path, make_settings: Callable[..., Settings], fake_embeddings: Embeddings
) -> None:
    settings = make_settings()
    store = store_for(settings, fake_embeddings)
    ingest_corpus_twice(notes_dir, settings, store)
    # Built with fake vectors, the collection still records the settings' model name, so it opens again.
    reopened = store_for(settings, fake_embeddings)
    assert reopened.collection.metadata[MODEL_KEY] == settings.index.embedding_model == "all-MiniLM-L6-v2"
    assert reopened.count() == store.count()


@pytest.mark.slow
def test_corpus_ingest_then_reingest_adds_nothing(
    notes_dir: Path, make_settings: Callable[..., Settings], embeddings: LazyEmbeddings
) -> None:
    settings = make_settings()
    store = store_for(settings, embeddings)
    ingest_corpus_twice(notes_dir, settings, store)
    hit = store.similarity_search("default visibility timeout of an SQS queue", k=3)
    assert any("30 seconds default" in d.page_content for d in hit)


def test_edit_replaces_only_that_file_and_delete_removes_it(
    tmp_path: Path, make_settings: Callable[..., Settings], any_embeddings: Embeddings
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "sqs.md").write_text(SQS_NOTE)
    (notes / "ec2.txt").write_text(EC2_NOTE)
    settings = make_settings()
    store = store_for(settings, any_embeddings)
    first = ingest_paths([notes], settings, store)
    assert first.added == first.chunks == store.count()
    ec2_before = {d.id for d in store.documents(where={"source": "notes/ec2.txt"})}

    (notes / "sqs.md").write_text(SQS_NOTE.replace("14 days", "4 days"))
    edited = ingest_paths([notes], settings, store)
    assert edited.added >= 1 and edited.deleted >= 1
    assert {d.id for d in store.documents(where={"source": "notes/ec2.txt"})} == ec2_before
    texts = " ".join(d.page_content for d in store.documents(where={"source": "notes/sqs.md"}))
    assert "4 days" in texts and "14 days" not in texts

    (notes / "sqs.md").unlink()
    removed = ingest_paths([notes], settings, store)
    assert removed.deleted >= 1 and removed.added == 0
    assert store.documents(where={"source": "notes/sqs.md"}) == []
    assert {d.id for d in store.documents()} == ec2_before
    unique_chunks(store)


def test_single_file_ingest_leaves_siblings(
    tmp_path: Path, make_settings: Callable[..., Settings], any_embeddings: Embeddings
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ec2.txt").write_text(EC2_NOTE)
    settings = make_settings()
    store = store_for(settings, any_embeddings)
    ingest_paths([notes], settings, store)
    (notes / "sqs.md").write_text(SQS_NOTE)
    report = ingest_paths([notes / "sqs.md"], settings, store)
    assert report.files == 1 and report.deleted == 0 and report.added >= 1
    assert {d.metadata["source"] for d in store.documents()} == {"notes/ec2.txt", "notes/sqs.md"}
    again = ingest_paths([notes], settings, store)
    assert (again.added, again.deleted) == (0, 0)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("latin1.txt", "caf\xe9 notes\n".encode("latin-1"), "not valid UTF-8"),
        ("empty.md", b"", "empty"),
        ("blank.txt", b"  \n\n", "no text"),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "PDF"),
        ("slides.pptx", b"PK\x03\x04", "unsupported file type"),
    ],
)
def test_bad_file_in_folder_is_skipped_with_a_message_and_index_kept(
    tmp_path: Path,
    make_settings: Callable[..., Settings],
    any_embeddings: Embeddings,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: bytes,
    reason: str,
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ec2.txt").write_text(EC2_NOTE)
    settings = make_settings()
    store = store_for(settings, any_embeddings)
    ingest_paths([notes], settings, store)
    before = {d.id for d in store.documents()}
    (notes / name).write_bytes(content)
    report = ingest_paths([notes], settings, store)
    assert [p.file for p in report.problems] == [f"notes/{name}"]
    assert reason in report.problems[0].reason
    assert {d.id for d in store.documents()} == before


def test_file_that_turns_bad_keeps_its_chunks(
    tmp_path: Path, make_settings: Callable[..., Settings], any_embeddings: Embeddings
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "sqs.md").write_text(SQS_NOTE)
    settings = make_settings()
    store = store_for(settings, any_embeddings)
    ingest_paths([notes], settings, store)
    before = {d.id for d in store.documents()}
    (notes / "sqs.md").write_bytes(SQS_NOTE.encode() + b"\xff\xfe broken")
    report = ingest_paths([notes], settings, store)
    assert report.problems and report.deleted == 0
    assert {d.id for d in store.documents()} == before


def test_cli_messages_and_exit_codes(
    tmp_path: Path,
    make_settings: Callable[..., Settings],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fake_embeddings: Embeddings,
) -> None:
    # The messages and exit codes are under test, not the vectors: the store the CLI opens gets fake ones.
    monkeypatch.setattr("ingest.store.embeddings_for", lambda settings: fake_embeddings)
    data = str(tmp_path / "data")
    assert main([str(tmp_path / "missing"), "--data-dir", data]) == 2
    err = capsys.readouterr().err
    assert "no such file or folder" in err and "missing" in err
    exe = tmp_path / "tool.exe"
    exe.write_bytes(b"MZ\x90\x00")
    assert main([str(exe), "--data-dir", data]) == 2
    assert "unsupported file type '.exe'" in capsys.readouterr().err
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "ec2.txt").write_text(EC2_NOTE)
    (notes / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    assert main([str(notes), "--data-dir", data, "--json"]) == 1
    summary = json.loads(capsys.readouterr().out)
    assert {"files", "added", "updated", "skipped", "deleted", "seconds"} <= summary.keys()
    assert summary["files"] == 1 and summary["added"] >= 1
    assert summary["problems"][0]["file"] == "notes/bad.txt"


def test_index_built_with_another_model_is_refused(
    tmp_path: Path, make_settings: Callable[..., Settings], fake_embeddings: Embeddings
) -> None:
    settings = make_settings()
    open_store(settings, fake_embeddings)
    other = tmp_path / "other-model"
    other.mkdir()
    with pytest.raises(StoreError, match="built with embedding model 'all-MiniLM-L6-v2'"):
        open_store(make_settings(index={"embedding_model": str(other)}), fake_embeddings)


@pytest.mark.slow
def test_killed_ingest_leaves_index_usable_and_rerun_completes(
    tmp_path: Path, make_settings: Callable[..., Settings], embeddings: LazyEmbeddings
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    source = (PROJECT_ROOT / "corpus" / "aws-developer-associate-notes.txt").read_text(encoding="utf-8")
    for i in range(3):
        (notes / f"part{i}.txt").write_text(source.replace("AWS", f"AWS{i}"))
    settings = make_settings()
    env = {**os.environ, "STUDY_DATA_DIR": str(settings.data_dir)}
    cmd = [sys.executable, "-m", "ingest", str(notes), "--json"]
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    store = store_for(settings, embeddings)
    first_ids = {d.id for d in store.documents()}

    # Change every file, start a re-ingest and kill it once some new chunks are recorded.
    for i in range(3):
        (notes / f"part{i}.txt").write_text(source.replace("AWS", f"Amazon{i}"))
    records = settings.data_dir / "records.sqlite"
    with sqlite3.connect(records) as db:
        recorded = db.execute("select count(*) from upsertion_record").fetchone()[0]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        with sqlite3.connect(f"file:{records}?mode=ro", uri=True) as db:
            if db.execute("select count(*) from upsertion_record").fetchone()[0] > recorded:
                break
        time.sleep(0.2)
    assert proc.poll() is None, "the re-ingest finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    store = store_for(settings, embeddings)
    assert first_ids <= {d.id for d in store.documents()}, "the previous index lost chunks"
    # Readers see the previous version exactly: none of the killed run's chunks, all of the old ones.
    assert {d.id for d in store.documents(Generations(settings).stamp().visible())} == first_ids
    assert store.similarity_search("SQS visibility timeout", k=1)
    subprocess.run(cmd, env=env, check=True, capture_output=True)
    store = store_for(settings, embeddings)
    fresh = [d for f in sorted(notes.iterdir()) for d in NotesLoader(f, notes).load()]
    assert store.count() == len(fresh)
    # Exactly the current files' chunks: nothing stale from before the edit survives.
    key = lambda d: (d.metadata["source"], d.metadata["start_line"], d.metadata["end_line"], d.page_content)  # noqa: E731
    assert {key(d) for d in store.documents()} == {key(d) for d in fresh}
    unique_chunks(store)
    rerun = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
    assert (rerun["added"], rerun["deleted"]) == (0, 0)
