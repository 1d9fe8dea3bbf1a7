"""``study fit-selector``: refit the answer selector's weights on the eval set's tune part.

For every tune case the assistant gathers its candidate statements and their evidence exactly as
an answer does; a candidate is the answer when its lines overlap the case's gold lines and an
expected pattern matches its text. A standardised logistic regression (scikit-learn, lbfgs, fixed
settings: the same data gives the same weights) is fitted on every candidate, its top-1 accuracy
is cross-validated in 5 folds of cases, and the refusal threshold is the probability below which
at most 3% of the answerable tune cases fall. The test part is never read.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np

from core.cli import data_dir_option, exit_code, fail, settings_from
from core.settings import PROJECT_ROOT, Settings
from core.spans import LineSpan
from evals.metrics import Case, answer_matches
from evals.runner import SetError, load_set
from ingest.errors import NotesError, StoreError

DEFAULT_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"
MAX_FALSE_REFUSALS = 0.03
FOLDS = 5
C = 1.0  # inverse regularisation strength of the regression


@dataclass
class Evidence:
    """The candidates' evidence rows of every case, which rows are answers, and which case each is of."""

    rows: np.ndarray
    labels: np.ndarray
    case_of: np.ndarray
    answerable: np.ndarray  # per case


def gather(cases: Sequence[Case], settings: Settings) -> Evidence:
    """Run the answer path's candidate stage over ``cases`` and label each candidate."""
    from assistant.answer.engine import Assistant
    from assistant.answer.selection import FEATURES

    assistant = Assistant(settings)
    retriever = assistant.current()
    keywords = retriever.keyword_index()
    rows, labels, case_of = [], [], []
    for number, case in enumerate(cases):
        vector, docs = assistant._search(retriever, case.question, assistant.settings.retrieval.top_k)
        pool, evidence = assistant.candidates(case.question, vector, docs, keywords)
        for candidate, row in zip(pool, evidence, strict=True):
            cited = candidate.citation()
            span = LineSpan(cited.source, cited.start_line, cited.end_line)
            right = case.answerable and any(span.overlaps(g) for g in case.golds) and answer_matches(
                candidate.segment.text, case.expected)
            rows.append(row)
            labels.append(int(right))
            case_of.append(number)
        if number % 50 == 0:
            print(f"candidates: {number}/{len(cases)}", file=sys.stderr, flush=True)
    return Evidence(
        rows=np.asarray(rows, dtype=float).reshape(len(rows), len(FEATURES)),
        labels=np.asarray(labels),
        case_of=np.asarray(case_of),
        answerable=np.asarray([c.answerable for c in cases]),
    )


def fit(evidence: Evidence) -> dict[str, object]:
    """The selector's weights and refusal threshold for ``evidence`` (deterministic)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from assistant.answer.selection import FEATURES, Selector

    scaler = StandardScaler().fit(evidence.rows)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    model = LogisticRegression(C=C, max_iter=5000).fit((evidence.rows - scaler.mean_) / scale, evidence.labels)
    selector = Selector(scaler.mean_, scale, model.coef_[0], float(model.intercept_[0]), 0.0)
    best = _best(selector.probabilities(evidence.rows), evidence)
    answerable = sorted(p for p, case in zip(best, evidence.answerable, strict=True) if case and not math.isnan(p))
    threshold = answerable[int(MAX_FALSE_REFUSALS * len(answerable))] if answerable else 0.0
    return {
        "features": list(FEATURES),
        "mean": _rounded(scaler.mean_),
        "scale": _rounded(scale),
        "coef": _rounded(model.coef_[0]),
        "intercept": round(float(model.intercept_[0]), 8),
        "threshold": round(float(threshold), 8),
    }


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 8) for v in values]


def _best(probability: np.ndarray, evidence: Evidence) -> np.ndarray:
    """The best candidate's probability per case (NaN for a case without candidates)."""
    best = np.full(len(evidence.answerable), np.nan)
    for p, case in zip(probability, evidence.case_of, strict=True):
        best[case] = p if math.isnan(best[case]) else max(best[case], p)
    return best


def cross_validate(evidence: Evidence, folds: int = FOLDS) -> dict[str, float]:
    """Top-1 accuracy on answerable cases and refusal recall on unanswerable ones, each case
    scored by a model fitted on the other folds (cases assigned to folds in a fixed shuffle)."""
    from assistant.answer.selection import Selector

    order = np.random.RandomState(0).permutation(len(evidence.answerable))
    fold_of = np.empty(len(order), dtype=int)
    fold_of[order] = np.arange(len(order)) % folds
    right = refused = false_refused = 0
    for fold in range(folds):
        train = fold_of[evidence.case_of] != fold
        part = Evidence(evidence.rows[train], evidence.labels[train], evidence.case_of[train], evidence.answerable)
        selector = Selector.from_dict(fit(part))
        for case in np.where(fold_of == fold)[0]:
            mine = evidence.case_of == case
            if not mine.any():
                refused += not evidence.answerable[case]
                continue
            p = selector.probabilities(evidence.rows[mine])
            below = p.max() < selector.threshold
            if evidence.answerable[case]:
                right += bool(evidence.labels[mine][p.argmax()]) and not below
                false_refused += below
            else:
                refused += below
    answerable = int(evidence.answerable.sum())
    unanswerable = len(evidence.answerable) - answerable
    return {
        "accuracy": right / max(answerable, 1),
        "false_refusal_rate": false_refused / max(answerable, 1),
        "refusal_recall": refused / max(unanswerable, 1),
    }


def tune_cases(set_path: Path) -> list[Case]:
    cases = load_set(set_path)
    tune = [c for c in cases if c.split == "tune"]
    if not tune:
        raise SetError(f"{set_path}: no case has \"split\": \"tune\"; the selector is fitted on the tune part only")
    return tune


DEFAULT_EVIDENCE = PROJECT_ROOT / "evals" / "selector_evidence.npz"


def save_evidence(evidence: Evidence, path: Path) -> None:
    np.savez_compressed(path, rows=evidence.rows, labels=evidence.labels, case_of=evidence.case_of,
                        answerable=evidence.answerable)


def load_evidence(path: Path) -> Evidence:
    saved = np.load(path)
    return Evidence(saved["rows"], saved["labels"], saved["case_of"], saved["answerable"])


def weights_text(weights: dict[str, object]) -> str:
    return json.dumps(weights, indent=1) + "\n"


@click.command("fit-selector", short_help="Refit the answer selector on the eval set's tune part.")
@click.option("--set", "set_path", type=click.Path(path_type=Path), default=DEFAULT_SET, show_default=True,
              help="Eval set, JSON lines, with a tune part.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              default=PROJECT_ROOT / "assistant" / "answer" / "selector.json", show_default=True,
              help="Where the weights are written.")
@click.option("--evidence", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_EVIDENCE,
              show_default=True, help="Where the gathered evidence is kept (read instead with --reuse).")
@click.option("--reuse", is_flag=True, help="Refit from the kept evidence, running no model.")
@data_dir_option
@exit_code
def fit_command(set_path: Path, out: Path, evidence: Path, reuse: bool, data_dir: Path | None) -> int:
    """Refit the answer selector's weights on the tune part of the eval set (over the index in the
    data dir, which must hold the notes the set is about) and write them to OUT.

    \b
    Examples:
      study ingest corpus/ && study fit-selector   # gather the evidence again, then fit
      study fit-selector --reuse                   # refit from evals/selector_evidence.npz
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    for key, value in {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}.items():
        os.environ.setdefault(key, value)
    try:
        cases = tune_cases(set_path)
        if reuse:
            gathered = load_evidence(evidence)
        else:
            gathered = gather(cases, settings_from(data_dir=data_dir))
            save_evidence(gathered, evidence)
    except (SetError, StoreError, NotesError) as exc:
        return fail(str(exc))
    except OSError as exc:
        return fail(f"{evidence}: cannot read the kept evidence ({exc}); run without --reuse to gather it")
    if len(gathered.answerable) != len(cases):
        return fail(f"{evidence} holds {len(gathered.answerable)} cases, the tune part {len(cases)}: gather it again")
    weights = fit(gathered)
    checked = cross_validate(gathered)
    out.write_text(weights_text(weights), encoding="utf-8")
    click.echo(f"{len(cases)} tune cases, {len(gathered.rows)} candidates, {int(gathered.labels.sum())} answers")
    click.echo("5-fold cross-validation on tune: " + ", ".join(f"{k} {v:.3f}" for k, v in checked.items()))
    click.echo(f"threshold {weights['threshold']} -> {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from core.cli import run

    return run(fit_command, argv, "python -m evals.fit")


if __name__ == "__main__":
    sys.exit(main())
