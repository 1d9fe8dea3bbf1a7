"""The app's Progress view as Markdown: mastery per section (weakest first), the weak sections, the
sections never quizzed.

>>> from assistant.review.progress import Mastery, Report
>>> text = progress_markdown(Report([Mastery("IAM", 4, 1, -0.5, 0.81, 2, "")], ["EC2"], ["IAM"], 4))
>>> "| IAM | 1/4 | 25% | ↓ 50% | 0.81 | 2 |" in text, "EC2" in text.split("Never quizzed")[1]
(True, True)
"""

from __future__ import annotations

from assistant.app.present import md_escape
from assistant.review.progress import Mastery, Report


def _trend(m: Mastery) -> str:
    if m.trend is None:
        return "-"
    if abs(m.trend) < 0.005:
        return "→ 0%"
    return f"{'↑' if m.trend > 0 else '↓'} {abs(m.trend):.0%}"


def progress_markdown(report: Report) -> str:
    """Summary, the table of sections weakest first, the weak ones and those never quizzed."""
    if not report.answered:
        out = ["**No answers yet.** Take a quiz in the **Quiz** tab: every answer is counted here."]
    else:
        out = [
            f"**{report.answered} answers** over **{len(report.sections)} sections** of your notes, weakest first. "
            "*Recall*: how likely you would recall the section's review cards now (FSRS).",
            "",
            "| Section | Right | Share | Trend | Recall | Cards |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for m in report.sections:
            recall = "-" if m.retrievability is None else f"{m.retrievability:.2f}"
            cells = [md_escape(m.section), f"{m.right}/{m.answered}", f"{m.share:.0%}", _trend(m), recall, str(m.cards)]
            out.append("| " + " | ".join(cells) + " |")
    out.append("")
    if report.weak:
        out.append("**Weak sections:** " + "; ".join(md_escape(s) for s in report.weak))
    elif report.answered:
        out.append("**Weak sections:** none: every section you answered was answered right.")
    if report.never:
        out += ["", f"**Never quizzed ({len(report.never)}):** " + "; ".join(md_escape(s) for s in report.never)]
    return "\n".join(out)
