"""Spaced review of quiz items: FSRS cards in SQLite (``review.sqlite`` in the data dir).

A wrong quiz answer makes the item a card, due at once; a right one makes it a card spaced out
further (rated Easy: due in days). Each review reschedules a card with FSRS (right: Good, the next
review moves out; wrong: Again, due again within minutes). Every quiz answer and review grade is
also recorded in the learner's history (``assistant.review.progress``, ``progress.sqlite`` beside).

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
>>> [(a.source, a.correct) for a in store.history.answers()]
[('quiz', False), ('review', True)]
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fsrs import Card, Rating, Scheduler

from assistant.quiz.items import QuizItem
from assistant.review.progress import History, HistoryError, connect, export_history, read_history

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
        self.history = History(path.with_name("progress.sqlite"))

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> ReviewStore:
        return cls(data_dir / "review.sqlite")

    def _db(self) -> AbstractContextManager[sqlite3.Connection]:
        return connect(self.path)

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
        """Note a quiz answer in the history, and as a card: a wrong one adds the item due now, a right
        one adds it spaced out (Easy: due in days); a card already there is reviewed (Again or Good).
        True when a card changed."""
        now = _utc(now)
        self.history.record(item.id, item.section, item.question, "quiz", correct, now)
        with self._db() as db:
            existing = self._get(db, item.id)
            if existing is None:
                card_id = int(hashlib.sha1(item.id.encode()).hexdigest()[:12], 16)
                card = Card(card_id=card_id, due=now)
                if correct:
                    card, _ = self.scheduler.review_card(card, Rating.Easy, now)
                    self._log(db, item.id, Rating.Easy, now)
                self._put(db, item, card, now)
                return True
        self._review(item.id, correct, now)
        return True

    def review(self, item_id: str, correct: bool, now: dt.datetime | None = None) -> ReviewCard:
        """Reschedule a card: Good when answered right, Again when wrong; the grade goes to the history."""
        now = _utc(now)
        card = self._review(item_id, correct, now)
        self.history.record(item_id, card.item.section, card.item.question, "review", correct, now)
        return card

    def _review(self, item_id: str, correct: bool, now: dt.datetime) -> ReviewCard:
        with self._db() as db:
            current = self._get(db, item_id)
            if current is None:
                raise KeyError(f"no review card for item {item_id}")
            rating = Rating.Good if correct else Rating.Again
            card, _ = self.scheduler.review_card(current.card, rating, now)
            self._put(db, current.item, card, now)
            self._log(db, item_id, rating, now)
            return ReviewCard(current.item, card)

    @staticmethod
    def _log(db: sqlite3.Connection, item_id: str, rating: Rating, now: dt.datetime) -> None:
        row = (item_id, int(rating), now.isoformat())
        db.execute("INSERT INTO reviews (item_id, rating, reviewed_at) VALUES (?, ?, ?)", row)

    def cards(self) -> list[ReviewCard]:
        """Every card, soonest due first."""
        with self._db() as db:
            rows = db.execute("SELECT item_json, card_json FROM cards ORDER BY due, item_id").fetchall()
        return [ReviewCard(QuizItem.from_dict(json.loads(i)), Card.from_json(c)) for i, c in rows]

    def recall(self, now: dt.datetime | None = None) -> list[tuple[str, float]]:
        """(section, FSRS retrievability at ``now``) of every card: how likely each would be recalled."""
        now = _utc(now)
        return [(c.item.section, float(self.scheduler.get_card_retrievability(c.card, now))) for c in self.cards()]

    def due(self, now: dt.datetime | None = None, limit: int | None = None) -> list[ReviewCard]:
        """Cards due at ``now``, most overdue first."""
        now = _utc(now)
        due = [c for c in self.cards() if c.due <= now]
        return due[:limit] if limit is not None else due

    def count(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT COUNT(*) FROM cards").fetchone()[0])

    def next_due(self) -> dt.datetime | None:
        with self._db() as db:
            row = db.execute("SELECT MIN(due) FROM cards").fetchone()
        return dt.datetime.fromisoformat(row[0]) if row and row[0] else None

    # -------- the whole study history, to move machines

    def export_history(self, path: Path) -> Path:
        """Every answer and every card (its item, FSRS state and review log) as one JSON file."""
        with self._db() as db:
            rows = db.execute("SELECT item_json, card_json, added FROM cards ORDER BY added, item_id").fetchall()
            log = db.execute("SELECT item_id, rating, reviewed_at FROM reviews ORDER BY reviewed_at, rowid").fetchall()
        reviews: dict[str, list[dict[str, Any]]] = {}
        for item_id, rating, at in log:
            reviews.setdefault(item_id, []).append({"rating": rating, "reviewed_at": at})
        cards = []
        for item_json, card_json, added in rows:
            item = json.loads(item_json)
            cards.append({"item": item, "card": json.loads(card_json), "added": added,
                          "reviews": reviews.get(item["id"], [])})
        return export_history(self.history.answers(), cards, path)

    def import_history(self, path: Path) -> tuple[int, int]:
        """Merge an export into this store: answers not yet here, cards not yet here (a card here too
        keeps whichever was reviewed last). Nothing is written unless the whole file reads.
        Returns (answers added, cards added or updated); a HistoryError for a file that is no export."""
        answers, records = read_history(path)
        parsed = []
        try:
            for record in records:
                item = QuizItem.from_dict(record["item"])
                card = Card.from_json(json.dumps(record["card"]))
                added = _utc(dt.datetime.fromisoformat(str(record.get("added") or _utc(card.due).isoformat())))
                log = [(int(r["rating"]), dt.datetime.fromisoformat(r["reviewed_at"]).isoformat())
                       for r in record.get("reviews", [])]
                parsed.append((item, card, added, log))
        except (TypeError, KeyError, ValueError, AttributeError) as exc:
            raise HistoryError(f"{path} holds a card that can't be read ({type(exc).__name__}: {exc})") from None
        changed = 0
        with self._db() as db:
            for item, card, added, log in parsed:
                current = self._get(db, item.id)
                if current is None or _last_review(card) > _last_review(current.card):
                    self._put(db, item, card, added)
                    changed += 1
                for rating, at in log:
                    known = db.execute("SELECT 1 FROM reviews WHERE item_id = ? AND rating = ? AND reviewed_at = ?",
                                       (item.id, rating, at)).fetchone()
                    if not known:
                        db.execute("INSERT INTO reviews (item_id, rating, reviewed_at) VALUES (?, ?, ?)",
                                   (item.id, rating, at))
        return self.history.add(answers), changed


def _last_review(card: Card) -> dt.datetime:
    return _utc(card.last_review) if card.last_review else dt.datetime.min.replace(tzinfo=dt.UTC)
