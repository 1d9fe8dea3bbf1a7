"""What the notes say about each option of an exam question: the notes' statements that name the
option, how much of the question each is about, and whether it names the option only to deny it
or states a different amount than the option's.

The statements come from the passages retrieval finds for the question and for each option, cut
with ``core.text.segments``; each is quoted verbatim with its lines (``file:lines``).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from assistant.answer.types import Passage
from core.spans import Quote, on_pages
from core.text import UNITS, WORD, find_quantities, segments, terms

Retrieve = Callable[[str, int], Sequence[Passage]]
Rerank = Callable[[str, list[str]], list[float]]

# Words of exam options that say nothing about which is right.
GENERIC = frozenset(terms("use using amazon aws configure enable create set up service services application option"))
# Words of exam stems that set the scene but name nothing the notes could state.
SCENE = GENERIC | frozenset(
    terms(
        """developer developers team teams company application applications app need needs must want wants
        should which following meet meets requirement requirements solution solutions what best most way
        ensure make able someone something every many several some new existing correct statement true
        explain explains likely happen happens cause causes know tell one two three select choose"""
    )
)
UNIT_TERMS = frozenset(t for unit in UNITS for t in terms(unit))
NEGATIONS = frozenset(
    {"not", "no", "never", "without", "cannot", "dont", "doesnt", "isnt", "arent", "non", "unlike", "except", "instead"}
)
POOL = 6  # passages retrieved per query
# A line that holds this many of a long option's words mentions it, even when the option's other
# words ("... to keep the payloads in Amazon S3") are the exam writer's.
MENTION_HITS = 3


@dataclass(frozen=True)
class Statement:
    """One statement of the notes, with its quote (``file:lines``) and its section heading."""

    quote: Quote
    section: str

    @property
    def text(self) -> str:
        return self.quote.quote

    def with_section(self) -> str:
        return f"{self.section}: {self.text}" if self.section else self.text


@dataclass(frozen=True)
class Line:
    """A statement weighed against one option: ``named`` (0-1) how fully it names the option,
    ``about`` (0-1) how much of the question it is about, ``denied`` whether it names the option
    only to rule it out (a negation, or another amount than the option's), ``relevance`` the
    cross-encoder's logit for (question + option, statement), 0 without one."""

    statement: Statement
    named: float
    about: float
    denied: bool
    relevance: float = 0.0
    hits: int = 0  # how many of the option's distinctive words the line itself holds


@dataclass
class OptionEvidence:
    letter: str
    text: str
    lines: list[Line] = field(default_factory=list)


def statements(passages: Sequence[Passage]) -> list[Statement]:
    """The statements of ``passages``, each once, in the order found."""
    seen: set[tuple[str, int, str]] = set()
    found: list[Statement] = []
    for p in passages:
        for seg in segments(p.text):
            key = (p.source, p.start_line + seg.line, seg.text)
            if key in seen:
                continue
            seen.add(key)
            quote = Quote(p.source, p.start_line + seg.line, p.start_line + seg.last_line, seg.text)
            found.append(Statement(on_pages(quote, p.pages), p.section))
    return found


def stem_terms(stem: str) -> list[str]:
    """The stem's words that the notes could state: its scene-setting words dropped, and units
    ("seconds", "days"), which any line stating an amount repeats whatever it is about."""
    return [t for t in dict.fromkeys(terms(stem)) if t not in SCENE and t not in UNIT_TERMS]


def option_terms(option: str, stem: str) -> list[str]:
    """What sets the option apart: its words not in the stem and not generic (all its words when
    it only repeats the stem's)."""
    in_stem = set(terms(stem))
    own = [t for t in dict.fromkeys(terms(option)) if t not in GENERIC]
    return [t for t in own if t not in in_stem] or own or list(dict.fromkeys(terms(option)))


Weights = Mapping[str, float]


def weights(found: Sequence[Statement]) -> dict[str, float]:
    """Each word's weight: rarer among ``found`` (the statements near the question) weighs more,
    so that "414" counts for more than "load balancer"."""
    df = Counter(t for s in found for t in set(terms(s.with_section())))
    n = len(found)
    return {t: math.log(1 + n / (1 + count)) for t, count in df.items()} | {"": math.log(1 + n)}


def _share(wanted: Sequence[str], said: set[str], heading: set[str], w: Weights, in_heading: float,
           negated: frozenset[str] = frozenset()) -> float:
    rare = w.get("", 1.0)
    total = sum(w.get(t, rare) for t in wanted)

    def hit(t: str) -> float:
        return -1.0 if t in negated else 1.0 if t in said else in_heading if t in heading else 0.0

    got = sum(w.get(t, rare) * hit(t) for t in wanted)
    return max(0.0, got / total) if total else 0.0


def negated_terms(line: str) -> frozenset[str]:
    """The words a line negates ("for all engines except Aurora": aurora)."""
    words = [w.replace("'", "") for w in WORD.findall(line.lower().replace("\u2019", "'").replace("'", ""))]
    out: set[str] = set()
    for i, word in enumerate(words):
        if word in NEGATIONS:
            out.update(t for w in words[i + 1 : i + 4] for t in terms(w))
    return frozenset(out)


def about(wanted: Sequence[str], statement: Statement, w: Weights | None = None,
          stem_negates: frozenset[str] = frozenset()) -> float:
    """Weighted share of the stem's words the statement repeats (its section heading's count half);
    a word it negates counts against it, unless the stem negates it too ("never introduced")."""
    return _share(wanted, set(terms(statement.text)), set(terms(statement.section)), w or {}, 0.5,
                  negated_terms(statement.text) - stem_negates)


def naming(option: str, wanted: Sequence[str], statement: Statement, w: Weights | None = None) -> tuple[float, bool]:
    """(how fully the statement names the option, whether it does so only to deny it). An option
    that is an amount is named by the same amount, and denied by another amount of its kind."""
    amounts = find_quantities(option)
    if amounts:
        stated = find_quantities(statement.text)
        same = all(any(q.same_value(x) and q.is_range == x.is_range for x in stated) for q in amounts)
        other = any(x.dimension == q.dimension for q in amounts for x in stated)
        return (1.0, False) if same else (0.0, other)
    if not wanted:
        return 0.0, False
    # A heading names what its lines are about, but less surely than the line itself.
    named = _share(wanted, set(terms(statement.text)), set(terms(statement.section)), w or {}, 0.5)
    # An option that says "not" is denied by a line that doesn't, and the other way round.
    negative = any(w in NEGATIONS for w in WORD.findall(option.lower().replace("\u2019", "").replace("'", "")))
    return named, named > 0 and _denied(statement.text, wanted) != negative


def _denied(line: str, wanted: Sequence[str]) -> bool:
    """True when the line names the option right after a negation ('... and not resource based policies')."""
    words = WORD.findall(line.lower().replace("\u2019", "").replace("'", ""))
    stems = [terms(w)[0] if terms(w) else "" for w in words]
    present = [t for t in wanted if t in stems]
    if not present:
        return False
    first = min(stems.index(t) for t in present)
    return any(w in NEGATIONS for w in words[max(0, first - 3) : first])


def gather(stem: str, options: Sequence[tuple[str, str]], retrieve: Retrieve,
           rerank: Rerank | None = None) -> list[OptionEvidence]:
    """For each option, the notes' statements that name it or deny it, weighed against the question."""
    wanted = stem_terms(stem)
    stem_negates = negated_terms(stem)
    base = list(retrieve(stem, POOL))
    pools = {letter: statements([*retrieve(f"{stem}\n{text}", POOL), *retrieve(text, POOL // 2), *base])
             for letter, text in options}
    w = weights(list({s.quote: s for pool in pools.values() for s in pool}.values()))
    evidence: list[OptionEvidence] = []
    for letter, text in options:
        own = option_terms(text, stem)
        lines: list[Line] = []
        for statement in pools[letter]:
            named, denied = naming(text, own, statement, w)
            hits = len(set(own) & set(terms(statement.text)))
            if named >= 0.5 or denied or hits >= MENTION_HITS:
                lines.append(Line(statement, named, about(wanted, statement, w, stem_negates), denied, hits=hits))
        if rerank is not None and lines:
            scores = rerank(f"{stem} {text}", [line.statement.with_section() for line in lines])
            lines = [Line(x.statement, x.named, x.about, x.denied, s, x.hits)
                     for x, s in zip(lines, scores, strict=True)]
        evidence.append(OptionEvidence(letter, text, lines))
    return evidence


def strength(line: Line, about_weight: float) -> float:
    """How strongly a line backs its option for this question (higher is stronger)."""
    return line.relevance + about_weight * line.about + 2 * math.log(max(line.named, 1e-6))
