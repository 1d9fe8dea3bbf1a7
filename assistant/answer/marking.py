"""The part of an answer statement that answers: a quantity with its unit for a question about an
amount, a polarity word for a yes/no question.

>>> answer_span("How long does SQS keep messages by default?",
...             "default retention period 4 days. visibility timeout 0-12 hours, 30 seconds default.")
(25, 31)
>>> line = "default retention period 4 days. visibility timeout 0-12 hours ( 43,200 seconds ) , 30 seconds default."
>>> start, end = answer_span("What is the default visibility timeout of SQS?", line); line[start:end]
'30 seconds'
>>> answer_span("Are network ACLs stateful?", "NACLs are stateless firewalls at the subnet level.")
(10, 19)
>>> answer_span("What is Cloud9?", "cloud9 - aws IDE") is None
True
"""

from __future__ import annotations

import re

from assistant.answer.selection import QUALIFIERS, QUANTITY_QUESTION, YES_NO
from core.text import find_quantities, sentences, terms

WINDOW = 40  # characters before a quantity that say what it is the amount of
CLAUSE = re.compile(r";\s+")  # a semicolon between two statements of one sentence
QUALIFIED_WITHIN = 3  # words either side of a quantity in which the question's qualifier ("default") may stand
# Words that answer a yes/no question on their own ("can" or "must" say too little to mark).
POLAR = re.compile(
    r"\b(not|no|only|never|cannot|can't|stateful|stateless|mandatory|optional|global|regional|yes|automatically)\b",
    re.I,
)


def answer_span(question: str, statement: str) -> tuple[int, int] | None:
    """(start, end) of the answering part of ``statement``, or None when there is none to mark."""
    if QUANTITY_QUESTION.search(question):
        found = find_quantities(statement)
        if not found:
            numbers = list(re.finditer(r"\d+(?:[,.]\d+)*%?", statement))
            return (numbers[0].start(), numbers[0].end()) if len(numbers) == 1 else None
        wanted = set(terms(question))
        qualifiers = frozenset().union(*(v for v in QUALIFIERS.values() if v & wanted))

        def said(quantity_start: int, quantity_end: int) -> int:
            # Question words around the quantity: "retention period 4 days" for "how long ... keep".
            near = statement[max(0, quantity_start - WINDOW) : min(len(statement), quantity_end + WINDOW // 2)]
            return len(wanted & set(terms(near)))

        def rank(start: int, end: int) -> tuple[bool, int, int, int]:
            # First the question's qualifier next to the quantity ("30 seconds default"), then the
            # question's words in its sentence ("visibility timeout ..., 30 seconds default"), then
            # those just around it, then the earliest.
            sentence = _sentence_around(statement, start)
            # Up to the neighbouring numbers: a qualifier past them is theirs.
            before = re.findall(r"[A-Za-z][\w-]*", re.split(r"\d", statement[sentence[0] : start])[-1])
            after = re.findall(r"[A-Za-z][\w-]*", re.split(r"\d", statement[end : sentence[1]])[0])
            before, after = before[-QUALIFIED_WITHIN:], after[:QUALIFIED_WITHIN]
            qualified = bool(qualifiers & set(terms(" ".join(before + after))))
            topic = len(wanted & set(terms(statement[sentence[0] : sentence[1]])))
            return qualified, topic, said(start, end), -start

        best = max(found, key=lambda q: rank(q.start, q.end))
        start = best.start + len(statement[best.start : best.end]) - len(statement[best.start : best.end].lstrip())
        return start, start + len(best.text)
    if YES_NO.search(question):
        polar = POLAR.search(statement)
        return (polar.start(), polar.end()) if polar else None
    return None


def _sentence_around(text: str, at: int) -> tuple[int, int]:
    """(start, end) of the part of ``text`` that holds offset ``at``: its sentence
    (``core.text.sentences``), narrowed to the clause between semicolons ("visibility timeout 30
    seconds; message retention 4 days" says two things).

    >>> line = "SQS visibility timeout 30 seconds; message retention 4 days. Polling 20 seconds."
    >>> [line[slice(*_sentence_around(line, line.index(n)))] for n in ("30", "4 days", "20")]
    ['SQS visibility timeout 30 seconds', 'message retention 4 days.', 'Polling 20 seconds.']
    """
    spans = [(s.start, s.end) for s in sentences(text)]
    start, end = next(((a, b) for a, b in spans if at < b), spans[-1] if spans else (0, len(text)))
    for clause in CLAUSE.finditer(text, start, end):
        if clause.start() >= at:
            return start, clause.start()
        start = clause.end()
    return start, end
