"""Resolve a follow-up question against the conversation before retrieval.

>>> history = [{"role": "user", "content": "What is SQS?"}, {"role": "assistant", "content": "..."}]
>>> resolve("What is its default visibility timeout?", history, is_topic=lambda t: t == "sqs")
'SQS: What is its default visibility timeout?'
>>> resolve("What is the retention period of SQS?", history, is_topic=lambda t: t == "sqs")
'What is the retention period of SQS?'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from core.text import PRONOUNS, terms

CONNECTIVE = re.compile(r"^\s*(and|but|also|what about|how about|then|so)\b", re.I)
PRONOUN = re.compile(r"\b(" + "|".join(sorted(PRONOUNS, key=len, reverse=True)) + r")\b", re.I)


def last_user_turn(history: Sequence[dict[str, str]] | None) -> str:
    for message in reversed(history or []):
        if message.get("role") == "user" and message.get("content", "").strip():
            return message["content"].strip()
    return ""


def is_follow_up(question: str, is_topic: Callable[[str], bool]) -> bool:
    """A question that leans on the previous turn: it opens with "and"/"what about", or it
    points back ("its", "that") without naming a topic of the notes itself."""
    if CONNECTIVE.match(question):
        return True
    names_topic = any(is_topic(t) for t in terms(question))
    return (bool(PRONOUN.search(question)) and not names_topic) or (not names_topic and len(terms(question)) <= 2)


def topic_of(question: str, is_topic: Callable[[str], bool]) -> str:
    """The words of ``question`` that name topics of the notes, in their original spelling
    (all its content words when none does)."""
    words = [w for w in re.findall(r"[^\W_]+", question) if terms(w)]
    topical = [w for w in words if is_topic(terms(w)[0])]
    return " ".join(dict.fromkeys(topical or words))


def resolve(question: str, history: Sequence[dict[str, str]] | None, is_topic: Callable[[str], bool]) -> str:
    """The question to retrieve with: prefixed with the previous question's topic if it is a
    follow-up, unchanged otherwise."""
    previous = last_user_turn(history)
    if not previous or not is_follow_up(question, is_topic):
        return question
    return f"{topic_of(previous, is_topic)}: {question}"
