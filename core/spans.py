"""Line spans of a notes file, and the quotes and citations that point into them: one family of
types for chunks, answers, quiz items, exam evidence and the evals.

>>> span = LineSpan("corpus/notes.txt", 141, 142)
>>> span.ref, span.overlaps(LineSpan("corpus/notes.txt", 142, 150))
('corpus/notes.txt:141-142', True)
>>> Quote("corpus/notes.txt", 3, 3, "30 seconds").ref
'corpus/notes.txt:3'

A PDF's lines are counted per page: a citation names the page and the line on it.

>>> LineSpan("notes/slides.pdf", 3, 5, start_page=2, end_page=2).ref
'notes/slides.pdf p.2:3-5'

Chunks number a PDF's lines across all its pages (the index's line numbers: a chunk is a run of
them) and carry ``pages``, where each page they touch begins (``page_map``); ``on_pages`` turns a
span in those numbers into one in pages and lines on them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from typing import Any, TypeVar

REF = re.compile(r"^(?P<source>.+):(?P<start>\d+)(?:-(?P<end>\d+))?$")
PDF_REF = re.compile(
    r"^(?P<source>.+\.pdf) p\.(?P<start_page>\d+):(?P<start>\d+)(?:-(?:p\.(?P<end_page>\d+):)?(?P<end>\d+))?$",
    re.IGNORECASE,
)
PAGE_KEYS = ("start_page", "end_page")

S = TypeVar("S", bound="LineSpan")


def line_ref(source: str, start_line: int, end_line: int, start_page: int | None = None,
             end_page: int | None = None) -> str:
    """How a citation is written: ``corpus/notes.txt:141-142``, or ``corpus/notes.txt:141``; in a
    PDF ``notes/a.pdf p.2:3-5`` (page 2, lines 3-5 of it), or across pages ``notes/a.pdf p.1:40-p.2:3``.

    >>> line_ref("corpus/notes.txt", 141, 142)
    'corpus/notes.txt:141-142'
    >>> line_ref("a.pdf", 3, 3, 2, 2), line_ref("a.pdf", 40, 3, 1, 2)
    ('a.pdf p.2:3', 'a.pdf p.1:40-p.2:3')
    """
    if start_page is None:
        lines = f"{start_line}" if start_line == end_line else f"{start_line}-{end_line}"
        return f"{source}:{lines}"
    end_page = start_page if end_page is None else end_page
    if end_page != start_page:
        return f"{source} p.{start_page}:{start_line}-p.{end_page}:{end_line}"
    lines = f"{start_line}" if start_line == end_line else f"{start_line}-{end_line}"
    return f"{source} p.{start_page}:{lines}"


def parse_ref(ref: str) -> LineSpan:
    """A citation as ``line_ref`` writes it, read back; a ValueError if it is not one.

    >>> parse_ref("corpus/notes.txt:141-142")
    LineSpan(source='corpus/notes.txt', start_line=141, end_line=142, start_page=None, end_page=None)
    >>> parse_ref("a.pdf p.1:40-p.2:3").ref
    'a.pdf p.1:40-p.2:3'
    """
    text = ref.strip()
    match = PDF_REF.match(text)
    if match:
        start, page = int(match["start"]), int(match["start_page"])
        return LineSpan(match["source"], start, int(match["end"] or start), start_page=page,
                        end_page=int(match["end_page"] or page))
    match = REF.match(text)
    if not match:
        raise ValueError(f"'{ref}' is not a citation of the form file:start-end (or file.pdf p.page:line)")
    start = int(match["start"])
    return LineSpan(match["source"], start, int(match["end"] or start))


def page_map(pages: str) -> dict[int, int]:
    """A chunk's ``pages`` metadata (``"1:1 2:41"``: page 2 begins at the 41st line of the PDF) as
    page -> first line; empty for a text file.

    >>> page_map("1:1 2:41"), page_map("")
    ({1: 1, 2: 41}, {})
    """
    return {int(page): int(first) for page, first in (item.split(":") for item in pages.split())}


def pages_text(starts: Mapping[int, int]) -> str:
    """The inverse of ``page_map``.

    >>> pages_text({2: 41, 1: 1})
    '1:1 2:41'
    """
    return " ".join(f"{page}:{first}" for page, first in sorted(starts.items()))


def page_position(starts: Mapping[int, int], line: int) -> tuple[int, int]:
    """(page, line on that page) of the PDF's ``line``-th line, given where its pages begin.

    >>> page_position({1: 1, 2: 41}, 41), page_position({1: 1, 2: 41}, 40)
    ((2, 1), (1, 40))
    """
    page = max((p for p, first in starts.items() if first <= line), key=starts.__getitem__)
    return page, line - starts[page] + 1


def on_pages(span: S, pages: str | Mapping[int, int]) -> S:
    """``span`` (in lines counted across the PDF) in pages and lines on them; unchanged without pages.

    >>> on_pages(LineSpan("a.pdf", 40, 42), "1:1 2:41").ref
    'a.pdf p.1:40-p.2:2'
    """
    starts = page_map(pages) if isinstance(pages, str) else pages
    if not starts or span.start_page is not None:
        return span
    start_page, start_line = page_position(starts, span.start_line)
    end_page, end_line = page_position(starts, span.end_line)
    return replace(span, start_line=start_line, end_line=end_line, start_page=start_page, end_page=end_page)


def span_dict(span: LineSpan) -> dict[str, Any]:
    """The JSON shape of a span: its fields, with ``start_page``/``end_page`` only in a PDF.

    >>> span_dict(Quote("a.txt", 3, 3, "x"))
    {'source': 'a.txt', 'start_line': 3, 'end_line': 3, 'quote': 'x'}
    """
    return {k: v for k, v in asdict(span).items() if not (k in PAGE_KEYS and v is None)}


@dataclass(frozen=True)
class LineSpan:
    """Lines ``start_line``..``end_line`` (1-based, inclusive) of ``source``; in a PDF, from line
    ``start_line`` of page ``start_page`` to line ``end_line`` of page ``end_page``."""

    source: str
    start_line: int
    end_line: int
    start_page: int | None = field(default=None, kw_only=True)
    end_page: int | None = field(default=None, kw_only=True)

    @property
    def ref(self) -> str:
        return line_ref(self.source, self.start_line, self.end_line, self.start_page, self.end_page)

    def overlaps(self, other: LineSpan) -> bool:
        """Same file and at least one line in common."""
        return self.source == other.source and self._first() <= other._last() and other._first() <= self._last()

    def _first(self) -> tuple[int, int]:
        return self.start_page or 0, self.start_line

    def _last(self) -> tuple[int, int]:
        return self.end_page or self.start_page or 0, self.end_line


@dataclass(frozen=True)
class Quote(LineSpan):
    """A span and ``quote``, a verbatim substring of its lines."""

    quote: str


@dataclass(frozen=True)
class Citation(Quote):
    """A quote that backs an answer, with the evidence ``score`` it was chosen by."""

    score: float
