"""Notes are shown as typed, never as markup: a note's ``<img src=...>``, ``<a href=...>``, ``![x](url)``,
``<script>`` or bare URL, and a file name holding Markdown, make no element and no request in the browser.

Unit-level on the presentation functions (rendered with a CommonMark renderer), then the whole app
in headless Chromium over a notes folder that points every such URL at a counting server."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from playwright.sync_api import Browser, Page

from assistant.answer.types import Answer
from assistant.app.present import answer_markdown, code_span, md_escape, report_markdown, result_markdown
from assistant.app.workspace import Workspace
from assistant.quiz.grading import GradeResult
from core.settings import PROJECT_ROOT, Settings
from core.spans import Citation, Quote
from ingest.embeddings import LazyEmbeddings
from ingest.pipeline import FileProblem, IngestReport
from tests.conftest import free_port, needs_chromium
from tests.support import chat_ask, guess_quiz

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
WAIT_MS = 180_000
LINK_NAME = "link`[click](javascript:alert(1))`.md"  # a file name holding Markdown, placed by hand
PAYLOADS = [
    '<img src="http://127.0.0.1:9/a.png">',
    '<a href="http://127.0.0.1:9/b">b</a>',
    "![x](http://127.0.0.1:9/md.png)",
    '<script src="//127.0.0.1:9/s.js"></script>',
    "<iframe src=//127.0.0.1:9/f></iframe>",
    "[link](javascript:alert(1))",
    "<http://127.0.0.1:9/auto>",
    "&lt;img src=x&gt; # not a heading *nor emphasis* `nor code` $x$ | a | table |",
]


def render(markdown: str) -> str:
    """``markdown`` as HTML by CommonMark (with raw HTML allowed, as a permissive renderer would)."""
    markdown_it = pytest.importorskip("markdown_it")
    return str(markdown_it.MarkdownIt("commonmark", {"html": True}).render(markdown))


def text_of(rendered: str) -> str:
    import html

    return html.unescape(re.sub(r"<[^>]+>", "", rendered)).strip()


# ---------------------------------------------------------------- unit level


@pytest.mark.parametrize("payload", PAYLOADS)
def test_note_text_renders_as_typed_and_makes_no_element(payload: str) -> None:
    rendered = render(md_escape(f"SQS - {payload} pull based"))
    assert not re.search(r"<(img|a|script|iframe)\b", rendered), rendered
    assert text_of(rendered) == f"SQS - {payload} pull based"


def test_bare_urls_are_not_left_for_autolinking() -> None:
    escaped = md_escape("see http://127.0.0.1:9/x and www.example.org or me@example.org")
    assert not re.search(r"[a-z]://|www\.|[^\\]@", escaped), escaped
    assert text_of(render(escaped)) == "see http://127.0.0.1:9/x and www.example.org or me@example.org"


def test_a_file_name_with_markdown_stays_one_chip() -> None:
    source = f"corpus/{LINK_NAME}"
    answer = Answer("q", "Zorblat checkpoints take 17 minutes.", True, [Citation(source, 2, 2, "17 minutes", 1.0)])
    rendered = render(answer_markdown(answer))
    assert "<a" not in rendered and "javascript" not in re.sub(r"<code>.*?</code>", "", rendered), rendered
    assert re.findall(r"<code>(.*?)</code>", rendered) == [f"[1] {source}:2"]
    result = GradeResult("q1", "How long?", "5 minutes", "17 minutes", False, "Your notes say so.",
                         Quote(source, 2, 2, "17 minutes"))
    rendered = render(result_markdown(result))
    assert "<a" not in rendered and f"<code>{source}:2</code>" in rendered, rendered


@pytest.mark.parametrize("name", ["a`b.md", "`x`.md", "a``b```c.md", "line\nbreak.md"])
def test_code_span_holds_any_name(name: str) -> None:
    rendered = render(f"Sources: {code_span(name)}")
    assert re.findall(r"<code>(.*?)</code>", rendered) == [name.replace("\n", "?")], rendered


def test_ingest_report_names_are_escaped() -> None:
    report = IngestReport(files=2, problems=[FileProblem("notes/<img src=x>[a](javascript:b).md", "empty")])
    rendered = render(report_markdown(report))
    assert not re.search(r"<(img|a)\b", rendered), rendered
    assert "skipped notes/<img src=x>[a](javascript:b).md: empty" in text_of(rendered)


# ---------------------------------------------------------------- in the browser


class Counter(BaseHTTPRequestHandler):
    """Counts every request it gets: the browser must send it none."""

    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        Counter.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_HEAD = do_GET

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def counter() -> Iterator[int]:
    """A server on 127.0.0.1 counting requests (``Counter.hits``); its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def hostile_notes(folder: Path, port: int) -> None:
    """Notes whose text and names point at ``port``: definitions (quiz material), a limit, plain lines."""
    at = f"127.0.0.1:{port}"
    folder.mkdir(parents=True)
    (folder / "widgets.md").write_text(
        f'# Widget basics <img src="//{at}/section.png">\n'  # a section name: Quiz, Review, Progress show it
        f'Widget - <img src="//{at}/def.png"> a small reusable part that renders '
        f'<a href="http://{at}/link">one control</a> on a page.\n'
        f"Gadget - ![x](//{at}/md-def.png) a larger part built from several widgets "
        f'<script src="//{at}/s.js"></script> and wired together.\n'
        "Sprocket - a toothed wheel that drives the conveyor.\n"
        f'Doohickey - a handle <iframe src="//{at}/frame"></iframe> that locks the lid.\n'
        f'A widget renders in 12 milliseconds <img src="http://{at}/limit.png"> by default.\n'
        f"Widgets are drawn as ![x](http://{at}/md.png) with http://{at}/bare and <http://{at}/auto> links.\n",
        encoding="utf-8",
    )
    (folder / LINK_NAME).write_text(
        "# Zorblat checkpoints\nA zorblat checkpoint takes 17 minutes to complete and runs every night.\n",
        encoding="utf-8",
    )
    # An empty note: ingest skips it and says so by name, and the name is an image tag ("\\" is "/" in a URL).
    (folder / f"<img src=\\\\{at}\\name.png>.md").write_text("", encoding="utf-8")


@pytest.fixture(scope="module")
def app(counter: int, embeddings: LazyEmbeddings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over the hostile notes (ingested); its URL."""
    import ui

    root = tmp_path_factory.mktemp("ui-safety")
    hostile_notes(root / "notes", counter)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(root / "gradio-uploads"))
        ws = Workspace(Settings(data_dir=root / "data", notes_dir=root / "notes"), embeddings)
        report = ws.ingest([ws.notes_dir])
        assert report.files == 2 and len(report.problems) == 1, report
        port = free_port()
        server = ui.serve(ws, port, block=False)
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            server.close()


BAD_ELEMENTS = """port => [...document.querySelectorAll(
        'img, a, script, iframe, link, source, video, audio, object, embed')]
    .map(e => [e.tagName, e.getAttribute('src') || e.getAttribute('href') || e.getAttribute('data')
               || e.getAttribute('srcset') || ''])
    .filter(([tag, url]) => url.includes('127.0.0.1:' + port) || url.replace(/\\s/g, '').toLowerCase()
                            .startsWith('javascript:'))"""


def no_note_urls(page: Page, port: int, where: str) -> None:
    page.wait_for_timeout(500)  # let anything that would load start loading
    assert page.evaluate(BAD_ELEMENTS, port) == [], where
    assert Counter.hits == [], f"{where}: the browser fetched {Counter.hits}"




def make_quiz(page: Page, kind: str, count: int) -> int:
    """Make a quiz on the hostile note; how many items it has."""
    page.fill("#quiz-topic input", "Widget basics")
    page.press("#quiz-topic input", "Tab")
    page.locator("#quiz-kind label", has_text=kind).click()
    page.fill("#quiz-count input[type=number]", str(count))
    page.press("#quiz-count input[type=number]", "Enter")
    page.click("#make-quiz")
    page.wait_for_function("""() => /^(\\d+ questions|⚠️)/.test(document.querySelector('#quiz-status').innerText.trim())
                                     && !document.querySelector('#quiz-score').innerText.includes('Score')""")
    status = page.inner_text("#quiz-status").strip()
    assert "⚠️" not in status, status
    return int(status.split()[0])


def answer_card_wrong(page: Page) -> None:
    if page.locator("#review-blank").is_visible():
        page.fill("#review-blank textarea, #review-blank input", "zzz")
    else:
        page.locator("#review-options label").first.click()
    page.click("#review-check")
    page.wait_for_function("document.querySelector('#review-feedback').innerText.includes('Next review')")


@pytest.mark.slow
@needs_chromium
def test_no_tab_fetches_or_links_a_url_from_the_notes(app: str, counter: int, browser: Browser) -> None:
    Counter.hits.clear()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        page.goto(app)
        page.wait_for_selector("#question textarea")
        at = f"127.0.0.1:{counter}"

        reply = chat_ask(page, "What is a widget?")
        page.wait_for_selector("#context .cited")
        shown = page.inner_text("#chatbot") + page.inner_text("#sources")
        assert at in shown, shown  # the note's markup is on the page, as text
        reply = chat_ask(page, "How long does a zorblat checkpoint take?")
        assert "17 minutes" in reply
        assert re.search(rf"Sources: \[1\] notes/{re.escape(LINK_NAME)}:\d+", reply), reply
        no_note_urls(page, counter, "chat")

        # A cloze quiz first, every blank answered wrong: each item becomes a new card, due now. (After a
        # mixed quiz, an item it already made would be reviewed instead, and due again only in a minute.)
        page.get_by_role("tab", name="Quiz").click()
        made = make_quiz(page, "cloze", 3)
        questions = [page.inner_text(f"#quiz-q-{i}") for i in range(1, made + 1)]
        assert any(at in q for q in questions), questions  # items were made from the lines holding markup
        for i in range(1, made + 1):
            page.fill(f"#quiz-blank-{i} textarea, #quiz-blank-{i} input", "zzz")
        page.click("#check-quiz")
        page.wait_for_function("document.querySelector('#quiz-score').innerText.includes('review cards')")
        no_note_urls(page, counter, "quiz (cloze)")

        page.get_by_role("tab", name="Review").click()
        page.wait_for_function("document.querySelector('#review-due').innerText.includes('card(s) due')")
        page.wait_for_function("document.querySelector('#review-question').innerText.trim().length > 0")
        cards = [page.inner_text("#review-question")]
        for _ in range(made):  # through the due cards (each answered wrong) until one holds the note's markup
            if at in cards[-1]:
                break
            due = page.inner_text("#review-due")
            assert "card(s) due" in due, cards
            answer_card_wrong(page)
            page.click("#review-next")
            page.wait_for_function("d => document.querySelector('#review-due').innerText != d", arg=due)
            cards.append(page.inner_text("#review-question"))
        assert at in cards[-1], cards
        answer_card_wrong(page)
        no_note_urls(page, counter, "review")

        page.get_by_role("tab", name="Quiz").click()
        made = make_quiz(page, "mixed", 10)
        questions = [page.inner_text(f"#quiz-q-{i}") for i in range(1, made + 1)]
        assert any(at in q for q in questions), questions
        guess_quiz(page, made)
        page.wait_for_selector("#quiz-score h2")
        feedback = " ".join(page.inner_text(f"#quiz-feedback-{i}") for i in range(1, made + 1))
        assert at in feedback, feedback
        no_note_urls(page, counter, "quiz")
        page.get_by_role("tab", name="Review").click()  # the mixed quiz's cards: options hold the markup too
        page.wait_for_function("document.querySelector('#review-due').innerText.trim().length > 0")
        no_note_urls(page, counter, "review after the mixed quiz")

        page.get_by_role("tab", name="Progress").click()  # the quizzes' section, by name, in the table
        page.wait_for_function("document.querySelector('#progress-summary').innerText.includes('Widget basics')")
        assert f'Widget basics <img src="//{at}/section.png">' in page.inner_text("#progress-summary")
        no_note_urls(page, counter, "progress")

        page.get_by_role("tab", name="Notes").click()
        page.wait_for_selector("#note-view .ctx-title, #note-view p")
        page.click("#note-picker input")
        page.locator('[data-testid="dropdown-option"]', has_text="widgets.md").click()
        page.wait_for_function("document.querySelector('#note-view').innerText.includes('Widget - ')")
        assert f'Widget - <img src="//{at}/def.png">' in page.inner_text("#note-view")
        page.click("#reingest")
        page.wait_for_function("document.querySelector('#notes-status').innerText.includes('Re-ingested')")
        status = page.inner_text("#notes-status")
        assert f"skipped notes/<img src=\\\\{at}\\name.png>.md" in status, status
        assert LINK_NAME in page.inner_text("#notes-table")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "ui-safety-notes.png"), full_page=True)
        no_note_urls(page, counter, "notes")
    finally:
        context.close()


def test_the_app_sends_no_usage_data(tmp_path: Path, fake_embeddings: Any) -> None:
    """Gradio reports usage to its makers unless told not to: nothing leaves the computer."""
    import ui

    (tmp_path / "notes").mkdir()
    ws = Workspace(Settings(data_dir=tmp_path / "data", notes_dir=tmp_path / "notes"), fake_embeddings)
    assert ui.build_app(ws).analytics_enabled is False
