"""Lines end at ``\\r\\n``, ``\\n`` or a lone ``\\r`` (old Mac files), as editors number them, in the
chunks (their line spans and texts) and in the app's Notes viewer alike."""

from __future__ import annotations

from pathlib import Path

from langchain_core.embeddings import DeterministicFakeEmbedding

from assistant.app.workspace import Workspace
from core.settings import PROJECT_ROOT, Settings
from ingest.loaders import NotesLoader

LINES = (PROJECT_ROOT / "corpus" / "aws-developer-associate-notes.txt").read_text(encoding="utf-8").split("\n")[:120]


def check_chunks(path: Path, lines: list[str]) -> None:
    """The file's chunks are exactly spans of ``lines``, cover every non-blank one, and hold no CR."""
    docs = NotesLoader(path, path.parent).load()
    assert len(docs) > 3, "the file was read as a few long lines"
    covered: set[int] = set()
    for doc in docs:
        start, end = doc.metadata["start_line"], doc.metadata["end_line"]
        assert "\r" not in doc.page_content, (start, doc.page_content[:80])
        assert doc.page_content == "\n".join(lines[start - 1 : end]), (start, end)
        covered |= set(range(start, end + 1))
    assert {n for n, line in enumerate(lines, 1) if line.strip()} <= covered
    assert max(doc.metadata["end_line"] for doc in docs) >= len([line for line in lines if line.strip()]) // 2


def test_cr_only_file_is_chunked_by_its_lines(tmp_path: Path) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    mac = notes / "old-mac.txt"
    mac.write_bytes("\r".join(LINES).encode("utf-8"))
    check_chunks(mac, LINES)
    ws = Workspace(Settings(data_dir=tmp_path / "data", notes_dir=notes), DeterministicFakeEmbedding(size=384))  # type: ignore[arg-type]
    source, shown, pages = ws.note_lines("old-mac.txt")
    assert (source, shown, pages) == ("notes/old-mac.txt", LINES, {})


def test_mixed_line_endings_count_like_an_editor(tmp_path: Path) -> None:
    endings = ["\r", "\r\n", "\n"]  # never a CR before an empty line ending in LF: that is one CRLF
    text = "".join(line + endings[i % 3] for i, line in enumerate(LINES))
    mixed = tmp_path / "mixed.md"
    mixed.write_bytes(text.encode("utf-8"))
    check_chunks(mixed, [*LINES, ""])  # the text after the last line ending is an (empty) line
    assert NotesLoader(mixed, tmp_path).lines()[0] == [*LINES, ""]


def test_other_unicode_separators_stay_inside_their_line(tmp_path: Path) -> None:
    """Editors show \\f, \\v, \\x1c-\\x1e, \\x85, \\u2028 and \\u2029 inside a line: they do not start one."""
    odd = tmp_path / "odd.txt"
    odd.write_bytes("one\x0cstill one\u2028and\x85more\rtwo\x0b\x1c\x1d\x1e\u2029two\nthree".encode())
    lines, _ = NotesLoader(odd, tmp_path).lines()
    assert lines == ["one\x0cstill one\u2028and\x85more", "two\x0b\x1c\x1d\x1e\u2029two", "three"]
