"""The ``eval`` command: score the study assistant (and a plain RAG baseline) on an eval set.

Sends every case of the set through the project's ``answer_question`` (and through the plain
LangChain baseline), writes one record per case, prints the metrics and writes report.md + report.png.
"""


from __future__ import annotations

import hashlib
import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from assistant.answer.types import Answer
from core.cli import command_line, data_dir_option, exit_code, fail, offline, settings_from
from core.settings import PROJECT_ROOT, Settings
from evals.compare import flips_section, forms_section, parts_of
from evals.metrics import Case, Scores, score
from evals.report import summary_rows, text_table, write_report
from evals.runner import RunRecord, SetError, load_set, read_records, run_cases, write_records
from ingest.errors import NotesError, StoreError

if TYPE_CHECKING:
    from assistant import Assistant

DEFAULT_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"
DEFAULT_REPORT_DIR = PROJECT_ROOT / "evals"
SYSTEMS = ("project", "baseline")


_ASSISTANTS: dict[int, Assistant] = {}


def _assistant(settings: Settings) -> Assistant:
    """The assistant over ``settings`` (its data dir: --data-dir), one for the run: the project path
    and the LLM path share it. A StoreError if there is no usable index."""
    from assistant import Assistant

    if id(settings) not in _ASSISTANTS:
        _ASSISTANTS[id(settings)] = Assistant(settings)
    return _ASSISTANTS[id(settings)]


class ModelPath:
    """The LLM path (``--llm``): the assistant's passages, the configured server's answer, each sentence
    checked; counts what verification dropped and which path answered."""

    def __init__(self, settings: Settings) -> None:
        from assistant.llm.answer import ModelAnswerer
        from assistant.llm.client import LLMConfig

        config = LLMConfig.from_settings(settings)
        if config is None:
            raise ValueError("--llm needs a server: give --llm-url URL (or set STUDY_LLM_URL)")
        self.answerer = ModelAnswerer(_assistant(settings), config)
        self.verdicts: list[dict[str, object]] = []
        ModelPath.current = self  # what run_system("llm", ...) answers with

    current: ModelPath

    def answer(self, question: str) -> Answer:
        reply = self.answerer.answer(question)
        self.verdicts.append({"question": question, **{k: v for k, v in reply.to_dict().items()
                                                       if k in ("by", "why", "llm_error", "sentences")}})
        return reply

    def summary(self, cases: list[Case]) -> str:
        """Sentences dropped, answers by the model, server failures, over the set's test part (all of an
        unsplit set): one line."""
        part = next(iter(parts_of(cases)))
        asked = {c.question for c in cases if c.split == part or part == "all"}
        counted = [v for v in self.verdicts[1:] if v["question"] in asked]  # [0]: the untimed warm-up
        sentences = [s for v in counted for s in v["sentences"]]  # type: ignore[attr-defined]
        dropped = sum(not s["passed"] for s in sentences)
        share = f"{100 * dropped / len(sentences):.1f}%" if sentences else "n/a"
        by_model = sum(v["by"] == "llm" for v in counted)
        failed = sum(bool(v.get("llm_error")) for v in counted)
        return (f"LLM path ({part} part): {dropped} of {len(sentences)} sentences the model wrote dropped by the check "
                f"({share}); {by_model} of {len(counted)} answers by the model, the rest the notes' own; "
                f"{failed} server failures.")


def _progress(label: str) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        if sys.stderr.isatty() or done == total or done % 50 == 0:
            end = "\n" if done == total else "\r" if sys.stderr.isatty() else "\n"
            print(f"{label}: {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _digest(cases: list[Case]) -> str:
    return hashlib.sha256(json.dumps([[c.id, c.question] for c in cases]).encode()).hexdigest()[:16]


def run_system(name: str, cases: list[Case], settings: Settings, notes: list[Path]) -> list[RunRecord]:
    """Answer every case with one system, after one untimed warm-up question (loads the models).

    The baseline never changes for the same notes and questions: its records are kept beside its
    index and reused, so a rerun costs only the project's answers."""
    answer: Callable[[str], Answer]
    kept: Path | None = None
    if name == "project":
        answer = _assistant(settings).answer
    elif name == "llm":
        answer = ModelPath.current.answer
    else:
        from evals.baseline import BaselineRAG

        baseline = BaselineRAG(notes, settings)
        kept = baseline.folder / f"records-{_digest(cases)}.jsonl"
        if kept.exists():
            print(f"{name}: records reused from {kept} (same notes, same questions)", file=sys.stderr)
            return read_records(kept)
        answer = baseline.answer
    answer(cases[0].question)
    records = run_cases(cases, answer, _progress(name))
    if kept is not None:
        write_records(records, kept)
    return records


def _saved(path: Path) -> list[RunRecord]:
    """Records of an earlier run; a ValueError naming the file if they can't be read."""
    try:
        return read_records(path)
    except FileNotFoundError:
        raise ValueError(f"{path}: no records to rescore (run without --rescore first)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a records file written by study eval ({exc!r})") from None


def _shown(path: Path) -> str:
    """A path relative to the project when it is inside it (reports name no home folders)."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


EXAMPLES = """\b
Examples:
  study eval                                  # the bundled set, project vs baseline
  study eval --set my_notes.jsonl --notes ~/notes --report-dir /tmp/report
  study eval --system project --out /tmp/results.jsonl
  study eval --out /tmp/results.jsonl --rescore   # a new report from the records of that run
  STUDY_LLM_URL=http://127.0.0.1:11434/v1 STUDY_LLM_MODEL=qwen2.5:7b study eval --llm   # + the LLM path
  study eval --system project --against /tmp/before.jsonl   # beside an earlier run, with the flips

\b
Your own set: one JSON object per line, e.g.
  {"id": "q1", "question": "...", "answerable": true, "expected": ["regex"],
   "gold": {"source": "notes/file.md", "start_line": 3, "end_line": 4}}
  {"id": "q2", "question": "...", "answerable": false}
Optional per case: "split": "tune" or "test" (a split set is scored per part), and "also":
[spans] where the notes state the same fact again (a citation of any of them counts).
(`source` is the notes folder's label, its name unless another folder of that name was ingested
first, and the path inside it, as citations show it.)

\b
Exit status: 0 done; 2 bad set, bad arguments or no index.
"""


@click.command("eval", epilog=EXAMPLES, short_help="Score the assistant on an eval set.")
@click.option("--set", "set_path", type=click.Path(path_type=Path), default=DEFAULT_SET, show_default=True,
              help="Eval set, JSON lines.")
@click.option("--out", type=click.Path(path_type=Path),
              help="Records of the project (default: DATA_DIR/evals/results.jsonl); the baseline's go beside "
              "them as *.baseline.jsonl.")
@click.option("--k", type=click.IntRange(min=1), default=5, show_default=True, help="Depth of hit@k.")
@click.option("--report-dir", type=click.Path(path_type=Path), default=DEFAULT_REPORT_DIR, show_default=True,
              help="Where report.md and report.png are written.")
@click.option("--system", type=click.Choice([*SYSTEMS, "both"]), default="both", show_default=True,
              help="What to run.")
@click.option("--rescore", is_flag=True,
              help="Score the records already in --out (and *.baseline.jsonl) again, running nothing.")
@click.option("--against", type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help="Records of an earlier run of the project (e.g. before a change) over the same set: "
              "scored beside this run, with the cases that flipped.")
@click.option("--notes", type=click.Path(path_type=Path), multiple=True,
              help="Notes folders/files the baseline indexes (default: the notes dir); repeatable.")
@click.option("--llm", "use_llm", is_flag=True,
              help="Also score the LLM path (a third column): the server of --llm-url or $STUDY_LLM_URL writes, "
              "each sentence checked against the lines it cites; prints the share of sentences dropped.")
@click.option("--llm-url", metavar="URL", help="The LLM server (default: $STUDY_LLM_URL).")
@click.option("--llm-model", metavar="NAME", help="Its model (default: $STUDY_LLM_MODEL).")
@data_dir_option
@exit_code
def eval_command(
    set_path: Path, out: Path | None, k: int, report_dir: Path, system: str, rescore: bool,
    against: Path | None, notes: tuple[Path, ...], use_llm: bool, llm_url: str | None, llm_model: str | None,
    data_dir: Path | None,
) -> int:
    """Score the study assistant (and a plain RAG baseline) on an eval set; write report.md and report.png.

    A set split into a tune and a test part is scored per part, the test part first."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    offline()
    try:
        cases = load_set(set_path)
    except SetError as exc:
        return fail(str(exc))
    settings = settings_from(data_dir=data_dir, llm_url=llm_url, llm_model=llm_model)
    out = out or settings.data_dir / "evals" / "results.jsonl"
    chosen = (*(SYSTEMS if system == "both" else (system,)), *(("llm",) if use_llm else ()))
    llm_summary = verdicts = ""
    runs: dict[str, list[RunRecord]] = {}
    for name in chosen:
        path = out if name == "project" or len(chosen) == 1 else out.with_suffix(f".{name}{out.suffix}")
        try:
            if rescore:
                records = _saved(path)
            else:
                model_path = ModelPath(settings) if name == "llm" else None
                records = run_system(name, cases, settings, list(notes) or [settings.notes_dir])
                write_records(records, path)
                if model_path is not None:
                    llm_summary = model_path.summary(cases)
                    verdicts = _shown(path.with_suffix(".sentences.jsonl"))
                    path.with_suffix(".sentences.jsonl").write_text("".join(json.dumps(v, ensure_ascii=False) + "\n"
                                                for v in model_path.verdicts[1:]), encoding="utf-8")
            score(cases, [r.scored() for r in records], k)  # every case has a record
        except (StoreError, NotesError, ValueError) as exc:
            return fail(f"{name}: {exc}")
        runs[name] = records
        click.echo(f"{name}: {len(records)} records {'<-' if rescore else '->'} {path}", err=True)
    if against is not None:
        try:
            runs["before"] = _saved(against)
            score(cases, [r.scored() for r in runs["before"]], k)
        except ValueError as exc:
            return fail(f"--against: {exc}")
    parts = parts_of(cases)
    systems: dict[str, Scores] = {}
    for part, chosen_cases in parts.items():
        for name, records in runs.items():
            label = name if len(parts) == 1 else f"{name} ({part})"
            systems[label] = score(chosen_cases, [r.scored() for r in records], k)
    click.echo(text_table(summary_rows(systems)))
    sections = [forms_section({n: s for n, s in systems.items() if not n.startswith("baseline")})]
    if "before" in runs and "project" in runs:
        sections.append(flips_section(cases, runs["before"], runs["project"], k))
    report = write_report(
        systems,
        report_dir,
        set_path=_shown(set_path),
        command=command_line(click.get_current_context()),
        date=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        records_path=_shown(out),
        sections=sections,
    )
    if llm_summary:
        click.echo(llm_summary)
        with report.open("a", encoding="utf-8") as page:
            page.write(f"\n## The LLM path\n\n{llm_summary} Each sentence's verdict: `{verdicts}`.\n")
    click.echo(f"report: {report}")
    return 0
