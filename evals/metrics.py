"""Scores of one system over an eval set: pure functions over cases and records.

A retrieved passage (or a citation) is a *hit* when it names the gold file and its lines overlap
the gold span. Retrieval metrics and answer/citation accuracy are computed on answerable cases;
refusal metrics treat ``grounded == False`` as a refusal.

>>> gold = LineSpan("notes.txt", 10, 12)
>>> ranked = [LineSpan("notes.txt", 1, 5), LineSpan("notes.txt", 12, 20)]
>>> hit_rank(ranked, gold), reciprocal_rank(ranked, gold), hit_at_k(ranked, gold, 1)
(2, 0.5, False)
>>> percentile([10.0, 20.0, 30.0, 40.0], 50)
25.0
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.spans import LineSpan
from core.stats import percentile


@dataclass(frozen=True)
class Case:
    """One question of an eval set; ``expected`` (regexes) and ``gold`` only when answerable.
    ``also``: other spans of the notes that state the same fact (a citation of any counts);
    ``split``: the fixed part of the set the case belongs to, "tune" or "test" ("" when unsplit)."""

    id: str
    question: str
    answerable: bool
    expected: tuple[str, ...] = ()
    gold: LineSpan | None = None
    also: tuple[LineSpan, ...] = ()
    split: str = ""

    @property
    def golds(self) -> tuple[LineSpan, ...]:
        """Every span that states the answer, the gold span first."""
        return () if self.gold is None else (self.gold, *self.also)


@dataclass(frozen=True)
class Record:
    """What a system did with one case: its answer, citations and ranked passages (best first)."""

    id: str
    question: str
    answer: str
    grounded: bool
    citations: tuple[LineSpan, ...]
    passages: tuple[LineSpan, ...]
    latency_ms: float


@dataclass(frozen=True)
class Outcome:
    """How one case was judged (``hit_rank`` is 1-based, ``None`` when no passage hit)."""

    case: Case
    record: Record
    refused: bool
    hit_rank: int | None = None
    correct: bool = False
    cited: bool = False

    @property
    def passed(self) -> bool:
        """Answerable: a right answer. Unanswerable: a refusal."""
        return self.correct if self.case.answerable else self.refused


@dataclass
class Scores:
    """The summary of one system over one set. ``None`` means undefined (e.g. nothing refused)."""

    cases: int
    answerable: int
    unanswerable: int
    k: int
    hit_at_1: float | None
    hit_at_k: float | None
    mrr_at_10: float | None
    ndcg_at_10: float | None
    accuracy: float | None
    precision_answered: float | None
    citation_accuracy: float | None
    refused: int
    refused_unanswerable: int
    refused_answerable: int
    refusal_precision: float | None
    refusal_recall: float | None
    false_refusal_rate: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    outcomes: list[Outcome] = field(default_factory=list, repr=False)

    def failures(self) -> list[Outcome]:
        """Cases the system got wrong, in set order."""
        return [outcome for outcome in self.outcomes if not outcome.passed]


def hit_rank(ranked: Sequence[LineSpan], gold: LineSpan, depth: int | None = None) -> int | None:
    """1-based rank of the first passage overlapping ``gold`` within ``depth``, else None."""
    for rank, span in enumerate(ranked[:depth], 1):
        if span.overlaps(gold):
            return rank
    return None


def hit_at_k(ranked: Sequence[LineSpan], gold: LineSpan, k: int) -> bool:
    """True when one of the first ``k`` passages overlaps ``gold``."""
    return hit_rank(ranked, gold, k) is not None


def reciprocal_rank(ranked: Sequence[LineSpan], gold: LineSpan, depth: int = 10) -> float:
    """1/rank of the first hit within ``depth``; 0 when there is none.

    >>> reciprocal_rank([LineSpan("a", 1, 1)] * 3 + [LineSpan("b", 1, 1)], LineSpan("b", 1, 9))
    0.25
    """
    rank = hit_rank(ranked, gold, depth)
    return 1.0 / rank if rank else 0.0


def ndcg(ranked: Sequence[LineSpan], gold: LineSpan, depth: int = 10) -> float:
    """nDCG@depth with binary relevance (a passage is relevant when it overlaps ``gold``).

    The ideal ranking puts the relevant passages retrieved first (at least one: the gold span).

    >>> round(ndcg([LineSpan("a", 1, 1), LineSpan("a", 5, 6)], LineSpan("a", 6, 6)), 4)
    0.6309
    >>> ndcg([LineSpan("a", 5, 6), LineSpan("a", 1, 1)], LineSpan("a", 6, 6))
    1.0
    """
    relevant = [span.overlaps(gold) for span in ranked[:depth]]
    dcg = sum(1.0 / math.log2(rank + 1) for rank, rel in enumerate(relevant, 1) if rel)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, max(1, sum(relevant)) + 1))
    return dcg / ideal


def best_gold(ranked: Sequence[LineSpan], golds: Sequence[LineSpan], depth: int = 10) -> LineSpan:
    """Of spans that state the same fact, the one ``ranked`` finds first (the first when none).

    >>> best_gold([LineSpan("a", 9, 9)], [LineSpan("a", 1, 1), LineSpan("a", 9, 9)]).start_line
    9
    """
    found = [(rank, i) for i, g in enumerate(golds) if (rank := hit_rank(ranked, g, depth)) is not None]
    return golds[min(found)[1]] if found else golds[0]


def answer_matches(answer: str, expected: Sequence[str]) -> bool:
    """True when any expected regex matches the answer, case-insensitively.

    >>> answer_matches("The default is 30 Seconds.", [r"30\\s*seconds", r"half a minute"])
    True
    """
    return any(re.search(pattern, answer, re.IGNORECASE) for pattern in expected)


def _ratio(part: int | float, whole: int) -> float | None:
    return part / whole if whole else None


def judge(case: Case, record: Record, k: int) -> Outcome:
    """The outcome of one case: refusal, first-hit rank (within max(k, 10)), answer and citation."""
    refused = not record.grounded
    if not case.answerable or case.gold is None:
        return Outcome(case, record, refused)
    depth = max(k, 10)
    return Outcome(
        case,
        record,
        refused,
        hit_rank=hit_rank(record.passages, best_gold(record.passages, case.golds, depth), depth),
        correct=not refused and answer_matches(record.answer, case.expected),
        cited=not refused and bool(record.citations) and any(record.citations[0].overlaps(g) for g in case.golds),
    )


def score(cases: Sequence[Case], records: Sequence[Record], k: int = 5) -> Scores:
    """Score ``records`` against ``cases`` (matched by id; every case needs a record).

    >>> case = Case("f1", "q?", True, ("30 s",), LineSpan("n.txt", 3, 3))
    >>> rec = Record("f1", "q?", "It is 30 s.", True, (LineSpan("n.txt", 3, 4),), (LineSpan("n.txt", 3, 4),), 12.0)
    >>> s = score([case], [rec]); (s.hit_at_1, s.accuracy, s.citation_accuracy, s.refusal_precision)
    (1.0, 1.0, 1.0, None)
    """
    by_id = {record.id: record for record in records}
    missing = [case.id for case in cases if case.id not in by_id]
    if missing:
        raise ValueError(f"no record for case(s) {', '.join(missing[:10])}")
    outcomes = [judge(case, by_id[case.id], k) for case in cases]
    answerable = [o for o in outcomes if o.case.answerable and o.case.gold is not None]
    unanswerable = [o for o in outcomes if not o.case.answerable]
    golds = [(o.record.passages, best_gold(o.record.passages, o.case.golds)) for o in answerable]
    n = len(answerable)
    answered = [o for o in answerable if not o.refused]
    refused_unanswerable = sum(o.refused for o in unanswerable)
    refused_answerable = n - len(answered)
    refused = refused_unanswerable + refused_answerable
    latencies = [o.record.latency_ms for o in outcomes]
    return Scores(
        cases=len(outcomes),
        answerable=n,
        unanswerable=len(unanswerable),
        k=k,
        hit_at_1=_ratio(sum(o.hit_rank == 1 for o in answerable), n),
        hit_at_k=_ratio(sum(o.hit_rank is not None and o.hit_rank <= k for o in answerable), n),
        mrr_at_10=_ratio(sum(reciprocal_rank(p, g, 10) for p, g in golds), n),
        ndcg_at_10=_ratio(sum(ndcg(p, g, 10) for p, g in golds), n),
        accuracy=_ratio(sum(o.correct for o in answerable), n),
        precision_answered=_ratio(sum(o.correct for o in answered), len(answered)),
        citation_accuracy=_ratio(sum(o.cited for o in answerable), n),
        refused=refused,
        refused_unanswerable=refused_unanswerable,
        refused_answerable=refused_answerable,
        refusal_precision=_ratio(refused_unanswerable, refused),
        refusal_recall=_ratio(refused_unanswerable, len(unanswerable)),
        false_refusal_rate=_ratio(refused_answerable, n),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        outcomes=outcomes,
    )
