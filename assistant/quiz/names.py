"""Name helpers of the quiz: comparing names and grading free text loosely.

>>> canon("Amazon Simple Queue Service (Amazon SQS)")
'simplequeueservicesqs'
>>> same_thing("Dynamo db", "Amazon DynamoDB"), same_thing("SQS", "Simple Queue Service (SQS)")
(True, True)
>>> loose("The Dead-Letter Queues.") == loose("dead letter queue")
True
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz, process

VENDOR = re.compile(r"\b(amazon|amzon|aws)\b", re.IGNORECASE)
ARTICLES = frozenset({"a", "an", "the"})
PAREN = re.compile(r"\(([^()]*)\)")
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
    """The normalised edit similarity of ``a`` and ``b`` (rapidfuzz's ratio, in C) is at least ``ratio``."""
    return fuzz.ratio(a, b, score_cutoff=100 * ratio) > 0


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
            sizes = {1, len(form.split())}
            windows = ["".join(words[i : i + size]) for size in sizes for i in range(len(words) - size + 1)]
            if process.extractOne(target, windows, scorer=fuzz.ratio, score_cutoff=85) is not None:
                return True
    return False
