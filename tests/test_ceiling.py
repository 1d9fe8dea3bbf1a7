"""``python -m evals.ceiling``: the ceiling, each signal alone and the selector, counted from evidence
(fast: no model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from click.testing import CliRunner

from assistant.answer.selection import FEATURES
from evals.ceiling import SIGNALS, ceiling_command, measure, top_right
from evals.fit import DEFAULT_EVIDENCE, Evidence, load_evidence, save_evidence


def _evidence() -> Evidence:
    """Three answerable cases and an unanswerable one, three candidates each. A right candidate is
    in cases 0 and 1 only; ``ce_sec`` ranks it first in case 0, ``ce`` in case 1."""
    rows = np.zeros((12, len(FEATURES)))
    ce, ce_sec = FEATURES.index("ce"), FEATURES.index("ce_sec")
    rows[:, ce] = [0, 1, 2, 5, 1, 0, 0, 0, 1, 3, 2, 1]
    rows[:, ce_sec] = [3, 1, 0, 0, 1, 2, 1, 2, 0, 0, 0, 1]
    labels = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    return Evidence(rows, labels, np.repeat(np.arange(4), 3), np.array([True, True, True, False]))


def test_each_signal_is_counted_by_its_own_top_candidate() -> None:
    evidence = _evidence()
    assert top_right(evidence.rows[:, FEATURES.index("ce_sec")], evidence) == 1  # case 0
    assert top_right(evidence.rows[:, FEATURES.index("ce")], evidence) == 1  # case 1
    assert top_right(evidence.labels.astype(float), evidence) == 2  # a perfect scorer: the ceiling


def test_the_ceiling_counts_answerable_cases_with_a_right_candidate() -> None:
    evidence = _evidence()
    evidence.labels[9] = 1  # a "right" candidate of the unanswerable case does not count
    ceiling = measure(evidence, FEATURES)
    assert (ceiling.answerable, ceiling.reachable) == (3, 2)
    assert set(ceiling.signals) == set(SIGNALS)
    assert ceiling.signals["ce_sec"] == 1 and ceiling.signals["ce"] == 1


def test_the_kept_evidence_is_read_and_the_selector_beats_no_ceiling() -> None:
    ceiling = measure(load_evidence(DEFAULT_EVIDENCE), FEATURES)
    assert ceiling.answerable > 200
    assert max(ceiling.signals.values()) <= ceiling.reachable <= ceiling.answerable
    assert ceiling.selector <= ceiling.reachable


def test_the_command_prints_the_table_and_refuses_evidence_of_other_features(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(ceiling_command, [])
    assert result.exit_code == 0, result.output
    assert "(ceiling)" in result.output and "`ce_sec` alone" in result.output
    other = _evidence()
    other.rows = other.rows[:, :-1]
    save_evidence(other, tmp_path / "other.npz")
    result = runner.invoke(ceiling_command, ["--evidence", str(tmp_path / "other.npz")])
    assert result.exit_code == 2 and "not this code's features" in result.output
    result = runner.invoke(ceiling_command, ["--evidence", str(tmp_path / "missing.npz")])
    assert result.exit_code == 2 and "cannot read" in result.output
