"""The eval metric code on hand-made records whose scores are worked out by hand."""

from __future__ import annotations

import math

import pytest

from core.spans import LineSpan
from core.stats import percentile
from evals.metrics import Case, Record, hit_at_k, ndcg, reciprocal_rank, score

SRC = "notes/aws.txt"


def span(start: int, end: int, source: str = SRC) -> LineSpan:
    return LineSpan(source, start, end)


def answerable(case_id: str, gold: LineSpan, *expected: str) -> Case:
    return Case(case_id, f"question {case_id}?", True, expected, gold)


def unanswerable(case_id: str) -> Case:
    return Case(case_id, f"question {case_id}?", False)


def record(case_id: str, answer: str, *, grounded: bool = True, citations: tuple[LineSpan, ...] = (),
           passages: tuple[LineSpan, ...] = (), latency_ms: float = 100.0) -> Record:
    return Record(case_id, f"question {case_id}?", answer, grounded, citations, passages, latency_ms)


def test_overlap_needs_the_same_file_and_a_shared_line() -> None:
    gold = span(10, 12)
    assert span(12, 20).overlaps(gold) and span(1, 10).overlaps(gold) and span(11, 11).overlaps(gold)
    assert not span(13, 20).overlaps(gold)
    assert not span(1, 9).overlaps(gold)
    assert not span(10, 12, "notes/other.txt").overlaps(gold)


def test_rank_metrics_of_one_ranking() -> None:
    gold = span(50, 52)
    ranked = [span(1, 5), span(60, 70), span(51, 51), span(52, 58)]
    assert not hit_at_k(ranked, gold, 2)
    assert hit_at_k(ranked, gold, 3)
    assert reciprocal_rank(ranked, gold) == pytest.approx(1 / 3)
    # Hits at ranks 3 and 4; the ideal puts two hits at ranks 1 and 2.
    dcg = 1 / math.log2(4) + 1 / math.log2(5)
    assert ndcg(ranked, gold) == pytest.approx(dcg / (1 + 1 / math.log2(3)))
    assert reciprocal_rank(ranked, gold, depth=2) == 0.0
    assert ndcg([span(1, 5)], gold) == 0.0


def test_hit_beyond_rank_ten_does_not_count_for_mrr_and_ndcg() -> None:
    gold = span(500, 500)
    ranked = [span(i, i) for i in range(1, 11)] + [span(500, 501)]
    assert reciprocal_rank(ranked, gold, 10) == 0.0
    assert ndcg(ranked, gold, 10) == 0.0
    assert reciprocal_rank(ranked, gold, 11) == pytest.approx(1 / 11)


def test_percentiles_interpolate_between_ranks() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([300.0, 100.0, 200.0], 50) == 200.0
    assert percentile([], 50) is None


def set_and_records() -> tuple[list[Case], list[Record]]:
    """Four answerable and three unanswerable cases, each outcome chosen by hand:

    f1: passage hit at rank 1, right answer, right first citation      (latency 100)
    f2: hit at rank 2, wrong answer, first citation elsewhere          (latency 200)
    f3: refused (wrongly), though its passages hit at rank 1           (latency 300)
    f4: no hit in 6 passages, answer right by luck, cites the gold second (latency 400)
    u1: refused (rightly); u2: refused (rightly); u3: answered (wrongly) (latencies 500, 600, 700)
    """
    cases = [
        answerable("f1", span(10, 10), r"30\s*seconds"),
        answerable("f2", span(20, 21), r"256\s*kb", "quarter of a megabyte"),
        answerable("f3", span(30, 30), "4 days"),
        answerable("f4", span(40, 42), "port 25"),
        unanswerable("u1"),
        unanswerable("u2"),
        unanswerable("u3"),
    ]
    records = [
        record("f1", "Visibility timeout: 30 Seconds by default.", citations=(span(9, 10),),
               passages=(span(9, 10), span(100, 104)), latency_ms=100),
        record("f2", "Messages are kept 14 days.", citations=(span(22, 25),),
               passages=(span(22, 25), span(19, 20), span(20, 20)), latency_ms=200),
        record("f3", "Your notes don't cover this. 4 days", grounded=False,
               passages=(span(30, 31),), latency_ms=300),
        record("f4", "Blocked: port 25.", citations=(span(300, 300), span(41, 41)),
               passages=tuple(span(200 + i, 200 + i) for i in range(6)), latency_ms=400),
        record("u1", "Your notes don't cover this.", grounded=False, passages=(span(1, 2),), latency_ms=500),
        record("u2", "Your notes don't cover this.", grounded=False, latency_ms=600),
        record("u3", "Something made up.", citations=(span(5, 5),), passages=(span(5, 5),), latency_ms=700),
    ]
    return cases, records


def test_scores_of_a_hand_made_run() -> None:
    cases, records = set_and_records()
    s = score(cases, records, k=5)
    assert (s.cases, s.answerable, s.unanswerable) == (7, 4, 3)
    assert s.hit_at_1 == pytest.approx(2 / 4)  # f1, f3
    assert s.hit_at_k == pytest.approx(3 / 4)  # f1, f2, f3
    assert s.mrr_at_10 == pytest.approx((1 + 1 / 2 + 1 + 0) / 4)
    # f2: hits at ranks 2 and 3 -> (1/log2 3 + 1/log2 4) / (1 + 1/log2 3)
    f2 = (1 / math.log2(3) + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert s.ndcg_at_10 == pytest.approx((1 + f2 + 1 + 0) / 4)
    assert s.accuracy == pytest.approx(2 / 4)  # f1, f4; f3's refusal is wrong even though it holds "4 days"
    assert s.precision_answered == pytest.approx(2 / 3)  # f1, f4 of f1, f2, f4
    assert s.citation_accuracy == pytest.approx(1 / 4)  # only f1's first citation is on the gold lines
    assert (s.refused, s.refused_unanswerable, s.refused_answerable) == (3, 2, 1)
    assert s.refusal_precision == pytest.approx(2 / 3)
    assert s.refusal_recall == pytest.approx(2 / 3)
    assert s.false_refusal_rate == pytest.approx(1 / 4)
    assert s.latency_p50_ms == pytest.approx(400)
    assert s.latency_p95_ms == pytest.approx(670)  # rank position 6 * 0.95 = 5.7: 600 + 0.7 * (700 - 600)
    assert [o.case.id for o in s.failures()] == ["f2", "f3", "u3"]


def test_hit_at_k_follows_k() -> None:
    cases, records = set_and_records()
    assert score(cases, records, k=1).hit_at_k == pytest.approx(2 / 4)
    assert score(cases, records, k=2).hit_at_k == pytest.approx(3 / 4)


def test_undefined_ratios_are_none_not_zero() -> None:
    cases = [answerable("f1", span(1, 1), "x")]
    s = score(cases, [record("f1", "x", citations=(span(1, 1),), passages=(span(1, 1),))])
    assert s.refusal_precision is None  # nothing was refused
    assert s.refusal_recall is None  # no unanswerable case
    assert s.false_refusal_rate == 0.0
    assert s.accuracy == 1.0


def test_a_case_without_a_record_is_an_error() -> None:
    cases, records = set_and_records()
    with pytest.raises(ValueError, match="u3"):
        score(cases, records[:-1])
