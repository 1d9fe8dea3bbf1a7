"""Notes files -> citable chunks -> an incrementally maintained Chroma index."""

from ingest.errors import NotesError, StoreError
from ingest.pipeline import IngestReport, ingest_paths
from ingest.store import NotesVectorStore, open_store

__all__ = ["IngestReport", "NotesError", "NotesVectorStore", "StoreError", "ingest_paths", "open_store"]
