"""Practice-exam files: many questions at once, with or without answer keys.

- Markdown as public question banks write it: a ``### question`` heading (its text and any lines
  under it are the stem), then options ``- [ ] text``, the correct ones ``- [x] text``;
- JSONL, one ``{"question", "options", "answers"}`` object a line (``answers``: letters, option
  texts or 0-based indexes; optional);
- CSV with a header: ``question``, the options (``A``, ``B``, ... or ``option a``/``option_1`` ...,
  or one ``options`` column split on ``|``), and optionally ``answer``/``answers`` (letters).

A file that can't be read at all raises ExamFileError naming the line; a malformed question is
skipped and listed in ``ExamFile.skipped`` with its line.

>>> exam = parse_exam_file("### Which queue never duplicates?\\n- [ ] Standard\\n- [x] FIFO\\n", "exam.md")
>>> [(q.line, q.question.stem, q.answers) for q in exam.questions]
[(1, 'Which queue never duplicates?', ['B'])]
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from assistant.exam.solve import ExamError, ExamQuestion, parse_exam_question

MAX_QUESTIONS = 300  # about a second each: a longer file would keep the learner waiting for minutes
HEADING = re.compile(r"^\s*#{2,6}\s+(?P<text>\S.*?)\s*#*\s*$")
CHECKBOX = re.compile(r"^\s*[-*+]\s*\[(?P<mark>[ xX])\]\s*(?P<text>.*?)\s*$")
LETTERS = "ABCDEFGH"


class ExamFileError(ValueError):
    """An exam file that can't be read at all; the message names the file and the line."""


@dataclass(frozen=True)
class FileQuestion:
    line: int  # where the question starts in the file (1-based)
    question: ExamQuestion
    answers: list[str] = field(default_factory=list)  # letters, empty without a key


@dataclass
class ExamFile:
    name: str
    format: str
    questions: list[FileQuestion]
    skipped: list[tuple[int, str]]  # (line, why) of each malformed question

    @property
    def keyed(self) -> bool:
        return any(q.answers for q in self.questions)


def read_exam_file(path: Path) -> ExamFile:
    """The questions of the file at ``path``; an ExamFileError if it can't be read."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ExamFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ExamFileError(f"{path} is a folder, not a file") from None
    except OSError as exc:
        raise ExamFileError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    return parse_exam_file(decode(data, path.name), path.name)


def decode(data: bytes, name: str) -> str:
    """``data`` as UTF-8 text; an ExamFileError naming the line of the first byte that isn't."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ExamFileError(f"{name} line {line}: not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from None


def detect(text: str, name: str) -> str:
    """The file's format: by its name's extension, else by its first non-blank line."""
    suffix = Path(name).suffix.lower()
    if suffix in (".md", ".markdown"):
        return "markdown"
    if suffix in (".jsonl", ".json", ".ndjson"):
        return "jsonl"
    if suffix == ".csv":
        return "csv"
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if first.startswith("{"):
        return "jsonl"
    if HEADING.match(first) or CHECKBOX.match(first):
        return "markdown"
    if "," in first and "question" in first.lower():
        return "csv"
    raise ExamFileError(f"{name} line 1: not an exam file: write it as Markdown (### question, - [ ] option), "
                        "JSONL or CSV")


def parse_exam_file(text: str, name: str) -> ExamFile:
    """The questions of ``text`` (the file ``name``)."""
    kind = detect(text, name)
    parse = {"markdown": _markdown, "jsonl": _jsonl, "csv": _csv}[kind]
    questions, skipped = parse(text, name)
    if len(questions) + len(skipped) > MAX_QUESTIONS:
        starts = sorted([q.line for q in questions] + [line for line, _ in skipped])
        raise ExamFileError(f"{name} line {starts[MAX_QUESTIONS]}: more than {MAX_QUESTIONS} questions "
                            f"({len(starts)} in all); split the file")
    if not questions:
        if skipped:
            line, why = skipped[0]
            raise ExamFileError(f"{name} line {line}: no question could be read ({len(skipped)} malformed; "
                                f"the first: {why})")
        raise ExamFileError(f"{name}: no questions found")
    return ExamFile(name, kind, questions, skipped)


def _question(stem: str, options: list[str], line: int) -> ExamQuestion:
    """The question, checked as a pasted one is; an ExamError saying what is missing."""
    text = "\n".join([stem, *(f"{LETTERS[i]}. {o}" for i, o in enumerate(options))])
    if not stem.strip():
        raise ExamError("the question has no text")
    if len(options) < 2:
        raise ExamError(f"{'no options' if not options else 'only one option'}: a question needs at least two")
    if len(options) > len(LETTERS):
        raise ExamError(f"{len(options)} options; at most {len(LETTERS)}")
    return parse_exam_question(text)


def _mixed(line: str, kind: str) -> str | None:
    stripped = line.strip()
    if kind != "jsonl" and stripped.startswith("{") and stripped.endswith("}"):
        return "a JSON line in a Markdown file: one format per file"
    if kind != "markdown" and (HEADING.match(stripped) or CHECKBOX.match(stripped)):
        return "a Markdown heading or checkbox in a JSONL file: one format per file"
    return None


def _markdown(text: str, name: str) -> tuple[list[FileQuestion], list[tuple[int, str]]]:
    questions: list[FileQuestion] = []
    skipped: list[tuple[int, str]] = []
    blocks: list[tuple[int, list[tuple[int, str]]]] = []
    for number, line in enumerate(text.splitlines(), 1):
        why = _mixed(line, "markdown")
        if why:
            raise ExamFileError(f"{name} line {number}: {why}")
        if HEADING.match(line):
            blocks.append((number, [(number, line)]))
        elif blocks:
            blocks[-1][1].append((number, line))
        elif CHECKBOX.match(line):
            skipped.append((number, "an option before any ### question heading"))
    for start, lines in blocks:
        heading = HEADING.match(lines[0][1])
        assert heading is not None
        stem_lines = [heading.group("text")]
        options: list[str] = []
        answers: list[str] = []
        for _, line in lines[1:]:
            box = CHECKBOX.match(line)
            if box:
                if box.group("mark").lower() == "x":
                    answers.append(LETTERS[len(options)] if len(options) < len(LETTERS) else "?")
                options.append(box.group("text"))
            elif line.strip() and not options and not line.lstrip().startswith(("<", "```", "|")):
                stem_lines.append(line.strip())
        stem = re.sub(r"^\s*(?:q(?:uestion)?\s*)?\d+\s*[.):]\s*", "", " ".join(stem_lines), flags=re.IGNORECASE)
        try:
            question = _question(stem, options, start)
            questions.append(FileQuestion(start, _with_pick(question, answers), answers))
        except ExamError as exc:
            skipped.append((start, str(exc)))
    return questions, skipped


def _with_pick(question: ExamQuestion, answers: list[str]) -> ExamQuestion:
    """The question asking for as many options as its key marks (when the stem doesn't say)."""
    if len(answers) > 1 and question.pick == 1 and len(answers) < len(question.options):
        return ExamQuestion(question.stem, question.options, len(answers))
    return question


def _answers(raw: object, options: list[str]) -> list[str]:
    """A key as letters: from letters ("B", "A,C"), option texts, or 0-based indexes."""
    items = raw if isinstance(raw, list) else [] if raw in (None, "") else re.split(r"[,;|\s]+", str(raw).strip())
    letters = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool) and 0 <= item < len(options):
            letters.append(LETTERS[item])
        elif isinstance(item, str) and len(item.strip()) == 1 and item.strip().upper() in LETTERS[: len(options)]:
            letters.append(item.strip().upper())
        elif isinstance(item, str) and item.strip() in options:
            letters.append(LETTERS[options.index(item.strip())])
        else:
            raise ExamError(f"the answer {item!r} is not one of the options (give letters, texts or 0-based indexes)")
    return sorted(set(letters))


def _jsonl(text: str, name: str) -> tuple[list[FileQuestion], list[tuple[int, str]]]:
    questions: list[FileQuestion] = []
    skipped: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        why = _mixed(line, "jsonl")
        if why:
            raise ExamFileError(f"{name} line {number}: {why}")
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            skipped.append((number, f"not a JSON object ({exc.msg})"))
            continue
        try:
            if not isinstance(row, dict):
                raise ExamError("not a JSON object")
            options = row.get("options")
            if not isinstance(options, list) or not all(isinstance(o, str) for o in options) or not options:
                raise ExamError('no "options" (a list of strings)')
            stem = row.get("question")
            if not isinstance(stem, str):
                raise ExamError('no "question" (a string)')
            answers = _answers(row.get("answers", row.get("answer")), options)
            questions.append(FileQuestion(number, _with_pick(_question(stem, options, number), answers), answers))
        except ExamError as exc:
            skipped.append((number, str(exc)))
    return questions, skipped


OPTION_COLUMN = re.compile(r"^(?:option|choice|answer)?[\s_]*(?P<key>[a-h]|[1-8])$", re.IGNORECASE)


def _csv(text: str, name: str) -> tuple[list[FileQuestion], list[tuple[int, str]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise ExamFileError(f"{name}: no questions found") from None
    except csv.Error as exc:
        raise ExamFileError(f"{name} line 1: not CSV ({exc})") from None
    if "question" not in header:
        raise ExamFileError(f"{name} line 1: the header has no 'question' column (found: {', '.join(header)})")
    stem_at = header.index("question")
    option_at = [i for i, h in enumerate(header) if OPTION_COLUMN.match(h) and h not in ("answer",)]
    listed_at = header.index("options") if "options" in header else None
    key_at = next((header.index(k) for k in ("answers", "answer", "correct") if k in header), None)
    if not option_at and listed_at is None:
        raise ExamFileError(f"{name} line 1: the header has no option columns (A, B, ... or 'options')")
    questions: list[FileQuestion] = []
    skipped: list[tuple[int, str]] = []
    try:
        for row in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            try:
                cells = row + [""] * (len(header) - len(row))
                if listed_at is not None:
                    options = [o.strip() for o in cells[listed_at].split("|") if o.strip()]
                else:
                    options = [cells[i].strip() for i in option_at if cells[i].strip()]
                answers = _answers(cells[key_at] if key_at is not None else None, options)
                questions.append(FileQuestion(number, _with_pick(_question(cells[stem_at].strip(), options, number),
                                                                 answers), answers))
            except ExamError as exc:
                skipped.append((number, str(exc)))
    except csv.Error as exc:
        raise ExamFileError(f"{name} line {reader.line_num}: not CSV ({exc})") from None
    return questions, skipped
