"""The answer's statements: the best one, and the next one of its chunk when it scores close enough
(fast: no model)."""

from __future__ import annotations

from langchain_core.documents import Document

from assistant.answer.compose import Scored, pick_answer
from core.text import segments

CHUNK = Document(
    "CloudWatch Alarms can be set up to trigger when specific conditions are met, such as when an API call is "
    "made to a sensitive AWS resource or a metric crosses its threshold. "
    "Alarms can be configured to send notifications to specified Amazon SNS topics, or to run actions.\n"
    "Alarms can also stop or terminate EC2 instances.",
    metadata={"source": "notes.txt", "start_line": 1027, "section": "CloudWatch"},
)
# The same text in another chunk: its statements equal CHUNK's, field by field.
TWIN = Document(CHUNK.page_content, metadata={"source": "notes.txt", "start_line": 2027, "section": "CloudWatch"})


def scored(doc: Document, scores: list[float]) -> list[Scored]:
    """``doc``'s statements, in order, with ``scores``."""
    found = list(segments(doc.page_content))
    assert len(found) == len(scores), [s.text for s in found]
    return [Scored(doc, 0, seg, score) for seg, score in zip(found, scores, strict=True)]


def texts(statements: list[Scored]) -> list[str]:
    return [s.segment.text for s in statements]


def test_the_rest_of_the_line_joins_when_close_enough_far_from_the_notes_start() -> None:
    first, rest, next_line = scored(CHUNK, [0.8, 0.5, 0.1])
    assert [first.line, rest.line, next_line.line] == [1027, 1027, 1028]
    candidates = [first, rest, next_line]
    assert texts(pick_answer(candidates, continues=0.6)[0]) == texts([first, rest])
    assert texts(pick_answer(candidates, continues=0.7)[0]) == texts([first])


def test_the_next_line_joins_and_an_earlier_statement_never_does() -> None:
    first, rest, next_line = scored(CHUNK, [0.3, 0.9, 0.8])
    answer = pick_answer([rest, next_line, first], continues=0.6)[0]
    assert texts(answer) == texts([rest, next_line])
    earlier = pick_answer([rest, first, next_line], continues=0.0)[0]
    assert texts(earlier) == texts([rest, next_line])  # the line's first statement comes before the best


def test_a_statement_of_another_chunk_never_continues_the_best() -> None:
    first, rest, _ = scored(CHUNK, [0.9, 0.1, 0.1])
    _, twin_rest, _ = scored(TWIN, [0.1, 0.85, 0.1])
    assert twin_rest.segment == rest.segment
    answer, support = pick_answer([first, twin_rest, rest], continues=0.5)
    assert answer == [first]
    assert support == [twin_rest]


def test_the_middle_statement_is_never_skipped_for_the_next_line() -> None:
    first, rest, next_line = scored(CHUNK, [0.8, 0.1, 0.7])
    assert pick_answer([first, next_line, rest], continues=0.6)[0] == [first]


def test_a_line_after_a_blank_line_and_a_pair_too_long_never_join() -> None:
    doc = Document("Alarms watch one metric each.\n\nAlarms can also stop or terminate EC2 instances.",
                   metadata={"source": "notes.txt", "start_line": 10})
    best, after_blank = scored(doc, [0.9, 0.9])
    assert pick_answer([best, after_blank], continues=0.0)[0] == [best]
    long_line = "Alarms can also stop, terminate, reboot or recover EC2 instances, " * 3 + "and page the on-call."
    two_lines = f"{CHUNK.page_content.split(chr(10))[0]}\n{long_line}"
    doc = Document(two_lines, metadata={"source": "notes.txt", "start_line": 1})
    first, rest, long_next = scored(doc, [0.9, 0.1, 0.9])
    assert len(first.segment.text) + len(rest.segment.text) < 300 < len(rest.segment.text) + len(long_next.segment.text)
    assert pick_answer([first, long_next, rest], continues=0.0)[0] == [first, rest]
    assert pick_answer([rest, long_next, first], continues=0.0)[0] == [rest]


def test_the_rest_of_the_line_after_a_joined_statement_joins_it() -> None:
    doc = Document(f"Aurora\n{CHUNK.page_content.split(chr(10))[0]}", metadata={"source": "notes.txt", "start_line": 1})
    joined, first_sentence, rest = scored(doc, [0.9, 0.85, 0.7])
    assert (joined.segment.line, joined.segment.last_line) == (0, 1)
    assert first_sentence.segment.text in joined.segment.text  # it overlaps the joined statement: never added
    assert pick_answer([joined, first_sentence, rest], continues=0.6)[0] == [joined, rest]
