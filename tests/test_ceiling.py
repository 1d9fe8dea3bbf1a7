"""``python -m evals.ceiling``: the ceiling, each signal alone and the selector, counted from evidence;
kept evidence that is not evidence is refused with a message (fast: no model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.answer.selection import FEATURES
from evals.ceiling import SIGNALS, ceiling_command, measure, top_right
from evals.fit import Evidence, EvidenceError, load_evidence, save_evidence


def _evidence() -> Evidence:
    """Three answerable cases and an unanswerable one, three candidates each. A right candidate is
    in cases 0 and 1 only; ``ce_sec`` ranks it first in both, ``ce`` in case 1 alone."""
    rows = np.zeros((12, len(FEATURES)))
    ce, ce_sec = FEATURES.index("ce"), FEATURES.index("ce_sec")
    rows[:, ce] = [0, 1, 2, 5, 1, 0, 0, 0, 1, 3, 2, 1]
    rows[:, ce_sec] = [3, 1, 0, 4, 1, 2, 1, 2, 0, 0, 0, 1]
    labels = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
    return Evidence(rows, labels, np.repeat(np.arange(4), 3), np.array([True, True, True, False]))


def test_each_signal_is_counted_by_its_own_top_candidate() -> None:
    evidence = _evidence()
    assert top_right(evidence.rows[:, FEATURES.index("ce_sec")], evidence) == 2  # cases 0 and 1
    assert top_right(evidence.rows[:, FEATURES.index("ce")], evidence) == 1  # case 1
    assert top_right(evidence.labels.astype(float), evidence) == 2  # a perfect scorer: the ceiling


def test_the_ceiling_counts_answerable_cases_with_a_right_candidate() -> None:
    evidence = _evidence()
    evidence.labels[9] = 1  # a "right" candidate of the unanswerable case counts nowhere
    ceiling = measure(evidence, FEATURES)
    assert (ceiling.answerable, ceiling.reachable) == (3, 2)
    assert set(ceiling.signals) == set(SIGNALS)
    assert (ceiling.signals["ce_sec"], ceiling.signals["ce"]) == (2, 1)


def test_the_command_reads_the_kept_evidence_of_the_sets_tune_part() -> None:
    result = CliRunner().invoke(ceiling_command, [])
    assert result.exit_code == 0, result.output
    assert "(ceiling)" in result.output and "`ce_sec` alone" in result.output


def _saved(tmp_path: Path, evidence: Evidence) -> Path:
    path = tmp_path / "evidence.npz"
    save_evidence(evidence, path)
    return path


def test_evidence_of_other_features_or_another_set_is_refused(tmp_path: Path) -> None:
    other = _evidence()
    other.rows = other.rows[:, :-1]
    result = CliRunner().invoke(ceiling_command, ["--evidence", str(_saved(tmp_path, other))])
    assert result.exit_code == 2 and "not this code's features" in result.output
    result = CliRunner().invoke(ceiling_command, ["--evidence", str(_saved(tmp_path, _evidence()))])
    assert result.exit_code == 2 and "holds 4 cases" in result.output


@pytest.mark.parametrize("content", [b"", b"version https://git-lfs.github.com/spec/v1\n", b"PK\x03\x04broken"])
def test_a_file_that_is_not_evidence_is_refused_with_a_message(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "evidence.npz"
    path.write_bytes(content)
    with pytest.raises(EvidenceError, match=r"not an \.npz archive"):
        load_evidence(path)
    result = CliRunner().invoke(ceiling_command, ["--evidence", str(path)])
    assert result.exit_code == 2 and "not an .npz archive" in result.output, result.output


def test_arrays_that_do_not_fit_together_are_refused(tmp_path: Path) -> None:
    plain = tmp_path / "rows.npz"
    np.save(tmp_path / "rows.npy", np.zeros(3))
    (tmp_path / "rows.npy").rename(plain)
    with pytest.raises(EvidenceError, match=r"not an \.npz archive"):
        load_evidence(plain)
    short = _evidence()
    short.labels = short.labels[:-1]
    with pytest.raises(EvidenceError, match="do not fit together"):
        load_evidence(_saved(tmp_path, short))
    beyond = _evidence()
    beyond.case_of = beyond.case_of + 1
    with pytest.raises(EvidenceError, match="outside its cases"):
        load_evidence(_saved(tmp_path, beyond))
    wrong_only = _evidence()
    wrong_only.labels = np.zeros_like(wrong_only.labels)
    with pytest.raises(EvidenceError, match="both right and wrong"):
        load_evidence(_saved(tmp_path, wrong_only))
    result = CliRunner().invoke(ceiling_command, ["--evidence", str(tmp_path / "missing.npz")])
    assert result.exit_code == 2 and "cannot read" in result.output
