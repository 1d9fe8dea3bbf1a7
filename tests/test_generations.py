"""One consistent index for every reader: an ingest's changes show all at once when it commits, a
killed ingest shows nothing of itself, and an ingest by another process reaches a running assistant."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.embeddings import DeterministicFakeEmbedding

from assistant import Assistant
from core.settings import PROJECT_ROOT, Settings
from ingest.embeddings import LazyEmbeddings
from ingest.generations import Generations
from ingest.pipeline import ingest_paths
from ingest.store import NotesVectorStore, open_store

FAKE = DeterministicFakeEmbedding(size=384)


class Killed(BaseException):
    """Stands for a SIGKILL at a chosen point of an ingest (nothing after it runs)."""


def write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


def version(n: int) -> dict[str, str]:
    """Two files whose every chunk changes from one version to the next."""
    return {
        f"f{i}.txt": "\n\n".join(f"Topic {i}.{j}\nWidget {i}.{j} holds {n * 100 + j} records in version {n}."
                                 for j in range(4))
        for i in range(2)
    }


def seen(store: NotesVectorStore, settings: Settings) -> set[str]:
    """The chunk texts a reader sees now."""
    return {d.page_content for d in store.documents(Generations(settings).stamp().visible())}


def texts(files: dict[str, str]) -> set[str]:
    return {block for text in files.values() for block in text.split("\n\n")}


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Settings, Path, NotesVectorStore]:
    settings = Settings(data_dir=tmp_path / "data", notes_dir=tmp_path / "notes")
    notes = tmp_path / "notes"
    write(notes, version(1))
    store = open_store(settings, FAKE)
    ingest_paths([notes], settings, store)
    return settings, notes, store


def ingest_killed_at(
    monkeypatch: pytest.MonkeyPatch, point: str, notes: Path, settings: Settings, store: NotesVectorStore
) -> None:
    """Ingest ``notes`` with the ingest killed when it reaches ``point`` (a dotted callable)."""

    def die(*_args: object, **_kwargs: object) -> None:
        raise Killed(point)

    with monkeypatch.context() as patch:
        patch.setattr(point, die)
        with pytest.raises(Killed):
            ingest_paths([notes], settings, store)


@pytest.mark.parametrize("point", ["ingest.generations.Generations.commit", "ingest.store.NotesVectorStore.purge"])
def test_a_killed_ingest_shows_old_or_new_never_a_mix(
    setup: tuple[Settings, Path, NotesVectorStore], monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    settings, notes, store = setup
    assert seen(store, settings) == texts(version(1))
    write(notes, version(2))
    ingest_killed_at(monkeypatch, point, notes, settings, store)
    # Killed before its commit, the index holds both versions; readers see exactly one of them.
    assert store.count() > len(texts(version(1)))
    after = seen(store, settings)
    assert after in (texts(version(1)), texts(version(2))), "a reader sees a mix of two versions"
    assert after == (texts(version(1)) if point.endswith("commit") else texts(version(2)))
    # The next ingest finishes the job: the new version alone, nothing stored twice or left behind.
    report = ingest_paths([notes], settings, store)
    assert report.added == 0, "the killed run's embeddings are kept, not redone"
    assert seen(store, settings) == texts(version(2))
    assert {d.page_content for d in store.documents()} == texts(version(2))
    assert Generations(settings).stamp().visible() is None


def test_a_killed_ingest_then_reverted_notes_keep_every_chunk(
    setup: tuple[Settings, Path, NotesVectorStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    settings, notes, store = setup
    write(notes, version(2))
    ingest_killed_at(monkeypatch, "ingest.generations.Generations.commit", notes, settings, store)
    write(notes, version(1))  # the learner undoes the edit before the next ingest
    ingest_paths([notes], settings, store)
    assert seen(store, settings) == texts(version(1))
    assert {d.page_content for d in store.documents()} == texts(version(1))
    assert ingest_paths([notes], settings, store).added == 0


def test_another_folder_committing_does_not_show_a_killed_folders_half(
    setup: tuple[Settings, Path, NotesVectorStore], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings, notes, store = setup
    write(notes, version(2))
    ingest_killed_at(monkeypatch, "ingest.generations.Generations.commit", notes, settings, store)
    other = tmp_path / "other"
    write(other, {"o.txt": "Gadget\nGadget keeps 7 days of logs."})
    ingest_paths([other], settings, store)
    assert seen(store, settings) == texts(version(1)) | {"Gadget\nGadget keeps 7 days of logs."}


def test_an_edit_that_keeps_the_chunk_count_reaches_the_keyword_index(
    setup: tuple[Settings, Path, NotesVectorStore],
) -> None:
    settings, notes, store = setup
    no_reranker = settings.model_copy(update={"answer": settings.answer.model_copy(update={"reranker": False})})
    assistant = Assistant(no_reranker, FAKE)  # type: ignore[arg-type]
    before = assistant.current().keyword_index()
    assert any("version 1" in d.page_content for d in before.docs)
    write(notes, version(2))  # every chunk replaced, as many as before
    ingest_paths([notes], settings, store)
    after = assistant.current().keyword_index()
    assert after is not before and len(after.docs) == len(before.docs)
    assert {d.page_content for d in after.docs} == texts(version(2))
    hits = after.search(["version", "2"], 3)
    assert hits and all("version 2" in d.page_content for d, _ in hits)


@pytest.mark.slow
def test_an_ingest_by_another_process_reaches_the_running_assistant(
    tmp_path: Path, embeddings: LazyEmbeddings
) -> None:
    """The app answered "Error finding id" about a note another process had just ingested."""
    settings = Settings(data_dir=tmp_path / "data", notes_dir=tmp_path / "notes")
    notes = tmp_path / "notes"
    write(notes, {"sqs.txt": "SQS\n\nSQS is a queue service. Its default visibility timeout is 30 seconds."})
    ingest_paths([notes], settings, open_store(settings, embeddings))
    assistant = Assistant(settings, embeddings)
    assert assistant.answer("What is the default visibility timeout of SQS?").grounded

    def ingest_elsewhere() -> None:
        command = [sys.executable, "-m", "ingest", str(notes), "--data-dir", str(settings.data_dir)]
        subprocess.run(command, cwd=PROJECT_ROOT, check=True, capture_output=True)

    write(notes, {"kinesis.txt": "Kinesis\n\nKinesis streams keep records for 24 hours by default."})
    ingest_elsewhere()
    answer = assistant.answer("How long do Kinesis streams keep records by default?")
    assert answer.error is None and answer.grounded, answer.text
    assert answer.citations[0].source == "notes/kinesis.txt" and "24 hours" in answer.citations[0].quote

    # An edit elsewhere that keeps the number of chunks: the next answer quotes the new text.
    write(notes, {"kinesis.txt": "Kinesis\n\nKinesis streams keep records for 48 hours by default."})
    ingest_elsewhere()
    answer = assistant.answer("How long do Kinesis streams keep records by default?")
    assert answer.grounded and "48 hours" in answer.citations[0].quote, answer.text
    assert all("24 hours" not in c.quote for c in [*answer.citations, *answer.closest])
