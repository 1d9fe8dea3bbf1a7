"""Exam mode: read a multiple-choice question and say which option(s) the notes decide, only on
strong evidence; otherwise that the notes don't decide it. Either way, for each option, the best
line of the notes about it, quoted with ``file:lines`` and labelled: supports, contradicts, or says
nothing.

Strong evidence is one of: a statement that names the option and is about what the stem asks (a
definition, or a stated limit or default that only that option's amount matches) and beats every
other option's by a margin; or a statement about the stem that rules out every other option (a
negation, or another amount). The thresholds are fitted on the tune part of ``evals/exam_set.jsonl``
(``evals/exam_eval.py``).

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
from dataclasses import dataclass, field
from typing import Any

from assistant.exam.evidence import MENTION_HITS, Line, OptionEvidence, Rerank, Retrieve, gather, strength
from core.spans import Quote, span_dict

OPTION = re.compile(r"^\s*(?:\(?(?P<letter>[A-Ha-h])\s*[).:]|(?P<bullet>[-•*]))\s+(?P<text>\S.*)$")
SELECT = re.compile(r"\(?\s*(?:select|choose|pick)\s+(?P<n>one|two|three|four|five|\d)\b[^)\n]*\)?\.?", re.IGNORECASE)
NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
MENTIONED = 0.6  # a line names an option when it holds most of its distinctive words (a heading's count half)
SUPPORTS, CONTRADICTS, NOTHING = "supports", "contradicts", "says nothing"
UNDECIDED = "Your notes don't decide this question: they do not decide between the options. What they say about each:"


@dataclass(frozen=True)
class Thresholds:
    """When a line counts as support, a denial as a contradiction, and support as a decision."""

    about_weight: float  # weight of the stem's words a line repeats, against the cross-encoder's logit
    support: float  # a line supports its option at this strength or more ...
    about: float  # ... when it repeats at least this share of the stem's words
    margin: float  # the chosen options beat the best other option by this much
    contradict: float  # a denial counts when its line is this relevant to the question
    named: float = 0.75  # a supporting line names this share of the option itself (a heading counts half)


# With the cross-encoder: fitted on the tune part (``python -m evals.exam_eval --fit``). By words alone
# (no cross-encoder): set by hand, not fitted.
RERANKED = Thresholds(about_weight=2.0, support=-6.0, about=0.3, margin=4.0, contradict=0.0, named=1.0)
WORDS_ONLY = Thresholds(about_weight=8.0, support=2.0, about=0.5, margin=2.0, contradict=4.0, named=0.75)


@dataclass(frozen=True)
class Labels:
    """When the evidence view calls an option's best line "supports" or "contradicts" (looser than
    a decision: a label commits to nothing, but must not call a wrong option supported)."""

    support: float  # the line's strength (as for a decision) ...
    about: float  # ... and the share of the stem's words it repeats
    named: float  # the share of the option it names
    contradict: float  # a denial's relevance (logit + weighted share of the stem's words)


# Fitted on the tune part's keys (``python -m evals.exam_eval --fit``); measured on hand labels.
LABELS = Labels(support=-8.0, about=0.3, named=0.5, contradict=-6.0)
WORDS_ONLY_LABELS = Labels(support=2.0, about=0.5, named=0.75, contradict=4.0)


class ExamError(ValueError):
    """A question that can't be read (no stem, fewer than two options)."""


@dataclass(frozen=True)
class ExamQuestion:
    stem: str
    options: list[tuple[str, str]]  # (letter, text)
    pick: int = 1


@dataclass(frozen=True)
class OptionVerdict:
    """An option, what the notes' best line about it does (``label``), and that line (``citations``)."""

    letter: str
    text: str
    support: float
    citations: list[Quote] = field(default_factory=list)
    label: str = NOTHING
    mentioned: bool = False  # some line of the notes names the option (or states its amount)


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
                    "label": v.label,
                    "mentioned": v.mentioned,
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


def solve(question: ExamQuestion, retrieve: Retrieve, rerank: Rerank | None = None,
          thresholds: Thresholds | None = None) -> ExamAnswer:
    """Which option(s) the notes decide, on strong evidence only; each option's best line, labelled."""
    return decide(question, gather(question.stem, question.options, retrieve, rerank), rerank is not None, thresholds)


@dataclass(frozen=True)
class _Weighed:
    letter: str
    text: str
    score: float  # its best supporting line's strength, -inf without one
    support: Line | None
    denial: Line | None
    named: Line | None  # the best line that names it, whatever it says


def _weigh(option: OptionEvidence, t: Thresholds, others: dict[Quote, int]) -> _Weighed:
    """An option's best support (a line naming it, and no more other options than the question
    picks: a line that names several options can't tell them apart), best denial, best mention."""
    backing = [x for x in option.lines if not x.denied and x.named >= t.named and others.get(x.statement.quote, 0) <= 0]
    denials = [x for x in option.lines if x.denied]
    best = max(backing, key=lambda x: strength(x, t.about_weight), default=None)
    denial = max(denials, key=lambda x: x.relevance + t.about_weight * x.about, default=None)
    named = max((x for x in option.lines if x.named >= 0.5 or x.hits >= MENTION_HITS),
                key=lambda x: x.relevance + t.about_weight * x.about, default=None)
    score = strength(best, t.about_weight) if best is not None else -math.inf
    return _Weighed(option.letter, option.text, score, best, denial, named)


def _others(evidence: list[OptionEvidence], letter: str, pick: int, named: float) -> dict[Quote, int]:
    """For each line, how many options besides ``letter`` it names, beyond the ``pick - 1`` allowed."""
    count: dict[Quote, int] = {}
    for option in evidence:
        if option.letter != letter:
            for x in option.lines:
                if x.named >= named and not x.denied:
                    count[x.statement.quote] = count.get(x.statement.quote, 0) + 1
    return {quote: n - (pick - 1) for quote, n in count.items()}


def _label(w: _Weighed, t: Thresholds) -> tuple[str, Line | None]:
    if w.support is not None and w.score >= t.support and w.support.about >= t.about:
        return SUPPORTS, w.support
    if w.denial is not None and w.denial.relevance + t.about_weight * w.denial.about >= t.contradict \
            and w.denial.about >= t.about:
        return CONTRADICTS, w.denial
    return NOTHING, w.support or w.named


def _shown(option: OptionEvidence, t: Thresholds, labels: Labels, others: dict[Quote, int]) -> tuple[str, Line | None]:
    """The evidence view's label of an option, and the line it rests on: as for a decision, a line
    that names more options than the question picks supports none of them."""
    backing = [x for x in option.lines
               if not x.denied and x.named >= labels.named and others.get(x.statement.quote, 0) <= 0]
    best = max(backing, key=lambda x: strength(x, t.about_weight), default=None)
    if best is not None and strength(best, t.about_weight) >= labels.support and best.about >= labels.about:
        return SUPPORTS, best
    denials = [x for x in option.lines if x.denied and x.about >= labels.about]
    denial = max(denials, key=lambda x: x.relevance + t.about_weight * x.about, default=None)
    if denial is not None and denial.relevance + t.about_weight * denial.about >= labels.contradict:
        return CONTRADICTS, denial
    named = max((x for x in option.lines if x.named >= 0.5 or x.hits >= MENTION_HITS),
                key=lambda x: x.relevance + t.about_weight * x.about, default=None)
    return NOTHING, best or named


def decide(question: ExamQuestion, evidence: list[OptionEvidence], reranked: bool,
           thresholds: Thresholds | None = None, labels: Labels | None = None) -> ExamAnswer:
    """The answer from each option's lines: the ``pick`` best-supported options when each is
    supported and either beats the rest by the margin or every other option is contradicted."""
    t = thresholds or (RERANKED if reranked else WORDS_ONLY)
    weighed = [_weigh(option, t, _others(evidence, option.letter, question.pick, t.named)) for option in evidence]
    labelled = {w.letter: _label(w, t) for w in weighed}
    ranked = sorted(weighed, key=lambda w: -w.score)
    chosen, rest = ranked[: question.pick], ranked[question.pick :]
    runner_up = rest[0].score if rest else -math.inf
    # The notes must not also speak against a chosen option (a negation about the question).
    supported = all(labelled[w.letter][0] == SUPPORTS and (w.denial is None or w.denial.about < t.about)
                    for w in chosen)
    ahead = min(w.score for w in chosen) - runner_up >= t.margin
    ruled_out = bool(rest) and all(labelled[w.letter][0] == CONTRADICTS for w in rest)
    decided = supported and (ahead or ruled_out)
    top = ranked[0].score if ranked and ranked[0].score > -math.inf else 0.0
    verdicts = []
    shown_with = labels or (LABELS if reranked else WORDS_ONLY_LABELS)
    for option, w in zip(evidence, weighed, strict=True):
        label, line = labelled[w.letter] if decided and w in chosen else _shown(
            option, t, shown_with, _others(evidence, option.letter, question.pick, shown_with.named))
        if decided and label == SUPPORTS and w not in chosen:
            label = NOTHING  # weaker support than the decided option's: not a second answer
        support = 1 / (1 + math.exp(-(w.score - top + 2))) if w.score > -math.inf else 0.0
        citations = [line.statement.quote] if line is not None else []
        mentioned = any(x.named >= MENTIONED or x.hits >= MENTION_HITS for x in option.lines)
        verdicts.append(OptionVerdict(w.letter, w.text, support, citations, label, mentioned))
    if decided:
        letters = sorted(w.letter for w in chosen)
        return ExamAnswer(question, True, letters, verdicts, f"The notes support {' and '.join(letters)}.")
    return ExamAnswer(question, False, [], verdicts, UNDECIDED)


