"""Exam mode on the hand-written exam set (``evals/exam_set.jsonl``): precision of the committed
answers on questions the notes decide, and how often it commits on questions they don't; and the
fit of exam mode's thresholds, on the tune part only.

    python -m evals.exam_eval --data-dir DIR            # the test part's figures, and the evidence labels'
                                                        # agreement with exam_evidence_labels.jsonl
    python -m evals.exam_eval --data-dir DIR --fit      # fit the thresholds on the tune part
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from assistant.exam.evidence import OptionEvidence, Rerank, Retrieve, gather
from assistant.exam.solve import (
    CONTRADICTS,
    LABELS,
    RERANKED,
    SUPPORTS,
    ExamAnswer,
    ExamQuestion,
    Labels,
    Thresholds,
    decide,
)

EXAM_SET = Path(__file__).with_name("exam_set.jsonl")
# Hand labels of what the notes say about each option of a few questions (supports / contradicts /
# says nothing), whatever line exam mode happens to show: the evidence labels are measured on these.
HAND_LABELS = Path(__file__).with_name("exam_evidence_labels.jsonl")


@dataclass(frozen=True)
class Case:
    id: str
    question: ExamQuestion
    answers: list[str]
    decided: bool
    split: str


def load(path: Path = EXAM_SET, split: str | None = None) -> list[Case]:
    """The exam set's cases (of one split, when given)."""
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        options = [(chr(65 + i), text) for i, text in enumerate(row["options"])]
        question = ExamQuestion(row["question"], options, len(row["answers"]))
        cases.append(Case(row["id"], question, sorted(row["answers"]), bool(row["decided"]), row.get("split", "test")))
    return [c for c in cases if split is None or c.split == split]


@dataclass(frozen=True)
class Figures:
    decided: int  # questions the notes decide
    committed: int  # ... that exam mode committed on
    right: int  # ... and got right
    undecided: int  # questions the notes don't decide
    committed_undecided: int  # ... that it committed on anyway

    @property
    def precision(self) -> float:
        return self.right / self.committed if self.committed else 1.0

    @property
    def undecided_rate(self) -> float:
        return self.committed_undecided / self.undecided if self.undecided else 0.0

    def text(self) -> str:
        return (f"decided questions: {self.committed}/{self.decided} committed, {self.right} right "
                f"(precision {self.precision:.3f}); undecided questions committed: "
                f"{self.committed_undecided}/{self.undecided} ({self.undecided_rate:.3f})")


def figures(cases: Iterable[Case], answers: Iterable[ExamAnswer]) -> Figures:
    d = c = r = u = cu = 0
    for case, answer in zip(cases, answers, strict=True):
        if case.decided:
            d += 1
            c += answer.decided
            r += answer.decided and answer.chosen == case.answers
        else:
            u += 1
            cu += answer.decided
    return Figures(d, c, r, u, cu)


def evidence_for(cases: list[Case], retrieve: Retrieve, rerank: Rerank | None) -> list[list[OptionEvidence]]:
    return [gather(c.question.stem, c.question.options, retrieve, rerank) for c in cases]


def run(cases: list[Case], evidence: list[list[OptionEvidence]], reranked: bool,
        thresholds: Thresholds | None = None) -> Figures:
    answers = [decide(c.question, e, reranked, thresholds) for c, e in zip(cases, evidence, strict=True)]
    return figures(cases, answers)


def load_labels(path: Path = HAND_LABELS) -> dict[tuple[str, str], str]:
    """(case id, option letter) -> the hand label."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {(r["id"], r["letter"]): r["label"] for r in rows}


def label_agreement(cases: list[Case], answers: list[ExamAnswer],
                    labels: dict[tuple[str, str], str]) -> tuple[int, int, Counter[tuple[str, str]]]:
    """(agreeing, labelled, confusion counts of (hand label, exam mode's label)) over the labelled options."""
    confusion: Counter[tuple[str, str]] = Counter()
    for case, answer in zip(cases, answers, strict=True):
        for verdict in answer.verdicts:
            gold = labels.get((case.id, verdict.letter))
            if gold is not None:
                confusion[(gold, verdict.label)] += 1
    agree = sum(n for (gold, got), n in confusion.items() if gold == got)
    return agree, sum(confusion.values()), confusion


def label_text(agree: int, total: int, confusion: Counter[tuple[str, str]]) -> str:
    kinds = ("supports", "contradicts", "says nothing")
    out = [f"evidence labels: {agree}/{total} agree with the hand labels ({agree / total:.2f})" if total else
           "evidence labels: none labelled"]
    for gold in kinds:
        row = ", ".join(f"{got} {confusion[(gold, got)]}" for got in kinds)
        out.append(f"  hand {gold}: shown as {row}")
    return "\n".join(out)


GRID = {
    "about_weight": [1.0, 2.0, 4.0],
    "support": [-6.0, -3.0, 0.0, 2.0, 4.0],
    "about": [0.3, 0.4, 0.5, 0.6, 0.7],
    "margin": [1.0, 2.0, 4.0, 6.0],
    "contradict": [0.0, 3.0, 100.0],
    "named": [0.75, 1.0],
}


def fit(cases: list[Case], evidence: list[list[OptionEvidence]], reranked: bool = True,
        precision: float = 0.92, undecided: float = 0.05,
        log: Callable[[str], None] = print) -> tuple[Thresholds, Figures]:
    """The thresholds that commit on the most decided questions of ``cases`` (the tune part) while
    keeping precision and the undecided questions' commit rate within bounds (stricter than the gate)."""
    best: tuple[tuple[int, int], Thresholds, Figures] | None = None
    keys = list(GRID)
    for values in itertools.product(*(GRID[k] for k in keys)):
        t = Thresholds(**dict(zip(keys, values, strict=True)))
        f = run(cases, evidence, reranked, t)
        if f.precision < precision or f.undecided_rate > undecided:
            continue
        # Each wrong commitment costs eight right ones: thresholds that barely pass on tune don't hold on test.
        key = (f.right - 8 * (f.committed - f.right) - 8 * f.committed_undecided, f.right)
        if best is None or key > best[0]:
            best = (key, t, f)
    if best is None:
        raise SystemExit("no thresholds meet the bounds on the tune part")
    log(f"fitted: {best[1]}\n  tune: {best[2].text()}")
    return best[1], best[2]


LABEL_GRID = {
    "support": [-8.0, -6.0, -4.0, -2.0, 0.0],
    "about": [0.1, 0.2, 0.3, 0.4],
    "named": [0.5, 0.75, 1.0],
    "contradict": [-6.0, -4.0, -2.0, 0.0, 100.0],
}


def fit_labels(cases: list[Case], evidence: list[list[OptionEvidence]], thresholds: Thresholds,
               false_rate: float = 0.03, log: Callable[[str], None] = print) -> Labels:
    """The evidence labels that, on ``cases`` (the tune part), call the most keyed answers of the
    questions the notes decide "supports" and the most of their wrong options "contradicts", while
    calling at most ``false_rate`` of the options that aren't supported (every wrong option, every
    option of a question the notes don't decide) "supports", and of the keyed answers "contradicts"."""
    best: tuple[int, Labels, str] | None = None
    keys = list(LABEL_GRID)
    for values in itertools.product(*(LABEL_GRID[k] for k in keys)):
        labels = Labels(**dict(zip(keys, values, strict=True)))
        good = false_support = unsupported = false_contradict = keyed = 0
        for case, ev in zip(cases, evidence, strict=True):
            answer = decide(case.question, ev, True, thresholds, labels)
            for v in answer.verdicts:
                right = case.decided and v.letter in case.answers
                keyed += right
                unsupported += not right
                false_support += v.label == SUPPORTS and not right
                false_contradict += v.label == CONTRADICTS and right
                good += (v.label == SUPPORTS and right) or (v.label == CONTRADICTS and case.decided and not right)
        if false_support > false_rate * unsupported or false_contradict > false_rate * keyed:
            continue
        if best is None or good > best[0]:
            note = (f"{good} keyed answers called supports or wrong options contradicts; false supports "
                    f"{false_support}/{unsupported}, false contradicts {false_contradict}/{keyed}")
            best = (good, labels, note)
    if best is None:
        raise SystemExit("no labels meet the bounds on the tune part")
    log(f"fitted: {best[1]}\n  tune: {best[2]}")
    return best[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.exam_eval", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="the index to use (default: the settings')")
    parser.add_argument("--split", default="test", choices=["tune", "test", "all"])
    parser.add_argument("--fit", action="store_true", help="fit the thresholds on the tune part")
    args = parser.parse_args(argv)
    from assistant.answer.engine import Assistant
    from core.settings import Settings

    settings = Settings(**({"data_dir": args.data_dir} if args.data_dir else {}))
    assistant = Assistant(settings)
    rerank = assistant.reranker.scores if assistant.reranker else None
    if args.fit:
        tune = load(split="tune")
        tune_evidence = evidence_for(tune, assistant.retrieve, rerank)
        thresholds, _ = fit(tune, tune_evidence, rerank is not None)
        labels = fit_labels(tune, tune_evidence, thresholds)
    else:
        thresholds, labels = RERANKED, LABELS
    cases = load(split=None if args.split == "all" else args.split)
    f = run(cases, evidence_for(cases, assistant.retrieve, rerank), rerank is not None, thresholds)
    print(f"{args.split}: {f.text()}")
    hand = load_labels()
    labelled = [c for c in load() if any(key[0] == c.id for key in hand)]
    answers = [decide(c.question, e, rerank is not None, thresholds, labels)
               for c, e in zip(labelled, evidence_for(labelled, assistant.retrieve, rerank), strict=True)]
    print(label_text(*label_agreement(labelled, answers, hand)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
