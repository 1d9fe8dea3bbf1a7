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
OTHER = Document("Alarms cost a little each month.", metadata={"source": "notes.txt", "start_line": 40})


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
    (elsewhere,) = scored(OTHER, [0.85])
    best = scored(CHUNK, [0.9, 0.1, 0.1])
    answer, support = pick_answer([best[0], elsewhere, *best[1:]], continues=0.5)
    assert len(best[0].segment.text) + len(elsewhere.segment.text) < 300  # short enough to join
    assert texts(answer) == texts(best[:1])
    assert texts(support) == texts([elsewhere])
