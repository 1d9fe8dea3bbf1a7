"""Question -> retrieval -> an answer quoting the notes, with line-level citations; quizzes."""

from assistant.engine import Assistant, QuestionError, answer_question, default_assistant
from assistant.types import Answer, Citation, Passage

__all__ = ["Answer", "Assistant", "Citation", "Passage", "QuestionError", "answer_question", "default_assistant"]
