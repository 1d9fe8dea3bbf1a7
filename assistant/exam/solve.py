"""Exam mode: read a pasted multiple-choice question and say which option(s) the notes support,
each with the lines that say it, or that the notes do not decide it.

>>> q = parse_exam_question('''Which queue type never introduces duplicates? (Select TWO.)
... A. Standard queue
... B) FIFO queue
... (C) Dead-letter queue''')
>>> q.stem, q.pick, [letter for letter, _ in q.options]
('Which queue type never introduces duplicates?', 2, ['A', 'B', 'C'])
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.types import Passage
from core.spans import Quote, on_pages, span_dict
from core.text import WORD, find_quantities, sentences, terms

OPTION = re.compile(r"^\s*(?:\(?(?P<letter>[A-Ha-h])\s*[).:]|(?P<bullet>[-•*]))\s+(?P<text>\S.*)$")
SELECT = re.compile(r"\(?\s*(?:select|choose|pick)\s+(?P<n>one|two|three|four|five|\d)\b[^)\n]*\)?\.?", re.IGNORECASE)
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
# Words of exam options that say nothing about which is right.
GENERIC = frozenset(terms("use using amazon aws configure enable create set up service services application option"))
FLOOR = -7.0  # a chosen option's evidence must score at least this (cross-encoder logit scale)
MARGIN = 0.5  # and beat the best unchosen option by this much
STEM_WEIGHT = 2.0


class ExamError(ValueError):
    """A pasted question that can't be read (no stem, fewer than two options)."""


@dataclass(frozen=True)
class ExamQuestion:
    stem: str
    options: list[tuple[str, str]]  # (letter, text)
    pick: int = 1


@dataclass(frozen=True)
class OptionVerdict:
    letter: str
    text: str
    support: float
    citations: list[Quote] = field(default_factory=list)


@dataclass
class ExamAnswer:
    question: ExamQuestion
    decided: bool
    chosen: list[str]  # letters, when decided
    verdicts: list[OptionVerdict]
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "stem": self.question.stem,
            "pick": self.question.pick,
            "decided": self.decided,
            "answer": self.chosen,
            "message": self.message,
            "options": [
                {
                    "letter": v.letter,
                    "text": v.text,
                    "support": round(v.support, 3),
                    "citations": [span_dict(c) for c in v.citations],
                }
                for v in self.verdicts
            ],
        }


def parse_exam_question(text: str) -> ExamQuestion:
    """Stem and options from pasted text: options as ``A.``, ``B)``, ``(C)`` or bullets; "Select TWO" sets how many."""
    stem_lines: list[str] = []
    options: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        m = OPTION.match(line)
        if m and (options or stem_lines):
            letter = (m.group("letter") or chr(ord("A") + len(options))).upper()
            options.append((letter, m.group("text").strip()))
        elif options:
            letter, previous = options[-1]
            options[-1] = (letter, f"{previous} {line.strip()}")  # an option wrapped onto the next line
        else:
            stem_lines.append(line.strip())
    stem = " ".join(stem_lines)
    pick = 1
    found = SELECT.search(stem)
    if found:
        word = found.group("n").lower()
        pick = NUMBERS.get(word, int(word) if word.isdigit() else 1)
        stem = (stem[: found.start()] + stem[found.end() :]).strip()
    if not stem:
        raise ExamError("no question found: paste the question, then its options on lines starting A., B., ...")
    if len(options) < 2:
        raise ExamError("found fewer than two options: put each on its own line starting A., B., C. ...")
    if not 1 <= pick < len(options):
        raise ExamError(f"the question asks for {pick} answers but has {len(options)} options")
    return ExamQuestion(stem, options, pick)


def _match(option: str, stem: str, section: str, line: str) -> float:
    """How much of what sets the option apart (its terms not in the stem, or its quantity) ``line`` states."""
    quantities = find_quantities(option)
    if quantities:
        stated = find_quantities(line)
        found = all(any(q.same_value(x) and q.is_range == x.is_range for x in stated) for q in quantities)
        return 1.0 if found else 0.0
    stem_terms = set(terms(stem))
    wanted = [t for t in dict.fromkeys(terms(option)) if t not in GENERIC and t not in stem_terms]
    echo = 1.0 if wanted else 0.5  # an option that only repeats the question's words proves little
    wanted = wanted or [t for t in dict.fromkeys(terms(option)) if t not in GENERIC] or terms(option)
    if not wanted:
        return 0.0
    in_line, in_topic = set(terms(line)), set(terms(section))
    if _denied(line, wanted):
        return 0.0
    got = sum(1.0 if t in in_line else 0.85 if t in in_topic else 0.0 for t in wanted)
    return echo * got / len(wanted)


NEGATIONS = frozenset({"not", "no", "never", "without", "cannot", "dont", "doesnt", "isnt", "arent", "non"})


def _denied(line: str, wanted: list[str]) -> bool:
    """True when the line names the option only to deny it ('... and not resource based policies')."""
    words = WORD.findall(line.lower().replace("\u2019", "").replace("'", ""))
    stems = [terms(w)[0] if terms(w) else "" for w in words]
    present = [t for t in wanted if t in stems]
    if not present:
        return False
    first = stems.index(present[0])  # where the option's first word is named
    return any(w in NEGATIONS for w in words[max(0, first - 3) : first])


def _stem_cover(stem: str, text: str) -> float:
    """Share of the stem's distinctive words that ``text`` repeats."""
    wanted = {t for t in terms(stem) if t not in GENERIC}
    return len(wanted & set(terms(text))) / len(wanted) if wanted else 0.0


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def solve(
    question: ExamQuestion,
    retrieve: Callable[[str, int], Sequence[Passage]],
    rerank: Callable[[str, list[str]], list[float]] | None = None,
) -> ExamAnswer:
    """Weigh each option by the notes' lines that state it in the stem's context; choose the
    ``pick`` best when they clearly stand out, else say the notes do not decide it."""
    verdicts: list[OptionVerdict] = []
    raw: dict[str, float] = {}
    for letter, text in question.options:
        passages = {(p.source, p.start_line): p for p in retrieve(f"{question.stem}\n{text}", 6)}
        for p in retrieve(question.stem, 6):
            passages.setdefault((p.source, p.start_line), p)
        candidates: list[tuple[float, Passage, int, str]] = []
        for p in passages.values():
            for offset, line in enumerate(p.text.split("\n")):
                for part in sentences(line):  # sentence by sentence: a line may hold several facts
                    sentence = part.text
                    match = _match(text, question.stem, p.section, sentence)
                    if match >= 0.5:
                        candidates.append((match, p, p.start_line + offset, sentence))
        if not candidates:
            verdicts.append(OptionVerdict(letter, text, 0.0))
            continue
        # Evidence must be about the question: its line or section repeats a word of the stem.
        candidates = [c for c in candidates if _stem_cover(question.stem, f"{c[1].section}: {c[3]}") > 0]
        if not candidates:
            verdicts.append(OptionVerdict(letter, text, 0.0))
            continue
        lines = [f"{p.section}: {line.strip()}" for _, p, _, line in candidates]
        # Relevance to the question: the cross-encoder's logit (when there is one) plus how much
        # of the stem's words the sentence and its section repeat; an option only half named costs.
        logits = rerank(f"{question.stem} {text}", lines) if rerank is not None else [0.0] * len(lines)
        scale = STEM_WEIGHT if rerank is not None else 4 * STEM_WEIGHT
        scored = sorted(
            (
                (logit + scale * _stem_cover(question.stem, x) + 2 * math.log(m), p, n, line)
                for (m, p, n, line), logit, x in zip(candidates, logits, lines, strict=True)
            ),
            key=lambda c: -c[0],
        )
        best, p, number, line = scored[0]
        raw[letter] = best
        quote = on_pages(Quote(p.source, number, number, line.strip()), p.pages)
        verdicts.append(OptionVerdict(letter, text, best, [quote]))
    top = max(raw.values(), default=0.0)
    # Support shown as 0-1: the best-supported option near 0.9, others lower by their distance to it.
    verdicts = [
        OptionVerdict(v.letter, v.text, _sigmoid(raw[v.letter] - top + 2) if v.letter in raw else 0.0, v.citations)
        for v in verdicts
    ]
    ranked = sorted(verdicts, key=lambda v: -raw.get(v.letter, -math.inf))
    chosen = ranked[: question.pick]
    rest = ranked[question.pick :]
    weakest = raw.get(chosen[-1].letter, -math.inf)
    runner_up = raw.get(rest[0].letter, -math.inf) if rest else -math.inf
    decided = weakest >= FLOOR and weakest - runner_up >= MARGIN
    if decided:
        letters = sorted(v.letter for v in chosen)
        message = f"The notes support {' and '.join(letters)}."
    else:
        letters = []
        message = "The notes do not decide this question."
    return ExamAnswer(question, decided, letters, verdicts, message)
