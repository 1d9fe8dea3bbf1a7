"""The eval set itself: every case loads with the runner's loader, every gold span lies in the notes
within one section and holds what the case expects, and the set covers the notes evenly without
questions copied from the lines that answer them."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from core.settings import PROJECT_ROOT
from core.spans import LineSpan
from evals.metrics import Case
from evals.runner import load_set

EVAL_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"
NOTES = "corpus/aws-developer-associate-notes.txt"
SEPARATOR = re.compile(r"^\s*={5,}\s*$")
WORD = re.compile(r"[a-z0-9$@]+(?:[-'][a-z0-9]+)*")
MIN_ANSWERABLE, MIN_UNANSWERABLE = 400, 80
MIN_TEST_SHARE = 0.35  # of each kind (answerable, unanswerable) in the test part
MIN_PER_SECTION = 2
MAX_COPIED = 0.8  # share of a question's words found in its gold lines


@pytest.fixture(scope="module")
def cases() -> list[Case]:
    return load_set(EVAL_SET)


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return (PROJECT_ROOT / NOTES).read_text(encoding="utf-8").splitlines()


def sections(lines: list[str]) -> list[int | None]:
    """Each line's section number (sections are separated by ===== lines; separators have none)."""
    numbers: list[int | None] = []
    seen = 0
    for line in lines:
        separator = bool(SEPARATOR.match(line))
        numbers.append(None if separator else seen)
        seen += separator
    return numbers


def gold(case: Case) -> LineSpan:
    assert case.gold is not None
    return case.gold


def words(text: str) -> list[str]:
    return [w for w in WORD.findall(text.lower()) if len(w) > 3]


def test_the_set_is_large_and_has_no_duplicate_questions(cases: list[Case]) -> None:
    assert sum(c.answerable for c in cases) >= MIN_ANSWERABLE
    assert sum(not c.answerable for c in cases) >= MIN_UNANSWERABLE
    repeated = [q for q, n in Counter(c.question.lower() for c in cases).items() if n > 1]
    assert not repeated
    assert all(re.fullmatch(r"[fu]\d{3}", c.id) and (c.id[0] == "f") == c.answerable for c in cases)


def test_every_gold_span_is_in_one_section_and_holds_the_expected_answer(
    cases: list[Case], lines: list[str]
) -> None:
    section_of = sections(lines)
    bad = []
    for case, span in ((c, span) for c in cases if c.answerable for span in c.golds):
        if span.source != NOTES or span.end_line > len(lines):
            bad.append(f"{case.id}: {span} is not in {NOTES} (1-{len(lines)})")
            continue
        text = "\n".join(lines[span.start_line - 1 : span.end_line])
        if not any(re.search(pattern, text, re.IGNORECASE) for pattern in case.expected):
            bad.append(f"{case.id}: no expected pattern matches lines {span.start_line}-{span.end_line}")
        if len({s for s in section_of[span.start_line - 1 : span.end_line] if s is not None}) != 1:
            bad.append(f"{case.id}: lines {span.start_line}-{span.end_line} are not within one section")
    assert not bad, "\n".join(bad)


def test_every_section_is_asked_about(cases: list[Case], lines: list[str]) -> None:
    section_of = sections(lines)
    with_content = {s for s, line in zip(section_of, lines, strict=True) if s is not None and line.strip()}
    asked = Counter(section_of[gold(c).start_line - 1] for c in cases if c.answerable)
    assert {s: asked[s] for s in sorted(with_content) if asked[s] < MIN_PER_SECTION} == {}


def test_no_question_is_copied_from_its_gold_lines(cases: list[Case], lines: list[str]) -> None:
    copied = []
    for case in (c for c in cases if c.answerable):
        span = gold(case)
        answer_words = set(words("\n".join(lines[span.start_line - 1 : span.end_line])))
        asked = words(case.question)
        share = sum(w in answer_words for w in asked) / len(asked) if asked else 0.0
        if share > MAX_COPIED:
            copied.append(f"{case.id} ({share:.2f}): {case.question}")
    assert not copied, "\n".join(copied)


def test_the_set_is_split_once_into_tune_and_test(cases: list[Case]) -> None:
    """Every case belongs to a fixed part; both kinds are well represented in the test part; and
    questions about the same gold line are in one part (a paraphrase in tune would leak into test)."""
    assert {c.split for c in cases} == {"tune", "test"}
    for answerable in (True, False):
        kind = [c for c in cases if c.answerable == answerable]
        assert sum(c.split == "test" for c in kind) >= MIN_TEST_SHARE * len(kind)
    parts_of_line: dict[int, set[str]] = {}
    for case in (c for c in cases if c.answerable):
        parts_of_line.setdefault(gold(case).start_line, set()).add(case.split)
    assert [line for line, parts in parts_of_line.items() if len(parts) > 1] == []
