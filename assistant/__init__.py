"""Question -> retrieval -> an answer quoting the notes, with line-level citations; quizzes,
review, exam mode. One subpackage per stage: ``answer``, ``quiz``, ``review``, ``exam``; ``app``
holds what the web app adds on top of them."""

from assistant.answer.engine import Assistant, QuestionError, answer_question, default_assistant
from assistant.answer.types import Answer, Passage
from core.spans import Citation

__all__ = ["Answer", "Assistant", "Citation", "Passage", "QuestionError", "answer_question", "default_assistant"]
