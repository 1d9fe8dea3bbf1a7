"""The report's views across parts and runs: the set's tune/test parts, accuracy by question form,
and the cases that flipped between an earlier run and this one."""

from __future__ import annotations

from collections.abc import Sequence

from evals.forms import form_names, form_of
from evals.metrics import Case, Outcome, Scores, judge
from evals.report import markdown_table
from evals.runner import RunRecord

PARTS = ("test", "tune")


def parts_of(cases: Sequence[Case]) -> dict[str, list[Case]]:
    """The set's parts, test first; an unsplit set is one part, "all".

    >>> parts_of([Case("f1", "q?", False, split="tune"), Case("f2", "q?", False, split="test")]).keys()
    dict_keys(['test', 'tune'])
    """
    if all(not c.split for c in cases):
        return {"all": list(cases)}
    return {part: [c for c in cases if c.split == part] for part in PARTS if any(c.split == part for c in cases)}


def _right(outcomes: Sequence[Outcome]) -> str:
    if not outcomes:
        return "—"
    right = sum(o.passed for o in outcomes)
    return f"{right}/{len(outcomes)} ({100 * right / len(outcomes):.0f}%)"


def forms_section(systems: dict[str, Scores]) -> tuple[str, str]:
    """Answer accuracy (answerable cases) and refusals (unanswerable) by the question's form."""
    questions = [o.case.question for s in systems.values() for o in s.outcomes if o.case.answerable]
    rows = [["form", *systems]]
    for form in form_names(questions):
        rows.append([form, *(_right([o for o in s.outcomes if o.case.answerable and form_of(o.case.question) == form])
                             for s in systems.values())])
    rows.append(["unanswerable (refused)", *(_right([o for o in s.outcomes if not o.case.answerable])
                                           for s in systems.values())])
    note = ("Right answers / answerable cases of each form (the form is read from the question's wording: "
            "`evals/forms.py`); the last row counts refusals of unanswerable cases.")
    return "Accuracy by question form", note + "\n\n" + markdown_table(rows)


def flips_section(cases: Sequence[Case], before: Sequence[RunRecord], after: Sequence[RunRecord],
                  k: int = 5) -> tuple[str, str]:
    """The cases passed by one run and failed by the other, per part."""
    old = {r.id: r.scored() for r in before}
    new = {r.id: r.scored() for r in after}
    rows = [["id", "part", "question", "before", "now"]]
    fixed = broken = 0
    for case in cases:
        was, now = judge(case, old[case.id], k), judge(case, new[case.id], k)
        if was.passed == now.passed:
            continue
        fixed += now.passed
        broken += was.passed
        rows.append([case.id, case.split or "all", case.question, _said(was), _said(now)])
    head = f"{fixed} cases right now and wrong before, {broken} wrong now and right before (✓ passed, ✗ failed)."
    return "Cases that flipped against the earlier run", head + ("\n\n" + markdown_table(rows, numeric=False)
                                                                 if len(rows) > 1 else "")


def _said(outcome: Outcome) -> str:
    mark = "✓" if outcome.passed else "✗"
    text = "(refused)" if outcome.refused else outcome.record.answer
    return f"{mark} {text[:120]}"
