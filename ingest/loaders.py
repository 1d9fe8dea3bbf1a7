"""Read notes files (.txt, .md, .pdf) and turn each into chunk ``Document``s with line spans.

>>> from pathlib import Path; import tempfile
>>> root = Path(tempfile.mkdtemp()) / "notes"; root.mkdir()
>>> _ = (root / "sqs.md").write_text("# SQS\\nvisibility timeout 30 seconds default\\n")
>>> doc = next(NotesLoader(root / "sqs.md", root).lazy_load())
>>> doc.metadata["source"], doc.metadata["start_line"], doc.metadata["end_line"]
('notes/sqs.md', 1, 2)
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document

from core.spans import pages_text
from ingest.chunking import chunk_lines
from ingest.errors import NotesError
from ingest.walk import SUPPORTED_SUFFIXES, TEXT_SUFFIXES, source_name  # noqa: F401  (re-exported)

LINE_END = re.compile(r"\r\n|\r|\n")


def size_problem(size: int, max_bytes: int) -> str | None:
    """Why a file of ``size`` bytes can't be notes (empty, or over the limit); None if it can.

    >>> size_problem(0, 100), size_problem(3_000_000, 2_000_000), size_problem(50, 100)
    ('the file is empty', 'the file is 3 MB; notes files can be at most 2 MB', None)
    >>> size_problem(20_000, 10_000)
    'the file is 20 KB; notes files can be at most 10 KB'
    """
    if size == 0:
        return "the file is empty"
    if size > max_bytes:
        return f"the file is {_size(size)}; notes files can be at most {_size(max_bytes)}"
    return None


def _size(n: int) -> str:
    if n >= 1e6:
        return f"{n / 1e6:.3g} MB"
    return f"{n / 1e3:.3g} KB" if n >= 1e3 else f"{n} bytes"


def read_text_lines(path: Path, max_bytes: int) -> list[str]:
    """The file's lines (no line endings), or a NotesError saying why it can't be read as notes."""
    problem = size_problem(path.stat().st_size, max_bytes)
    if problem:
        raise NotesError(f"{path}: {problem}")
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise NotesError(f"{path}: looks like a binary file, not text notes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise NotesError(f"{path}: not valid UTF-8 (line {line}, byte {exc.start}); save it as UTF-8") from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise NotesError(f"{path}: the file has no text")
    return split_lines(text)


def split_lines(text: str) -> list[str]:
    r"""The lines of ``text`` as an editor numbers them: a line ends at ``\r\n``, ``\n`` or a lone ``\r``
    (old Mac files), whatever the mix.

    Only those three: ``str.splitlines`` also ends lines at ``\v``, ``\f``, ``\x1c``-``\x1e``, ``\x85``,
    ``\u2028`` and ``\u2029``, which editors (VS Code, vim) show inside a line, so splitting at
    them would shift every later line's number away from the one the editor shows. The text after
    a final line ending is one more (empty) line, as ``str.split`` gives it.

    >>> split_lines("a\rb\r\nc\nd\x0ce\u2028f")
    ['a', 'b', 'c', 'd\x0ce\u2028f']
    >>> split_lines("a\r\r\nb\r")
    ['a', '', 'b', '']
    """
    return LINE_END.split(text)


def read_pdf_pages(path: Path, max_bytes: int) -> list[list[str]]:
    """Each page's extracted lines."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if path.stat().st_size > max_bytes:
        raise NotesError(f"{path}: the file is over the {max_bytes / 1e6:.0f} MB limit")
    try:
        pages = [_page_lines(page.extract_text() or "") for page in PdfReader(path).pages]
    except (PyPdfError, ValueError, OSError) as exc:
        raise NotesError(f"{path}: not a readable PDF ({exc})") from None
    if not any(line.strip() for page in pages for line in page):
        raise NotesError(f"{path}: the PDF has no extractable text (scanned images are not supported)")
    return pages


def _page_lines(text: str) -> list[str]:
    """A page's extracted lines, without the empty one after a final line ending."""
    lines = split_lines(text)
    return lines[:-1] if lines[-1] == "" else lines


def page_starts(pages: list[int]) -> dict[int, int]:
    """Page -> its first line, counted across the file, given each line's page.

    >>> page_starts([1, 1, 3, 3, 3])
    {1: 1, 3: 3}
    """
    starts: dict[int, int] = {}
    for number, page in enumerate(pages, 1):
        starts.setdefault(page, number)
    return starts


class NotesLoader(BaseLoader):
    """Loads one notes file as chunk Documents.

    Each Document's ``page_content`` is exactly lines ``start_line``..``end_line`` of the file.
    For a PDF those are lines of its extracted text counted across all pages; the metadata adds
    ``page`` (the first line's) and ``pages`` (where each page the chunk touches begins, as
    ``core.spans.page_map`` reads it), from which citations name pages and lines on them.
    """

    def __init__(self, path: Path, notes_dir: Path, max_chars: int = 500, min_chars: int = 200,
                 max_bytes: int = 20_000_000, label: str | None = None) -> None:
        self.path = path
        self.notes_dir = notes_dir
        self.label = label
        self.max_chars = max_chars
        self.min_chars = min_chars
        self.max_bytes = max_bytes

    def lines(self) -> tuple[list[str], list[int]]:
        """The file's lines and, for each, its page number (1 for text files)."""
        suffix = self.path.suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
            raise NotesError(f"{self.path}: unsupported file type '{suffix or '(none)'}' (supported: {kinds})")
        if suffix == ".pdf":
            pages = read_pdf_pages(self.path, self.max_bytes)
            return [line for page in pages for line in page], [
                number for number, page in enumerate(pages, 1) for _ in page
            ]
        lines = read_text_lines(self.path, self.max_bytes)
        return lines, [1] * len(lines)

    def lazy_load(self) -> Iterator[Document]:
        lines, pages = self.lines()
        source = source_name(self.path, self.notes_dir, self.label)
        is_pdf = self.path.suffix.lower() == ".pdf"
        starts = page_starts(pages)
        for span in chunk_lines(lines, self.max_chars, self.min_chars, source):
            text = "\n".join(lines[span.start_line - 1 : span.end_line])
            metadata: dict[str, str | int] = {
                "source": span.source,
                "start_line": span.start_line,
                "end_line": span.end_line,
                "section": span.section,
                "chunk_hash": hashlib.sha256(text.encode()).hexdigest(),
            }
            if is_pdf:
                touched = set(pages[span.start_line - 1 : span.end_line])
                metadata["page"] = pages[span.start_line - 1]
                metadata["pages"] = pages_text({p: first for p, first in starts.items() if p in touched})
            yield Document(page_content=text, metadata=metadata)
