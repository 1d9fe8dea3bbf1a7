"""The eval report: a Markdown page (``report.md``) with the project beside the baseline, a bar
chart of the main metrics (``report.png``), and the project's failing cases."""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from evals.metrics import Outcome, Scores

MAX_FAILURES = 40
ANSWER_CHARS = 160


@dataclass(frozen=True)
class Metric:
    """One row of the report: a label, the Scores attribute, and how to show it."""

    label: str
    attr: str
    unit: str = "ratio"  # "ratio" (shown as %), "score" (0..1), "ms" or "count"
    chart: bool = False


def metrics_for(k: int) -> list[Metric]:
    return [
        Metric("retrieval hit@1", "hit_at_1", chart=True),
        Metric(f"retrieval hit@{k}", "hit_at_k", chart=True),
        Metric("MRR@10", "mrr_at_10", unit="score", chart=True),
        Metric("nDCG@10", "ndcg_at_10", unit="score", chart=True),
        Metric("answer accuracy (right / answerable)", "accuracy", chart=True),
        Metric("precision on answered (right / answered)", "precision_answered"),
        Metric("citation accuracy (first citation on the gold lines)", "citation_accuracy", chart=True),
        Metric("refusal precision (unanswerable / refused)", "refusal_precision", chart=True),
        Metric("refusal recall (refused / unanswerable)", "refusal_recall", chart=True),
        Metric("false-refusal rate (refused / answerable)", "false_refusal_rate", chart=True),
        Metric("refused", "refused", unit="count"),
        Metric("latency p50", "latency_p50_ms", unit="ms"),
        Metric("latency p95", "latency_p95_ms", unit="ms"),
    ]


def chart_label(metric: Metric) -> str:
    label = metric.label.split(" (")[0]
    return f"{label} (x100)" if metric.unit == "score" else label


def fmt(value: float | int | None, unit: str) -> str:
    """``0.8125`` -> ``81.2%``; None -> ``n/a`` (undefined, e.g. refusal precision with no refusal).

    >>> fmt(0.8125, "ratio"), fmt(None, "ratio"), fmt(0.73312, "score"), fmt(1234.5, "ms"), fmt(3, "count")
    ('81.2%', 'n/a', '0.733', '1234 ms', '3')
    """
    if value is None:
        return "n/a"
    if unit == "ratio":
        return f"{100 * value:.1f}%"
    if unit == "score":
        return f"{value:.3f}"
    if unit == "ms":
        return f"{value:.0f} ms"
    return str(value)


def summary_rows(systems: dict[str, Scores]) -> list[list[str]]:
    """Header and rows of the metrics table: one column per system."""
    k = next(iter(systems.values())).k
    rows = [["metric", *systems]]
    for metric in metrics_for(k):
        rows.append([metric.label, *(fmt(getattr(s, metric.attr), metric.unit) for s in systems.values())])
    return rows


def text_table(rows: Sequence[Sequence[str]]) -> str:
    """Rows as aligned plain text (for the terminal)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join([row[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True))])
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ").strip()


def markdown_table(rows: Sequence[Sequence[str]], numeric: bool = True) -> str:
    """Rows as a Markdown table; ``numeric`` right-aligns every column but the first."""
    head, *body = rows
    aligns = ["---", *([("---:" if numeric else "---")] * (len(head) - 1))]
    out = ["| " + " | ".join(_cell(c) for c in head) + " |", "| " + " | ".join(aligns) + " |"]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in body]
    return "\n".join(out)


def draw_chart(systems: dict[str, Scores], path: Path) -> None:
    """Grouped bars of the main metrics, one colour per system (undefined values are drawn as 0
    and marked n/a)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = next(iter(systems.values())).k
    chosen = [m for m in metrics_for(k) if m.chart]
    width = 0.8 / len(systems)
    fig, ax = plt.subplots(figsize=(11, 4.8), dpi=110)
    for i, (name, scores) in enumerate(systems.items()):
        values = [getattr(scores, m.attr) for m in chosen]
        xs = [x + (i - (len(systems) - 1) / 2) * width for x in range(len(chosen))]
        bars = ax.bar(xs, [100 * (v or 0) for v in values], width, label=LEGEND.get(name, name))
        for bar, value in zip(bars, values, strict=True):
            label = "n/a" if value is None else f"{100 * value:.0f}"
            ax.annotate(label, (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                        ha="center", va="bottom", fontsize=7, xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(range(len(chosen)), [chart_label(m) for m in chosen], rotation=25, ha="right", fontsize=8)
    ax.set_ylabel("%")
    ax.set_ylim(0, 110)
    ax.set_title(f"{' vs '.join(systems)}: main metrics, % (false-refusal rate: lower is better)", fontsize=10)
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def machine() -> str:
    """``2 cores, no GPU, Linux x86_64``: what the latency figures were measured on."""
    try:
        import torch

        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    except ImportError:
        gpu = "no GPU"
    system = f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    return f"{os.cpu_count()} cores, {gpu}, {system}"


ROOT = Path(__file__).resolve().parent.parent


def revision(root: Path = ROOT) -> str:
    """``commit 1a2b3c4`` (``+ uncommitted changes`` when the code differs from it); "" outside git."""
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "assistant", "ingest", "evals"],
                               capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    if head.returncode != 0:
        return ""
    changed = any(line and not line.endswith(("report.md", "report.png")) for line in dirty.stdout.splitlines())
    return f"commit {head.stdout.strip()}" + (" + uncommitted changes" if changed else "")


def _got(outcome: Outcome) -> str:
    if outcome.refused:
        return "(refused) " + outcome.record.answer[:ANSWER_CHARS]
    answer = outcome.record.answer
    return answer if len(answer) <= ANSWER_CHARS else answer[: ANSWER_CHARS - 1] + "…"


def listed_failures(failures: Sequence[Outcome], limit: int = MAX_FAILURES) -> list[Outcome]:
    """At most ``limit`` failures in set order, a quarter of the room kept for unanswerable cases
    that were answered, so that both kinds of failure show.

    >>> from evals.metrics import Case, Record
    >>> def fail(i, answerable):
    ...     case = Case(("f" if answerable else "u") + str(i), "q?", answerable)
    ...     return Outcome(case, Record(case.id, "q?", "a", True, (), (), 1.0), refused=False)
    >>> [o.case.id for o in listed_failures([fail(i, True) for i in range(9)] + [fail(1, False)], 4)]
    ['f0', 'f1', 'f2', 'u1']
    """
    wrong = [o for o in failures if o.case.answerable]
    answered = [o for o in failures if not o.case.answerable]
    answered = answered[: max(limit // 4, limit - len(wrong))]
    return [*wrong[: limit - len(answered)], *answered]


LEGEND = {"project": "project (study assistant)", "baseline": "baseline (plain LangChain RAG)"}


def failure_rows(failures: Sequence[Outcome]) -> list[list[str]]:
    rows = [["id", "question", "expected", "got", "gold hit@"]]
    for outcome in listed_failures(failures):
        case = outcome.case
        expected = " or ".join(f"`{r}`" for r in case.expected) if case.answerable else "a refusal"
        if case.gold is not None:
            expected += f" ({case.gold.start_line}-{case.gold.end_line})"
        rank = "—" if not case.answerable else (str(outcome.hit_rank) if outcome.hit_rank else "miss")
        rows.append([case.id, case.question, expected, _got(outcome), rank])
    return rows


def write_report(
    systems: dict[str, Scores],
    folder: Path,
    *,
    set_path: str,
    command: str,
    date: str,
    records_path: str,
    sections: Sequence[tuple[str, str]] = (),
) -> Path:
    """Write ``folder/report.md`` and ``folder/report.png``; the first system's failures are listed."""
    folder.mkdir(parents=True, exist_ok=True)
    chart = folder / "report.png"
    draw_chart(systems, chart)
    first, scores = next(iter(systems.items()))
    failures = scores.failures()
    code = revision()
    at = f" at {code}" if code else ""
    parts = [
        "# Eval report",
        "",
        f"Produced by `{command}`{at} on {date}, on {machine()}. Set: `{set_path}` — {scores.cases} cases "
        f"({scores.answerable} answerable, {scores.unanswerable} unanswerable). Records: `{records_path}`.",
        "",
        markdown_table(summary_rows(systems)),
        "",
        f"![main metrics, {' vs '.join(systems)}]({chart.name})",
        "",
        "## How it is scored",
        "",
        "- A retrieved passage is a *hit* when it is in the gold file and its lines overlap the gold span. "
        f"hit@1 / hit@{scores.k}: a hit among the first 1 / {scores.k} passages; MRR@10: mean 1/rank of the "
        "first hit; nDCG@10: binary relevance, the ideal ranking putting the retrieved hits first. "
        "Retrieval is scored on answerable cases, on the ranked passages whether or not the system refused.",
        "- Answer accuracy: an expected regex (case-insensitive) matches the primary answer; a refused "
        "answerable case counts as wrong. Precision on answered leaves refusals out. Citation accuracy: "
        "the first citation overlaps the gold span.",
        "- A refusal is an answer with `grounded == false`. Refusal precision: share of refusals that were "
        "unanswerable cases (n/a when nothing was refused); recall: share of unanswerable cases refused.",
        "- Latency: wall time of one answer call, sequential, after the models were loaded.",
    ]
    if "baseline" in systems:
        parts.append(
            "- Baseline: plain LangChain RAG — RecursiveCharacterTextSplitter(1000, 200) over the same files, "
            "the same embedding model, Chroma top-4 similarity search, the first chunk (up to 1000 characters) "
            "as the answer; it never refuses and retrieves only 4 passages. Its records are reused while the "
            "notes and the questions are unchanged (its latency is from the run that made them)."
        )
    for title, body in sections:
        parts += ["", f"## {title}", "", body]
    parts += ["", f"## Failing cases ({first})", ""]
    if failures:
        shown = len(listed_failures(failures))
        kinds = (f"{sum(o.case.answerable for o in failures)} answerable cases not answered right, "
                 f"{sum(not o.case.answerable for o in failures)} unanswerable cases answered")
        listed = f"; {shown} are listed" if shown < len(failures) else ""
        parts.append(f"{len(failures)} of {scores.cases} cases fail ({kinds}){listed}. All are in the records.")
        parts += ["", markdown_table(failure_rows(failures), numeric=False)]
    else:
        parts.append("None.")
    report = folder / "report.md"
    report.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return report
