"""Question -> retrieval -> an answer quoting the notes, with line-level citations; quizzes."""

from assistant.types import Answer, Citation, Passage

__all__ = ["Answer", "Citation", "Passage"]
