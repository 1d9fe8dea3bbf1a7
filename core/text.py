"""Text tools shared by the chunker, retrieval, answers, quizzes and exam mode: the notes'
structural regexes, content terms, the statement splitter, and quantities with units.

>>> terms("What is the default visibility timeout of SQS queues?")
['default', 'visibility', 'timeout', 'sqs', 'queue']
>>> [(q.text, q.dimension, q.high) for q in find_quantities("max memory 10,240 mb, timeout 0 to 20 seconds")]
[('10,240 mb', 'size', 10240000000.0), ('0 to 20 seconds', 'time', 20.0)]
"""

from __future__ import annotations

import itertools
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


SECTION_SEP = " > "  # between the titles of a chunk's section path ("Dynamo db > WCU")


def section_parts(section: str) -> list[str]:
    """The titles of a section path, outermost first. A title may hold ">" itself ("a --> b").

    >>> section_parts("Dynamo db > WCU"), section_parts("code ---> EBS > deploy"), section_parts("")
    (['Dynamo db', 'WCU'], ['code ---> EBS', 'deploy'], [])
    """
    return [p.strip() for p in section.split(SECTION_SEP) if p.strip()]


NO_SECTION = "(no section)"  # the top section of a chunk outside any: progress counts it, quizzes focus on it


def top_section(section: str, default: str = NO_SECTION) -> str:
    """The outermost title of a section path, what progress and quiz topics count by.

    >>> top_section("Dynamo db > WCU"), top_section(""), top_section("", default="")
    ('Dynamo db', '(no section)', '')
    """
    return next(iter(section_parts(section)), default)


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
# A sentence ends at a run of stops (".", "!", "?", "..."; closing quotes or brackets after it) before a
# space or the line's end, or at a "." run straight into the next sentence ("load balancer.Access logs").
STOP = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s|$)|\.(?=[A-Z][a-z])")
# Words a "." follows without ending the sentence ("e.g. S3", "vs. EFS"); "etc." ends one before a capital.
ABBREVIATION = re.compile(r"(?:^|[^\w.])(?:e\.g|i\.e|eg|ie|vs|cf|viz|approx|incl|esp|etc)$", re.IGNORECASE)
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
MIN_WORDS = 2  # a piece with fewer words states nothing alone: it stays with its neighbour
BARE_WORDS = 4  # a lead-in with fewer words ("IAM -") needs what follows it


def segments(text: str, max_chars: int = 260) -> Iterator[Segment]:
    """The statements of ``text`` for answers; together they hold every word of it.

    A line up to ``max_chars`` is one statement (notes write one fact a line); a longer one is cut
    into its sentences, and a sentence longer than ``max_chars`` into clause windows at commas and
    parentheses. A lead-in ("trusted entity :", "SNS -", "# Title", a title over "-----") is joined
    with the lines that complete it; a line too short to state anything alone ("MySQL") is joined
    with the lines after it unless a lead-in already holds it. Each statement's text is a verbatim
    slice of its line, or of its lines joined by "\n"."""
    lines = text.split("\n")
    held = -1  # the last line a joined statement holds whole
    for number, line in enumerate(lines):
        stripped = line.strip()
        words = len(WORD.findall(stripped))
        if not words:
            continue
        opens = _opens(lines, number)
        bare = words < (BARE_WORDS if opens else MIN_WORDS)
        if bare and not opens and number <= held:
            continue  # "MySQL" under "flavours:": the list's statement holds it
        if opens or bare:
            joined = _with_followers(lines, number, max_chars, bare)
            if joined is not None:
                yield joined
                whole = joined.end >= len(lines[joined.last_line].rstrip())
                held = max(held, joined.last_line if whole else number)
                continue
            if bare and number <= held:
                continue
        yield from _line_statements(number, line, max_chars)


def sentences(line: str, number: int = 0) -> list[Segment]:
    """The sentences of one line, each with its closing stop, together holding every word of it.

    >>> [s.text for s in sentences("1. Logs go to S3, e.g. a bucket.Access logs are off in v1.2 ... Yes!")]
    ['1. Logs go to S3, e.g. a bucket.', 'Access logs are off in v1.2 ... Yes!']
    """
    urls = [m.span() for m in URL.finditer(line)]
    cuts = [0, *(m.end() for m in STOP.finditer(line) if _ends_sentence(line, m, urls)), len(line)]
    pieces = [(a, b) for a, b in itertools.pairwise(cuts) if line[a:b].strip()]
    # A piece without MIN_WORDS words ("1.", "Yes!") joins the next piece, the last one the one before.
    merged: list[tuple[int, int]] = []
    for a, b in pieces:
        if merged and len(WORD.findall(line[merged[-1][0] : merged[-1][1]])) < MIN_WORDS:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    if len(merged) > 1 and len(WORD.findall(line[merged[-1][0] : merged[-1][1]])) < MIN_WORDS:
        merged[-2:] = [(merged[-2][0], merged[-1][1])]
    return [_trimmed(number, line, a, b, " \t") for a, b in merged]


def _ends_sentence(line: str, stop: re.Match[str], urls: list[tuple[int, int]]) -> bool:
    if stop.end() < len(line) and not line[stop.end()].isspace() and any(a < stop.start() < b for a, b in urls):
        return False  # "www.Example.Com": a dot inside an address
    before = ABBREVIATION.search(line, 0, stop.start())
    if before is None or stop.group() != ".":
        return True
    # "etc." ends a sentence when a capital follows; "e.g.", "i.e.", "vs." never do.
    rest = line[stop.end() :].lstrip()
    return before.group().lower().endswith("etc") and rest[:1].isupper()


def _line_statements(number: int, line: str, max_chars: int) -> Iterator[Segment]:
    stripped = line.strip()
    if len(stripped) <= max_chars:
        # A short line is one statement in notes, even when it holds several "sentences".
        start = line.index(stripped)
        yield Segment(number, start, start + len(stripped), stripped)
        return
    for sentence in sentences(line, number):
        if len(sentence.text) <= max_chars:
            yield sentence
        else:
            yield from _windows(number, line, sentence.start, sentence.end, max_chars)


def _opens(lines: list[str], number: int) -> bool:
    """Whether the line leads in to the lines after it: "X :", "X -", "# Title", a title over "-----"."""
    stripped = lines[number].strip()
    underlined = number + 1 < len(lines) and UNDERLINE.match(lines[number + 1]) is not None
    return bool(LEAD_IN.search(stripped)) or stripped.startswith("#") or underlined


def _is_rule(line: str) -> bool:
    """A separator or underline line ("-----", "=====", "#####")."""
    return set(line.strip()) <= set("-=#*")


def _with_followers(lines: list[str], number: int, max_chars: int, bare: bool = False) -> Segment | None:
    """A lead-in line joined with the lines that complete it, past its underline. A bare one ("IAM -",
    "MySQL") also reaches past blank lines when it opens a paragraph, and takes the next line's
    first statement when that line is too long to join whole."""
    stripped = lines[number].strip()
    nxt = number + 1
    if nxt < len(lines) and UNDERLINE.match(lines[nxt]):
        nxt += 1
    across_blanks = bare and (number == 0 or not lines[number - 1].strip() or _is_rule(lines[number - 1]))
    while across_blanks and nxt < len(lines) and (not lines[nxt].strip() or UNDERLINE.match(lines[nxt])):
        nxt += 1
    last, end = number, len(lines[number].rstrip())
    size = len(stripped) + sum(len(lines[n].strip()) + 1 for n in range(number + 1, nxt))
    while nxt < len(lines) and lines[nxt].strip() and not _is_rule(lines[nxt]):
        follower = lines[nxt].strip()
        if size + len(follower) + 1 <= max_chars:
            last, end = nxt, len(lines[nxt].rstrip())
            size += len(follower) + 1
            nxt += 1
            continue
        if bare and last == number:  # only the next line's first statement fits beside it
            first = next(_line_statements(nxt, lines[nxt], max_chars - size - 1), None)
            if first is not None and size + first.end + 1 <= max_chars:
                last, end = nxt, first.end
        break
    if last == number:
        return None
    start = lines[number].index(stripped)
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


def _trimmed(number: int, line: str, start: int, end: int, strip: str = " \t,;") -> Segment:
    text = line[start:end]
    left = len(text) - len(text.lstrip(strip))
    right = len(text) - len(text.rstrip(strip))
    return Segment(number, start + left, end - right, line[start + left : end - right])


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
