"""A cited passage in its context: the lines around a citation, numbered, the cited ones marked,
rebuilt from the stored chunks of the same file (each chunk is exactly a span of the file's lines).

>>> from langchain_core.documents import Document
>>> docs = [Document("SQS\\npull based", metadata={"start_line": 1, "end_line": 2}),
...         Document("30 seconds default", metadata={"start_line": 4, "end_line": 4})]
>>> [(line.number, line.text, line.cited) for line in context_lines(docs, 4, 4, margin=2)]
[(2, 'pull based', False), (3, '', False), (4, '30 seconds default', True)]

A PDF's lines are labelled by page and line on it, as its citations are:

>>> from core.spans import parse_ref
>>> pdf = [Document("a\\nb\\nc", metadata={"start_line": 1, "end_line": 3, "pages": "1:1 2:3"})]
>>> [(line.label, line.cited) for line in cited_lines(pdf, parse_ref("x.pdf p.2:1"), margin=1)]
[('p.1:2', False), ('p.2:1', True)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from langchain_core.documents import Document

from core.spans import LineSpan, page_map, page_position


@dataclass(frozen=True)
class ContextLine:
    number: int
    text: str
    cited: bool
    label: str = ""  # shown instead of the number when set ("p.2:3" in a PDF)


def file_lines(docs: Sequence[Document]) -> dict[int, str]:
    """Line number -> text for every line the chunks cover (lines between chunks are blank ones)."""
    lines: dict[int, str] = {}
    for doc in docs:
        first = int(doc.metadata["start_line"])
        for offset, text in enumerate(doc.page_content.split("\n")):
            lines.setdefault(first + offset, text)
    return lines


def file_pages(docs: Sequence[Document]) -> dict[int, int]:
    """Page -> its first line (counted across the file), from the chunks of a PDF; empty for text."""
    starts: dict[int, int] = {}
    for doc in docs:
        starts.update(page_map(str(doc.metadata.get("pages", ""))))
    return starts


def context_lines(docs: Sequence[Document], start: int, end: int, margin: int = 8,
                  pages: Mapping[int, int] | None = None) -> list[ContextLine]:
    """Lines ``start - margin`` .. ``end + margin`` of the file the chunks come from (labelled by
    page when ``pages`` says where the pages of a PDF begin)."""
    lines = file_lines(docs)
    last = max(lines, default=end)
    first_shown, last_shown = max(1, start - margin), min(last, end + margin)
    return [
        ContextLine(n, lines.get(n, ""), start <= n <= end, page_label(pages, n) if pages else "")
        for n in range(first_shown, last_shown + 1)
    ]


def cited_lines(docs: Sequence[Document], span: LineSpan, margin: int = 8) -> list[ContextLine]:
    """The lines around ``span`` (as ``parse_ref`` reads a citation) in the file the chunks come from;
    a ValueError if it names a page the chunks don't have."""
    pages = file_pages(docs)
    if span.start_page is None:
        return context_lines(docs, span.start_line, span.end_line, margin, pages)
    end_page = span.end_page or span.start_page
    for page in (span.start_page, end_page):
        if page not in pages:
            raise ValueError(f"{span.source} has no text on page {page} in the index")
    start = pages[span.start_page] + span.start_line - 1
    end = pages[end_page] + span.end_line - 1
    return context_lines(docs, start, end, margin, pages)


def page_label(pages: Mapping[int, int], line: int) -> str:
    """How a PDF's ``line``-th line (counted across pages) is cited: ``p.2:3``."""
    page, number = page_position(pages, line)
    return f"p.{page}:{number}"
