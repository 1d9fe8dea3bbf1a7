"""The study app end to end in a real browser (Debian's headless Chromium driven by Playwright):
ask and see a cited answer, take a quiz and see the score, add a note and get an answer citing it.
Each flow leaves a screenshot in test-artifacts/."""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, FilePayload, Page

from assistant.app.workspace import Workspace
from core.settings import PROJECT_ROOT, Settings
from ingest.embeddings import LazyEmbeddings
from tests.conftest import free_port, needs_chromium
from tests.support import chat_ask, guess_quiz, upload

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CORPUS = PROJECT_ROOT / "corpus"
NOTES_FILE = "aws-developer-associate-notes.txt"
FILE_LINES = (CORPUS / NOTES_FILE).read_text(encoding="utf-8").split("\n")
WAIT_MS = 180_000  # a shared 2-core machine can be slow; every wait is for a visible result

pytestmark = [pytest.mark.slow, needs_chromium]



@pytest.fixture(scope="module")
def app(corpus_settings: Settings, embeddings: LazyEmbeddings, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[tuple[str, Path]]:
    """The app on a free 127.0.0.1 port over a copy of the corpus and of its index; (url, notes dir)."""
    import ui

    root = tmp_path_factory.mktemp("ui-browser")
    notes = root / "corpus"
    shutil.copytree(CORPUS, notes)
    shutil.copytree(corpus_settings.data_dir, root / "data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(root / "gradio-uploads"))
        port = free_port()
        ws = Workspace(Settings(data_dir=root / "data", notes_dir=notes), embeddings)
        server = ui.serve(ws, port, block=False)
        try:
            yield f"http://127.0.0.1:{port}/", notes
        finally:
            server.close()


@pytest.fixture
def page(browser: Browser, app: tuple[str, Path]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(app[0])
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def shot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path




def cited_lines(page: Page) -> list[tuple[int, str]]:
    rows = page.locator("#context .cited")
    return [(int(rows.nth(i).locator(".ln").inner_text()), rows.nth(i).locator(".tx").inner_text())
            for i in range(rows.count())]


def test_ask_shows_a_cited_answer_and_the_passage_in_context(page: Page) -> None:
    shot(page, "ui-start")  # what a first-time user sees
    reply = chat_ask(page, "What is the default visibility timeout of SQS?")
    assert "30 seconds" in reply
    refs = re.findall(r"corpus/aws-developer-associate-notes\.txt:(\d+)(?:-(\d+))?", reply)
    assert refs, reply
    chips = page.locator("#chips label")
    assert chips.count() == len(refs)
    # The first citation is shown in context at once: its lines, numbered as in the file, highlighted.
    page.wait_for_selector("#context .cited")
    first = cited_lines(page)
    start, end = int(refs[0][0]), int(refs[0][1] or refs[0][0])
    assert [n for n, _ in first] == list(range(start, end + 1))
    assert all(text.strip() == FILE_LINES[n - 1].strip() for n, text in first)
    assert any("30 seconds default" in text for _, text in first)
    quotes = page.locator("#quotes blockquote").all_inner_texts()
    assert quotes and all(q.strip() for q in quotes)
    if len(refs) > 1:  # picking another chip shows that passage instead
        chips.nth(len(refs) - 1).click()
        s, e = int(refs[-1][0]), int(refs[-1][1] or refs[-1][0])
        page.wait_for_function(
            "first => document.querySelector('#context .cited .ln')?.innerText == String(first)", arg=s
        )
        assert [n for n, _ in cited_lines(page)] == list(range(s, e + 1))
    shot(page, "ui-chat")


def test_follow_up_and_refusal(page: Page) -> None:
    chat_ask(page, "What is Amazon SQS?")
    follow_up = chat_ask(page, "What is its default visibility timeout?")
    assert "30 seconds" in follow_up
    refusal = chat_ask(page, "How do I bake sourdough bread at home?")
    assert "Not in your notes" in refusal and "Closest notes" in refusal
    assert page.locator("#chips label").count() >= 1
    assert "Closest notes" in page.inner_text("#quotes")
    shot(page, "ui-chat-refusal")


def test_three_question_quiz_is_scored_and_exported(page: Page, tmp_path: Path) -> None:
    page.get_by_role("tab", name="Quiz").click()
    page.fill("#quiz-count input[type=number]", "3")
    page.press("#quiz-count input[type=number]", "Enter")
    page.click("#make-quiz")
    page.wait_for_selector("#quiz-item-3", state="visible")
    assert page.locator("#quiz-item-4").is_hidden()
    questions = [page.inner_text(f"#quiz-q-{i}") for i in (1, 2, 3)]
    assert all(q.startswith(f"{i}.") for i, q in enumerate(questions, 1))
    guess_quiz(page, 3, blank="Amazon SQS")
    page.wait_for_selector("#quiz-score h2")
    score = re.search(r"Score: (\d)/3", page.inner_text("#quiz-score"))
    assert score, page.inner_text("#quiz-score")
    feedback = [page.inner_text(f"#quiz-feedback-{i}") for i in (1, 2, 3)]
    assert int(score[1]) == sum("Right." in f for f in feedback)
    for text in feedback:  # every item explains itself with the lines of the notes that say it
        match = re.search(r"corpus/aws-developer-associate-notes\.txt:(\d+)", text)
        assert match and 1 <= int(match[1]) <= len(FILE_LINES), text
    shot(page, "ui-quiz")

    with page.expect_download() as download:
        page.click("#export-csv")
    rows = list(csv.DictReader(download.value.path().open(encoding="utf-8")))
    assert [r["question"] for r in rows] == [q.split(". ", 1)[1] for q in questions]
    with page.expect_download() as download:
        page.click("#export-apkg")
    apkg = tmp_path / "quiz.apkg"
    download.value.save_as(apkg)
    assert {"collection.anki2", "media"} <= set(zipfile.ZipFile(apkg).namelist())

    wrong = 3 - int(score[1])
    page.get_by_role("tab", name="Review").click()
    expected = f"{wrong} card(s) due." if wrong else "No review cards are due"
    page.wait_for_function("t => document.querySelector('#review-due').innerText.includes(t)", arg=expected)
    if wrong:  # a due card can be answered again and is rescheduled
        asked = [q.split(". ", 1)[1] for q in questions]
        # Wait out Gradio's "processing" overlay: the card shows one of the quiz's questions.
        page.wait_for_function("qs => qs.includes(document.querySelector('#review-question').innerText.trim())",
                               arg=asked)
        assert page.inner_text("#review-question").strip() in asked
        if page.locator("#review-options").is_visible():
            page.locator("#review-options label").first.click()
        page.click("#review-check")
        page.wait_for_function("document.querySelector('#review-feedback').innerText.includes('Next review:')")
        assert re.search(r"corpus/aws-developer-associate-notes\.txt:\d+", page.inner_text("#review-feedback"))
    shot(page, "ui-review")


def test_uploaded_note_is_ingested_and_cited(page: Page, app: tuple[str, Path]) -> None:
    notes = app[1]
    note = b"# Zorblat checkpoints\nA zorblat checkpoint takes 17 minutes to complete and runs every night.\n"
    page.get_by_role("tab", name="Notes").click()
    page.wait_for_selector("#note-view .lines")
    upload(page, "upload", FilePayload(name="zorblat.md", mimeType="text/markdown", buffer=note))
    page.click("#add-notes")
    page.wait_for_function("document.querySelector('#notes-status').innerText.includes('Indexed:')")
    status = page.inner_text("#notes-status")
    assert "Added zorblat.md" in status and "1 added" in status, status
    assert (notes / "zorblat.md").read_bytes() == note
    assert "zorblat.md" in page.inner_text("#notes-table")
    page.wait_for_selector("#note-view :text('A zorblat checkpoint takes 17 minutes')")
    shot(page, "ui-upload")
    page.click("#reingest")  # the whole folder again: nothing changed, so nothing is re-embedded
    page.wait_for_function("document.querySelector('#notes-status').innerText.includes('Re-ingested')")
    status = page.inner_text("#notes-status")
    assert re.search(r"from 2 file\(s\): 0 added, 0 updated, \d+ unchanged, 0 removed", status), status

    page.get_by_role("tab", name="Chat").click()
    reply = chat_ask(page, "How long does a zorblat checkpoint take?")
    assert "17 minutes" in reply, reply
    spans = [(int(a), int(b or a)) for a, b in re.findall(r"corpus/zorblat\.md:(\d+)(?:-(\d+))?", reply)]
    fact = [span for span in spans if span[0] <= 2 <= span[1]]
    assert fact, f"no citation of the line that holds the fact: {reply}"
    label = f"corpus/zorblat.md:{fact[0][0]}" + (f"-{fact[0][1]}" if fact[0][1] != fact[0][0] else "")
    page.locator("#chips label", has_text=label).click()
    page.wait_for_function(
        "first => document.querySelector('#context .cited .ln')?.innerText == String(first)", arg=fact[0][0]
    )
    lines = note.decode().split("\n")
    shown = cited_lines(page)
    assert [n for n, _ in shown] == list(range(fact[0][0], fact[0][1] + 1))
    assert (2, lines[1]) in shown and all(text == lines[n - 1] for n, text in shown)
    shot(page, "ui-upload-answer")
