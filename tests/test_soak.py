"""A soak, bounded in time: the app serves 20 chat clients for SOAK_SECONDS while another process
ingests, edits, deletes and re-ingests notes in a loop. No request may fail, and every quote an answer
shows must be in its file as the file stood at some moment of the test."""

from __future__ import annotations

import html
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from assistant.app.workspace import Workspace
from core.settings import PROJECT_ROOT, Settings
from core.stats import percentile
from ingest.embeddings import LazyEmbeddings
from ingest.pipeline import ingest_paths
from ingest.store import open_store
from tests.conftest import free_port

SOAK_SECONDS = float(os.environ.get("STUDY_SOAK_SECONDS", "120"))
CLIENTS = 20
QUOTE = re.compile(r'<span class="chip">\[\d+\] ([^<]+)</span><blockquote>(.*?)</blockquote>', re.S)
QUESTIONS = [
    "How long does widget 0 keep records?",
    "How many records does widget 1 hold at most?",
    "What is the timeout of widget 2?",
    "Which port does widget 1 listen on?",
    "What is the default visibility timeout of SQS?",
    "How long does SQS keep messages by default?",
    "What is the maximum size of an SQS message?",
]


def widget_note(i: int, revision: int) -> str:
    """A note whose facts change with every revision (the chunk count stays the same)."""
    return (
        f"Widget {i}\n\n"
        f"Widget {i} keeps records for {revision + 2} days by default (revision {revision}).\n"
        f"Widget {i} holds at most {100 * (revision + 1)} records per batch.\n\n"
        f"Widget {i} timeout\n\n"
        f"The timeout of widget {i} is {revision + 10} seconds; it listens on port {8000 + revision}.\n"
    )


class Notes:
    """The notes folder, with every version each file ever had (recorded before it is written)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.versions: dict[str, list[str]] = defaultdict(list)
        self.lock = threading.Lock()
        for path in folder.iterdir():
            self.versions[f"{folder.name}/{path.name}"].append(path.read_text(encoding="utf-8"))

    def write(self, name: str, text: str) -> None:
        with self.lock:
            self.versions[f"{self.folder.name}/{name}"].append(text)
        (self.folder / name).write_text(text, encoding="utf-8")

    def holds(self, ref: str, quote: str) -> bool:
        """True when some version of the cited file has ``quote`` within the cited lines."""
        source, lines = ref.rsplit(":", 1)
        start, _, end = lines.partition("-")
        first, last = int(start), int(end or start)
        with self.lock:
            texts = list(self.versions.get(source, []))
        return any(quote in "\n".join(text.split("\n")[first - 1 : last]) for text in texts)


@pytest.mark.slow
def test_twenty_clients_while_another_process_ingests(
    tmp_path: Path, embeddings: LazyEmbeddings, capsys: pytest.CaptureFixture[str]
) -> None:
    from gradio_client import Client

    import ui

    notes_dir = tmp_path / "notes"
    shutil.copytree(PROJECT_ROOT / "corpus", notes_dir)
    for i in range(3):
        (notes_dir / f"widget{i}.txt").write_text(widget_note(i, 0), encoding="utf-8")
    notes = Notes(notes_dir)
    settings = Settings(data_dir=tmp_path / "data", notes_dir=notes_dir)
    ingest_paths([notes_dir], settings, open_store(settings, embeddings))
    ws = Workspace(settings, embeddings)
    ws.assistant().answer("warm up")
    port = free_port()
    app = ui.serve(ws, port, block=False)
    deadline = time.monotonic() + SOAK_SECONDS
    errors: list[str] = []
    answers: list[tuple[str, Any]] = []
    latencies: list[float] = []
    ingests: list[float] = []
    record = threading.Lock()

    def writer() -> None:
        """Another process ingests after every change: edits, a deletion, a file coming back."""
        rng = random.Random(7)
        revision = 0
        command = [sys.executable, "-m", "ingest", str(notes_dir), "--data-dir", str(settings.data_dir), "--json"]
        while time.monotonic() < deadline:
            revision += 1
            i = rng.randrange(3)
            name = f"widget{i}.txt"
            if revision % 5 == 0 and (notes_dir / name).exists():
                (notes_dir / name).unlink()
            else:
                notes.write(name, widget_note(i, revision))
            started = time.monotonic()
            done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                with record:
                    errors.append(f"ingest exited {done.returncode}: {done.stderr[-500:]}")
            ingests.append(time.monotonic() - started)

    def client(number: int) -> None:
        rng = random.Random(number)
        chat = Client(f"http://127.0.0.1:{port}/", verbose=False)
        while time.monotonic() < deadline:
            question = rng.choice(QUESTIONS)
            started = time.monotonic()
            try:
                _chatbot, _chips, quotes, status, _box = chat.predict(question, api_name="/ask")
            except Exception as exc:  # any failure of the request is what this test counts
                with record:
                    errors.append(f"{question}: {exc!r}")
                continue
            with record:
                latencies.append(time.monotonic() - started)
                if status:
                    errors.append(f"{question}: status {status}")
                answers.append((question, quotes))

    try:
        with ThreadPoolExecutor(CLIENTS + 1) as pool:
            futures = [pool.submit(writer), *(pool.submit(client, n) for n in range(CLIENTS))]
            for future in futures:
                future.result()
    finally:
        app.close()

    wrong = []
    quoted = 0
    for question, quotes in answers:
        for ref, quote in QUOTE.findall(quotes or ""):
            quoted += 1
            if not notes.holds(html.unescape(ref), html.unescape(quote)):
                wrong.append((question, ref, quote[:120]))
    with capsys.disabled():
        p50, p95 = percentile(latencies, 50) or 0.0, percentile(latencies, 95) or 0.0
        print(
            f"\nsoak: {SOAK_SECONDS:.0f} s, {CLIENTS} clients, {len(answers)} answers ({quoted} quotes checked), "
            f"{len(ingests)} ingests by another process (median {percentile(ingests, 50) or 0:.1f} s), "
            f"{len(errors)} errors, {len(wrong)} quotes not in any version; answer p50 {p50:.2f} s, p95 {p95:.2f} s"
        )
    assert not errors, errors[:5]
    assert not wrong, wrong[:5]
    assert len(ingests) >= 3 and len(answers) >= 50 and quoted >= len(answers) // 2
