"""Line spans of a notes file, and the quotes and citations that point into them: one family of
types for chunks, answers, quiz items, exam evidence and the evals.

>>> span = LineSpan("corpus/notes.txt", 141, 142)
>>> span.ref, span.overlaps(LineSpan("corpus/notes.txt", 142, 150))
('corpus/notes.txt:141-142', True)
>>> Quote("corpus/notes.txt", 3, 3, "30 seconds").ref
'corpus/notes.txt:3'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

REF = re.compile(r"^(?P<source>.+):(?P<start>\d+)(?:-(?P<end>\d+))?$")


def line_ref(source: str, start_line: int, end_line: int) -> str:
    """How a citation is written: ``corpus/notes.txt:141-142``, or ``corpus/notes.txt:141``.

    >>> line_ref("corpus/notes.txt", 141, 142)
    'corpus/notes.txt:141-142'
    """
    lines = f"{start_line}" if start_line == end_line else f"{start_line}-{end_line}"
    return f"{source}:{lines}"


def parse_ref(ref: str) -> tuple[str, int, int]:
    """``source:start-end`` (or ``source:line``) -> (source, start, end); a ValueError otherwise.

    >>> parse_ref("corpus/notes.txt:141-142")
    ('corpus/notes.txt', 141, 142)
    """
    match = REF.match(ref.strip())
    if not match:
        raise ValueError(f"'{ref}' is not a citation of the form file:start-end")
    start = int(match["start"])
    return match["source"], start, int(match["end"] or start)



@dataclass(frozen=True)
class LineSpan:
    """Lines ``start_line``..``end_line`` (1-based, inclusive) of ``source``."""

    source: str
    start_line: int
    end_line: int

    @property
    def ref(self) -> str:
        return line_ref(self.source, self.start_line, self.end_line)

    def overlaps(self, other: LineSpan) -> bool:
        """Same file and at least one line in common."""
        return (
            self.source == other.source
            and self.start_line <= other.end_line
            and other.start_line <= self.end_line
        )


@dataclass(frozen=True)
class Quote(LineSpan):
    """A span and ``quote``, a verbatim substring of its lines."""

    quote: str


@dataclass(frozen=True)
class Citation(Quote):
    """A quote that backs an answer, with the evidence ``score`` it was chosen by."""

    score: float
