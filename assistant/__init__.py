"""Question -> retrieval -> an answer quoting the notes, with line-level citations; quizzes,
review, exam mode. One subpackage per stage: ``answer``, ``quiz``, ``review``, ``exam``; ``app``
holds what the web app adds on top of them.

The names below are imported on first use, so that a command importing one light module (the
CLI's ``assistant.cli``) does not load the answer engine's libraries before it needs them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.answer.engine import Assistant, QuestionError, answer_question, default_assistant
    from assistant.answer.types import Answer, Passage
    from core.spans import Citation

__all__ = ["Answer", "Assistant", "Citation", "Passage", "QuestionError", "answer_question", "default_assistant"]
_LAZY = {
    "Answer": "assistant.answer.types",
    "Passage": "assistant.answer.types",
    "Citation": "core.spans",
    "Assistant": "assistant.answer.engine",
    "QuestionError": "assistant.answer.engine",
    "answer_question": "assistant.answer.engine",
    "default_assistant": "assistant.answer.engine",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
