"""Spaced review of quiz items answered wrong: FSRS cards in SQLite (``review.sqlite`` in the data dir).

A wrong quiz answer makes the item a card, due at once; each review reschedules it with FSRS
(right: Good, the next review moves out; wrong: Again, due again within minutes).

>>> import tempfile, datetime as dt; from pathlib import Path
>>> from assistant.quiz.items import QuizItem; from core.spans import Quote
>>> item = QuizItem("q1", "truefalse", "True or false: NACLs are stateful.", ("True", "False"), "False",
...                 "Your notes say NACLs are stateless.", Quote("notes/a.txt", 354, 354, "NACL are stateless"))
>>> store = ReviewStore(Path(tempfile.mkdtemp()) / "review.sqlite")
>>> now = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
>>> store.record_quiz_answer(item, correct=False, now=now)
True
>>> [c.item.id for c in store.due(now)]
['q1']
>>> store.review("q1", correct=True, now=now).due > now
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fsrs import Card, Rating, Scheduler

from assistant.quiz.items import QuizItem

SCHEMA = """
CREATE TABLE IF NOT EXISTS cards (
    item_id TEXT PRIMARY KEY,
    item_json TEXT NOT NULL,
    card_json TEXT NOT NULL,
    due TEXT NOT NULL,
    added TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cards_due ON cards (due);
CREATE TABLE IF NOT EXISTS reviews (
    item_id TEXT NOT NULL,
    rating INTEGER NOT NULL,
    reviewed_at TEXT NOT NULL
);
"""


def _utc(moment: dt.datetime | None) -> dt.datetime:
    moment = moment or dt.datetime.now(dt.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class ReviewCard:
    item: QuizItem
    card: Card

    @property
    def due(self) -> dt.datetime:
        return _utc(self.card.due)


class ReviewStore:
    """The review cards of one data dir."""

    def __init__(self, path: Path, scheduler: Scheduler | None = None) -> None:
        self.path = path
        # Fuzzing off: the same answers give the same schedule.
        self.scheduler = scheduler or Scheduler(enable_fuzzing=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ReviewStore:
        return cls(data_dir / "review.sqlite")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path)
        try:
            with db:
                yield db
        finally:
            db.close()

    def _get(self, db: sqlite3.Connection, item_id: str) -> ReviewCard | None:
        row = db.execute("SELECT item_json, card_json FROM cards WHERE item_id = ?", (item_id,)).fetchone()
        if row is None:
            return None
        return ReviewCard(QuizItem.from_dict(json.loads(row[0])), Card.from_json(row[1]))

    def _put(self, db: sqlite3.Connection, item: QuizItem, card: Card, now: dt.datetime) -> None:
        db.execute(
            "INSERT INTO cards (item_id, item_json, card_json, due, added) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT(item_id) DO UPDATE SET item_json = excluded.item_json, card_json = excluded.card_json, "
            "due = excluded.due",
            (item.id, json.dumps(item.to_dict()), card.to_json(), _utc(card.due).isoformat(), now.isoformat()),
        )

    def get(self, item_id: str) -> ReviewCard | None:
        with self._db() as db:
            return self._get(db, item_id)

    def record_quiz_answer(self, item: QuizItem, correct: bool, now: dt.datetime | None = None) -> bool:
        """Note a quiz answer. A wrong one adds the item as a card due now (or, if it is a card
        already, rates it Again); a right one reviews an existing card. True when a card changed."""
        now = _utc(now)
        with self._db() as db:
            existing = self._get(db, item.id)
            if existing is None:
                if correct:
                    return False
                card_id = int(hashlib.sha1(item.id.encode()).hexdigest()[:12], 16)
                self._put(db, item, Card(card_id=card_id, due=now), now)
                return True
        self.review(item.id, correct, now)
        return True

    def review(self, item_id: str, correct: bool, now: dt.datetime | None = None) -> ReviewCard:
        """Reschedule a card: Good when answered right, Again when wrong."""
        now = _utc(now)
        with self._db() as db:
            current = self._get(db, item_id)
            if current is None:
                raise KeyError(f"no review card for item {item_id}")
            rating = Rating.Good if correct else Rating.Again
            card, _ = self.scheduler.review_card(current.card, rating, now)
            self._put(db, current.item, card, now)
            db.execute(
                "INSERT INTO reviews (item_id, rating, reviewed_at) VALUES (?, ?, ?)",
                (item_id, int(rating), now.isoformat()),
            )
            return ReviewCard(current.item, card)

    def due(self, now: dt.datetime | None = None, limit: int | None = None) -> list[ReviewCard]:
        """Cards due at ``now``, most overdue first."""
        now = _utc(now)
        with self._db() as db:
            rows = db.execute("SELECT item_json, card_json FROM cards ORDER BY due, item_id").fetchall()
        cards = [ReviewCard(QuizItem.from_dict(json.loads(i)), Card.from_json(c)) for i, c in rows]
        due = [c for c in cards if c.due <= now]
        return due[:limit] if limit is not None else due

    def count(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT COUNT(*) FROM cards").fetchone()[0])

    def next_due(self) -> dt.datetime | None:
        with self._db() as db:
            row = db.execute("SELECT MIN(due) FROM cards").fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None
