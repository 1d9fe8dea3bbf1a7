"""Shared fixtures: the real embedding model (loaded once), fake vectors for the fast tests,
throw-away data dirs, and a headless Chromium.

Two layers: ``pytest -m "not slow"`` runs the fast one (well under a minute); plain ``pytest``
(``make test``) runs everything. A test is marked ``slow`` when it needs the real embedding model, the
cross-encoder, a browser, a ``chroma run`` server, a CLI subprocess that loads a model, or otherwise
takes more than ~2 s. Two checks keep the fast layer fast: a test that asks for the ``embeddings``
fixture must be marked slow (checked at collection), and a test not marked slow that loads either
model anyway fails with a message saying so.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings

from assistant.answer.rerank import Reranker
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
REAL_MODEL_FIXTURES = ("embeddings",)  # what loads all-MiniLM-L6-v2 (corpus_settings and the like use it)

needs_chromium = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed (make browser)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Refuse to run when a test that uses the real embedding model is not marked slow."""
    unmarked = [
        item.nodeid
        for item in items
        if set(REAL_MODEL_FIXTURES) & set(getattr(item, "fixturenames", ()))
        and item.get_closest_marker("slow") is None
    ]
    if unmarked:
        raise pytest.UsageError(
            "these tests use the real embedding model but are not marked slow:\n  " + "\n  ".join(unmarked)
        )


@pytest.fixture(autouse=True)
def _fast_tests_load_no_model(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a test not marked slow, loading the embedding model or the cross-encoder is an error."""
    if request.node.get_closest_marker("slow") is not None:
        return

    def refuse(*args: object, **kwargs: object) -> Any:
        raise AssertionError(f"{request.node.nodeid} loads a model but is not marked slow")

    monkeypatch.setattr(LazyEmbeddings, "model", property(refuse))
    monkeypatch.setattr(Reranker, "__init__", refuse)


@pytest.fixture(scope="session")
def embeddings() -> LazyEmbeddings:
    """The bundled all-MiniLM-L6-v2, loaded once for the whole session (slow tests only)."""
    return embeddings_for(Settings())


@pytest.fixture(scope="session")
def fake_embeddings() -> Embeddings:
    """Deterministic stand-in vectors of the real model's size (384), for the fast tests of what does
    not depend on the model: ingest bookkeeping, the store, grading, exports. Stores built with them
    are opened with the default settings, so their collection names all-MiniLM-L6-v2 as its model:
    they live in tmp dirs and are never read with the real model."""
    return DeterministicFakeEmbedding(size=384)


@pytest.fixture(params=["fake", pytest.param("real", marks=pytest.mark.slow)])
def any_embeddings(request: pytest.FixtureRequest) -> Embeddings:
    """Runs a test twice: with fake vectors (fast) and with the real model (slow)."""
    return request.getfixturevalue("fake_embeddings" if request.param == "fake" else "embeddings")


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
