"""A practice exam checked against the notes: how many questions the notes decide and, with answer
keys, how often rightly; the gaps (questions whose correct option the notes never mention), grouped
by the notes' section nearest the question, or the question's own topic words; and a chart.
Written as Markdown with a PNG beside it."""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.exam.files import ExamFile, FileQuestion
from assistant.exam.solve import ExamAnswer
from core.text import terms, top_section

Topic = Callable[[str], str]  # the notes' section nearest a stem ("" when none)


@dataclass(frozen=True)
class Checked:
    item: FileQuestion
    answer: ExamAnswer

    @property
    def right(self) -> bool:
        return self.answer.decided and self.answer.chosen == self.item.answers

    @property
    def gap(self) -> bool:
        """Keyed, and no line of the notes names a correct option."""
        keyed = self.item.answers
        return bool(keyed) and not any(v.mentioned for v in self.answer.verdicts if v.letter in keyed)


@dataclass(frozen=True)
class Summary:
    questions: int
    skipped: int
    keyed: int
    decided: int
    decided_keyed: int
    right: int
    gaps: int

    def lines(self) -> list[str]:
        out = [f"{self.questions} questions read" + (f", {self.skipped} malformed skipped" if self.skipped else ""),
               f"the notes decide {self.decided} of {self.questions}"]
        if self.keyed:
            rate = f" ({self.right / self.decided_keyed:.0%})" if self.decided_keyed else ""
            out.append(f"of the {self.decided_keyed} decided with a key, {self.right} right{rate}")
            out.append(f"gaps: {self.gaps} of {self.keyed} keyed questions have a correct option "
                       "the notes never mention")
        return out


def summarize(exam: ExamFile, checked: list[Checked]) -> Summary:
    keyed = [c for c in checked if c.item.answers]
    return Summary(
        questions=len(checked),
        skipped=len(exam.skipped),
        keyed=len(keyed),
        decided=sum(c.answer.decided for c in checked),
        decided_keyed=sum(c.answer.decided for c in keyed),
        right=sum(c.right for c in keyed),
        gaps=sum(c.gap for c in keyed),
    )


def topic_words(stem: str, n: int = 3) -> str:
    """The question's own topic: its first few content words."""
    words = [t for t in dict.fromkeys(terms(stem)) if len(t) > 2][:n]
    return " ".join(words) or "(no topic words)"


def gap_groups(checked: list[Checked], topic: Topic | None) -> dict[str, list[Checked]]:
    groups: dict[str, list[Checked]] = defaultdict(list)
    for c in checked:
        if c.gap:
            # The top of the section's path ("API Gateway > stageVariables"): a topic, not a line.
            section = top_section(topic(c.item.question.stem), default="") if topic else ""
            name = f"notes section: {section}" if section else f"exam topic: {topic_words(c.item.question.stem)}"
            groups[name].append(c)
    return dict(sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def chart(summary: Summary, groups: dict[str, list[Checked]], path: Path) -> Path:
    """A PNG: the questions by outcome, and the gaps by group."""
    import matplotlib

    matplotlib.use("Agg")  # no display: the PNG is written, never shown
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    wrong = summary.decided_keyed - summary.right
    outcomes = Counter({
        "decided, right": summary.right,
        "decided, wrong": wrong,
        "decided (no key)": summary.decided - summary.decided_keyed,
        "not decided": summary.questions - summary.decided,
        "gap: answer not in notes": summary.gaps,
    })
    fig, axes = plt.subplots(1, 2 if groups else 1, figsize=(11 if groups else 6, 4), squeeze=False)
    labels = [k for k, v in outcomes.items() if v or k in ("decided, right", "not decided")]
    bars = axes[0][0].barh(labels[::-1], [outcomes[k] for k in labels][::-1], color="#4c72b0")
    axes[0][0].bar_label(bars)
    axes[0][0].set_title(f"{summary.questions} questions checked against your notes")
    axes[0][0].set_xlabel("questions")
    axes[0][0].xaxis.set_major_locator(MaxNLocator(integer=True))
    if groups:
        names = list(groups)[:10]
        bare = [n.split(": ", 1)[-1] for n in names]
        short = [n if len(n) <= 40 else n[:37] + "..." for n in bare]
        gbars = axes[0][1].barh(short[::-1], [len(groups[n]) for n in names][::-1], color="#dd8452")
        axes[0][1].bar_label(gbars)
        axes[0][1].set_title("gaps, by topic")
        axes[0][1].set_xlabel("questions")
        axes[0][1].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _cell(text: str) -> str:
    """Exam text in a Markdown line or table cell: shown as written, never as markup."""
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def markdown(exam: ExamFile, checked: list[Checked], summary: Summary, groups: dict[str, list[Checked]],
             png_name: str) -> str:
    out = [f"# Practice exam checked against your notes: {exam.name}", ""]
    out += [f"- {line}" for line in summary.lines()]
    out += ["", f"![outcomes and gaps]({png_name})", ""]
    if summary.keyed:
        out += ["## Gaps: questions whose correct option your notes never mention", ""]
        if not groups:
            out.append("None: the notes mention a correct option of every keyed question.")
        for name, items in groups.items():
            out.append(f"### {name} ({len(items)})")
            for c in items:
                key = ", ".join(f"{k}) {dict(c.item.question.options)[k]}" for k in c.item.answers)
                out.append(f"- line {c.item.line}: {_cell(c.item.question.stem)} (answer: {_cell(key)})")
            out.append("")
    out += ["## Questions", "", "| line | question | notes decide | key | right |", "|---|---|---|---|---|"]
    for c in checked:
        stem = c.item.question.stem
        stem = stem if len(stem) <= 90 else stem[:87] + "..."
        decided = ", ".join(c.answer.chosen) if c.answer.decided else "no"
        key = ", ".join(c.item.answers) or "-"
        right = "-" if not c.item.answers or not c.answer.decided else "yes" if c.right else "**no**"
        out.append(f"| {c.item.line} | {_cell(stem)} | {decided} | {key} | {right} |")
    if exam.skipped:
        out += ["", f"## Skipped: {len(exam.skipped)} malformed", ""]
        out += [f"- line {line}: {_cell(why)}" for line, why in exam.skipped]
    return "\n".join(out) + "\n"


def write_report(exam: ExamFile, checked: list[Checked], markdown_path: Path,
                 topic: Topic | None = None) -> tuple[Path, Path, Summary]:
    """Write the report (Markdown) and its chart (PNG, same name); their paths and the figures."""
    summary = summarize(exam, checked)
    groups = gap_groups(checked, topic)
    png = chart(summary, groups, markdown_path.with_suffix(".png"))
    markdown_path.write_text(markdown(exam, checked, summary, groups, png.name), encoding="utf-8")
    return markdown_path, png, summary
