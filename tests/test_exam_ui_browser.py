"""The Exam tab in a real browser (Debian's headless Chromium under Playwright): upload a Markdown
practice exam, see the report and its chart; a bad file gets its one-line message."""

from __future__ import annotations

import pytest
from playwright.sync_api import FilePayload, Page

from tests.conftest import needs_chromium
from tests.support import upload
from tests.test_ui_browser import app, page, shot  # noqa: F401  (the app and page fixtures)

pytestmark = [pytest.mark.slow, needs_chromium]

EXAM = b"""### A producer must send 400 KB messages through SQS. What should the developer use?
- [ ] Long polling
- [x] The SQS Extended Client Library for Java
- [ ] A FIFO queue

### Which EC2 instance family is designed for GPU-accelerated machine learning training?
- [x] P4
- [ ] T3
- [ ] R5

### A question without options
"""


def test_exam_tab_shows_the_report_and_chart(page: Page) -> None:  # noqa: F811
    page.get_by_role("tab", name="Exam").click()
    upload(page, "exam-upload", FilePayload(name="practice.md", mimeType="text/markdown", buffer=EXAM))
    page.click("#exam-check")
    page.wait_for_selector("#exam-report :text('Questions')")
    status = page.inner_text("#exam-status")
    assert "2 questions read, 1 malformed skipped" in status and "the notes decide" in status
    report = page.inner_text("#exam-report")
    assert "Gaps: questions whose correct option your notes never mention" in report
    assert "Which EC2 instance family is designed for GPU-accelerated" in report  # the notes never mention P4
    assert "line 11: no options" in report
    chart = page.locator("#exam-chart img")
    chart.wait_for()
    assert page.evaluate("img => img.naturalWidth", chart.element_handle()) > 300
    shot(page, "ui-exam")


def test_exam_tab_names_the_line_of_a_bad_file(page: Page) -> None:  # noqa: F811
    page.get_by_role("tab", name="Exam").click()
    upload(page, "exam-upload", FilePayload(name="bad.md", mimeType="text/markdown",
                                            buffer=b"### Which?\n- [ ] a\n- [x] \xff\n"))
    page.click("#exam-check")
    page.wait_for_selector("#exam-status :text('not valid UTF-8')")
    assert "bad.md line 3: not valid UTF-8" in page.inner_text("#exam-status")


def test_exam_tab_asks_for_a_file_first(page: Page) -> None:  # noqa: F811
    """The tab is there even before any upload, and asks for a file when checked without one."""
    page.get_by_role("tab", name="Exam").click()
    page.click("#exam-check")
    page.wait_for_selector("#exam-status :text('Choose a practice exam file first')")
