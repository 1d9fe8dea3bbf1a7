"""What the study app holds once per process: the settings, one assistant (store, keyword index,
models), the review stores (one per logged-in learner); and what it does to the notes folder (list,
read, ingest). The notes and the index are shared by everyone.

Example (after ``study ingest``)::

    ws = Workspace(Settings(notes_dir=Path("corpus")))
    ws.assistant().answer("What is SQS?").citations[0].ref   # 'corpus/aws-developer-associate-notes.txt:141'
    ws.ingest([Path("corpus/new-note.md")])                  # then answers can cite it
    ws.reviews_for("alice")                                  # alice's cards, in .study-data/users/alice/
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from assistant.answer.engine import Assistant
from assistant.app.logins import user_folder
from assistant.app.uploads import list_notes
from assistant.review.store import ReviewStore
from core.settings import Settings
from ingest.embeddings import LazyEmbeddings, embeddings_for
from ingest.errors import NotesError, StoreError
from ingest.plan import IngestReport
from ingest.walk import note_path, source_name

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NoteFile:
    """A file of the notes folder: its name in the folder, its citation name, size and indexed chunks."""

    name: str
    source: str
    size: int
    chunks: int


class Workspace:
    """One per process. The assistant is made on first use; ingests are serialized, answering runs alongside."""

    def __init__(self, settings: Settings, embeddings: LazyEmbeddings | None = None) -> None:
        self.settings = settings
        self.embeddings = embeddings or embeddings_for(settings, for_questions=True)
        self.reviews = ReviewStore.in_data_dir(settings.data_dir)
        self._user_reviews: dict[str, ReviewStore] = {}
        self._assistant: Assistant | None = None
        self._lock = threading.Lock()
        self._ingest_lock = threading.Lock()
        self._reviews_lock = threading.Lock()
        self.ready = threading.Event()  # cleared while ``start_warm_up`` loads the models
        self.ready.set()

    @property
    def notes_dir(self) -> Path:
        return self.settings.notes_dir.resolve()

    @property
    def label(self) -> str:
        """The notes folder's citation label (``ingest.folders``): its name unless another folder of
        that name was ingested into the index first."""
        try:
            from ingest.folders import folder_label  # SQLAlchemy: not on the way to the first page

            return folder_label(self.settings, self.notes_dir, register=False)
        except StoreError:  # no usable record db: nothing is indexed under any label
            return self.notes_dir.name

    @property
    def max_bytes(self) -> int:
        return int(self.settings.index.max_file_mb * 1e6)

    def assistant(self) -> Assistant:
        """The assistant; a StoreError while there is no usable index."""
        with self._lock:
            if self._assistant is None:
                self._assistant = Assistant(self.settings, self.embeddings)
            return self._assistant

    def start_warm_up(self) -> threading.Thread:
        """Load the models in the background (one retrieval); ``ready`` is set when that is done,
        or has failed (the next question then meets the error itself)."""
        self.ready.clear()

        def warm() -> None:
            try:
                self.assistant().retrieve("warm up", k=1)
            except Exception as e:  # any failure: the question that needs the models reports it
                log.warning("warming up the models failed: %s", e)
            finally:
                self.ready.set()

        thread = threading.Thread(target=warm, name="warm-up", daemon=True)
        thread.start()
        return thread

    def reviews_for(self, user: str | None) -> ReviewStore:
        """The review cards of the logged-in learner ``user``; without a login (``None``) the data dir's own."""
        if not user:
            return self.reviews
        with self._reviews_lock:
            if user not in self._user_reviews:
                folder = self.settings.data_dir / "users" / user_folder(user)
                self._user_reviews[user] = ReviewStore.in_data_dir(folder)
            return self._user_reviews[user]

    def ingest(self, paths: list[Path]) -> IngestReport:
        """Ingest into the assistant's store (creating the index if there is none), then refresh it."""
        from ingest.pipeline import ingest_paths  # the index's libraries: loaded when first needed
        from ingest.store import open_store

        with self._ingest_lock:
            try:
                store = self.assistant().store
            except StoreError:
                store = open_store(self.settings, self.embeddings)
            report = ingest_paths(paths, self.settings, store)
            self.assistant().refresh()
            return report

    def notes(self) -> list[NoteFile]:
        """The notes folder's files, with how many chunks of each are in the index."""
        try:
            counts = Counter(str(d.metadata.get("source")) for d in self.assistant().chunks())
        except StoreError:
            counts = Counter()
        files = []
        label = self.label
        for path in list_notes(self.notes_dir):
            source = source_name(path, self.notes_dir, label)
            files.append(NoteFile(path.relative_to(self.notes_dir).as_posix(), source, path.stat().st_size,
                                  counts.get(source, 0)))
        return files

    def note_lines(self, name: str) -> tuple[str, list[str], dict[int, int]]:
        """(citation name, lines, pages) of the note ``name``: its lines as citations number them and,
        for a PDF, where each page begins among them (page -> line; empty for text). A NotesError if
        it is not a note ingest would read (inside the notes folder, not hidden, not a link)."""
        path, why = note_path(self.notes_dir, name)
        if path is None:
            raise NotesError(f"{name} {why}")
        from ingest.loaders import NotesLoader, page_starts

        lines, pages = NotesLoader(path, self.notes_dir, max_bytes=self.max_bytes).lines()
        starts = page_starts(pages) if path.suffix.lower() == ".pdf" else {}
        return source_name(path, self.notes_dir, self.label), lines, starts
