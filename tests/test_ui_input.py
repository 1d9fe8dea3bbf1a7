"""Bad input gets a clear message and changes nothing on disk outside the notes folder: in the browser
(empty question, a 1 MB paste, an .exe upload, a ``../../x.txt`` file name, a clashing name), in the
upload helpers themselves (fast), and on the command line (slow, like the browser)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, FilePayload, Page

from assistant.app.uploads import UploadError, safe_note_name, save_upload
from assistant.app.workspace import Workspace
from core.settings import PROJECT_ROOT, Settings
from ingest.embeddings import LazyEmbeddings
from tests.conftest import free_port, needs_chromium
from tests.support import upload

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
WAIT_MS = 180_000
UPLOAD_CACHE = "gradio-uploads"  # where the web server itself keeps uploaded bytes before the app sees them
INDEX = "data"  # compared by what it holds (chunk ids): the vector store rewrites its own files as it settles

# ---------------------------------------------------------------- the upload helpers


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../x.txt", "x.txt"),
        ("..\\..\\windows\\x.md", "x.md"),
        ("/etc/cron.d/job.txt", "job.txt"),
        (".bashrc.md", "bashrc.md"),
        ("notes\x00.txt", "notes.txt"),
        ("Week 3: SQS & SNS?.TXT", "Week 3 SQS & SNS.txt"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_upload_names_are_made_safe(name: str, safe: str) -> None:
    assert safe_note_name(name) == safe


@pytest.mark.parametrize("name", ["setup.exe", "notes.txt.exe", "archive.tar.gz", "README", "../..", ".txt", "...md"])
def test_unusable_upload_names_are_refused(name: str) -> None:
    with pytest.raises(UploadError):
        safe_note_name(name)


def test_save_upload_stays_in_the_notes_folder_and_never_overwrites_silently(tmp_path: Path) -> None:
    notes = tmp_path / "area" / "notes"
    notes.mkdir(parents=True)
    upload = tmp_path / "upload.bin"
    upload.write_text("SQS keeps messages 4 days by default.\n", encoding="utf-8")
    saved = save_upload(upload, "../../x.txt", notes)
    assert saved.path == notes / "x.txt" and saved.renamed and not saved.replaced
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "area" / "x.txt").exists()

    upload.write_text("Something else.\n", encoding="utf-8")
    with pytest.raises(UploadError, match="already exists"):
        save_upload(upload, "x.txt", notes)
    assert (notes / "x.txt").read_text(encoding="utf-8").startswith("SQS keeps")
    assert save_upload(upload, "x.txt", notes, replace=True).replaced
    assert (notes / "x.txt").read_text(encoding="utf-8") == "Something else.\n"

    (tmp_path / "outside.txt").write_text("not a note\n", encoding="utf-8")
    (notes / "link.txt").symlink_to(tmp_path / "outside.txt")
    with pytest.raises(UploadError, match="not a regular file"):
        save_upload(upload, "link.txt", notes, replace=True)
    assert (tmp_path / "outside.txt").read_text(encoding="utf-8") == "not a note\n"

    upload.write_bytes(b"\x00\x01binary\xff" * 10)
    with pytest.raises(UploadError, match="binary"):
        save_upload(upload, "bin.txt", notes)
    upload.write_bytes(b"x" * 2000)
    with pytest.raises(UploadError, match="at most"):
        save_upload(upload, "big.txt", notes, max_bytes=1000)
    assert sorted(p.name for p in notes.iterdir()) == ["link.txt", "x.txt"], "refused uploads leave nothing behind"


# ---------------------------------------------------------------- the command line


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "message"),
    [(["--port", "0"], "not a port number"), (["--notes-dir", "/nonexistent/notes"], "does not exist")],
)
def test_command_line_refuses_bad_arguments(args: list[str], message: str, tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, str(PROJECT_ROOT / "ui.py"), "--data-dir", str(tmp_path / "d"), *args],
                         capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 2 and message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr
    assert list(tmp_path.iterdir()) == [], "a refused start leaves nothing on disk"


def listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on ``port`` (from /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for row in Path(table).read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.slow
def test_served_on_loopback_only(corpus_settings: Settings, tmp_path: Path) -> None:
    """``python ui.py`` listens on 127.0.0.1 alone, on the port it is given, and says where."""
    shutil.copytree(PROJECT_ROOT / "corpus", tmp_path / "corpus")
    shutil.copytree(corpus_settings.data_dir, tmp_path / "data")
    port = free_port()
    command = [sys.executable, str(PROJECT_ROOT / "ui.py"), "--port", str(port),
               "--data-dir", str(tmp_path / "data"), "--notes-dir", str(tmp_path / "corpus")]
    env = {**os.environ, "GRADIO_TEMP_DIR": str(tmp_path / UPLOAD_CACHE)}
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.strip() == f"Serving the study app on http://127.0.0.1:{port}", line
        deadline = time.monotonic() + 120
        while not listening_addresses(port) and time.monotonic() < deadline:
            time.sleep(0.5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=60) as response:
            assert response.status == 200
        assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, nothing else
    finally:
        server.terminate()
        server.wait(timeout=60)


# ---------------------------------------------------------------- in the browser



@pytest.fixture(scope="module")
def app(corpus_settings: Settings, embeddings: LazyEmbeddings, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[tuple[str, Path, Any]]:
    """The app on a free 127.0.0.1 port; (url, the temp root holding notes/data/upload cache, workspace)."""
    import ui

    root = tmp_path_factory.mktemp("ui-input") / "area"
    notes = root / "corpus"
    shutil.copytree(PROJECT_ROOT / "corpus", notes)
    shutil.copytree(corpus_settings.data_dir, root / "data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(root / UPLOAD_CACHE))
        port = free_port()
        ws = Workspace(Settings(data_dir=root / "data", notes_dir=notes), embeddings)
        blocks = ui.serve(ws, port, block=False)
        try:
            yield f"http://127.0.0.1:{port}/", root, ws
        finally:
            blocks.close()


@pytest.fixture
def page(browser: Browser, app: tuple[str, Path, Any]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(app[0])
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def snapshot(root: Path, skip: tuple[str, ...] = (UPLOAD_CACHE, INDEX)) -> dict[str, str]:
    """Every file under ``root`` (but the upload cache and the index) with a hash of its content."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] not in skip
    }


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def index_state(ws: Any) -> tuple[int, str]:
    return ws.assistant().store.version()


@pytest.mark.slow
@needs_chromium
def test_empty_and_huge_questions_get_a_clear_message(page: Page, app: tuple[str, Path, Any]) -> None:
    root, ws = app[1], app[2]
    before, index_before = snapshot(root), index_state(ws)
    page.click("#ask")
    page.wait_for_function("document.querySelector('#chat-status').innerText.includes('Please type a question')")
    page.fill("#question textarea", "What is SQS? " + "x" * 1_000_000)
    page.click("#ask")
    page.wait_for_function("document.querySelector('#chat-status').innerText.includes('ask it in at most 2,000')")
    assert "1,000,013 characters" in page.inner_text("#chat-status")
    assert page.locator("#chatbot .message-row").count() == 0, "nothing was asked"
    page.fill("#question textarea", "")
    shot(page, "ui-bad-question")
    assert snapshot(root) == before and index_state(ws) == index_before


@pytest.mark.slow
@needs_chromium
def test_bad_uploads_get_a_clear_message_and_stay_out_of_other_folders(
    page: Page, app: tuple[str, Path, Any]
) -> None:
    root, ws = app[1], app[2]
    notes = root / "corpus"
    outside = [(notes / "../../x.txt").resolve(), (Path.cwd() / "../../x.txt").resolve(), root / "x.txt"]
    assert not any(p.exists() for p in outside)
    page.get_by_role("tab", name="Notes").click()
    page.wait_for_selector("#note-view .lines")
    before, index_before = snapshot(root), index_state(ws)

    # An .exe is turned away before anything is stored.
    exe = FilePayload(name="setup.exe", mimeType="application/octet-stream", buffer=b"MZ\x90\x00")
    page.set_input_files("#upload input[type=file]", files=[exe])
    page.wait_for_selector(".toast-body:has-text('Invalid file type')")
    page.click("#add-notes")
    page.wait_for_function("document.querySelector('#notes-status').innerText.includes('Choose one or more')")
    shot(page, "ui-bad-upload-exe")
    assert snapshot(root) == before and index_state(ws) == index_before

    # A name that climbs out of the folder is stored inside it, under its plain name.
    climber = FilePayload(name="../../x.txt", mimeType="text/plain", buffer=b"Quokka queues hold 9 messages.\n")
    upload(page, "upload", climber)
    page.click("#add-notes")
    page.wait_for_function("document.querySelector('#notes-status').innerText.includes('Indexed:')")
    assert "Added x.txt" in page.inner_text("#notes-status")
    assert (notes / "x.txt").read_bytes() == climber["buffer"]
    assert not any(p.exists() for p in outside)
    changed = {k for k, v in snapshot(root).items() if before.get(k) != v}
    assert changed == {"corpus/x.txt"}, changed
    assert index_state(ws)[0] == index_before[0] + 1, "the new note's one chunk is indexed"

    # The same name again is not overwritten unless asked to.
    after_add, index_after_add = snapshot(root), index_state(ws)
    clash = FilePayload(name="x.txt", mimeType="text/plain", buffer=b"Other text.\n")
    upload(page, "upload", clash)
    page.click("#add-notes")
    page.wait_for_function("document.querySelector('#notes-status').innerText.includes('already exists')")
    assert "Replace notes with the same name" in page.inner_text("#notes-status")
    shot(page, "ui-bad-upload-clash")
    assert (notes / "x.txt").read_bytes() == climber["buffer"]
    assert snapshot(root) == after_add and index_state(ws) == index_after_add
    assert not any(p.name.startswith(".upload-") for p in notes.iterdir())
