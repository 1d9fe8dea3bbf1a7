"""``python -m evals [--set FILE] [--out RESULTS.jsonl] [--k 5] [--report-dir DIR] [--system ...]``

Sends every case of the set through the project's ``answer_question`` (and through the plain
LangChain baseline), writes one record per case, prints the metrics and writes report.md + report.png.

Examples:
  python -m evals                                  # the bundled set, project vs baseline
  python -m evals --set my_notes.jsonl --notes ~/notes --report-dir /tmp/report
  python -m evals --system project --out /tmp/results.jsonl
  python -m evals --out /tmp/results.jsonl --rescore   # new report from the records of that run

Your own set: one JSON object per line, e.g.
  {"id": "q1", "question": "...", "answerable": true, "expected": ["regex"],
   "gold": {"source": "notes/file.md", "start_line": 3, "end_line": 4}}
  {"id": "q2", "question": "...", "answerable": false}
(`source` is the notes folder's name and the path inside it, as citations show it.)

Exit status: 0 done; 2 bad set, bad arguments or no index.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shlex
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from assistant.answer.types import Answer
from core.settings import PROJECT_ROOT, Settings
from evals.metrics import Case, Scores, score
from evals.report import summary_rows, text_table, write_report
from evals.runner import RunRecord, SetError, load_set, read_records, run_cases, write_records
from ingest.errors import NotesError, StoreError

DEFAULT_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"
DEFAULT_REPORT_DIR = PROJECT_ROOT / "evals"
SYSTEMS = ("project", "baseline")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m evals",
        description="Score the study assistant (and a plain RAG baseline) on an eval set.",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="eval set, JSON lines (default: %(default)s)")
    parser.add_argument("--out", type=Path, help="records of the project (default: DATA_DIR/evals/results.jsonl); "
                        "the baseline's go beside it as *.baseline.jsonl")
    parser.add_argument("--k", type=int, default=5, help="depth of hit@k (default: %(default)s)")
    parser.add_argument("--report-dir", type=Path, default=DEFAULT_REPORT_DIR,
                        help="where report.md and report.png are written (default: %(default)s)")
    parser.add_argument("--system", choices=[*SYSTEMS, "both"], default="both", help="what to run (default: both)")
    parser.add_argument("--rescore", action="store_true",
                        help="score the records already in --out (and *.baseline.jsonl) again, running nothing")
    parser.add_argument("--notes", type=Path, action="append",
                        help="notes folders/files the baseline indexes (default: the notes dir); repeatable")
    return parser


def _project() -> Callable[[str], Answer]:
    """The answering function the UI uses, once its process-wide assistant is up (a StoreError
    if there is no usable index: answer_question would say so in every answer instead)."""
    from assistant import answer_question, default_assistant

    default_assistant()
    return answer_question


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
        answer = _project()
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


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    for key, value in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}.items():
        os.environ.setdefault(key, value)
    if args.k < 1:
        print("error: --k must be at least 1", file=sys.stderr)
        return 2
    try:
        cases = load_set(args.set)
        settings = Settings()  # type: ignore[call-arg]  # pydantic-settings reads the STUDY_* variables
    except SetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"error: bad setting: {exc}", file=sys.stderr)
        return 2
    out: Path = args.out or settings.data_dir / "evals" / "results.jsonl"
    chosen = SYSTEMS if args.system == "both" else (args.system,)
    systems: dict[str, Scores] = {}
    for name in chosen:
        path = out if name == "project" or len(chosen) == 1 else out.with_suffix(f".{name}{out.suffix}")
        try:
            if args.rescore:
                records = _saved(path)
            else:
                records = run_system(name, cases, settings, args.notes or [settings.notes_dir])
                write_records(records, path)
            systems[name] = score(cases, [r.scored() for r in records], args.k)
        except (StoreError, NotesError, ValueError) as exc:
            print(f"error: {name}: {exc}", file=sys.stderr)
            return 2
        print(f"{name}: {len(records)} records {'<-' if args.rescore else '->'} {path}", file=sys.stderr)
    print(text_table(summary_rows(systems)))
    report = write_report(
        systems,
        args.report_dir,
        set_path=_shown(args.set),
        command=" ".join(["python -m evals", *map(shlex.quote, argv if argv is not None else sys.argv[1:])]),
        date=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        records_path=_shown(out),
    )
    print(f"report: {report}")
    return 0


def _saved(path: Path) -> list[RunRecord]:
    """Records of an earlier run; a ValueError naming the file if they can't be read."""
    try:
        return read_records(path)
    except FileNotFoundError:
        raise ValueError(f"{path}: no records to rescore (run without --rescore first)") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: not a records file written by python -m evals ({exc!r})") from None


def _shown(path: Path) -> str:
    """A path relative to the project when it is inside it (reports name no home folders)."""
    try:
        return path.resolve().relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
