"""A PDF is cited by page and line on the page (``notes/a.pdf p.2:3``, ``p.2:3-5``, ``p.1:40-p.2:3``),
in the text and in the JSON (``start_page``/``end_page``, only for a PDF); the app's citation chip
opens those lines in context, labelled the same way.

The PDFs are written by hand here (``make_pdf``): a page is one text object in Helvetica, one text
line per line, which pypdf (what the loader reads PDFs with) extracts line for line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding

from assistant.answer.compose import Scored
from assistant.answer.engine import _passage
from assistant.answer.types import Answer
from assistant.app.context import cited_lines
from assistant.app.workspace import Workspace
from assistant.exam.solve import parse_exam_question, solve
from assistant.quiz.generate import generate_quiz
from assistant.quiz.items import QuizItem
from core.settings import PROJECT_ROOT, Settings
from core.spans import LineSpan, on_pages, page_map, page_position, parse_ref
from core.text import segments
from ingest.embeddings import LazyEmbeddings
from ingest.loaders import NotesLoader

TEXT_KEYS = ["source", "start_line", "end_line", "quote", "score"]  # a text file's JSON citation, unchanged
CORPUS = (PROJECT_ROOT / "corpus" / "aws-developer-associate-notes.txt").read_text(encoding="utf-8").split("\n")


def make_pdf(path: Path, pages: list[list[str]]) -> None:
    """Write a PDF whose page i holds the lines ``pages[i]`` (ASCII text)."""

    def literal(line: str) -> bytes:
        return b"(" + line.encode("ascii").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    count = len(pages)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, lines in enumerate(pages):
        stream = b"BT /F1 9 Tf 11 TL 36 760 Td " + b" T* ".join(literal(line) + b" Tj" for line in lines) + b" ET"
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> "
            f"/Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


def corpus_pages(per_page: int, count: int) -> list[list[str]]:
    """Non-blank lines of the corpus notes from its SNS section on, ``per_page`` to a page; made ASCII and
    without apostrophes (Helvetica's standard encoding reads ' back as a right quote)."""
    lines = [line.replace("\u2019", "").replace("'", "").encode("ascii", "replace").decode().strip()
             for line in CORPUS[125:]]
    lines = [line for line in lines if line]
    return [lines[i * per_page : (i + 1) * per_page] for i in range(count)]


def page_text(pages: list[list[str]], span: LineSpan) -> str:
    """What a PDF citation points at: its lines on its pages, as the loader reads them."""
    assert span.start_page is not None and span.end_page is not None
    if span.start_page == span.end_page:
        return "\n".join(pages[span.start_page - 1][span.start_line - 1 : span.end_line])
    first = pages[span.start_page - 1][span.start_line - 1 :]
    middle = [line for page in pages[span.start_page : span.end_page - 1] for line in page]
    return "\n".join([*first, *middle, *pages[span.end_page - 1][: span.end_line]])


@pytest.fixture
def pdf(tmp_path: Path) -> tuple[Path, list[list[str]]]:
    """notes/course.pdf: corpus lines, 7 to a page over 12 pages, with page 4 left blank."""
    notes = tmp_path / "notes"
    notes.mkdir()
    pages = corpus_pages(7, 12)
    pages[3] = []
    make_pdf(notes / "course.pdf", pages)
    return notes / "course.pdf", pages


def test_refs_name_the_page_and_read_back() -> None:
    for ref, span in [
        ("notes/a.pdf p.2:3", LineSpan("notes/a.pdf", 3, 3, start_page=2, end_page=2)),
        ("notes/a.pdf p.2:3-5", LineSpan("notes/a.pdf", 3, 5, start_page=2, end_page=2)),
        ("notes/a.pdf p.1:40-p.2:3", LineSpan("notes/a.pdf", 40, 3, start_page=1, end_page=2)),
        ("notes/week 3.txt:141-142", LineSpan("notes/week 3.txt", 141, 142)),
    ]:
        assert span.ref == ref
        assert parse_ref(ref) == span
    with pytest.raises(ValueError):
        parse_ref("notes/a.pdf p.2")
    assert LineSpan("a.pdf", 40, 3, start_page=1, end_page=2).overlaps(LineSpan("a.pdf", 2, 2, start_page=2))
    assert not LineSpan("a.pdf", 3, 5, start_page=1, end_page=1).overlaps(LineSpan("a.pdf", 4, 4, start_page=2))


def test_pdf_chunks_know_where_each_page_begins(pdf: tuple[Path, list[list[str]]]) -> None:
    path, pages = pdf
    lines, line_pages = NotesLoader(path, path.parent).lines()
    assert [line.strip() for line in lines] == [line for page in pages for line in page], "pypdf reads it back"
    docs = NotesLoader(path, path.parent).load()
    crossing = 0
    for doc in docs:
        starts = page_map(str(doc.metadata["pages"]))
        start, end = int(doc.metadata["start_line"]), int(doc.metadata["end_line"])
        span = on_pages(LineSpan("notes/course.pdf", start, end), starts)
        assert span.start_page == doc.metadata["page"] == line_pages[start - 1]
        assert span.end_page == line_pages[end - 1]
        assert page_text(pages, span) == "\n".join(line.strip() for line in doc.page_content.split("\n"))
        crossing += span.start_page != span.end_page
        # The chip of a chunk spanning pages opens exactly its lines, labelled page:line.
        shown = [line for line in cited_lines(docs, parse_ref(span.ref), margin=0) if line.cited]
        assert [line.text for line in shown] == doc.page_content.split("\n")
        assert shown[0].label == f"p.{span.start_page}:{span.start_line}"
        assert shown[-1].label == f"p.{span.end_page}:{span.end_line}"
    assert crossing, "some chunk spans two pages (the test's pages are short)"
    assert not any(page_position(page_map(str(d.metadata["pages"])), d.metadata["start_line"])[0] == 4 for d in docs)


def test_answer_citations_of_a_pdf_name_page_and_line(pdf: tuple[Path, list[list[str]]]) -> None:
    path, pages = pdf
    docs = NotesLoader(path, path.parent).load()
    doc = next(d for d in docs if d.metadata["page"] >= 5 and len(list(segments(d.page_content))) > 1)
    sentences = [Scored(doc, 0, seg, 0.9) for seg in segments(doc.page_content)]
    text_doc = Document("SQS\nThe default visibility timeout is 30 seconds.",
                        metadata={"source": "notes/sqs.txt", "start_line": 10, "end_line": 11})
    text_citation = Scored(text_doc, 1, list(segments(text_doc.page_content))[-1], 0.8).citation()
    answer = Answer("q", "a [1]", True, [s.citation() for s in sentences] + [text_citation])
    for citation, cited in zip(answer.citations, answer.to_dict()["citations"], strict=True):
        if citation.source.endswith(".pdf"):
            assert re.fullmatch(r"notes/course\.pdf p\.\d+:\d+(-(p\.\d+:)?\d+)?", citation.ref), citation.ref
            assert citation.quote in page_text(pages, citation)
            assert list(cited) == ["source", "start_line", "end_line", "start_page", "end_page", "quote", "score"]
            assert (cited["start_page"], cited["start_line"]) == (citation.start_page, citation.start_line)
        else:
            assert citation.ref == "notes/sqs.txt:11" and list(cited) == TEXT_KEYS
    assert any(c.start_page == doc.metadata["page"] for c in answer.citations)


def test_quiz_items_from_a_pdf_cite_page_and_line(pdf: tuple[Path, list[list[str]]]) -> None:
    path, pages = pdf
    items = generate_quiz(NotesLoader(path, path.parent).load(), n=8, seed=3,
                          embeddings=DeterministicFakeEmbedding(size=384))
    assert items
    for item in items:
        assert item.citation.start_page is not None, item.citation
        assert item.citation.quote in page_text(pages, item.citation) or all(
            part in page_text(pages, item.citation) for part in item.citation.quote.split("\n")
        ), (item.citation.ref, item.citation.quote)
        data = json.loads(json.dumps(item.to_dict()))
        assert data["citation"]["start_page"] == item.citation.start_page
        assert QuizItem.from_dict(data) == item and QuizItem.from_dict(data).citation.ref == item.citation.ref


def test_exam_evidence_from_a_pdf_cites_page_and_line(tmp_path: Path) -> None:
    path = tmp_path / "queues.pdf"
    pages = [["Compute", "EC2 - virtual machines in the cloud."],
             ["Queues", "SQS is pull based: consumers poll the queue.", "SNS is push based: it sends to subscribers."]]
    make_pdf(path, pages)
    passages = [_passage(d) for d in NotesLoader(path, tmp_path).load()]
    question = parse_exam_question("Which service is pull based?\nA) SQS\nB) EC2\n")
    answer = solve(question, lambda query, k: passages)
    sqs = next(v for v in answer.verdicts if v.letter == "A").citations[0]
    assert sqs.ref == f"{tmp_path.name}/queues.pdf p.2:2" and sqs.quote in pages[1][1]
    assert answer.chosen == ["A"]
    cited: list[dict[str, Any]] = answer.to_dict()["options"][0]["citations"]
    assert (cited[0]["start_page"], cited[0]["start_line"]) == (2, 2)


@pytest.mark.slow
def test_asking_about_a_pdf_cites_its_page_and_the_chip_opens_it(
    tmp_path: Path, embeddings: LazyEmbeddings
) -> None:
    import ui

    notes = tmp_path / "notes"
    notes.mkdir()
    pages = [
        ["EC2", "EC2 gives virtual machines in the cloud.", "User data runs only once at launch."],
        ["Lambda", "Lambda runs code without servers.", "A Lambda function can run for at most 15 minutes."],
        ["SQS", "SQS is a pull based message queue.", "Messages are kept for 4 days by default.",
         "The default visibility timeout of an SQS queue is 30 seconds."],
    ]
    make_pdf(notes / "course.pdf", pages)
    (notes / "sns.txt").write_text("SNS\n\nSNS is push based: it delivers each message to every subscriber.\n",
                                   encoding="utf-8")
    ws = Workspace(Settings(data_dir=tmp_path / "data", notes_dir=notes), embeddings)
    ws.ingest([notes])

    answer = ws.assistant().answer("What is the default visibility timeout of an SQS queue?")
    assert answer.grounded, answer.text
    first = answer.citations[0]
    assert first.ref == "notes/course.pdf p.3:4", first.ref
    cited = answer.to_dict()["citations"][0]
    assert (cited["start_page"], cited["end_page"], cited["start_line"], cited["end_line"]) == (3, 3, 4, 4)

    html = ui.show_context(ws, first.ref)
    row = re.search(r'<div class="cited" id="first-cited"><span class="ln">(.*?)</span><span class="tx">(.*?)</span>',
                    html)
    assert row and row.groups() == ("p.3:4", "The default visibility timeout of an SQS queue is 30 seconds."), html
    assert '<span class="ln">p.2:3</span>' in html, "the lines around it are labelled by page too"
    viewer = ui.view_note(ws, "course.pdf")
    assert '<span class="ln">p.3:4</span><span class="tx">The default visibility timeout' in viewer

    text = ws.assistant().answer("Which service delivers each message to every subscriber?")
    assert text.grounded and text.citations[0].ref.startswith("notes/sns.txt:")
    assert list(text.to_dict()["citations"][0]) == TEXT_KEYS
