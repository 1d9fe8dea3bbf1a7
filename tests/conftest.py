"""Shared fixtures: the real embedding model (loaded once), throw-away data dirs and a headless Chromium."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from core.settings import PROJECT_ROOT, Settings
from ingest.embeddings import LazyEmbeddings, embeddings_for
from tests.support import CHROMIUM as CHROMIUM
from tests.support import CHROMIUM_ARGS as CHROMIUM_ARGS
from tests.support import ChromaServer as ChromaServer
from tests.support import free_port as free_port

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CORPUS = PROJECT_ROOT / "corpus"
NOTES_FILE = CORPUS / "aws-developer-associate-notes.txt"

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (make browser)")


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


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's headless Chromium under Playwright, one per test module; skips without it."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
