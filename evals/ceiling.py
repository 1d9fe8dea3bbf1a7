"""``python -m evals.ceiling``: how far the answer selector is from what its candidates allow.

Read from the kept evidence of the eval set's tune part (``study fit-selector`` gathers it), with no
model run:

- the ceiling: the share of answerable cases with a right statement among their candidates (what
  a perfect selector would reach, refusing nothing);
- the share each single signal gets right on its own, answering with its top candidate (the
  cross-encoder, dense similarity, keyword coverage, ...);
- the selector's 5-fold cross-validated accuracy (refusing nothing), so that what the learned
  combination adds over its best single signal is plain.

The distance from the ceiling is then in ranking the candidates, not in retrieving them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np

from core.cli import exit_code, fail
from evals.fit import (
    DEFAULT_EVIDENCE,
    DEFAULT_SET,
    Evidence,
    EvidenceError,
    load_evidence,
    out_of_fold,
    top_is_right,
    tune_cases,
)
from evals.runner import SetError

# The signals read alone, by the name of their evidence column (higher is better for each).
SIGNALS = ("ce_sec", "ce", "dense", "coverage_ctx", "coverage", "chunk_dense", "inv_rank")


@dataclass(frozen=True)
class Ceiling:
    answerable: int
    reachable: int  # answerable cases with a right statement among their candidates
    signals: dict[str, int]  # right top candidates by each signal alone
    selector: int  # right top candidates by the cross-validated selector


def top_right(scores: np.ndarray, evidence: Evidence) -> int:
    """Answerable cases whose highest-scored candidate (the first on a tie) is a right one."""
    return int(top_is_right(scores, evidence)[evidence.answerable.astype(bool)].sum())


def measure(evidence: Evidence, features: tuple[str, ...]) -> Ceiling:
    reachable = {int(c) for c in evidence.case_of[evidence.labels == 1]}
    answerable = np.flatnonzero(evidence.answerable)
    probability, _ = out_of_fold(evidence)
    return Ceiling(
        answerable=len(answerable),
        reachable=len(reachable & {int(c) for c in answerable}),
        signals={name: top_right(evidence.rows[:, features.index(name)], evidence) for name in SIGNALS},
        selector=top_right(probability, evidence),
    )


def table(ceiling: Ceiling) -> str:
    def row(label: str, right: int) -> str:
        return f"| {label} | {right} | {right / max(ceiling.answerable, 1):.3f} |"

    lines = ["| answered with | right | share of answerable |", "| --- | ---: | ---: |",
             row("a right candidate, whenever there is one (ceiling)", ceiling.reachable),
             row("the selector (5-fold cross-validated)", ceiling.selector)]
    lines += [row(f"`{name}` alone", right) for name, right in ceiling.signals.items()]
    return "\n".join(lines)


@click.command("ceiling")
@click.option("--set", "set_path", type=click.Path(path_type=Path), default=DEFAULT_SET, show_default=True,
              help="The eval set the evidence was gathered from (its tune part).")
@click.option("--evidence", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_EVIDENCE,
              show_default=True, help="The kept evidence of the tune part (`study fit-selector` writes it).")
@exit_code
def ceiling_command(set_path: Path, evidence: Path) -> int:
    """Print how many answerable tune cases a right candidate is among the candidates of, and how
    many the selector and each single signal answer right.

    \b
    Example:
      python -m evals.ceiling
    """
    from assistant.answer.selection import FEATURES

    try:
        cases = tune_cases(set_path)
        gathered = load_evidence(evidence)
    except SetError as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{evidence}: cannot read the kept evidence ({exc}); `study fit-selector` gathers it")
    except EvidenceError as exc:
        return fail(f"{evidence}: {exc}; `study fit-selector` gathers it again")
    if gathered.rows.shape[1] != len(FEATURES):
        return fail(f"{evidence}: its columns are not this code's features; `study fit-selector` gathers it again")
    if len(gathered.answerable) != len(cases) or int(gathered.answerable.sum()) != sum(c.answerable for c in cases):
        return fail(f"{evidence} holds {len(gathered.answerable)} cases, the tune part of {set_path} {len(cases)}: "
                    "`study fit-selector` gathers it again")
    ceiling = measure(gathered, FEATURES)
    click.echo(f"{ceiling.answerable} answerable tune cases, {len(gathered.rows)} candidates")
    click.echo(table(ceiling))
    return 0


def main(argv: list[str] | None = None) -> int:
    from core.cli import run

    return run(ceiling_command, argv, "python -m evals.ceiling")


if __name__ == "__main__":
    sys.exit(main())
