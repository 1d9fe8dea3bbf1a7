"""``study fit-selector``: refit the answer selector's and the refusal model's weights on the eval set's tune part.

For every tune case the assistant gathers its candidate statements and their evidence exactly as
an answer does; a candidate is the answer when its lines overlap the case's gold lines and an
expected pattern matches its text. A standardised logistic regression (scikit-learn, lbfgs, fixed
settings: the same data gives the same weights) is fitted on every candidate, its top-1 accuracy
is cross-validated in 5 folds of cases, and its own threshold is the probability below which at
most 3% of the answerable tune cases fall.

The refusal model is a second logistic regression, over one row per case (``refusal.CASE_FEATURES``:
the selector's out-of-fold probabilities, so that it learns from probabilities like those of unseen
questions, and the case's statement and question evidence), labelled by whether the case is
unanswerable. Its threshold is chosen on its own out-of-fold probabilities: the lowest at which at
most 3% of the answerable tune cases are refused. The test part is never read.
"""

from __future__ import annotations

import json
import logging
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click
import numpy as np

from assistant.answer.logistic import Logistic
from core.cli import data_dir_option, exit_code, fail, offline, settings_from
from core.settings import PROJECT_ROOT, Settings
from core.spans import LineSpan
from evals.metrics import Case, answer_matches
from evals.runner import SetError, load_set
from ingest.errors import NotesError, StoreError

DEFAULT_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"
MAX_FALSE_REFUSALS = 0.03
FOLDS = 5
C = 1.0  # inverse regularisation strength of the regression
# The refusal model's: strong, as it learns from a few dozen unanswerable cases (chosen by 5-fold CV
# on tune among 0.005-1: 0.01-0.03 refuse the most at 3% false refusals).
REFUSAL_C = 0.02


@dataclass
class Evidence:
    """The candidates' evidence rows of every case, which rows are answers, and which case each is of."""

    rows: np.ndarray
    labels: np.ndarray
    case_of: np.ndarray
    answerable: np.ndarray  # per case
    statements: np.ndarray | None = None  # refusal.STATEMENT_EVIDENCE per candidate
    questions: np.ndarray | None = None  # refusal.QUESTION_EVIDENCE per case


def gather(cases: Sequence[Case], settings: Settings) -> Evidence:
    """Run the answer path's candidate stage over ``cases`` and label each candidate."""
    from assistant.answer.engine import Assistant
    from assistant.answer.refusal import QUESTION_EVIDENCE, STATEMENT_EVIDENCE
    from assistant.answer.selection import FEATURES

    assistant = Assistant(settings)
    retriever = assistant.current()
    keywords = retriever.keyword_index()
    rows, labels, case_of = [], [], []
    statements: list[np.ndarray] = []
    questions: list[np.ndarray] = []
    for number, case in enumerate(cases):
        vector, docs = assistant._search(retriever, case.question, assistant.settings.retrieval.top_k)
        pool, evidence = assistant.candidates(case.question, vector, docs, keywords)
        about, asked = assistant.refusal_evidence(case.question, pool, docs, keywords)
        statements.extend(about)
        questions.append(asked)
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
        statements=np.asarray(statements, dtype=float).reshape(len(statements), len(STATEMENT_EVIDENCE)),
        questions=np.asarray(questions, dtype=float).reshape(len(cases), len(QUESTION_EVIDENCE)),
    )


def _logistic(rows: np.ndarray, labels: np.ndarray, c: float) -> Logistic:
    """A logistic regression over ``rows`` standardised (a constant column keeps scale 1), with
    inverse regularisation ``c``, and threshold 0."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(rows)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    model = LogisticRegression(C=c, max_iter=5000).fit((rows - scaler.mean_) / scale, labels)
    return Logistic(scaler.mean_, scale, model.coef_[0], float(model.intercept_[0]), 0.0)


def _weights(model: Logistic, features: Sequence[str], threshold: float) -> dict[str, object]:
    return {
        "features": list(features),
        "mean": _rounded(model.mean),
        "scale": _rounded(model.scale),
        "coef": _rounded(model.coef),
        "intercept": round(model.intercept, 8),
        "threshold": round(float(threshold), 8),
    }


def fit(evidence: Evidence) -> dict[str, object]:
    """The selector's weights and refusal threshold for ``evidence`` (deterministic)."""
    from assistant.answer.selection import FEATURES

    model = _logistic(evidence.rows, evidence.labels, C)
    best = _best(model.probability(evidence.rows), evidence)
    answerable = sorted(p for p, case in zip(best, evidence.answerable, strict=True) if case and not math.isnan(p))
    threshold = answerable[int(MAX_FALSE_REFUSALS * len(answerable))] if answerable else 0.0
    return _weights(model, FEATURES, threshold)


def _rounded(values: np.ndarray) -> list[float]:
    return [round(float(v), 8) for v in values]


def _best(probability: np.ndarray, evidence: Evidence) -> np.ndarray:
    """The best candidate's probability per case (NaN for a case without candidates)."""
    best = np.full(len(evidence.answerable), np.nan)
    for p, case in zip(probability, evidence.case_of, strict=True):
        best[case] = p if math.isnan(best[case]) else max(best[case], p)
    return best


def fold_of_cases(cases: int, folds: int = FOLDS) -> np.ndarray:
    """The fold of each case (a fixed shuffle)."""
    order = np.random.RandomState(0).permutation(cases)
    fold_of = np.empty(len(order), dtype=int)
    fold_of[order] = np.arange(len(order)) % folds
    return fold_of


def out_of_fold(evidence: Evidence, folds: int = FOLDS) -> tuple[np.ndarray, np.ndarray]:
    """Each candidate's probability, and each case's selector threshold, from a selector fitted on
    the other folds' cases."""
    from assistant.answer.selection import Selector

    fold_of = fold_of_cases(len(evidence.answerable), folds)
    probability = np.zeros(len(evidence.rows))
    threshold = np.zeros(len(evidence.answerable))
    for fold in range(folds):
        train = fold_of[evidence.case_of] != fold
        part = Evidence(evidence.rows[train], evidence.labels[train], evidence.case_of[train], evidence.answerable)
        selector = Selector.from_dict(fit(part))
        probability[~train] = selector.probabilities(evidence.rows[~train])
        threshold[fold_of == fold] = selector.threshold
    return probability, threshold


def case_rows(evidence: Evidence, probability: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The refusal model's row (refusal.CASE_FEATURES) of each case that has candidates, given the
    candidates' ``probability``, and which cases those are."""
    from assistant.answer.refusal import case_features

    if evidence.statements is None or evidence.questions is None:
        raise EvidenceError("the kept evidence has no refusal evidence: run without --reuse to gather it")
    rows, cases = [], []
    for case in range(len(evidence.answerable)):
        mine = evidence.case_of == case
        if mine.any():
            rows.append(case_features(probability[mine], evidence.statements[mine], evidence.questions[case]))
            cases.append(case)
    return np.asarray(rows), np.asarray(cases, dtype=int)


def fit_refusal(rows: np.ndarray, unanswerable: np.ndarray, threshold: float) -> dict[str, object]:
    """The refusal model's weights over case ``rows`` labelled ``unanswerable``, with ``threshold``."""
    from assistant.answer.refusal import CASE_FEATURES

    return _weights(_logistic(rows, unanswerable, REFUSAL_C), CASE_FEATURES, threshold)


def refusal_threshold(probability: np.ndarray, unanswerable: np.ndarray, ruled: np.ndarray | None = None) -> float:
    """The lowest threshold at which at most MAX_FALSE_REFUSALS of the answerable cases are refused:
    those ``ruled`` out before the model (a name the notes lack) and those whose ``probability`` is
    at or above it (the model refuses at or above its threshold)."""
    ruled = np.zeros(len(probability), dtype=bool) if ruled is None else ruled
    allowed = int(MAX_FALSE_REFUSALS * int((~unanswerable).sum())) - int((ruled & ~unanswerable).sum())
    answerable = np.sort(probability[~unanswerable & ~ruled])[::-1]
    if allowed < 0:
        return 1.0
    return float(np.nextafter(answerable[allowed], 1.0)) if allowed < len(answerable) else 0.0


def _refusal_out_of_fold(rows: np.ndarray, unanswerable: np.ndarray, fold_of: np.ndarray) -> np.ndarray:
    """Each case row's refusal probability from a model fitted on the other folds."""
    from assistant.answer.refusal import Refusal

    probability = np.zeros(len(rows))
    for fold in np.unique(fold_of):
        train = fold_of != fold
        model = Refusal.from_dict(fit_refusal(rows[train], unanswerable[train], 0.0))
        probability[~train] = model.probability(rows[~train])
    return probability


def fit_refusal_model(evidence: Evidence) -> dict[str, object]:
    """The refusal model for ``evidence``: fitted on every case's row (made of the selector's
    out-of-fold probabilities), its threshold chosen on its own out-of-fold probabilities."""
    probability, _ = out_of_fold(evidence)
    rows, cases = case_rows(evidence, probability)
    unanswerable = ~evidence.answerable[cases].astype(bool)
    held_out = _refusal_out_of_fold(rows, unanswerable, fold_of_cases(len(evidence.answerable))[cases])
    return fit_refusal(rows, unanswerable, refusal_threshold(held_out, unanswerable, ruled_out(evidence)[cases]))


def ruled_out(evidence: Evidence) -> np.ndarray:
    """Per case: whether it is refused before the model, for naming what the notes never do."""
    from assistant.answer.refusal import QUESTION_EVIDENCE

    if evidence.questions is None:
        raise EvidenceError("the kept evidence has no refusal evidence: run without --reuse to gather it")
    if evidence.questions.shape[1] != len(QUESTION_EVIDENCE):
        raise EvidenceError("the kept evidence's question columns are not this code's: run without --reuse")
    return evidence.questions[:, QUESTION_EVIDENCE.index("unknown_names")] > 0


def cross_validate(evidence: Evidence, folds: int = FOLDS) -> dict[str, float]:
    """Top-1 accuracy on answerable cases, and refusal recall and false-refusal rate, each case
    scored by models fitted on the other folds (cases assigned to folds in a fixed shuffle): with
    the selector's own threshold, and with the refusal model (its threshold chosen, within each
    training part, on that part's own out-of-fold probabilities)."""
    from assistant.answer.refusal import Refusal

    fold_of = fold_of_cases(len(evidence.answerable), folds)
    probability, threshold = out_of_fold(evidence, folds)
    best = _best(probability, evidence)
    answerable = evidence.answerable.astype(bool)
    top = top_is_right(probability, evidence)
    below = np.isnan(best) | (np.nan_to_num(best) < threshold)
    figures = _figures(top, below, answerable, "")
    if evidence.statements is not None and evidence.questions is not None:
        rows, cases = case_rows(evidence, probability)
        unanswerable = ~answerable[cases]
        ruled = ruled_out(evidence)
        refused = np.ones(len(answerable), dtype=bool)  # a case without candidates is refused
        for fold in range(folds):
            train = fold_of[cases] != fold
            inner = _refusal_out_of_fold(rows[train], unanswerable[train], fold_of[cases][train])
            cut = refusal_threshold(inner, unanswerable[train], ruled[cases][train])
            model = Refusal.from_dict(fit_refusal(rows[train], unanswerable[train], cut))
            refused[cases[~train]] = model.probability(rows[~train]) >= model.threshold
        figures |= _figures(top, refused | ruled, answerable, "refusal model ")
    return figures


def top_is_right(scores: np.ndarray, evidence: Evidence) -> np.ndarray:
    """Per case: whether its highest-scored candidate (the first on a tie) is a right one."""
    top = np.zeros(len(evidence.answerable), dtype=bool)
    for case in range(len(top)):
        mine = evidence.case_of == case
        top[case] = mine.any() and bool(evidence.labels[mine][int(np.argmax(scores[mine]))])
    return top


def _figures(top: np.ndarray, refused: np.ndarray, answerable: np.ndarray, prefix: str) -> dict[str, float]:
    return {
        f"{prefix}accuracy": float((top & ~refused)[answerable].sum() / max(answerable.sum(), 1)),
        f"{prefix}false_refusal_rate": float(refused[answerable].sum() / max(answerable.sum(), 1)),
        f"{prefix}refusal_recall": float(refused[~answerable].sum() / max((~answerable).sum(), 1)),
    }


def tune_cases(set_path: Path) -> list[Case]:
    cases = load_set(set_path)
    tune = [c for c in cases if c.split == "tune"]
    if not tune:
        raise SetError(f"{set_path}: no case has \"split\": \"tune\"; the selector is fitted on the tune part only")
    return tune


DEFAULT_EVIDENCE = PROJECT_ROOT / "evals" / "selector_evidence.npz"


class EvidenceError(ValueError):
    """The kept evidence lacks what a fit needs."""


def save_evidence(evidence: Evidence, path: Path) -> None:
    arrays = {"rows": evidence.rows, "labels": evidence.labels, "case_of": evidence.case_of,
              "answerable": evidence.answerable, "statements": evidence.statements, "questions": evidence.questions}
    np.savez_compressed(path, **{k: v for k, v in arrays.items() if v is not None})  # type: ignore[arg-type]


def load_evidence(path: Path) -> Evidence:
    """The evidence kept at ``path``; EvidenceError when it is not evidence that ``save_evidence``
    wrote (OSError when it can't be read)."""
    import zipfile

    try:
        saved = np.load(path, allow_pickle=False)
        arrays = {k: saved[k] for k in saved.files} if isinstance(saved, np.lib.npyio.NpzFile) else None
    except (EOFError, zipfile.BadZipFile, ValueError) as exc:
        raise EvidenceError(f"it is not an .npz archive of evidence ({exc})") from exc
    if arrays is None:  # a plain .npy array
        raise EvidenceError("it is not an .npz archive of evidence")
    missing = [k for k in ("rows", "labels", "case_of", "answerable") if k not in arrays]
    if missing:
        raise EvidenceError(f"it lacks {', '.join(missing)}")
    rows, labels, case_of, answerable = (arrays[k] for k in ("rows", "labels", "case_of", "answerable"))
    cases = len(answerable)
    if rows.ndim != 2 or labels.shape != (len(rows),) or case_of.shape != (len(rows),) or answerable.ndim != 1:
        raise EvidenceError("its arrays do not fit together (one label and one case per candidate row)")
    if len(rows) and (case_of.min() < 0 or case_of.max() >= cases):
        raise EvidenceError("a candidate's case is outside its cases")
    if not {0, 1} <= set(np.unique(labels).tolist()):
        raise EvidenceError("it needs both right and wrong candidates to fit or measure anything")
    refusal = {k: arrays[k] for k in ("statements", "questions") if k in arrays}
    return Evidence(rows, labels, case_of, answerable, **refusal)


def weights_text(weights: dict[str, object]) -> str:
    return json.dumps(weights, indent=1) + "\n"


@click.command("fit-selector", short_help="Refit the answer selector on the eval set's tune part.")
@click.option("--set", "set_path", type=click.Path(path_type=Path), default=DEFAULT_SET, show_default=True,
              help="Eval set, JSON lines, with a tune part.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              default=PROJECT_ROOT / "assistant" / "answer" / "selector.json", show_default=True,
              help="Where the selector's weights are written.")
@click.option("--refusal-out", type=click.Path(path_type=Path, dir_okay=False),
              default=PROJECT_ROOT / "assistant" / "answer" / "refusal.json", show_default=True,
              help="Where the refusal model's weights are written.")
@click.option("--evidence", type=click.Path(path_type=Path, dir_okay=False), default=DEFAULT_EVIDENCE,
              show_default=True, help="Where the gathered evidence is kept (read instead with --reuse).")
@click.option("--reuse", is_flag=True, help="Refit from the kept evidence, running no model.")
@data_dir_option
@exit_code
def fit_command(
    set_path: Path, out: Path, refusal_out: Path, evidence: Path, reuse: bool, data_dir: Path | None
) -> int:
    """Refit the answer selector's and the refusal model's weights on the tune part of the eval set
    (over the index in the data dir, which must hold the notes the set is about) and write them to
    OUT and REFUSAL_OUT.

    \b
    Examples:
      study ingest corpus/ && study fit-selector   # gather the evidence again, then fit
      study fit-selector --reuse                   # refit from evals/selector_evidence.npz
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    offline()
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
    except EvidenceError as exc:
        return fail(f"{evidence}: {exc}; run without --reuse to gather it again")
    if len(gathered.answerable) != len(cases):
        return fail(f"{evidence} holds {len(gathered.answerable)} cases, the tune part {len(cases)}: gather it again")
    try:
        weights, refusal = fit(gathered), fit_refusal_model(gathered)
    except EvidenceError as exc:
        return fail(f"{evidence}: {exc}")
    checked = cross_validate(gathered)
    out.write_text(weights_text(weights), encoding="utf-8")
    refusal_out.write_text(weights_text(refusal), encoding="utf-8")
    click.echo(f"{len(cases)} tune cases, {len(gathered.rows)} candidates, {int(gathered.labels.sum())} answers")
    click.echo("5-fold cross-validation on tune, refusing below the selector's threshold: " + ", ".join(
        f"{k} {v:.3f}" for k, v in checked.items() if not k.startswith("refusal model ")))
    click.echo("5-fold cross-validation on tune, refusing by the refusal model: " + ", ".join(
        f"{k.removeprefix('refusal model ')} {v:.3f}" for k, v in checked.items() if k.startswith("refusal model ")))
    click.echo(f"selector threshold {weights['threshold']} -> {out}")
    click.echo(f"refusal threshold {refusal['threshold']} -> {refusal_out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from core.cli import run

    return run(fit_command, argv, "python -m evals.fit")


if __name__ == "__main__":
    sys.exit(main())
