"""Notes files -> citable chunks -> an incrementally maintained Chroma index.

The names below are imported on first use: ``from ingest.errors import ...`` (or any light module)
must not pay for LangChain's indexing API and chromadb, which the question path never needs."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ingest.errors import NotesError, StoreError

if TYPE_CHECKING:
    from ingest.pipeline import IngestReport, ingest_paths
    from ingest.store import NotesVectorStore, open_store

__all__ = ["IngestReport", "NotesError", "NotesVectorStore", "StoreError", "ingest_paths", "open_store"]
_LAZY = {
    "IngestReport": "ingest.pipeline",
    "ingest_paths": "ingest.pipeline",
    "NotesVectorStore": "ingest.store",
    "open_store": "ingest.store",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ingest' has no attribute {name!r}")
