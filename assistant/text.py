"""Word-level text helpers shared by keyword search, answer composition and follow-ups.

>>> terms("What is the default visibility timeout of SQS queues?")
['default', 'visibility', 'timeout', 'sqs', 'queue']
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

WORD = re.compile(r"[a-z0-9]+(?:[.][0-9]+)?")
STOPWORDS = frozenset(
    """
    a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers how i if in into is it its itself just me more most my
    no nor not now of off on once only or other our out over own same she should so some such
    than that the their them then there these they this those through to too under until up very
    was we were what when where which while who whom why will with would you your yours ex eg ie
    etc us use used using get gets via explain tell describe mean means called name named kind
    kinds type types way ways happen happens difference different need needs want does
    """.split()  # noqa: SIM905
)
SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+(?=\s|$)|$)|[.!?]+")


def stem(word: str) -> str:
    """A light English stemmer: enough to match plurals and -ing/-ed forms."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("xes", "x"), ("ches", "ch"), ("shes", "sh")):
        if word.endswith(suffix):
            return word[: -len(suffix)] + repl
    if word.endswith("ing") and len(word) > 5:
        return word[:-3]
    if word.endswith("ed") and len(word) > 4:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def terms(text: str) -> list[str]:
    """Content terms: lower-cased, stop words dropped, stemmed."""
    return [stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS]


@dataclass(frozen=True)
class Segment:
    """A statement from ``line`` to ``last`` (0-based lines of its text): chars [start, end) of a
    one-line statement, or from ``start`` in its first line to ``end`` in its last."""

    line: int
    start: int
    end: int
    text: str
    last: int = -1

    @property
    def last_line(self) -> int:
        return self.line if self.last < 0 else self.last


# "trusted entity :", "SNS -", "# Title": a list or a definition follows
LEAD_IN = re.compile(r"(:|\s-|\u2013|\?)\s*$")


def segments(text: str, max_chars: int = 260) -> Iterator[Segment]:
    """Statements of ``text``: each line up to ``max_chars``, else its sentences, and a sentence
    longer than ``max_chars`` cut into clause windows at commas and parentheses. Each segment's
    text is a verbatim slice of its line."""
    lines = text.split("\n")
    for number, line in enumerate(lines):
        stripped = line.strip()
        if LEAD_IN.search(stripped) or stripped.startswith("#"):
            lead_in = _with_followers(lines, number, max_chars)
            if lead_in is not None:
                yield lead_in
            if lead_in is not None or len(WORD.findall(stripped.lower())) < 4:
                continue  # a bare heading ("IAM -") states nothing
        if len(stripped) <= max_chars:
            # A short line is one statement in notes, even when it holds several "sentences".
            if len(WORD.findall(stripped.lower())) >= 2:
                start = line.index(stripped)
                yield Segment(number, start, start + len(stripped), stripped)
            continue
        for match in SENTENCE.finditer(line):
            raw = match.group()
            start = match.start() + len(raw) - len(raw.lstrip())
            end = match.end() - (len(raw) - len(raw.rstrip()))
            if end - start < 2 or not WORD.search(line[start:end].lower()):
                continue
            if end - start <= max_chars:
                yield Segment(number, start, end, line[start:end])
                continue
            yield from _windows(number, line, start, end, max_chars)


def _with_followers(lines: list[str], number: int, max_chars: int) -> Segment | None:
    """A lead-in line ("trusted entity :") joined with the lines that complete it."""
    stripped = lines[number].strip()
    last = number
    size = len(stripped)
    while last + 1 < len(lines) and lines[last + 1].strip() and not set(lines[last + 1].strip()) <= set("-=#*"):
        if size + len(lines[last + 1].strip()) + 1 > max_chars:
            break
        last += 1
        size += len(lines[last].strip()) + 1
    if last == number:
        return None
    start = lines[number].index(stripped)
    end = len(lines[last].rstrip())
    text = "\n".join([lines[number][start:], *lines[number + 1 : last], lines[last][:end]])
    return Segment(number, start, end, text, last)


def _windows(number: int, line: str, start: int, end: int, max_chars: int) -> Iterator[Segment]:
    cuts = [m.end() for m in re.finditer(r"[,;(]\s|\s-\s|\)\s", line[start:end])]
    bounds = [start] + [start + c for c in cuts] + [end]
    piece_start = start
    for i in range(1, len(bounds)):
        if bounds[i] - piece_start > max_chars and bounds[i - 1] > piece_start:
            yield _trimmed(number, line, piece_start, bounds[i - 1])
            piece_start = bounds[i - 1]
    yield _trimmed(number, line, piece_start, end)


def _trimmed(number: int, line: str, start: int, end: int) -> Segment:
    text = line[start:end]
    left = len(text) - len(text.lstrip(" ,;"))
    right = len(text) - len(text.rstrip(" ,;"))
    return Segment(number, start + left, end - right, line[start + left : end - right])
