"""The eval runner end to end: ``python -m evals`` over a fixed subset of the bundled set, against a
freshly ingested index, with the real models; its records, report and chart; the scores it must
reach; and clear errors for a bad set or a missing index."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import PROJECT_ROOT, Settings
from evals.metrics import Scores, score
from evals.report import listed_failures
from evals.runner import SetError, load_set, parse_set, read_records
from ingest.embeddings import LazyEmbeddings
from ingest.pipeline import ingest_paths
from ingest.store import open_store
from tests.conftest import NOTES_FILE

FULL_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"
# The set's test part (never fitted on): the gates below are on it.
SUBSET_IDS = [json.loads(line)["id"] for line in FULL_SET.read_text(encoding="utf-8").splitlines()
              if line and json.loads(line)["split"] == "test"]
REQUIRED_KEYS = {"id", "question", "answer", "grounded", "citations", "latency_ms"}
CITATION_KEYS = {"source", "start_line", "end_line", "quote", "score"}

# What the project must reach on the test part. Each is set a little below what it measured when
# the learned selector landed (issue 13; measured on the test part, beside the figure of main at
# bd17668 before it). Raise them as the product improves; never lower them to make a run pass.
MIN_PROJECT = {
    "hit_at_1": 0.85,  # measured 0.873 (before 0.807; 0.867 without named_in_list)
    "hit_at_k": 0.94,  # measured 0.961 (before 0.956)
    "mrr_at_10": 0.88,  # measured 0.911 (before 0.868)
    "ndcg_at_10": 0.9,  # measured 0.926 (before 0.894)
    "accuracy": 0.78,  # measured 0.801 (145/181; before 0.729)
    "citation_accuracy": 0.79,  # measured 0.818 (before 0.746)
    # The refusal model and the unknown-name rule (0.700 and 0.512 with the selector's threshold alone)
    "refusal_precision": 0.75,  # measured 0.800 (28/35)
    "refusal_recall": 0.62,  # measured 0.683 (28/41)
}
MAX_PROJECT_FALSE_REFUSAL = 0.05  # measured 0.039 (7/181; 0.050 with the selector's threshold alone)
# The baseline is deterministic; a drop means its chunk line spans or its store broke.
MIN_BASELINE = {"hit_at_k": 0.8}  # measured 0.823 on the test part


def run_evals(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evals", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=1800,
    )


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, embeddings: LazyEmbeddings) -> Path:
    """A copy of the notes under ``corpus/`` (so citations name the same file as the gold spans),
    freshly ingested into its own data dir."""

    root = tmp_path_factory.mktemp("evals")
    notes = root / "corpus"
    notes.mkdir()
    shutil.copy(NOTES_FILE, notes / NOTES_FILE.name)
    settings = Settings(data_dir=root / "data", notes_dir=notes)  # type: ignore[call-arg]
    report = ingest_paths([notes], settings, open_store(settings, embeddings))
    assert report.added > 0 and not report.problems
    return root


@pytest.fixture(scope="module")
def subset_run(workspace: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """The subset through ``python -m evals`` (project and baseline), into the workspace."""
    by_id = {json.loads(line)["id"]: line for line in FULL_SET.read_text(encoding="utf-8").splitlines() if line}
    subset = workspace / "subset.jsonl"
    subset.write_text("\n".join(by_id[i] for i in SUBSET_IDS) + "\n", encoding="utf-8")
    done = run_evals(
        "--set", str(subset), "--out", str(workspace / "results.jsonl"), "--k", "5",
        "--report-dir", str(workspace / "report"), "--notes", str(workspace / "corpus"),
        env={"STUDY_DATA_DIR": str(workspace / "data"), "STUDY_NOTES_DIR": str(workspace / "corpus")},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return subset, done


def scores_of(subset_run: tuple[Path, subprocess.CompletedProcess[str]], records: Path) -> Scores:
    subset, _ = subset_run
    return score(load_set(subset), [r.scored() for r in read_records(records)], k=5)


@pytest.mark.slow
def test_the_run_writes_one_record_per_case_with_citations_and_passages(
    workspace: Path, subset_run: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    lines = (workspace / "results.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == SUBSET_IDS
    for record in records:
        assert set(record) >= REQUIRED_KEYS, record["id"]
        assert all(set(c) == CITATION_KEYS for c in record["citations"]), record["id"]
        assert record["latency_ms"] > 0
        assert record["passages"], f"{record['id']}: no ranked passages to score retrieval on"
        if record["grounded"]:
            assert record["citations"], f"{record['id']}: a grounded answer without citations"
    baseline = [json.loads(line) for line in (workspace / "results.baseline.jsonl").read_text().splitlines()]
    assert [r["id"] for r in baseline] == SUBSET_IDS
    assert all(r["grounded"] and len(r["passages"]) == 4 for r in baseline)


@pytest.mark.slow
def test_the_report_sets_the_project_beside_the_baseline(
    workspace: Path, subset_run: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    _, done = subset_run
    report = (workspace / "report" / "report.md").read_text(encoding="utf-8")
    assert "| metric | project | baseline |" in report
    for label in ("retrieval hit@1", "retrieval hit@5", "MRR@10", "nDCG@10", "answer accuracy",
                  "citation accuracy", "refusal precision", "refusal recall", "false-refusal rate", "latency p95"):
        assert f"| {label}" in report, label
        assert label in done.stdout, label
    assert "![main metrics, project vs baseline](report.png)" in report
    assert "python -m evals --set" in report
    assert (workspace / "report" / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    project = scores_of(subset_run, workspace / "results.jsonl")
    failing = project.failures()
    assert (f"{len(failing)} of {len(SUBSET_IDS)} cases fail" if failing else "None.") in report
    for outcome in listed_failures(failing):
        assert f"| {outcome.case.id} |" in report


@pytest.mark.slow
def test_the_project_reaches_its_thresholds(
    workspace: Path, subset_run: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    project = scores_of(subset_run, workspace / "results.jsonl")
    reached = {name: getattr(project, name) for name in MIN_PROJECT}
    below = {name: value for name, value in reached.items() if value is None or value < MIN_PROJECT[name]}
    assert not below, f"below threshold: {below} (thresholds {MIN_PROJECT})"
    assert project.false_refusal_rate is not None
    assert project.false_refusal_rate <= MAX_PROJECT_FALSE_REFUSAL


@pytest.mark.slow
def test_the_baseline_is_scored_on_true_line_spans(
    workspace: Path, subset_run: tuple[Path, subprocess.CompletedProcess[str]]
) -> None:
    """Each baseline citation quotes its chunk; the chunk must lie on exactly the lines it names."""
    lines = NOTES_FILE.read_text(encoding="utf-8").split("\n")
    records = [json.loads(line) for line in (workspace / "results.baseline.jsonl").read_text().splitlines()]
    for record in records:
        for citation in record["citations"]:
            start, end, quote = citation["start_line"], citation["end_line"], citation["quote"]
            span_text = "\n".join(lines[start - 1 : end])
            assert quote in span_text, (record["id"], start, end)
            first, last = quote.split("\n")[0], quote.split("\n")[-1]
            assert first in lines[start - 1] and last in lines[end - 1], (record["id"], start, end)
    baseline = scores_of(subset_run, workspace / "results.baseline.jsonl")
    assert baseline.refused == 0
    assert baseline.hit_at_k is not None and baseline.hit_at_k >= MIN_BASELINE["hit_at_k"]


@pytest.mark.slow  # a CLI subprocess: 1.4-3 s
def test_a_malformed_set_line_is_a_clear_error_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"id": "q1", "question": "What is SQS?", "answerable": false}\n'
        '{"id": "q2", "question": "What is SNS?", "answerable": true, "expected": ["push"]\n',
        encoding="utf-8",
    )
    done = run_evals("--set", str(bad), "--report-dir", str(tmp_path / "report"))
    assert done.returncode == 2
    assert "line 2: not valid JSON" in done.stderr
    assert str(bad) in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "report").exists()


@pytest.mark.slow
def test_a_missing_set_or_index_is_a_clear_error(tmp_path: Path) -> None:
    done = run_evals("--set", str(tmp_path / "nope.jsonl"))
    assert done.returncode == 2 and "no such eval set" in done.stderr and "Traceback" not in done.stderr
    small = tmp_path / "small.jsonl"
    small.write_text('{"id": "u1", "question": "What is the capital of France?", "answerable": false}\n')
    done = run_evals("--set", str(small), "--system", "project", "--report-dir", str(tmp_path / "report"),
                     env={"STUDY_DATA_DIR": str(tmp_path / "empty")})
    assert done.returncode == 2, done.stderr
    assert "study ingest" in done.stderr and "Traceback" not in done.stderr
    # --data-dir is where the project's index is looked for (not only STUDY_DATA_DIR).
    done = run_evals("--set", str(small), "--system", "project", "--report-dir", str(tmp_path / "report"),
                     "--data-dir", str(tmp_path / "given"))
    assert done.returncode == 2, done.stderr
    assert str(tmp_path / "given") in done.stderr and "Traceback" not in done.stderr


def test_every_bad_line_of_a_set_is_named() -> None:
    lines = [
        '{"id": "f1", "question": "q?", "answerable": true, "expected": ["("], '
        '"gold": {"source": "n.txt", "start_line": 1, "end_line": 1}}',
        "",
        '{"id": "f2", "question": "q?", "answerable": true, "expected": ["x"], '
        '"gold": {"source": "n.txt", "start_line": 5, "end_line": 2}}',
        '{"id": "u1", "question": "", "answerable": false}',
        '["not", "an", "object"]',
        '{"id": "u2", "question": "q?", "answerable": false}',
        '{"id": "u2", "question": "q2?", "answerable": false}',
    ]
    with pytest.raises(SetError) as raised:
        parse_set(lines, "my.jsonl")
    message = str(raised.value)
    assert message.startswith("my.jsonl: 5 bad line(s)")
    assert "line 1 (f1): \"expected\" regex '(' does not compile" in message
    assert "line 3 (f2): \"gold.start_line\" and \"gold.end_line\"" in message
    assert "line 4 (u1): \"question\" must be a non-empty string" in message
    assert "line 5: not a JSON object" in message
    assert "line 7 (u2): duplicate id 'u2'" in message


def test_the_bundled_set_loads() -> None:
    raw = [json.loads(line) for line in FULL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    cases = load_set(FULL_SET)
    assert [c.id for c in cases] == [r["id"] for r in raw]
    assert [c.answerable for c in cases] == [r["answerable"] for r in raw]
    assert all(c.gold is not None and c.expected for c in cases if c.answerable)
    assert set(SUBSET_IDS) <= {c.id for c in cases}

