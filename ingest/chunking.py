"""Split a notes file into small, citable chunks that follow the notes' own structure.

A chunk is a contiguous span of lines; its text is exactly those lines of the file, so a
citation ``source:start-end`` can always be checked against the file itself.

>>> spans = chunk_lines(["Queues", "", "# SQS - pull based.", "30 seconds default."])
>>> [(s.start_line, s.end_line, s.section) for s in spans]
[(1, 4, 'Queues > SQS')]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from core.spans import LineSpan
from core.text import HEADING, SECTION_SEP, SEPARATOR, UNDERLINE

if TYPE_CHECKING:
    from langchain_core.documents import Document

# "Title - definition" / "Title : definition" lines that open a topic (short title, then text).
DEFINITION = re.compile(r"^\s*(?P<title>[A-Za-z][\w .()&@/'’,+-]{0,60}?)\s*(?:\s-{1,2}|:)(?=\s|$)")  # noqa: RUF001
URL = re.compile(r"^\s*https?://")
LIST_ITEM = re.compile(r"^\s*(\d{1,2}[).]|[-•*])\s+")
TITLE_MAX = 70
NOT_TITLES = {"ex", "eg", "e.g", "ie", "i.e", "note", "solution", "answer", "example"}  # "ex: ..." is no topic


@dataclass(frozen=True)
class ChunkSpan(LineSpan):
    """A chunk: lines ``start_line``..``end_line`` (1-based, inclusive) of ``source``, under ``section``."""

    section: str


def _title_of(line: str) -> str:
    """The short title a heading-like line announces ("# SQS - pull based" -> "SQS")."""
    text = line.strip()
    heading = HEADING.match(text)
    if heading:
        text = heading.group("title")
    definition = DEFINITION.match(text)
    if definition:
        text = definition.group("title")
    text = text.strip(" -:#*•")
    return text[:TITLE_MAX].rstrip()


def _is_blank(line: str) -> bool:
    return not line.strip()


def _json_block_end(lines: list[str], start: int) -> int | None:
    """If a JSON/brace block opens at ``start`` (0-based), the index of its closing line."""
    if not lines[start].strip().startswith(("{", "[")):
        return None
    depth = 0
    for i in range(start, len(lines)):
        depth += lines[i].count("{") + lines[i].count("[")
        depth -= lines[i].count("}") + lines[i].count("]")
        if depth <= 0:
            return i
    return None


def _opens_topic(lines: list[str], i: int) -> bool:
    """True when line ``i`` starts a new topic: a heading, an underlined title or a definition."""
    line = lines[i]
    if HEADING.match(line) and not SEPARATOR.match(line):
        return True
    if i + 1 < len(lines) and UNDERLINE.match(lines[i + 1]):
        return True
    definition = DEFINITION.match(line)
    if definition is None or LIST_ITEM.match(line):
        return False
    title = definition.group("title")
    # A title names a thing in a few words; "supports batch processing unlike kinesis. ( ..." does not.
    return title.lower() not in NOT_TITLES and len(title.split()) <= 6 and ". " not in title


def _units(lines: list[str], lo: int, hi: int) -> list[tuple[int, int]]:
    """Atomic runs of lines in [lo, hi): a JSON block, a title with its underline, or one line."""
    units: list[tuple[int, int]] = []
    i = lo
    while i < hi:
        end = _json_block_end(lines, i)
        if end is not None and end < hi and end - i < 80:
            units.append((i, end))
            i = end + 1
        elif i + 1 < hi and UNDERLINE.match(lines[i + 1]):
            units.append((i, i + 1))
            i += 2
        else:
            units.append((i, i))
            i += 1
    return units


def _paragraphs(lines: list[str], lo: int, hi: int) -> list[tuple[int, int]]:
    """Runs of non-blank lines in [lo, hi), as inclusive 0-based index pairs."""
    runs: list[tuple[int, int]] = []
    i = lo
    while i < hi:
        if _is_blank(lines[i]):
            i += 1
            continue
        j = i
        while j + 1 < hi and not _is_blank(lines[j + 1]):
            j += 1
        runs.append((i, j))
        i = j + 1
    return runs


def _is_heading_only(lines: list[str], run: tuple[int, int]) -> bool:
    """A paragraph that only names what follows ("Storage services :", "IAM -", "Tasks")."""
    start, end = run
    body = [line for line in lines[start : end + 1] if not UNDERLINE.match(line)]
    if len(body) != 1:
        return False
    text = body[0].strip()
    return len(text) <= TITLE_MAX and (
        text.endswith((":", "-", "?")) or HEADING.match(text) is not None or end > start or len(text.split()) <= 4
    )


def chunk_lines(lines: list[str], max_chars: int = 500, min_chars: int = 200, source: str = "") -> list[ChunkSpan]:
    """Cut ``lines`` (of the file named ``source``) into chunk spans that together cover every non-blank line.

    Sections are delimited by separator lines (``=====``); a section's first line is its title.
    Within a section, paragraphs are chunks; a long paragraph is cut where a new topic opens
    (``# X``, ``X - ...``, an underlined title) once it holds ``min_chars``, or where it would
    grow past ``max_chars``. JSON blocks
    and a title with its underline are never cut. A heading-only paragraph joins the next one.
    """
    spans: list[ChunkSpan] = []
    section_start = 0
    n = len(lines)
    bounds = [i for i, line in enumerate(lines) if SEPARATOR.match(line)]
    for sep in [*bounds, n]:
        _chunk_section(lines, section_start, sep, (min_chars, max_chars), spans)
        if sep < n:
            _attach_separator(spans, sep, lines)
        section_start = sep + 1
    return [replace(span, source=source) for span in spans]


def _attach_separator(spans: list[ChunkSpan], sep: int, lines: list[str]) -> None:
    """Cover a separator line with the chunk just before it (or a chunk of its own)."""
    if spans:
        last = spans[-1]
        spans[-1] = ChunkSpan("", last.start_line, sep + 1, last.section)
    else:
        spans.append(ChunkSpan("", sep + 1, sep + 1, _title_of(lines[sep]) or "notes"))


def _chunk_section(
    lines: list[str], lo: int, hi: int, limits: tuple[int, int], spans: list[ChunkSpan]
) -> None:
    min_chars, max_chars = limits
    runs = _paragraphs(lines, lo, hi)
    if not runs:
        return
    titled = [run for run in runs if not URL.match(lines[run[0]])] or runs
    section_title = _title_of(lines[titled[0][0]])
    topic = ""
    pending_start: int | None = None
    for run in runs:
        if _is_heading_only(lines, run) and run is not runs[-1]:
            if pending_start is None:
                pending_start = run[0]
            if run[0] != runs[0][0]:
                topic = _title_of(lines[run[0]])
            continue
        start = pending_start if pending_start is not None else run[0]
        pending_start = None
        piece_start = start
        size = sum(len(line) + 1 for line in lines[start : run[0]])
        for unit_start, unit_end in _units(lines, run[0], run[1] + 1):
            unit_chars = sum(len(line) + 1 for line in lines[unit_start : unit_end + 1])
            new_topic = _opens_topic(lines, unit_start)
            too_big = size + unit_chars > max_chars
            if unit_start > max(piece_start, run[0]) and ((new_topic and size >= min_chars) or too_big):
                spans.append(ChunkSpan("", piece_start + 1, unit_start, _label(section_title, topic)))
                piece_start, size = unit_start, 0
            if new_topic and unit_start != runs[0][0]:
                topic = _title_of(lines[unit_start])
            size += unit_chars
        spans.append(ChunkSpan("", piece_start + 1, run[1] + 1, _label(section_title, topic)))


def _label(section_title: str, topic: str) -> str:
    if topic and topic.lower() != section_title.lower():
        return f"{section_title}{SECTION_SEP}{topic}" if section_title else topic
    return section_title or "notes"


def embedding_text(doc: Document) -> str:
    """What is embedded for a chunk: its section title, then its text."""
    section = doc.metadata.get("section", "")
    return f"{section}\n{doc.page_content}" if section else doc.page_content
