"""The app serves before the models are warm: ``start`` serves, then loads them in the background;
the chat says it is warming up, and a question asked meanwhile is answered once they are ready."""

from __future__ import annotations

import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings
from playwright.sync_api import Browser

import ui
from assistant.app.workspace import Workspace
from core.settings import PROJECT_ROOT, Settings
from tests.conftest import free_port, needs_chromium


class Held(Embeddings):
    """Fake embeddings whose questions wait until ``release`` is set (a model still loading)."""

    def __init__(self, inner: Embeddings) -> None:
        self.inner = inner
        self.release = threading.Event()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> list[float]:
        assert self.release.wait(60), "never released"
        return self.inner.embed_query(text)


@pytest.fixture
def held(tmp_path: Path, fake_embeddings: Embeddings) -> tuple[Workspace, Held]:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "sqs.txt").write_text("SQS visibility timeout defaults to 30 seconds.\nSNS pushes messages.\n")
    settings = Settings(data_dir=tmp_path / "data", notes_dir=notes)
    settings.answer.reranker = False
    embeddings = Held(fake_embeddings)
    return Workspace(settings, embeddings), embeddings  # type: ignore[arg-type]  # any Embeddings will do


def test_start_serves_before_the_models_are_warm_and_questions_wait_for_them(
    held: tuple[Workspace, Held], capsys: pytest.CaptureFixture[str]
) -> None:
    ws, embeddings = held
    ui.prepare(ws)  # ingests the missing index
    assert "No index yet" in capsys.readouterr().out
    port = free_port()
    app = ui.start(ws, port)  # serving, with the warm-up held
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
            assert page.status == 200
        assert not ws.ready.is_set()
        assert ui.warming_status(ws, "")[0] == ui.WARMING

        turn = ui.ask(ws, "What is the SQS visibility timeout?", [])
        first = next(turn)
        assert first[4] == ui.WARMING  # the status line says so while the question waits
        embeddings.release.set()
        rest = list(turn)
        assert ws.ready.wait(10)
        chat = rest[-1][0]
        assert chat[-1]["role"] == "assistant" and chat[-1]["content"]
        assert all(out[4] != ui.WARMING for out in rest)
        status, _timer = ui.warming_status(ws, ui.WARMING)
        assert status == ""  # the status line is cleared once the models are ready
    finally:
        embeddings.release.set()
        app.close()


def test_the_app_imports_no_model_library_and_no_client_it_does_not_use_yet() -> None:
    """The first page waits only for Gradio: torch is never needed to answer, the OpenAI client only
    with an LLM server, matplotlib only when a chart is drawn."""
    probe = "import sys, ui\nprint(sorted(m for m in {heavy!r} if m in sys.modules))".format(
        heavy=("torch", "sentence_transformers", "transformers", "openai", "langchain_openai", "matplotlib"))
    proc = subprocess.run([sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True,
                          timeout=120, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "[]"


def test_a_workspace_that_was_never_warmed_does_not_wait(held: tuple[Workspace, Held]) -> None:
    ws, embeddings = held
    embeddings.release.set()
    ws.ingest([ws.notes_dir])
    assert ws.ready.is_set()
    outputs = list(ui.ask(ws, "What is the SQS visibility timeout?", []))
    assert all(out[4] != ui.WARMING for out in outputs)


@pytest.mark.slow
@needs_chromium
def test_the_page_says_warming_up_until_the_models_are_ready(held: tuple[Workspace, Held], browser: Browser) -> None:
    ws, embeddings = held
    ui.prepare(ws)
    port = free_port()
    blocks = ui.start(ws, port)  # serving while the warm-up is held
    try:
        page = browser.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"http://127.0.0.1:{port}/")
        status = page.locator("#chat-status")
        status.get_by_text("Warming up the models").wait_for()
        embeddings.release.set()
        status.get_by_text("Warming up the models").wait_for(state="detached", timeout=20_000)
        page.close()
    finally:
        embeddings.release.set()
        blocks.close()
