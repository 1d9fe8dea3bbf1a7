"""Spaced review with FSRS in SQLite: a wrong answer becomes a due card; a right review moves it out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assistant.quiz.items import QuizItem
from assistant.review.store import ReviewStore
from core.spans import Quote

NOW = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def item(n: int) -> QuizItem:
    return QuizItem(
        f"item{n}",
        "truefalse",
        f"True or false: statement {n}.",
        ("True", "False"),
        "False",
        "Your notes say otherwise.",
        Quote("corpus/notes.txt", n, n, f"line {n}"),
    )


@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    return ReviewStore.in_data_dir(tmp_path / "data")


def test_a_wrong_answer_becomes_a_due_card_and_a_right_one_a_card_spaced_out(store: ReviewStore) -> None:
    assert store.record_quiz_answer(item(1), correct=False, now=NOW)
    # Issue 17: right answers become cards too, spaced out further (before, they made no card).
    assert store.record_quiz_answer(item(2), correct=True, now=NOW)
    assert store.count() == 2
    assert [c.item.id for c in store.due(NOW)] == ["item1"]
    right = store.get("item2")
    assert right is not None and right.due - NOW >= dt.timedelta(days=3)
    assert store.due(NOW)[0].item == item(1)  # the whole item comes back, citation included
    assert store.path == store.path.parent / "review.sqlite" and store.path.exists()


def test_right_review_moves_the_due_date_out_and_wrong_keeps_it_near(store: ReviewStore) -> None:
    store.record_quiz_answer(item(1), correct=False, now=NOW)
    store.record_quiz_answer(item(2), correct=False, now=NOW)
    first = store.review("item1", correct=True, now=NOW)
    again = store.review("item2", correct=False, now=NOW)
    assert first.due > NOW and again.due > NOW
    assert first.due > again.due
    assert again.due - NOW <= dt.timedelta(minutes=10)
    # Right again once it is due: the interval grows to days.
    later = first.due
    second = store.review("item1", correct=True, now=later)
    assert second.due - later >= dt.timedelta(days=1)
    assert second.due > first.due
    assert [c.item.id for c in store.due(later)] == ["item2"]
    assert store.due(NOW) == []


def test_cards_persist_and_a_repeat_wrong_answer_reschedules(tmp_path: Path) -> None:
    path = tmp_path / "review.sqlite"
    ReviewStore(path).record_quiz_answer(item(3), correct=False, now=NOW)
    reopened = ReviewStore(path)
    assert reopened.count() == 1 and reopened.next_due() == NOW
    reopened.record_quiz_answer(item(3), correct=False, now=NOW + dt.timedelta(hours=1))
    assert reopened.count() == 1
    assert reopened.get("item3").due > NOW + dt.timedelta(hours=1)  # type: ignore[union-attr]
    with pytest.raises(KeyError):
        reopened.review("missing", correct=True, now=NOW)
