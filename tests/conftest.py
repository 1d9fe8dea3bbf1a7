"""Shared fixtures: the real embedding model (loaded once) and throw-away data dirs."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from core.settings import PROJECT_ROOT, Settings
from ingest.embeddings import LazyEmbeddings, embeddings_for

CORPUS = PROJECT_ROOT / "corpus"
NOTES_FILE = CORPUS / "aws-developer-associate-notes.txt"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now, for a server a test starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def embeddings() -> LazyEmbeddings:
    """The bundled all-MiniLM-L6-v2, loaded once for the whole session."""
    return embeddings_for(Settings())


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: object) -> Settings:
        return Settings(data_dir=tmp_path / "data", notes_dir=tmp_path / "notes", **overrides)  # type: ignore[arg-type]

    return make


@pytest.fixture
def notes_dir(tmp_path: Path) -> Path:
    """A notes folder holding a copy of the corpus file."""
    folder = tmp_path / "notes"
    folder.mkdir()
    shutil.copy(NOTES_FILE, folder / NOTES_FILE.name)
    return folder


@pytest.fixture(scope="session")
def corpus_settings(tmp_path_factory: pytest.TempPathFactory, embeddings: LazyEmbeddings) -> Settings:
    """Settings of an index of corpus/, ingested once per test session (read-only for tests)."""
    from ingest.pipeline import ingest_paths
    from ingest.store import open_store

    settings = Settings(data_dir=tmp_path_factory.mktemp("corpus-index"), notes_dir=CORPUS)
    ingest_paths([CORPUS], settings, open_store(settings, embeddings))
    return settings
