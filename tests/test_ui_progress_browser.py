"""The Progress view in a real browser (issue 17): answer quizzes, open Progress, see the chart and the
weak sections, and take a quiz weighted toward them. Leaves test-artifacts/ui-progress.png."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from assistant.app.workspace import Workspace
from core.settings import PROJECT_ROOT, Settings
from ingest.embeddings import LazyEmbeddings
from tests.conftest import free_port, needs_chromium
from tests.support import guess_quiz

ARTIFACTS = PROJECT_ROOT / "test-artifacts"
CORPUS = PROJECT_ROOT / "corpus"
WAIT_MS = 180_000

pytestmark = [pytest.mark.slow, needs_chromium]


@pytest.fixture(scope="module")
def app(corpus_settings: Settings, embeddings: LazyEmbeddings, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[tuple[str, Workspace]]:
    """The app on a free 127.0.0.1 port over a copy of the corpus index, with no history yet."""
    import ui

    root = tmp_path_factory.mktemp("ui-progress")
    shutil.copytree(CORPUS, root / "corpus")
    shutil.copytree(corpus_settings.data_dir, root / "data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(root / "gradio-uploads"))
        port = free_port()
        ws = Workspace(Settings(data_dir=root / "data", notes_dir=root / "corpus"), embeddings)
        server = ui.serve(ws, port, block=False)
        try:
            yield f"http://127.0.0.1:{port}/", ws
        finally:
            server.close()


@pytest.fixture
def page(browser: Browser, app: tuple[str, Workspace]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.goto(app[0])
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


def take_quiz(page: Page, kind: str, count: int) -> int:
    """Make and answer a quiz on the Quiz tab (the first option of each choice, a wrong blank); its score."""
    page.get_by_role("tab", name="Quiz").click()
    page.locator("#quiz-kind label", has_text=kind).click()
    page.fill("#quiz-count input[type=number]", str(count))
    page.press("#quiz-count input[type=number]", "Enter")
    page.click("#make-quiz")
    page.wait_for_selector(f"#quiz-item-{count}", state="visible")
    page.wait_for_function("!document.querySelector('#quiz-score').innerText.includes('Score:')")  # the last one's gone
    guess_quiz(page, count)
    page.wait_for_function("document.querySelector('#quiz-score').innerText.includes('Score:')")
    score = re.search(rf"Score: (\d+)/{count}", page.inner_text("#quiz-score"))
    assert score, page.inner_text("#quiz-score")
    return int(score[1])


def test_progress_shows_the_chart_and_weak_sections(page: Page, app: tuple[str, Workspace]) -> None:
    ws = app[1]
    right = take_quiz(page, "cloze", 4)  # every blank answered wrong
    assert right == 0
    right += take_quiz(page, "mixed", 5)
    answers = ws.reviews.history.answers()
    assert len(answers) == 9 and sum(a.correct for a in answers) == right

    page.get_by_role("tab", name="Progress").click()
    page.wait_for_function("document.querySelector('#progress-summary').innerText.includes('9 answers')")
    page.wait_for_selector("#progress-chart [data-testid=matplotlib] img", state="visible")  # the chart drawn
    chart = page.get_attribute("#progress-chart [data-testid=matplotlib] img", "src") or ""
    assert chart.startswith("data:image/") and len(chart) > 2000, chart[:80]  # an image, not a placeholder
    assert page.evaluate("document.querySelector('#progress-chart [data-testid=matplotlib] img').naturalWidth") > 300
    summary = page.inner_text("#progress-summary")
    assert "Weak sections:" in summary and "Never quizzed" in summary
    weak = summary.split("Weak sections:")[1].split("\n")[0].strip()
    rows = [r for r in page.locator("#progress-summary table tbody tr").all_inner_texts()]
    assert rows, summary
    weakest = rows[0].split("\t")[0].strip()
    assert weak.startswith(weakest), (weak, weakest)  # the table and the weak list agree: weakest first
    shares = [int(re.search(r"(\d+)%", r.split("\t")[2])[1]) for r in rows]  # type: ignore[index]
    assert shares[0] == min(shares)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-progress.png"), full_page=True)

    page.click("#quiz-weak")
    page.wait_for_function(
        "document.querySelector('#quiz-status').innerText.includes('weighted toward your weak sections')"
    )
    page.wait_for_selector("#quiz-q-1", state="visible")  # the Quiz tab is shown, with that quiz
    assert page.get_by_role("tab", name="Quiz").get_attribute("aria-selected") == "true"
    page.screenshot(path=str(ARTIFACTS / "ui-progress-weak-quiz.png"), full_page=True)
