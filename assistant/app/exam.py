"""The app's Exam tab: check an uploaded practice exam against the notes and write its report
(Markdown + PNG chart) into a folder of its own."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from assistant.answer.engine import NO_NOTES
from assistant.app.workspace import Workspace
from assistant.exam.files import ExamFileError, read_exam_file
from assistant.exam.report import Checked, write_report
from assistant.exam.solve import solve
from ingest.errors import StoreError

EXAM_TYPES = [".md", ".markdown", ".jsonl", ".json", ".csv"]


@dataclass(frozen=True)
class ExamReport:
    status: str  # one line: what was read, or why nothing was
    markdown: str = ""  # the report, without its image link (the tab shows the chart itself)
    chart: Path | None = None
    files: tuple[Path, ...] = ()


def check_exam(ws: Workspace, upload: str | Path | None) -> ExamReport:
    """The report on the exam file at ``upload``; a status saying why when there is none."""
    if not upload:
        return ExamReport("Choose a practice exam file first (.md, .jsonl or .csv).")
    path = Path(upload)
    try:
        exam = read_exam_file(path)
    except ExamFileError as exc:
        return ExamReport(f"⚠️ {exc}")
    try:
        assistant = ws.assistant()
        if not assistant.chunks():
            return ExamReport(f"⚠️ {NO_NOTES}")
        rerank = assistant.reranker.scores if assistant.reranker else None
        checked = [Checked(item, solve(item.question, assistant.retrieve, rerank)) for item in exam.questions]
    except StoreError as exc:
        return ExamReport(f"⚠️ {exc}")

    def topic(stem: str) -> str:
        found = assistant.retrieve(stem, 1)
        return found[0].section if found else ""

    folder = Path(tempfile.mkdtemp(prefix="exam-report-"))
    markdown, png, summary = write_report(exam, checked, folder / f"{path.stem}-report.md", topic)
    text = markdown.read_text(encoding="utf-8").replace(f"![outcomes and gaps]({png.name})\n", "")
    return ExamReport("; ".join(summary.lines()) + ".", text, png, (markdown, png))
