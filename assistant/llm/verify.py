"""Checking what a model wrote against the lines it cites: sentence by sentence.

A sentence passes when it cites at least one of the passages it was given, every number (with its
unit) and every named term it states occurs in their lines, and one statement of those lines backs it
(``backing``: most of its words in that one statement, the same polarity, each bare number with what
it counts).

>>> lines = {1: "Visibility timeout: default 30 seconds, max 12 hours (SQS)."}
>>> [(s.text, s.cites, s.passed) for s in check_reply("The SQS visibility timeout is 30 seconds [1].", lines)]
[('The SQS visibility timeout is 30 seconds.', (1,), True)]
>>> check_reply("Kinesis hides a message for 45 seconds [1].", lines)[0].reason
"'45 seconds' is not in the cited lines"
>>> check_reply("SQS hides a message for 30 seconds [1].", lines)[0].reason  # most of its words are not there
'no one cited statement holds most of its words'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from assistant.llm.backing import holds
from core.text import STOPWORDS, WORD, find_quantities, terms

# "[1]", "[1, 3]", "[1][2]", "[passage 2]": what the model cites with.
MARKER = re.compile(r"\[\s*(?:passages?\s*)?(\d+(?:\s*(?:,|and|&)\s*\d+)*)\s*\]", re.IGNORECASE)
# A sentence ends at . ! ? followed by space (not inside a number, not "e.g." / "i.e."), or at a line break.
SENTENCE_END = re.compile(r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<=[.!?])\s+|\n+")
# Citations written after the full stop ("... 30 seconds. [1]") belong to the sentence before it.
TRAILING_MARKERS = re.compile(r"([.!?])((?:\s*" + MARKER.pattern + r")+)", re.IGNORECASE)
# Every run of digits, inside a word too ("EC2", "t2.micro"): a digit the model writes is checked.
NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)|\d+(?:\.\d+)?")
BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")
# A reply that says the passages don't answer the question.
NOT_COVERED = re.compile(
    r"\bnot\s+covered\b|\b(?:do|does)\s*(?:n[o']t)\s+(?:cover|mention|say|contain|answer)|\bno\s+information\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Checked:
    """One sentence of the model's reply: its text (markers removed), the passages it cites
    (1-based), whether it passed, and why not."""

    text: str
    cites: tuple[int, ...]
    passed: bool
    reason: str = ""


def split_sentences(reply: str) -> list[str]:
    """The reply's sentences, each with the citation markers that close it.

    >>> split_sentences("It is 30 seconds. [1] Max is 12 hours [2].\\n- e.g. SQS [1]")
    ['It is 30 seconds [1].', 'Max is 12 hours [2].', 'e.g. SQS [1]']
    """
    moved = TRAILING_MARKERS.sub(lambda m: f"{m.group(2)}{m.group(1)}", reply)
    parts = (BULLET.sub("", part).strip() for part in SENTENCE_END.split(moved))
    return [part for part in parts if WORD.search(part)]


def citations_of(sentence: str) -> tuple[tuple[int, ...], str]:
    """The passage numbers a sentence cites, in order without repeats, and the sentence without them.

    >>> citations_of("Default is 30 seconds [1, 3][1].")
    ((1, 3), 'Default is 30 seconds.')
    """
    numbers: list[int] = []
    for match in MARKER.finditer(sentence):
        numbers += [int(n) for n in re.findall(r"\d+", match.group(1))]
    text = " ".join(MARKER.sub(" ", sentence).split())
    text = re.sub(r"\s+([.,;:!?])", r"\1", text)
    return tuple(dict.fromkeys(numbers)), text


def named_terms(text: str) -> list[str]:
    """What a sentence names: words written with a capital (SQS, DynamoDB, Lambda, "Kinesis" first in
    its sentence), but not a capitalised stop word ("The", "It").

    >>> named_terms("The SQS queue sends to Lambda, not to a DynamoDB table.")
    ['SQS', 'Lambda', 'DynamoDB']
    """
    found = []
    for word in WORD.findall(text):
        if any(c.isupper() for c in word) and word.casefold() not in STOPWORDS:
            found.append(word)
    return list(dict.fromkeys(found))


def _compact(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _numbers(text: str) -> set[float]:
    return {float(n.replace(",", "")) for n in NUMBER.findall(text)}


def unsupported(sentence: str, lines: str) -> str:
    """Why ``sentence`` is not backed by ``lines`` (the text it cites), or "" when it is.

    >>> unsupported("The limit is 256 KB for SQS.", "SQS: message size 256 kb max")
    ''
    >>> unsupported("The limit is 2 MB.", "message size 256 kb max")
    "'2 MB' is not in the cited lines"
    """
    cited_quantities = find_quantities(lines)
    quantities = find_quantities(sentence)
    for quantity in quantities:
        if not any(quantity.same_value(other) for other in cited_quantities):
            return f"'{quantity.text}' is not in the cited lines"
    # Every number as written, with or without a unit ("900 seconds" is not "15 minutes" here).
    cited_numbers = _numbers(lines)
    for number in NUMBER.findall(sentence):
        if float(number.replace(",", "")) not in cited_numbers:
            return f"'{number}' is not in the cited lines"
    cited_terms = set(terms(lines))
    compact = _compact(lines)
    for name in named_terms(sentence):
        named = terms(name)
        if named and all(t in cited_terms for t in named):
            continue
        if len(name) >= 4 and _compact(name) in compact:  # "DynamoDB" written "Dynamo DB"
            continue
        return f"'{name}' is not in the cited lines"
    if not set(terms(sentence)) & cited_terms:
        return "it shares no word with the cited lines"
    return holds(sentence, lines)


def check_reply(reply: str, passages: Mapping[int, str]) -> list[Checked]:
    """Each sentence of ``reply`` checked against the text of the passages it cites (by number)."""
    checked = []
    for sentence in split_sentences(reply):
        cites, text = citations_of(sentence)
        if not cites:
            checked.append(Checked(text, cites, False, "it cites no passage"))
            continue
        unknown = [n for n in cites if n not in passages]
        if unknown:
            checked.append(Checked(text, cites, False, f"it cites [{unknown[0]}], which is not a given passage"))
            continue
        reason = unsupported(text, "\n".join(passages[n] for n in cites))
        checked.append(Checked(text, cites, not reason, reason))
    return checked


def says_not_covered(checked: list[Checked]) -> bool:
    """Whether the model said the passages don't answer the question (in a sentence citing nothing).

    >>> says_not_covered(check_reply("NOT COVERED", {})), says_not_covered(check_reply("SQS [1].", {1: "SQS"}))
    (True, False)
    """
    return any(not s.cites and NOT_COVERED.search(s.text) for s in checked)
