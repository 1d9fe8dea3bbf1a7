"""The refusal model: its shipped weights are what the refit makes of the kept evidence, its
threshold holds false refusals to 3% of the answerable cases it was chosen on, and the case
evidence says what it should (fast: no model)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.answer.refusal import (
    CASE_FEATURES,
    MODEL_FILE,
    QUESTION_EVIDENCE,
    STATEMENT_EVIDENCE,
    Refusal,
    asked_attribute,
    case_features,
    question_evidence,
    shipped_refusal,
    statement_evidence,
    unknown_names,
)
from evals.fit import (
    DEFAULT_EVIDENCE,
    Evidence,
    fit_command,
    fit_refusal,
    fit_refusal_model,
    load_evidence,
    refusal_threshold,
    save_evidence,
    weights_text,
)

WEIGHT = {"sqs": 3.0, "default": 2.0, "retention": 4.0, "replica": 4.0, "read": 2.0}.get


def weight(term: str) -> float:
    return WEIGHT(term, 1.0)


def test_the_shipped_refusal_weights_are_what_the_refit_makes_of_the_kept_evidence() -> None:
    assert weights_text(fit_refusal_model(load_evidence(DEFAULT_EVIDENCE))) == MODEL_FILE.read_text(encoding="utf-8")


def test_the_threshold_refuses_at_most_3_percent_of_the_answerable_cases() -> None:
    rng = np.random.RandomState(5)
    probability = rng.uniform(size=300)
    unanswerable = np.arange(300) >= 200
    threshold = refusal_threshold(probability, unanswerable)
    refused = probability >= threshold
    assert refused[~unanswerable].sum() == 6  # int(0.03 * 200): the most allowed, and no fewer
    assert probability[~unanswerable][~refused[~unanswerable]].max() < threshold


def test_fitting_is_deterministic_and_learns_the_unanswerable() -> None:
    rng = np.random.RandomState(7)
    rows = rng.normal(size=(300, len(CASE_FEATURES)))
    unanswerable = rows[:, 2] + 0.3 * rng.normal(size=300) > 1.0
    first, second = fit_refusal(rows, unanswerable, 0.5), fit_refusal(rows, unanswerable, 0.5)
    assert first == second
    p = Refusal.from_dict(first).probability(rows)
    assert p[unanswerable].mean() > p[~unanswerable].mean() + 0.1


def test_a_refusal_model_of_other_features_is_refused() -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="refit"):
        Refusal.from_dict(data)


def test_kept_evidence_without_the_refusal_evidence_is_a_clear_error(tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    kept = load_evidence(DEFAULT_EVIDENCE)
    old = tmp_path / "old.npz"
    save_evidence(Evidence(kept.rows, kept.labels, kept.case_of, kept.answerable), old)
    out, refusal = tmp_path / "selector.json", tmp_path / "refusal.json"
    result = fit_command.main(["--reuse", "--evidence", str(old), "--out", str(out), "--refusal-out", str(refusal)],
                              standalone_mode=False)
    assert result != 0
    assert "no refusal evidence" in capsys.readouterr().err
    assert not refusal.exists()


@pytest.mark.parametrize(("question", "attribute"), [
    ("How many read replicas can an RDS for MySQL instance have?", ["read", "replica"]),
    ("What is the maximum integration timeout for API Gateway?", ["integration", "timeout"]),
    ("Which UDP port does the X-Ray daemon listen on by default?", ["udp", "port"]),
    ("What is the size limit of a standard SSM parameter?", []),
    ("How does CloudFormation drift detection work?", []),
])
def test_the_asked_attribute_is_the_head_noun_phrase(question: str, attribute: list[str]) -> None:
    assert asked_attribute(question) == attribute


def test_statement_evidence_says_what_is_missing() -> None:
    question = "How long is the default SQS retention period?"
    texts = ["default retention period 4 days.", "SQS is pull based, not push based.", "• SQS retention"]
    rows = statement_evidence(question, texts, ["SQS", "SQS", "Services"], weight, 5.0)
    column = {name: rows[:, i] for i, name in enumerate(STATEMENT_EVIDENCE)}
    assert rows.shape == (3, len(STATEMENT_EVIDENCE))
    assert list(column["kind_ok"]) == [1.0, 0.0, 0.0]  # a time is asked: only the first holds one
    assert column["missing_share"][0] < column["missing_share"][1]  # "retention" is missing from the second
    assert column["new_terms"][2] == 0.0 < column["new_terms"][1]  # "• SQS retention" only names what is asked
    asked = question_evidence(question, ["SQS\ndefault retention period 4 days."], weight, 5.0, NOTES)
    assert asked.shape == (len(QUESTION_EVIDENCE),)
    assert asked[QUESTION_EVIDENCE.index("quantity_asked")] == 1.0
    assert asked[QUESTION_EVIDENCE.index("unknown_names")] == 0.0


NOTES = {"sqs", "default", "retention", "period", "day", "rds", "read", "replica", "memchache", "aws", "protect"}


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("What does AWS Shield protect against?", ["Shield"]),
        ("How long is the default SQS retention period?", []),
        ("Does Memcached keep data on disk?", []),  # the notes spell it "memchache"
        ("Can SQS call AssumeRole?", ["AssumeRole"]),  # not close enough to "assume" alone
        ("Shield what?", []),  # the first word is capitalised anyway: not a name
    ],
)
def test_a_name_the_notes_never_use_is_unknown(question: str, names: list[str]) -> None:
    assert unknown_names(question, NOTES | {"assume"}) == names
    row = question_evidence(question, ["SQS\ndefault retention period 4 days."], weight, 5.0, NOTES | {"assume"})
    assert row[QUESTION_EVIDENCE.index("unknown_names")] == len(names)
    # Names already found are counted, not looked for again (no vocabulary: every name would be unknown).
    given = question_evidence(question, ["SQS\ndefault retention period 4 days."], weight, 5.0, set(), names)
    assert given[QUESTION_EVIDENCE.index("unknown_names")] == len(names)


def test_the_threshold_counts_the_cases_refused_for_an_unknown_name() -> None:
    rng = np.random.default_rng(0)
    probability = rng.random(200)
    unanswerable = np.zeros(200, dtype=bool)
    ruled = np.zeros(200, dtype=bool)
    ruled[:4] = True  # 4 of the 6 false refusals allowed (3% of 200) are spent before the model
    threshold = refusal_threshold(probability, unanswerable, ruled)
    assert int(((probability >= threshold) | ruled).sum()) == 6


def test_case_features_read_the_most_probable_candidate() -> None:
    question = "How many read replicas can an RDS instance have?"
    texts = ["RDS read replica - a read-only copy of your primary database instance.", "max 5 read replicas."]
    statements = statement_evidence(question, texts, ["RDS", "RDS"], weight, 5.0)
    asked = question_evidence(question, ["RDS\n" + "\n".join(texts)], weight, 5.0, NOTES)
    row = dict(zip(CASE_FEATURES, case_features(np.array([0.8, 0.1]), statements, asked), strict=True))
    assert row["kind_missing_best"] == 1.0 and row["kind_missing_top"] == 0.0  # the second holds a number
    assert row["margin"] == pytest.approx(np.log(0.8 / 0.2) - np.log(0.1 / 0.9))
    swapped = dict(zip(CASE_FEATURES, case_features(np.array([0.1, 0.8]), statements, asked), strict=True))
    assert swapped["kind_missing_best"] == 0.0
    assert shipped_refusal().probability(np.array([list(row.values())]))[0] > \
        shipped_refusal().probability(np.array([list(swapped.values())]))[0]
