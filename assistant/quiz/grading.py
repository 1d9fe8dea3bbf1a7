"""Grading quiz answers: multiple choice and true/false exactly, fill-in-the-blank tolerantly.

>>> from assistant.quiz.items import QuizItem; from core.spans import Quote
>>> cite = Quote("notes/a.txt", 3, 3, "sqs delay queue - message remains invisible")
>>> item = QuizItem("x", "cloze", "Fill in the blank: ____ keeps messages invisible.", (), "sqs delay queue",
...                 "Your notes say so.", cite)
>>> grade(item, "SQS  delay-queues!").correct, grade(item, "FIFO queue").correct
(True, False)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.quiz.items import FALSE, TRUE, QuizItem
from assistant.quiz.names import loose
from core.spans import Quote
from core.text import find_quantities

TRUE_WORDS = {"true", "t", "yes", "y"}
FALSE_WORDS = {"false", "f", "no", "n"}


@dataclass(frozen=True)
class GradeResult:
    """One answer graded: what was given, what was expected, and why (with the lines that say it)."""

    item_id: str
    question: str
    given: str
    expected: str
    correct: bool
    explanation: str
    citation: Quote


@dataclass
class QuizScore:
    results: list[GradeResult] = field(default_factory=list)

    @property
    def correct(self) -> int:
        return sum(r.correct for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def percent(self) -> float:
        return 100.0 * self.correct / self.total if self.total else 0.0


def option_chosen(item: QuizItem, response: str) -> str | None:
    """The option a response names: its letter (``b``), its number (``2``) or its text."""
    text = response.strip()
    if not text:
        return None
    if item.kind == "truefalse":
        word = loose(text)
        if word in TRUE_WORDS:
            return TRUE
        if word in FALSE_WORDS:
            return FALSE
    letter = text.rstrip(").").lower()
    if len(letter) == 1 and "a" <= letter <= "z" and ord(letter) - 97 < len(item.options):
        return item.options[ord(letter) - 97]
    if letter.isdigit() and 1 <= int(letter) <= len(item.options):
        return item.options[int(letter) - 1]
    matches = [o for o in item.options if loose(o) == loose(text)]
    return matches[0] if matches else None


def cloze_matches(item: QuizItem, response: str) -> bool:
    """Case, spacing, punctuation, articles and simple plurals don't matter; a quantity may be
    written in another unit of the same value (``15 minutes`` for ``900 seconds``)."""
    given = loose(response)
    if not given:
        return False
    if any(given == loose(form) for form in (item.answer, *item.accepted)):
        return True
    want, got = find_quantities(item.answer), find_quantities(response)
    return len(want) == 1 and len(got) == 1 and want[0].same_value(got[0]) and want[0].is_range == got[0].is_range


def grade(item: QuizItem, response: str) -> GradeResult:
    """Grade one response to ``item``."""
    cloze = item.kind == "cloze"
    correct = cloze_matches(item, response) if cloze else option_chosen(item, response) == item.answer
    return GradeResult(item.id, item.question, response.strip(), item.answer, correct, item.explanation, item.citation)


def grade_quiz(items: Sequence[QuizItem], responses: Sequence[str]) -> QuizScore:
    """Grade responses in item order (a missing response counts as wrong)."""
    padded = list(responses) + [""] * (len(items) - len(responses))
    return QuizScore([grade(item, given) for item, given in zip(items, padded, strict=False)])
