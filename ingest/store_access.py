"""The notes store opened on first use: what a reader holds when a saved index (``assistant.answer.
saved_index``) usually answers without it, so that chromadb is imported only when the store is needed."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from core.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

    from ingest.store import NotesVectorStore


class StoreAccess:
    """``get()`` opens the existing store once (a StoreError if there is none or it is unusable);
    ``reopen()`` makes the next ``get()`` open it on a new client (another process wrote to it)."""

    def __init__(self, settings: Settings, embeddings: Embeddings) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self._store: NotesVectorStore | None = None
        self._reopen = False
        self._lock = threading.Lock()

    def get(self) -> NotesVectorStore:
        with self._lock:
            if self._store is None:
                from ingest.store import open_store, reopen_store

                if self._reopen:
                    self._store = reopen_store(self.settings, self.embeddings)
                else:
                    self._store = open_store(self.settings, self.embeddings, create=False)
                self._reopen = False
            return self._store

    def reopen(self) -> None:
        with self._lock:
            self._store = None
            self._reopen = True
