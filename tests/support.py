"""Helpers shared by the tests and the benchmarks, one definition each: a free port, a real
``chroma run`` server, and Debian's Chromium for Playwright. Plain code without pytest fixtures, so
that ``benchmarks/`` can import it; the fixtures built on it are in ``tests/conftest.py``.

    with ChromaServer(tmp / "db") as server:
        Settings(chroma_url=server.url)
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.sync_api import FilePayload, Page

# Debian's Chromium (`make browser`), driven by Playwright without a browser download.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now, for a server a test or a benchmark starts."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ChromaServer:
    """``chroma run --path PATH`` on 127.0.0.1 until the ``with`` block ends; its log is ``PATH.log``
    beside ``PATH``. ``url`` is where it answers; ``peak_rss_mb()`` reads its memory."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path = path
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ChromaServer:
        chroma = Path(sys.executable).parent / "chroma"
        self.path.mkdir(parents=True, exist_ok=True)
        self.log = (self.path.parent / f"{self.path.name}.log").open("wb")
        self.proc = subprocess.Popen(
            [str(chroma), "run", "--path", str(self.path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                raise RuntimeError(f"chroma run exited with {self.proc.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1):
                    return self
            except OSError:
                time.sleep(0.2)
        self.__exit__(None, None, None)
        raise RuntimeError(f"chroma run did not answer at {self.url} within 60 s; see {self.log.name}")

    def peak_rss_mb(self) -> float:
        """The server process's peak resident memory so far."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):  # the high-water mark of its resident set
                return int(line.split()[1]) / 1024
        return float("nan")

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def api_ask(port: int, body: bytes) -> list[tuple[str, Any]]:
    """POST a raw JSON body (``{"data": [question, history]}``) to the app's ``ask`` endpoint on
    127.0.0.1:``port``; the (event, data) pairs of its answer stream."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/gradio_api/call/ask", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        event_id = json.loads(response.read())["event_id"]
    events: list[tuple[str, Any]] = []
    event = ""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/gradio_api/call/ask/{event_id}", timeout=120) as stream:
        for raw in stream:
            line = raw.decode().rstrip("\n")
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                data = line.split(":", 1)[1].strip()
                events.append((event, json.loads(data) if data and data != "null" else None))
    return events


def chat_ask(page: Page, question: str) -> str:
    """Ask in the app's Chat tab; the last reply once it is complete (its sources or closest notes listed)."""
    replies = page.locator("#chatbot .message-row.bot-row")
    before = replies.count()
    page.fill("#question textarea", question)
    page.click("#ask")
    page.wait_for_function(
        """n => { const bots = document.querySelectorAll('#chatbot .message-row.bot-row');
                  return bots.length > n && /Sources:|Closest notes/.test(bots[bots.length - 1].innerText); }""",
        arg=before,
    )
    return replies.nth(replies.count() - 1).inner_text()


def guess_quiz(page: Page, count: int, blank: str = "zzz") -> None:
    """Answer the first ``count`` items of the quiz on the page: the first option of each choice
    question, ``blank`` for each blank; then check the quiz."""
    for i in range(1, count + 1):
        if page.locator(f"#quiz-options-{i}").is_visible():
            page.locator(f"#quiz-options-{i} label").first.click()
        else:
            page.fill(f"#quiz-blank-{i} textarea, #quiz-blank-{i} input", blank)
    page.click("#check-quiz")


def upload(page: Page, elem_id: str, file: FilePayload) -> None:
    """Pick ``file`` in the app's upload box ``elem_id`` and wait until the box lists it. Gradio writes
    the name as two spans (stem, extension) whose text is not always joined in the page, so the row is
    found by its label, which holds the whole name as given."""
    page.set_input_files(f"#{elem_id} input[type=file]", files=[file])
    name = file["name"].replace('"', '\\"')
    page.wait_for_selector(f'#{elem_id} td.filename[aria-label="{name}"]')
