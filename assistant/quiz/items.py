"""A quiz item, the currency of quizzes, review cards and exports.

>>> item = QuizItem("q1", "truefalse", "True or false: SQS is pull based.", (TRUE, FALSE), TRUE, "",
...                 Quote("corpus/notes.txt", 3, 3, "SQS is pull based"))
>>> QuizItem.from_dict(item.to_dict()) == item
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from core.spans import Quote, span_dict

Kind = Literal["mcq", "truefalse", "cloze"]
KINDS: tuple[Kind, ...] = ("mcq", "truefalse", "cloze")
KIND_CHOICES = ("mcq", "truefalse", "cloze", "mixed")
TRUE, FALSE = "True", "False"


class QuizError(ValueError):
    """A quiz that can't be made as asked (no notes, nothing on the topic, bad kind or size)."""


@dataclass(frozen=True)
class QuizItem:
    """One question. ``options`` is empty for cloze items, ``["True", "False"]`` for true/false;
    ``accepted`` lists other spellings a cloze answer may take; ``form`` is how it asks (``def-which``,
    ``list-not``, ``con-tf`` ...: see ``assistant.quiz.generate.FORMS``)."""

    id: str
    kind: str
    question: str
    options: tuple[str, ...]
    answer: str
    explanation: str
    citation: Quote
    section: str = ""
    accepted: tuple[str, ...] = ()
    fact: str = field(default="", compare=False)
    form: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: question, options, answer, explanation, citation (+ id, kind, section)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "question": self.question,
            "options": list(self.options),
            "answer": self.answer,
            "explanation": self.explanation,
            "citation": span_dict(self.citation),
            "section": self.section,
            **({"accepted": list(self.accepted)} if self.accepted else {}),
            **({"form": self.form} if self.form else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> QuizItem:
        return cls(
            id=str(data["id"]),
            kind=str(data["kind"]),
            question=str(data["question"]),
            options=tuple(data.get("options", ())),
            answer=str(data["answer"]),
            explanation=str(data.get("explanation", "")),
            citation=Quote(**data["citation"]),
            section=str(data.get("section", "")),
            accepted=tuple(data.get("accepted", ())),
            form=str(data.get("form", "")),
        )
