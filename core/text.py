"""Text tools shared by the chunker, retrieval, answers, quizzes and exam mode: the notes'
structural regexes, content terms, the statement splitters, and quantities with units.

>>> terms("What is the default visibility timeout of SQS queues?")
['default', 'visibility', 'timeout', 'sqs', 'queue']
>>> [(q.text, q.dimension, q.high) for q in find_quantities("max memory 10,240 mb, timeout 0 to 20 seconds")]
[('10,240 mb', 'size', 10240000000.0), ('0 to 20 seconds', 'time', 20.0)]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

# The notes' structure: section separators, "Title" over "-----", "# Heading" lines.
SEPARATOR = re.compile(r"^\s*(={5,}|#{3,}|\*{5,})\s*$")
UNDERLINE = re.compile(r"^\s*-{5,}\s*$")
HEADING = re.compile(r"^\s*#{1,6}\s*(?P<title>\S.*)$")
# Words that point back to something named before ("its default", "they are").
PRONOUNS = frozenset(
    {"it", "its", "it's", "they", "them", "their", "this", "that", "these", "those", "there", "one", "ones"}
)

# A word is a run of letters and digits of any script (``\w`` without ``_``), a decimal kept whole.
# Kana and CJK ideographs are written without spaces between words: each character is a word of its
# own, so that a question's characters find the notes' (a run would be a whole sentence).
CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
WORD = re.compile(rf"[{CJK}]|[^\W_{CJK}]+(?:[.][0-9]+)?")
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
    """Content terms, in any script: case-folded, English stop words dropped, English words stemmed.

    >>> terms("Очереди SQS хранят сообщения"), terms("Café crème brûlée")
    (['очереди', 'sqs', 'хранят', 'сообщения'], ['café', 'crème', 'brûlée'])
    >>> terms("キューの可視性")
    ['キ', 'ュ', 'ー', 'の', '可', '視', '性']
    """
    # The stemmer knows English suffixes only: a word in another script is kept as it is.
    return [stem(w) if w.isascii() else w for w in WORD.findall(text.casefold()) if w not in STOPWORDS]


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


SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)\.(?:\s+|$|(?=[A-Z][a-z]))|\.\.+\s*|;\s+|\?\s+")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, trailing stop excluded."""
    spans, start = [], 0
    for m in SENTENCE_END.finditer(text):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in spans if text[s:e].strip()]


NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"

# Unit word -> (dimension, factor to the dimension's base unit).
UNITS: dict[str, tuple[str, float]] = {
    "ms": ("time", 0.001),
    "millisecond": ("time", 0.001),
    "milliseconds": ("time", 0.001),
    "sec": ("time", 1),
    "secs": ("time", 1),
    "second": ("time", 1),
    "seconds": ("time", 1),
    "min": ("time", 60),
    "mins": ("time", 60),
    "minute": ("time", 60),
    "minutes": ("time", 60),
    "hour": ("time", 3600),
    "hours": ("time", 3600),
    "hr": ("time", 3600),
    "hrs": ("time", 3600),
    "day": ("time", 86400),
    "days": ("time", 86400),
    "week": ("time", 604800),
    "weeks": ("time", 604800),
    "month": ("time", 2592000),
    "months": ("time", 2592000),
    "year": ("time", 31536000),
    "years": ("time", 31536000),
    "byte": ("size", 1),
    "bytes": ("size", 1),
    "kb": ("size", 1e3),
    "kilobytes": ("size", 1e3),
    "mb": ("size", 1e6),
    "megabytes": ("size", 1e6),
    "gb": ("size", 1e9),
    "gigabytes": ("size", 1e9),
    "tb": ("size", 1e12),
    "terabytes": ("size", 1e12),
    "%": ("percent", 1),
    "percent": ("percent", 1),
    "bit": ("bits", 1),
    "bits": ("bits", 1),
}
UNIT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
QUANTITY = re.compile(
    rf"(?<![\w.,/:-])(?P<lo>{NUMBER})\s*(?P<lo_unit>{UNIT})?\s*(?:-|\u2013|to)\s*(?P<hi>{NUMBER})\s*-?(?P<unit>{UNIT})(?![\w])"
    rf"|(?<![\w.,/:-])(?P<one>{NUMBER})\s*-?(?P<one_unit>{UNIT})(?![\w])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Quantity:
    """A number (or range) with a unit, as written at ``start``..``end`` of its text."""

    text: str
    start: int
    end: int
    dimension: str
    low: float
    high: float

    @property
    def is_range(self) -> bool:
        return self.low != self.high

    def same_value(self, other: Quantity) -> bool:
        """Equal amounts, whatever the unit (15 min == 900 seconds); a range equals its upper end."""
        if self.dimension != other.dimension:
            return False

        def close(a: float, b: float) -> bool:
            return abs(a - b) <= 1e-9 * max(abs(a), abs(b), 1)

        if self.is_range and other.is_range:
            return close(self.low, other.low) and close(self.high, other.high)
        return close(self.high, other.high)


def _value(number: str) -> float:
    return float(number.replace(",", ""))


def find_quantities(text: str) -> list[Quantity]:
    """Every number-with-unit in ``text`` (``256 kb``, ``0-12 hours``, ``5TB``, ``99.9%``)."""
    found: list[Quantity] = []
    for m in QUANTITY.finditer(text):
        unit = (m.group("unit") or m.group("one_unit")).lower()
        dimension, factor = UNITS[unit]
        if m.group("one") is not None:
            low = high = _value(m.group("one")) * factor
        else:
            lo_unit = (m.group("lo_unit") or unit).lower()
            low, high = _value(m.group("lo")) * UNITS[lo_unit][1], _value(m.group("hi")) * factor
            if low >= high:
                continue
        found.append(Quantity(m.group().strip(), m.start(), m.end(), dimension, low, high))
    return found


SURROGATE = re.compile("[\ud800-\udfff]")


def is_text(text: str) -> bool:
    r"""False if ``text`` holds a lone surrogate: bytes that were not UTF-8 (decoded with
    ``surrogateescape``, as Python does for argv and a UTF-8 locale's stdin) or a stray ``\ud800``
    from JSON. Such a string can't be encoded, tokenized or sent back to a browser.

    >>> is_text("café"), is_text("caf\udce9")
    (True, False)
    """
    return SURROGATE.search(text) is None
