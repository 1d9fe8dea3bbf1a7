"""Load an eval set, run a system over its cases, and keep what it did as records.

A set is JSON lines, one case each::

    {"id": "f001", "question": "...", "answerable": true, "expected": ["26\\\\s*%"],
     "gold": {"source": "corpus/notes.txt", "start_line": 2, "end_line": 2}}
    {"id": "u001", "question": "...", "answerable": false}

>>> import tempfile, pathlib
>>> bad = pathlib.Path(tempfile.mkdtemp()) / "set.jsonl"
>>> _ = bad.write_text('{"id": "f1", "question": "q?", "answerable": "yes"}\\n')
>>> try:
...     load_set(bad)
... except SetError as exc:
...     print(str(exc).splitlines()[1])
  line 1 (f1): "answerable" must be true or false
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.answer.types import Answer
from core.spans import LineSpan, span_dict
from evals.metrics import Case, Record

MAX_ERRORS_SHOWN = 20
SPLITS = ("", "tune", "test")


class SetError(Exception):
    """An eval set that can't be used; the message names the file and each bad line."""


@dataclass(frozen=True)
class RunRecord:
    """A record as written to the results file: the answer, its citations and the ranked
    passages (source/lines/score), so that every metric can be recomputed from the file."""

    id: str
    question: str
    answer: str
    grounded: bool
    citations: list[dict[str, Any]]
    passages: list[dict[str, Any]]
    latency_ms: float
    error: str | None = None

    @classmethod
    def from_answer(cls, case: Case, answer: Answer, latency_ms: float) -> RunRecord:
        return cls(
            id=case.id,
            question=case.question,
            answer=answer.text,
            grounded=answer.grounded,
            citations=[span_dict(citation) for citation in answer.citations],
            passages=[
                {"source": p.source, "start_line": p.start_line, "end_line": p.end_line, "score": p.score}
                for p in answer.passages
            ],
            latency_ms=round(latency_ms, 1),
            error=answer.error,
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        return cls(
            id=str(data["id"]),
            question=str(data["question"]),
            answer=str(data["answer"]),
            grounded=bool(data["grounded"]),
            citations=list(data.get("citations") or []),
            passages=list(data.get("passages") or []),
            latency_ms=float(data["latency_ms"]),
            error=data.get("error"),
        )

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data["error"] is None:
            del data["error"]
        return data

    def scored(self) -> Record:
        """The metric code's view of this record."""
        return Record(
            id=self.id,
            question=self.question,
            answer=self.answer,
            grounded=self.grounded,
            citations=tuple(_span(c) for c in self.citations),
            passages=tuple(_span(p) for p in self.passages),
            latency_ms=self.latency_ms,
        )


def _span(data: dict[str, Any]) -> LineSpan:
    return LineSpan(str(data["source"]), int(data["start_line"]), int(data["end_line"]))


def _case_problems(data: Any) -> tuple[Case | None, list[str]]:
    """The case a parsed line describes, or what is wrong with it."""
    if not isinstance(data, dict):
        return None, ["not a JSON object"]
    problems: list[str] = []
    case_id, question, answerable = data.get("id"), data.get("question"), data.get("answerable")
    if not isinstance(case_id, str) or not case_id.strip():
        problems.append('"id" must be a non-empty string')
    if not isinstance(question, str) or not question.strip():
        problems.append('"question" must be a non-empty string')
    if not isinstance(answerable, bool):
        problems.append('"answerable" must be true or false')
    split = data.get("split", "")
    if split not in SPLITS:
        problems.append('"split" must be "tune" or "test" (or left out)')
    if problems or not answerable:
        return (None if problems else Case(str(case_id), str(question).strip(), False, split=split)), problems
    expected, gold = data.get("expected"), data.get("gold")
    if not isinstance(expected, list) or not expected or not all(isinstance(r, str) and r for r in expected):
        problems.append('"expected" must be a non-empty list of regex strings for an answerable case')
    else:
        for pattern in expected:
            try:
                re.compile(pattern)
            except re.error as exc:
                problems.append(f'"expected" regex {pattern!r} does not compile: {exc}')
    also = data.get("also", [])
    if not isinstance(also, list):
        problems.append('"also" must be a list of spans {"source", "start_line", "end_line"}')
        also = []
    spans = [_gold_span(g, name, problems) for g, name in [(gold, "gold"), *((a, "also") for a in also)]]
    if problems:
        return None, problems
    span, *more = (s for s in spans if s is not None)
    return Case(str(case_id), str(question).strip(), True, tuple(expected or ()), span, tuple(more), split), []


def _gold_span(gold: Any, name: str, problems: list[str]) -> LineSpan | None:
    """The span ``gold`` describes, or None with what is wrong added to ``problems``."""
    if not isinstance(gold, dict):
        problems.append(f'"{name}" must be an object {{"source", "start_line", "end_line"}} for an answerable case')
        return None
    source, start, end = gold.get("source"), gold.get("start_line"), gold.get("end_line")
    if not isinstance(source, str) or not source:
        problems.append(f'"{name}.source" must be the cited file name, e.g. "corpus/notes.txt"')
        return None
    if not (type(start) is int and type(end) is int and 1 <= start <= end):
        problems.append(f'"{name}.start_line" and "{name}.end_line" must be line numbers with start <= end')
        return None
    return LineSpan(source, start, end)


def parse_set(lines: Iterable[str], name: str = "<set>") -> list[Case]:
    """Cases from JSON lines (blank lines are skipped); a SetError lists every bad line."""
    cases: list[Case] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: not valid JSON ({exc.msg} at column {exc.colno})")
            continue
        case, problems = _case_problems(data)
        label = f"line {number}" + (f" ({data['id']})" if isinstance(data, dict) and data.get("id") else "")
        errors += [f"{label}: {problem}" for problem in problems]
        if case is not None:
            if case.id in seen:
                errors.append(f"{label}: duplicate id {case.id!r}")
            seen.add(case.id)
            cases.append(case)
    if errors:
        shown = errors[:MAX_ERRORS_SHOWN]
        more = [f"  ... and {len(errors) - len(shown)} more"] if len(errors) > len(shown) else []
        raise SetError("\n".join([f"{name}: {len(errors)} bad line(s)", *(f"  {e}" for e in shown), *more]))
    if not cases:
        raise SetError(f"{name}: no cases (expected one JSON object per line)")
    return cases


def load_set(path: Path) -> list[Case]:
    """The cases of the eval set at ``path``; a SetError says what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SetError(f"{path}: no such eval set") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SetError(f"{path}: cannot read the eval set ({exc})") from None
    return parse_set(text.split("\n"), str(path))


def run_cases(
    cases: Sequence[Case],
    answer: Callable[[str], Answer],
    progress: Callable[[int, int], None] | None = None,
) -> list[RunRecord]:
    """Ask ``answer`` every question, one at a time, timing each call."""
    records: list[RunRecord] = []
    for done, case in enumerate(cases, 1):
        started = time.perf_counter()
        reply = answer(case.question)
        records.append(RunRecord.from_answer(case, reply, (time.perf_counter() - started) * 1000))
        if progress:
            progress(done, len(cases))
    return records


def write_records(records: Iterable[RunRecord], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")


def read_records(path: Path) -> list[RunRecord]:
    """Records written by ``write_records``."""
    return [RunRecord.from_dict(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]
