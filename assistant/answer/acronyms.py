"""Acronyms and their expansions as the notes themselves write them.

"Availability Zones (AZs)", "Elastic Load Balancing (ELB)", "EBS - elastic bean stalk": a run of
words whose initials spell the acronym, right before it in parentheses, or right after it and an
"=" or "-". The selector counts a question's "availability zone" as found in a statement holding
"AZ", and the reverse.

>>> found = aliases(["multiple Availability Zones (AZs) in a region", "EBS - elastic bean stalk , PAAS"])
>>> sorted(found["azs"]), sorted(found["availability"]), sorted(found["ebs"])
(['availability', 'zone'], ['az', 'azs'], ['bean', 'elastic', 'stalk'])
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from core.text import terms

WORDS_BEFORE = re.compile(r"((?:[A-Za-z][\w-]*[ \t]+){1,8})\((?:[A-Z][a-z]+[ \t]+)?([A-Z]{2,6})s?\)")
WORDS_AFTER = re.compile(r"\b([A-Z]{2,6})s?\s*[-=]\s+((?:[A-Za-z][\w-]*\s*){2,8})")
CONNECTIVES = frozenset({"and", "of", "for", "the", "&"})


def _expansion(acronym: str, words: list[str]) -> tuple[list[str], int] | None:
    """The first words whose initials spell ``acronym`` (connectives between them skipped), and how
    many words that takes; None if they don't."""
    letters = acronym.lower()
    picked: list[str] = []
    for used, word in enumerate(words):
        if len(picked) == len(letters):
            return picked, used
        if word.lower() in CONNECTIVES and picked:
            continue
        if word[0].lower() != letters[len(picked)]:
            return None
        picked.append(word)
    return (picked, len(words)) if len(picked) == len(letters) else None


def expansions(text: str) -> Iterable[tuple[str, list[str]]]:
    """(acronym, the words it stands for) for each one ``text`` spells out."""
    for match in WORDS_BEFORE.finditer(text):
        acronym, before = match.group(2), match.group(1).split()
        for start in range(len(before) - 1, -1, -1):  # the shortest run of words ending right before it
            spelled = _expansion(acronym, before[start:])
            if spelled is not None and start + spelled[1] == len(before):
                yield acronym, spelled[0]
                break
    for match in WORDS_AFTER.finditer(text):
        spelled = _expansion(match.group(1), match.group(2).split())
        if spelled is not None:
            yield match.group(1), spelled[0]


def aliases(texts: Iterable[str]) -> Mapping[str, frozenset[str]]:
    """Term -> the terms it stands for or that stand for it: an acronym's term maps to its
    expansion's terms, and each expansion term to the acronym's term."""
    found: dict[str, set[str]] = {}
    for text in texts:
        for acronym, words in expansions(text):
            short, long = terms(acronym), terms(" ".join(words))
            if len(short) != 1 or not long or short[0] in long:
                continue
            plural = short[0] + "s"  # "AZs": the stemmer leaves an acronym's plural as it is
            for acronym in (short[0], plural):
                found.setdefault(acronym, set()).update(long)
            for term in long:
                found.setdefault(term, set()).update((short[0], plural))
    return {term: frozenset(alias) for term, alias in found.items()}
