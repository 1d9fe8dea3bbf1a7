"""The progress chart: share right per section of the notes, weakest first, as a matplotlib figure
(no pyplot: safe in the app's worker threads, no display needed).

>>> from assistant.review.progress import Mastery, Report
>>> fig = mastery_figure(Report([Mastery("IAM", 4, 1, None, 0.8, 2, "")], ["EC2"], ["IAM"], 4))
>>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
['IAM', 'EC2 (never quizzed)']
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from assistant.review.progress import Report

if TYPE_CHECKING:  # matplotlib is imported when a chart is drawn: the app starts without it
    from matplotlib.figure import Figure

MAX_BARS = 25
LABEL_CHARS = 40


def _label(section: str) -> str:
    return section if len(section) <= LABEL_CHARS else section[: LABEL_CHARS - 1] + "…"


def mastery_figure(report: Report) -> Figure:
    """Horizontal bars, the weakest section on top: share right (red to green), then the sections
    never quizzed (grey, empty)."""
    from matplotlib.figure import Figure

    rows: list[tuple[str, float | None, int]] = [(_label(m.section), m.share, m.answered) for m in report.sections]
    rows += [(f"{_label(s)} (never quizzed)", None, 0) for s in report.never]
    rows = rows[:MAX_BARS]
    fig = Figure(figsize=(8, max(2.0, 0.38 * len(rows) + 1.0)), layout="constrained")
    ax = fig.add_subplot()
    labels = [r[0] for r in rows]
    values = [0.0 if r[1] is None else max(r[1], 0.01) for r in rows]  # none right: a stub, still a bar
    colours = ["#bbbbbb" if r[1] is None else (0.85 * (1 - r[1]) + 0.1, 0.2 + 0.55 * r[1], 0.25) for r in rows]
    positions = list(range(len(rows)))
    ax.barh(positions, values, color=colours)
    ax.set_yticks(positions, labels)
    ax.invert_yaxis()  # the weakest on top
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of answers right")
    for y, (_, share, answered) in zip(positions, rows, strict=True):
        if share is not None:
            ax.text(min(share + 0.01, 0.86), y, f"{share:.0%} of {answered}", va="center", fontsize=8)
    ax.set_title("Mastery per section, weakest first" if rows else "No answers yet: take a quiz")
    return fig


def save_chart(report: Report, path: Path) -> Path:
    """The chart as an image (its format from the suffix: .png, .svg, .pdf)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mastery_figure(report).savefig(path, dpi=110)
    return path
