"""Whether the notes cover a question: a case-level model over the selector's output and the case's evidence.

The selector gives each candidate statement a probability of being the answer. The questions the
notes don't cover are mostly near misses: another limit of a service the notes describe, or a
service they only list by name. Their best candidate is on topic, so its probability alone tells
them apart badly. What does tell them apart, read on the eval set's tune part:

- the asked attribute (the question's head noun: "origins" in "the maximum number of origins",
  "read replicas" in "how many read replicas") is nowhere in the chosen statement or its context;
- a quantity is asked and no top candidate holds one of the asked dimension (a time for "how
  long", a size for "how big");
- a rare question word ("transit", "drift") is in nothing retrieved, or not around the chosen
  statement;
- the chosen statement says nothing the question does not ("• Amazon MemoryDB for Redis" for
  "what is MemoryDB used for": the notes only name it);
- and the best probability and its margin over the second.

One case needs no model: a question that names something the notes never do ("What does AWS
Shield protect against?", "Which EBS volume types offer provisioned IOPS?"). On the tune part 8 of
the 62 unanswerable questions do, and 1 of the 274 answerable ones ("OSI layer"); such a question
is refused, and the refusal says which name the notes lack (``unknown_names``).

A logistic regression over these (CASE_FEATURES) gives the probability that the notes don't cover
the question; at or above its threshold (chosen by cross-validation on the tune part for a
false-refusal rate of at most 3%) the assistant says so. Its weights are in ``refusal.json``,
written by ``study fit-selector`` beside the selector's; this module applies them with numpy alone.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import re
from collections.abc import Callable, Collection, Sequence
from pathlib import Path

import numpy as np

from assistant.answer.logistic import Logistic
from core.text import STOPWORDS, find_quantities, terms

MODEL_FILE = Path(__file__).with_name("refusal.json")

# Evidence about one candidate statement, from its text and context alone.
STATEMENT_EVIDENCE = ("kind_ok", "attribute_missing", "missing_known", "missing_share", "new_terms")
# Evidence about the question and everything retrieved for it.
QUESTION_EVIDENCE = (
    "quantity_asked", "attribute_asked", "retrieved_missing", "retrieved_share", "unseen_share", "unknown_names",
)
# What the refusal model reads of a case. A quantity asked is not a feature of its own (on the tune
# part most near misses ask for one): only a quantity asked and missing is.
CASE_FEATURES = (
    "logit_best", "margin", "kind_missing_best", "kind_missing_top", "attribute_missing", "missing_known",
    "missing_share", "new_terms", "names_only", "retrieved_missing", "retrieved_share", "unseen_share",
)
# A term of at least MIN_FUZZY letters is taken to be in the notes when a word of theirs is this
# similar to it (difflib's ratio; "memcach" and "memchache" 0.875, "assumerol" and "assume" 0.8).
MIN_FUZZY, SPELLING = 5, 0.85
TOP = 3  # the candidates, by probability, in which a quantity of the asked dimension is looked for

# A question asking for an amount: by its wh-phrase, not by a word such as "timeout" anywhere in it
# ("What states does a message go through during the visibility timeout?" asks for none).
QUANTITY_QUESTION = re.compile(
    r"\bhow (long|many|much|big|large|often|fast)\b|^(for how long|what('s| is| are) the (\w+ )?(max|min|limit|size|"
    r"default|longest|shortest|largest|smallest|highest|lowest|number|amount)\w*)|\bwhat (\w+ )?size\b",
    re.I,
)
DIMENSIONS = (
    (re.compile(r"how long|how often|for how long|timeout|duration|retention|period|expire|delay|valid\b", re.I),
     "time"),
    (re.compile(r"\bsize\b|how (big|large)|\b(kb|mb|gb|tb)\b|payload", re.I), "size"),
)
# The wh-phrase and the qualifiers before the asked attribute ("what is the maximum number of").
ASKED = re.compile(
    r"^(?:(?:what|which)(?:'s| is| are| was)?(?: the| a| an)?|how many|how much)\s+"
    r"(?:(?:maximum|minimum|max|min|default|largest|smallest|biggest|longest|shortest|typical|total|"
    r"highest|lowest|number|amount|count|kind|type|sort)\s+(?:of\s+)?)*(?P<rest>.*)$",
    re.I,
)
# Where the attribute's noun phrase ends.
ATTRIBUTE_END = frozenset((
    "of", "for", "in", "on", "at", "does", "do", "did", "can", "could", "is", "are", "was", "were", "must",
    "should", "will", "would", "per", "that", "which", "by", "to", "when", "with", "from", "if", "as", "than",
    "has", "have", "be",
))
# Words that name no attribute of their own ("the limit of X": the asked attribute is X's dimension).
GENERIC = frozenset(terms("limit value setting option thing one service size part"))


NUMBER = re.compile(r"\b\d")  # a number of its own (not the 2 of "EC2")


def quantity_asked(question: str) -> bool:
    return bool(QUANTITY_QUESTION.search(question))


def asked_attribute(question: str) -> list[str]:
    """The terms of the attribute a question asks about, its head noun phrase (at most 2 words).

    >>> asked_attribute("What is the maximum number of origins a CloudFront distribution can have?")
    ['origin']
    >>> asked_attribute("How many read replicas can an RDS instance have?")
    ['read', 'replica']
    >>> asked_attribute("What does S3 Object Lock do?"), asked_attribute("How long is the timeout?")
    ([], [])
    """
    found = ASKED.match(question.strip())
    if not found:
        return []
    words: list[str] = []
    for word in re.findall(r"[\w-]+", found.group("rest").lower()):
        if word in ATTRIBUTE_END or len(words) == 2:
            break
        words.append(word)
    if len(words) == 2 and words[1] in ATTRIBUTE_END | {"a", "an", "the"}:
        words = words[:1]
    named = [t for w in words for t in terms(w.replace("-", " "))]
    # "what does X do" / "what is X": the words after the wh-phrase name the subject, not an attribute.
    if found.group("rest").lower().startswith(("does ", "do ", "did ", "is ", "are ", "can ")):
        return []
    return [t for t in named if t not in GENERIC]


def unknown_names(question: str, vocabulary: Collection[str]) -> list[str]:
    """The names ``question`` uses that the notes never do: words written with a capital, after the
    first ("Shield", "IOPS", "AssumeRole"), of which a term is not in the notes' ``vocabulary``, nor
    close to one of its words as spelled there (notes have typos: "memchache" is Memcached).

    >>> notes = {"aws", "lambda", "protect", "memchache"}
    >>> unknown_names("What does AWS Shield protect against?", notes)
    ['Shield']
    >>> unknown_names("Does Lambda or Memcached protect?", notes)
    []
    """
    found = []
    for word in re.findall(r"[A-Za-z][\w-]*", question)[1:]:
        if not any(c.isupper() for c in word) or word.casefold() in STOPWORDS:
            continue
        if any(not _in_notes(t, vocabulary) for t in terms(word.replace("-", " "))):
            found.append(word)
    return list(dict.fromkeys(found))


def _in_notes(term: str, vocabulary: Collection[str]) -> bool:
    if term in vocabulary:
        return True
    return len(term) >= MIN_FUZZY and bool(difflib.get_close_matches(term, vocabulary, n=1, cutoff=SPELLING))


def _kind_ok(question: str, text: str) -> float:
    """Whether ``text`` holds a quantity of the dimension ``question`` asks for (any number when it
    names none)."""
    found = find_quantities(text)
    for pattern, dimension in DIMENSIONS:
        if pattern.search(question):
            return float(any(q.dimension == dimension for q in found))
    return float(bool(found) or bool(NUMBER.search(text)))


def statement_evidence(
    question: str, texts: Sequence[str], contexts: Sequence[str], weight: Callable[[str], float], max_weight: float
) -> np.ndarray:
    """One row of STATEMENT_EVIDENCE per candidate (``contexts``: its section title and lead-in line)."""
    wanted = list(dict.fromkeys(terms(question)))
    attribute = asked_attribute(question)
    rows = []
    known = [t for t in wanted if weight(t) < max_weight - 1e-9]  # the words the notes use
    total = sum(weight(t) for t in wanted) or 1.0
    for text, context in zip(texts, contexts, strict=True):
        own = set(terms(text))
        around = own | set(terms(context))
        rows.append([
            _kind_ok(question, text),
            float(any(t not in around for t in attribute)),
            max((weight(t) for t in known if t not in around), default=0.0) / max_weight,
            sum(weight(t) for t in wanted if t not in around) / total,
            math.log1p(len(own - set(wanted))),
        ])
    return np.asarray(rows, dtype=float).reshape(len(rows), len(STATEMENT_EVIDENCE))


def question_evidence(
    question: str, retrieved: Sequence[str], weight: Callable[[str], float], max_weight: float,
    vocabulary: Collection[str], names: Sequence[str] | None = None,
) -> np.ndarray:
    """QUESTION_EVIDENCE (``retrieved``: the text and section title of every retrieved chunk;
    ``vocabulary``: every term of the notes; ``names``: the question's ``unknown_names``, found
    here when not given)."""
    wanted = list(dict.fromkeys(terms(question)))
    held = {t for text in retrieved for t in terms(text)}
    known = [t for t in wanted if weight(t) < max_weight - 1e-9]
    total = sum(weight(t) for t in wanted) or 1.0
    unseen = (len(wanted) - len(known)) / max(len(wanted), 1)
    return np.asarray([
        float(quantity_asked(question)), float(bool(asked_attribute(question))),
        max((weight(t) for t in known if t not in held), default=0.0) / max_weight,
        sum(weight(t) for t in wanted if t not in held) / total, unseen,
        float(len(unknown_names(question, vocabulary) if names is None else names)),
    ])


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def case_features(probabilities: np.ndarray, statements: np.ndarray, question: np.ndarray) -> np.ndarray:
    """CASE_FEATURES of a case: the selector's ``probabilities`` of its candidates, their
    STATEMENT_EVIDENCE rows (same order) and its QUESTION_EVIDENCE."""
    order = np.argsort(-probabilities, kind="stable")
    best = order[0]
    second = _logit(float(probabilities[order[1]])) if len(order) > 1 else _logit(0.0)
    kind = STATEMENT_EVIDENCE.index("kind_ok")
    asked = float(question[QUESTION_EVIDENCE.index("quantity_asked")])
    row = dict(zip(STATEMENT_EVIDENCE, statements[best], strict=True))
    return np.asarray([
        _logit(float(probabilities[best])),
        _logit(float(probabilities[best])) - second,
        asked * (1.0 - row["kind_ok"]),
        asked * (1.0 - float(statements[order[:TOP], kind].max())),
        row["attribute_missing"] * float(question[QUESTION_EVIDENCE.index("attribute_asked")]),
        row["missing_known"],
        row["missing_share"],
        row["new_terms"],
        float(row["new_terms"] == 0.0),
        float(question[QUESTION_EVIDENCE.index("retrieved_missing")]),
        float(question[QUESTION_EVIDENCE.index("retrieved_share")]),
        float(question[QUESTION_EVIDENCE.index("unseen_share")]),
    ])


class Refusal(Logistic):
    """A fitted logistic regression over CASE_FEATURES (standardised), giving P(the notes don't
    cover the question), and its threshold."""

    def refuses(self, row: np.ndarray) -> bool:
        return bool(self.probability(row.reshape(1, -1))[0] >= self.threshold)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Refusal:
        return cls.read(data, CASE_FEATURES, "the refusal model's")


@functools.cache
def shipped_refusal(path: Path = MODEL_FILE) -> Refusal:
    """The refusal model fitted on the eval set's tune part, as shipped with the package."""
    return Refusal.from_dict(json.loads(path.read_text(encoding="utf-8")))
