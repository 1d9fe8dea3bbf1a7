"""Text helpers of the quiz: comparing names, reading quantities, grading free text.

>>> canon("Amazon Simple Queue Service (Amazon SQS)")
'simplequeueservicesqs'
>>> same_thing("Dynamo db", "Amazon DynamoDB"), same_thing("SQS", "Simple Queue Service (SQS)")
(True, True)
>>> [(q.text, q.dimension, q.high) for q in find_quantities("max memory 10,240 mb, timeout 0 to 20 seconds")]
[('10,240 mb', 'size', 10240000000.0), ('0 to 20 seconds', 'time', 20.0)]
>>> loose("The Dead-Letter Queues.") == loose("dead letter queue")
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

VENDOR = re.compile(r"\b(amazon|amzon|aws)\b", re.IGNORECASE)
ARTICLES = frozenset({"a", "an", "the"})
PAREN = re.compile(r"\(([^()]*)\)")
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


ACRONYM_PLURAL = re.compile(r"\b([A-Z][A-Z0-9]+)s\b")  # "MQs", "AMIs"; "SQS" is no plural


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def loose(text: str) -> str:
    """Text for tolerant comparison: case, spacing, punctuation, articles and simple plurals ignored."""
    text = ACRONYM_PLURAL.sub(r"\1", text)
    words = re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", text.casefold().replace(",", ""))
    return " ".join(_singular(w) for w in words if w not in ARTICLES)


@lru_cache(maxsize=65536)
def canon(text: str) -> str:
    """A name reduced for identity checks: no vendor prefix, case, spaces, punctuation or plural."""
    return loose(VENDOR.sub(" ", text)).replace(" ", "")


@lru_cache(maxsize=65536)
def aliases(text: str) -> frozenset[str]:
    """The canonical forms a name goes by: whole, without its parentheses, and what they hold."""
    forms = {canon(text), canon(PAREN.sub(" ", text))}
    forms.update(canon(inner) for inner in PAREN.findall(text))
    return frozenset(form for form in forms if form)


def _similar(a: str, b: str, ratio: float) -> bool:
    """SequenceMatcher's ratio >= ``ratio``, with its cheap upper bounds tried first."""
    matcher = SequenceMatcher(None, a, b)
    return matcher.real_quick_ratio() >= ratio and matcher.quick_ratio() >= ratio and matcher.ratio() >= ratio


NEGATING_PREFIXES = ("non", "un", "in", "not", "no")


def _negation_of(x: str, y: str) -> bool:
    return any(x == prefix + y for prefix in NEGATING_PREFIXES)


@lru_cache(maxsize=65536)
def same_thing(a: str, b: str, ratio: float = 0.85) -> bool:
    """True when two names denote the same thing: a shared alias, or nearly the same spelling."""
    first, second = aliases(a), aliases(b)
    if first & second:
        return True
    x, y = canon(a), canon(b)
    if not x or not y:
        return False
    if _negation_of(x, y) or _negation_of(y, x):
        return False  # "non-persistent" is the opposite of "persistent", not another name for it
    if min(len(x), len(y)) >= 5 and (x in y or y in x):
        return True
    return _similar(x, y, ratio)


@lru_cache(maxsize=65536)
def mentions(text: str, name: str) -> bool:
    """True when ``text`` names ``name`` (or one of its aliases) as whole words, or nearly
    (``ElastiCache`` for ``Elastic cache``).

    >>> mentions("All Amazon ElastiCache actions are logged", "Elastic cache")
    True
    """
    haystack = f" {loose(VENDOR.sub(' ', text))} "
    squashed = haystack.replace(" ", "")
    words = haystack.split()
    for form in {loose(VENDOR.sub(" ", name)), *(loose(p) for p in PAREN.findall(name))}:
        if not form:
            continue
        if f" {form} " in haystack or (len(form) >= 8 and form.replace(" ", "") in squashed):
            return True
        target = form.replace(" ", "")
        if len(target) >= 6:
            for size in {1, len(form.split())}:
                for i in range(len(words) - size + 1):
                    window = "".join(words[i : i + size])
                    if _similar(window, target, 0.85):
                        return True
    return False
