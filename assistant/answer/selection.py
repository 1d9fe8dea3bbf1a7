"""Which statement answers the question: a learned ranking over the candidates' evidence.

Every candidate statement (of the best retrieved chunks, pruned by a cheap first stage) is read by
the cross-encoder twice (alone, and under its section title) and described by the evidence below:
the cross-encoder's scores and their distance to the best, dense similarity, the chunk's rank and
similarity, keyword coverage (in the statement, and in its context: section title and lead-in
line), whether it holds the question's qualifier ("by default", "at most") and the kind of thing
asked (a quantity of the asked dimension for "how long / how big", a polarity for yes/no, a list
for "which"), how much of the question's rarest words nothing around it holds, and, for a question
about where something is listed ("under which category is X"), how much of it a list's items name.

A logistic regression over that evidence gives each candidate a probability of being the answer:
the answer is the most probable one, and the notes are taken not to cover the question when even
that is below the threshold fitted for a false-refusal rate of at most 3% on the eval set's tune
part (``refusal.py`` decides that by default, from these probabilities and the case's evidence). The
weights ship as ``selector.json``; ``study fit-selector`` refits them (scikit-learn),
and this module applies them with numpy alone.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.answer.logistic import Logistic
from core.text import find_quantities, terms

MODEL_FILE = Path(__file__).with_name("selector.json")

FEATURES = (
    "ce", "ce_sec", "ce_rel", "ce_sec_rel", "dense", "dense_rel", "chunk_dense", "inv_rank",
    "coverage", "coverage_ctx", "qualifier_match", "qualifier_missing", "quantity_for_quantity",
    "has_number", "polarity_for_yes_no", "list_for_which", "log_length", "first_in_chunk",
    "ce_best", "ce_sec_best", "kind_ok", "missing_weight", "unseen_share", "named_in_list",
)

# Qualifier words of a question and the words of a statement that carry them.
QUALIFIERS = {
    "default": frozenset({"default"}),
    "max": frozenset({"max", "maximum", "upto", "up", "most", "limit", "longest", "largest", "highest", "upper"}),
    "min": frozenset({"min", "minimum", "least", "shortest", "smallest", "lowest"}),
}
POLARITY = re.compile(
    r"\b(not|no|only|never|cannot|can't|can|must|always|stateful|stateless|mandatory|optional|global|regional|yes)\b",
    re.I,
)
QUANTITY_QUESTION = re.compile(
    r"^(how (long|many|much|big|large|often)|what('s| is) the (max|min|limit|size|default|longest|shortest|largest|"
    r"smallest|most|least|highest|lowest)\w*)|\b(maximum|minimum|limit|at most|at least|how long|how many|how much|"
    r"how big|by default|size|upper bound|lower bound|timeout|retention)\b",
    re.I,
)
YES_NO = re.compile(r"^(is|are|can|could|does|do|did|should|will|would|was|were|has|have|must)\b", re.I)
WHICH = re.compile(r"^(which|what (kinds?|types?|services?|options?|ways?))\b|\bwhich\b", re.I)
# A question about where something is listed ("under which category is X", "where is X listed"),
# asked with "which" or "where".
CATEGORY = re.compile(r"\b(categor\w*|heading|listed|lists?|in scope|grouped|falls? (under|within))\b", re.I)
# The dimension a quantity question asks for (first match wins).
DIMENSIONS = (
    (re.compile(r"how long|how many (days|hours|minutes|seconds)|timeout|duration|retention|period|expire", re.I),
     "time"),
    (re.compile(r"\bsize\b|how (big|large)|\b(kb|mb|gb|tb)\b|payload", re.I), "size"),
)


@dataclass(frozen=True)
class Candidate:
    """What the selector reads of one candidate statement."""

    text: str
    section: str
    lead_in: str  # the line before it in its chunk ("" for the first)
    chunk_rank: int
    chunk_dense: float
    first_in_chunk: bool


def _kind_ok(question: str, quantity_asked: bool, text: str) -> float:
    """0 when a quantity is asked and the statement holds none of the asked dimension."""
    if not quantity_asked:
        return 1.0
    found = find_quantities(text)
    for pattern, dimension in DIMENSIONS:
        if pattern.search(question):
            return float(any(q.dimension == dimension for q in found))
    return float(bool(found) or bool(re.search(r"\d", text)))


def _named_in_list(text: str, wanted: Sequence[str], weights: dict[str, float], total: float) -> float:
    """For a list (a head line and at least two item lines): the weighted share of the question's
    words that its items name and its head doesn't ("Amazon Cognito" under "Security, Identity, and
    Compliance:"), else 0."""
    head, _, items = text.partition("\n")
    if items.count("\n") < 1:
        return 0.0
    in_head, in_items = set(terms(head)), set(terms(items))
    return sum(weights[t] for t in wanted if t in in_items and t not in in_head) / total


def features(
    question: str,
    candidates: Sequence[Candidate],
    ce: Sequence[float],
    ce_sec: Sequence[float],
    dense: Sequence[float],
    weight: Callable[[str], float],
    max_weight: float,
) -> np.ndarray:
    """One row of FEATURES per candidate (``ce``: cross-encoder logits of the statements alone;
    ``ce_sec``: under their section titles; ``dense``: cosine similarity to the question)."""
    wanted = list(dict.fromkeys(terms(question)))
    weights = {t: weight(t) for t in wanted}
    total = sum(weights.values()) or 1.0
    words = set(re.findall(r"[a-z]+", question.lower()))
    asked = [k for k, v in QUALIFIERS.items() if v & words]
    quantity_asked = bool(QUANTITY_QUESTION.search(question))
    yes_no, which = bool(YES_NO.search(question)), bool(WHICH.search(question))
    unseen = sum(w >= max_weight - 1e-9 for w in weights.values()) / max(len(wanted), 1)
    ce_a, sec_a, dense_a = np.asarray(ce, float), np.asarray(ce_sec, float), np.asarray(dense, float)
    category = (which or question.lower().startswith("where")) and bool(CATEGORY.search(question))
    rows = []
    for i, c in enumerate(candidates):
        own = set(terms(c.text))
        context = set(terms(c.section)) | set(terms(c.lead_in))
        coverage = sum(weights[t] for t in wanted if t in own) / total
        coverage_ctx = sum(weights[t] * (1.0 if t in own else 0.5 if t in context else 0.0) for t in wanted) / total
        lower = c.text.lower()
        matched = float(any(any(word in lower for word in QUALIFIERS[k]) for k in asked)) if asked else 0.0
        has_number = float(bool(find_quantities(c.text)) or bool(re.search(r"\d", c.text)))
        missing = [weights[t] for t in wanted if t not in own | context]
        rows.append([
            ce_a[i], sec_a[i], ce_a[i] - ce_a.max(), sec_a[i] - sec_a.max(), dense_a[i], dense_a[i] - dense_a.max(),
            c.chunk_dense, 1.0 / (1 + c.chunk_rank), coverage, coverage_ctx, matched,
            float(bool(asked) and not matched),
            has_number * quantity_asked, has_number, float(bool(POLARITY.search(c.text))) * yes_no,
            float("\n" in c.text or c.text.count(",") >= 2) * which, math.log(len(c.text) + 1),
            float(c.first_in_chunk), float(ce_a[i] >= ce_a.max()), float(sec_a[i] >= sec_a.max()),
            _kind_ok(question, quantity_asked, c.text), max(missing) / max_weight if missing else 0.0, unseen,
            _named_in_list(c.text, wanted, weights, total) if category else 0.0,
        ])
    return np.asarray(rows, dtype=float).reshape(len(rows), len(FEATURES))


class Selector(Logistic):
    """A fitted logistic regression over FEATURES (standardised), and the refusal threshold."""

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """P(answer) of each candidate row."""
        return self.probability(rows)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Selector:
        return cls.read(data, FEATURES, "the selector's")


@functools.cache
def shipped_selector(path: Path = MODEL_FILE) -> Selector:
    """The selector fitted on the eval set's tune part, as shipped with the package."""
    return Selector.from_dict(json.loads(path.read_text(encoding="utf-8")))
