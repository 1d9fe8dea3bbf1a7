"""The answer selector: its shipped weights are what the refit command makes of the kept evidence,
fitting is deterministic, and evidence rows are computed as the model expects (fast: no model)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.answer.refusal import MODEL_FILE as REFUSAL_FILE
from assistant.answer.selection import FEATURES, MODEL_FILE, Candidate, Selector, features, shipped_selector
from evals.fit import DEFAULT_EVIDENCE, Evidence, fit, fit_command, load_evidence, weights_text


def test_the_shipped_weights_are_what_the_refit_makes_of_the_kept_evidence() -> None:
    refit = weights_text(fit(load_evidence(DEFAULT_EVIDENCE)))
    assert refit == MODEL_FILE.read_text(encoding="utf-8")


def test_the_refit_command_writes_the_same_files(tmp_path: Path) -> None:
    out, refusal = tmp_path / "selector.json", tmp_path / "refusal.json"
    result = fit_command.main(["--reuse", "--out", str(out), "--refusal-out", str(refusal)], standalone_mode=False)
    assert result == 0
    assert out.read_text(encoding="utf-8") == MODEL_FILE.read_text(encoding="utf-8")
    assert refusal.read_text(encoding="utf-8") == REFUSAL_FILE.read_text(encoding="utf-8")


def test_fitting_is_deterministic_and_learns_the_answers() -> None:
    rng = np.random.RandomState(3)
    rows = rng.normal(size=(400, len(FEATURES)))
    labels = (rows[:, 1] + 0.3 * rng.normal(size=400) > 1.2).astype(int)
    evidence = Evidence(rows, labels, np.arange(400) // 8, np.ones(50, dtype=bool))
    first, second = fit(evidence), fit(evidence)
    assert first == second
    selector = Selector.from_dict(first)
    p = selector.probabilities(rows)
    assert p[labels == 1].mean() > 0.5 > p[labels == 0].mean()


def test_a_selector_of_other_features_is_refused() -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="refit"):
        Selector.from_dict(data)


def test_evidence_rows_follow_the_features() -> None:
    question = "How long does SQS keep messages by default?"
    candidates = [
        Candidate("messages can be kept in queue upto 14 days.", "SQS", "", 0, 0.6, True),
        Candidate("default retention period 4 days.", "SQS", "messages can be kept", 0, 0.6, False),
        Candidate("SQS is pull based", "SQS", "", 1, 0.5, False),
    ]
    rows = features(question, candidates, [2.0, 1.0, -3.0], [1.5, 2.5, -2.0], [0.5, 0.6, 0.4],
                    lambda t: {"default": 2.0, "sqs": 3.0}.get(t, 1.0), 5.0)
    column = {name: rows[:, i] for i, name in enumerate(FEATURES)}
    assert rows.shape == (3, len(FEATURES))
    assert list(column["qualifier_match"]) == [0.0, 1.0, 0.0]  # "by default" is held by the second only
    assert list(column["kind_ok"]) == [1.0, 1.0, 0.0]  # a time is asked; the third states none
    assert list(column["ce_sec_best"]) == [0.0, 1.0, 0.0]
    assert column["ce_rel"][0] == 0.0 and column["ce_rel"][2] == -5.0
    p = shipped_selector().probabilities(rows)
    assert p.argmax() == 1


def test_a_list_naming_what_a_category_question_asks_about_is_marked() -> None:
    listed = "Security, Identity, and Compliance:\n• AWS Certificate Manager (ACM)\n• Amazon Cognito"
    candidates = [
        Candidate(listed, "Domain 1", "", 0, 0.5, True),
        Candidate("amazon cognito - authentication and user management for apps.", "tools", "", 1, 0.4, False),
        Candidate("Developer Tools:\n• AWS CodeBuild\n• AWS X-Ray", "Domain 1", "", 0, 0.5, False),
    ]

    def column(question: str) -> list[float]:
        rows = features(question, candidates, [0.0, 1.0, -1.0], [0.0, 1.0, -1.0], [0.5, 0.5, 0.4],
                        lambda t: 3.0 if t == "cognito" else 1.0, 5.0)
        return list(rows[:, FEATURES.index("named_in_list")])

    named = column("Under which category of in-scope services is Amazon Cognito listed?")
    assert named[0] > 0.4 and named[1:] == [0.0, 0.0]  # only a list whose items name Cognito
    assert column("What does Amazon Cognito do?") == [0.0, 0.0, 0.0]  # not a question about a list
    assert column("Where in the exam's service categories is Amazon Cognito listed?")[0] > 0.4
