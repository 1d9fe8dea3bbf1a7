"""A cited passage in its context: the lines around a citation, numbered, the cited ones marked,
rebuilt from the stored chunks of the same file (each chunk is exactly a span of the file's lines).

>>> from langchain_core.documents import Document
>>> docs = [Document("SQS\\npull based", metadata={"start_line": 1, "end_line": 2}),
...         Document("30 seconds default", metadata={"start_line": 4, "end_line": 4})]
>>> [(line.number, line.text, line.cited) for line in context_lines(docs, 4, 4, margin=2)]
[(2, 'pull based', False), (3, '', False), (4, '30 seconds default', True)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.documents import Document


@dataclass(frozen=True)
class ContextLine:
    number: int
    text: str
    cited: bool


def file_lines(docs: Sequence[Document]) -> dict[int, str]:
    """Line number -> text for every line the chunks cover (lines between chunks are blank ones)."""
    lines: dict[int, str] = {}
    for doc in docs:
        first = int(doc.metadata["start_line"])
        for offset, text in enumerate(doc.page_content.split("\n")):
            lines.setdefault(first + offset, text)
    return lines


def context_lines(docs: Sequence[Document], start: int, end: int, margin: int = 8) -> list[ContextLine]:
    """Lines ``start - margin`` .. ``end + margin`` of the file the chunks come from."""
    lines = file_lines(docs)
    last = max(lines, default=end)
    first_shown, last_shown = max(1, start - margin), min(last, end + margin)
    return [
        ContextLine(n, lines.get(n, ""), start <= n <= end) for n in range(first_shown, last_shown + 1)
    ]
