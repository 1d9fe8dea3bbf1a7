"""The chunker follows the notes' structure and its spans are exact and complete."""

from __future__ import annotations

from pathlib import Path

from ingest.chunking import SEPARATOR, chunk_lines
from ingest.loaders import NotesLoader
from tests.conftest import NOTES_FILE


def file_lines() -> list[str]:
    return NOTES_FILE.read_text(encoding="utf-8").split("\n")


def test_spans_cover_every_non_blank_line_once() -> None:
    lines = file_lines()
    spans = chunk_lines(lines)
    covered: list[int] = []
    for span in spans:
        assert 1 <= span.start_line <= span.end_line <= len(lines)
        covered += range(span.start_line, span.end_line + 1)
    assert len(covered) == len(set(covered)), "chunks overlap"
    missing = [n for n, line in enumerate(lines, 1) if line.strip() and n not in set(covered)]
    assert missing == []


def test_chunk_text_is_the_files_lines_at_its_span() -> None:
    lines = file_lines()
    docs = NotesLoader(NOTES_FILE, NOTES_FILE.parent).load()
    assert len(docs) > 150
    for doc in docs:
        start, end = doc.metadata["start_line"], doc.metadata["end_line"]
        assert doc.page_content == "\n".join(lines[start - 1 : end])
        assert doc.metadata["source"] == "corpus/aws-developer-associate-notes.txt"
        assert doc.metadata["section"]
        assert len(doc.metadata["chunk_hash"]) == 64


def test_chunks_are_small_enough_to_cite() -> None:
    lines = file_lines()
    spans = chunk_lines(lines, max_chars=500)
    sizes = sorted(sum(len(x) + 1 for x in lines[s.start_line - 1 : s.end_line]) for s in spans)
    assert sizes[len(sizes) // 2] < 400, "median chunk should be a few lines"
    for span in spans:
        # A separator line closing a section is attached to its last chunk; it is not content.
        body = [x for x in lines[span.start_line - 1 : span.end_line] if x.strip() and not SEPARATOR.match(x)]
        size = sum(len(x) + 1 for x in body)
        # Only an indivisible unit (one long line, a JSON block) may exceed the limit.
        assert size <= 500 or len(body) <= 2 or body[0].strip() in ("{", "[") or body[1].strip() in ("{", "[")


def test_json_block_is_kept_whole() -> None:
    lines = file_lines()
    open_at = next(n for n, x in enumerate(lines, 1) if x.strip() == "{" and '"Version"' in lines[n])
    close_at = next(n for n in range(open_at, len(lines) + 1) if lines[n - 1].strip() == "}")
    holders = [s for s in chunk_lines(lines) if s.start_line <= open_at <= s.end_line]
    assert holders and holders[0].end_line >= close_at


def test_structure_gives_sections_and_topics() -> None:
    spans = chunk_lines(file_lines())
    sqs = [s for s in spans if "SQS" in s.section]
    assert sqs, "the SQS topic should label its chunks"
    assert any(s.section.startswith("IAM") for s in spans)
    assert len({s.section for s in spans}) > 60


def test_separators_titles_and_lists(tmp_path: Path) -> None:
    lines = [
        "Storage :",
        "",
        "S3 - object storage",
        "max object size 5TB.",
        "=====",
        "Load balancers",
        "--------------",
        "1) application load balancer",
        "2) network load balancer",
    ]
    spans = chunk_lines(lines, max_chars=500, min_chars=0)
    assert [(s.start_line, s.end_line) for s in spans] == [(1, 5), (6, 9)]
    assert spans[0].section == "Storage > S3"
    assert spans[1].section == "Load balancers"
