"""What an answer is: the currency between the assistant, the UI, the CLI and the evals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.spans import Citation, LineSpan, span_dict


@dataclass(frozen=True)
class Passage(LineSpan):
    """A retrieved chunk, in rank order: what retrieval metrics are computed on. Its lines are the
    index's (a PDF's counted across its pages); ``pages`` says where its pages begin (``on_pages``)."""

    section: str
    text: str
    score: float
    pages: str = field(default="", kw_only=True, compare=False, repr=False)


@dataclass
class Answer:
    """The reply to a question.

    ``text`` is the short primary answer, composed of the notes' own sentences; ``citations[i]``
    backs its i-th sentence. When ``grounded`` is False the notes don't cover the question:
    ``text`` says so and ``closest`` holds the nearest passages (not citations).
    """

    question: str
    text: str
    grounded: bool
    citations: list[Citation] = field(default_factory=list)
    closest: list[Citation] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    resolved_question: str = ""
    error: str | None = None
    note: str = ""  # how the answer was found, when that limits it (e.g. by keywords only)
    answer_span: tuple[int, int] | None = None  # (start, end) in ``text`` of the part that answers

    def marked(self, before: str = "**", after: str = "**") -> str:
        """``text`` with its answering part (if any) between ``before`` and ``after``."""
        if self.answer_span is None:
            return self.text
        start, end = self.answer_span
        return f"{self.text[:start]}{before}{self.text[start:end]}{after}{self.text[end:]}"

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the CLI: question, answer, grounded, citations (+ closest, note, error)."""
        return {
            "question": self.question,
            "answer": self.text,
            "grounded": self.grounded,
            "citations": [span_dict(c) for c in self.citations],
            "closest": [span_dict(c) for c in self.closest],
            **({"answer_span": list(self.answer_span)} if self.answer_span else {}),
            **({"note": self.note} if self.note else {}),
            **({"error": self.error} if self.error else {}),
        }
