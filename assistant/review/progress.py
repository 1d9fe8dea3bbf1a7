"""Study history: every quiz answer and review grade (item, section of the notes, right or wrong,
when) in SQLite, ``progress.sqlite`` beside the review cards; what a learner knows per section.

>>> import tempfile, datetime as dt; from pathlib import Path
>>> history = History(Path(tempfile.mkdtemp()) / "progress.sqlite")
>>> now = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
>>> history.record("q1", "SQS > Polling", "Is SQS pull based?", "quiz", True, now)
True
>>> history.record("q2", "IAM", "What is STS?", "quiz", False, now)
True
>>> [(m.section, m.right, m.answered) for m in mastery(history.answers(), [], now)]
[('IAM', 0, 1), ('SQS', 1, 1)]
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.text import top_section

SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    item_id TEXT NOT NULL,
    section TEXT NOT NULL,
    question TEXT NOT NULL,
    source TEXT NOT NULL,
    correct INTEGER NOT NULL,
    answered_at TEXT NOT NULL,
    UNIQUE (item_id, source, answered_at)
);
CREATE INDEX IF NOT EXISTS answers_section ON answers (section);
"""
SOURCES = ("quiz", "review")
RECENT = 5  # the trend compares the last RECENT answers of a section with the RECENT before them
HISTORY_FORMAT = "study-history/1"



@contextmanager
def connect(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the SQLite file at ``path``: one transaction, committed on leaving (rolled
    back on an error), and closed."""
    db = sqlite3.connect(path)
    try:
        with db:
            yield db
    finally:
        db.close()

class HistoryError(ValueError):
    """A history file that can't be imported (not JSON, not a study history, a bad record)."""


def _utc(moment: dt.datetime | None) -> dt.datetime:
    moment = moment or dt.datetime.now(dt.UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class Answer:
    """One recorded answer: to a quiz item or a review card."""

    item_id: str
    section: str
    question: str
    source: str
    correct: bool
    answered_at: str


@dataclass(frozen=True)
class Mastery:
    """What the answers of one section say: share right, its trend, and how well its review cards
    would be recalled now (FSRS retrievability, mean over the section's cards; None without cards)."""

    section: str
    answered: int
    right: int
    trend: float | None  # share right of the last RECENT answers minus that of the RECENT before
    retrievability: float | None
    cards: int
    last: str

    @property
    def share(self) -> float:
        return self.right / self.answered if self.answered else 0.0

    @property
    def weakness(self) -> tuple[float, float, int]:
        """Sort key, weakest first: the share right (pulled toward a half while there are few answers),
        then recall, then the most answered."""
        smoothed = (self.right + 1) / (self.answered + 2)
        recall = self.retrievability if self.retrievability is not None else 1.0
        return (smoothed, recall, -self.answered)


class History:
    """The recorded answers of one learner (one data dir)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.executescript(SCHEMA)

    @classmethod
    def in_data_dir(cls, data_dir: Path) -> History:
        return cls(data_dir / "progress.sqlite")

    def _db(self) -> AbstractContextManager[sqlite3.Connection]:
        return connect(self.path)

    def record(
        self, item_id: str, section: str, question: str, source: str, correct: bool, now: dt.datetime | None = None
    ) -> bool:
        """Note one answer; False when the very same answer (item, source, moment) is there already."""
        if source not in SOURCES:
            raise ValueError(f"unknown answer source '{source}' (choose from {', '.join(SOURCES)})")
        with self._db() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO answers (item_id, section, question, source, correct, answered_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (item_id, section, question, source, int(correct), _utc(now).isoformat()),
            )
            return cursor.rowcount == 1

    def answers(self) -> list[Answer]:
        """Every answer, oldest first."""
        with self._db() as db:
            rows = db.execute(
                "SELECT item_id, section, question, source, correct, answered_at FROM answers "
                "ORDER BY answered_at, rowid"
            ).fetchall()
        return [Answer(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in rows]

    def count(self) -> int:
        with self._db() as db:
            return int(db.execute("SELECT COUNT(*) FROM answers").fetchone()[0])

    def add(self, answers: Iterable[Answer]) -> int:
        """Add answers (an import); those already there are skipped. How many were new."""
        added = 0
        for a in answers:
            added += self.record(a.item_id, a.section, a.question, a.source, a.correct,
                                 dt.datetime.fromisoformat(a.answered_at))
        return added


def _trend(results: Sequence[bool]) -> float | None:
    recent, before = results[-RECENT:], results[-2 * RECENT : -RECENT]
    if not before:
        return None
    return sum(recent) / len(recent) - sum(before) / len(before)


def mastery(
    answers: Sequence[Answer], cards: Sequence[tuple[str, float]], now: dt.datetime | None = None
) -> list[Mastery]:
    """Per top section of the notes, weakest first. ``cards`` are (section, retrievability) of the
    review cards."""
    by_section: dict[str, list[Answer]] = {}
    for a in answers:
        by_section.setdefault(top_section(a.section), []).append(a)
    recall: dict[str, list[float]] = {}
    for section, value in cards:
        recall.setdefault(top_section(section), []).append(value)
    out = []
    for section, rows in by_section.items():
        results = [a.correct for a in rows]
        values = recall.get(section, [])
        out.append(
            Mastery(
                section,
                len(rows),
                sum(results),
                _trend(results),
                sum(values) / len(values) if values else None,
                len(values),
                max(a.answered_at for a in rows),
            )
        )
    return sorted(out, key=lambda m: (m.weakness, m.section))


def never_quizzed(answers: Sequence[Answer], sections: Iterable[str]) -> list[str]:
    """The top sections of the notes (``sections``: any section paths) with no answer yet, in order."""
    seen = {top_section(a.section) for a in answers}
    out: list[str] = []
    for section in sections:
        top = top_section(section)
        if top not in seen and top not in out:
            out.append(top)
    return out


def weak_sections(report: Sequence[Mastery], limit: int = 3) -> list[str]:
    """The weakest sections with a wrong answer among them (a section answered all right is no weak one)."""
    return [m.section for m in report if m.right < m.answered][:limit]


# ---------------------------------------------------------------- export and import


def export_history(answers: Sequence[Answer], cards: Sequence[dict[str, Any]], path: Path) -> Path:
    """The whole study history as JSON: every answer and every review card (item, FSRS state, review log)."""
    data = {"format": HISTORY_FORMAT, "answers": [asdict(a) for a in answers], "cards": list(cards)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)  # never half a file under the real name
    return path


def read_history(path: Path) -> tuple[list[Answer], list[dict[str, Any]]]:
    """(answers, cards) of a history file; a HistoryError saying what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HistoryError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise HistoryError(f"{path}: cannot read it ({exc})") from None
    except json.JSONDecodeError as exc:
        raise HistoryError(f"{path} is not JSON (line {exc.lineno}): not a study history export") from None
    if not isinstance(data, dict) or data.get("format") != HISTORY_FORMAT:
        raise HistoryError(f"{path} is not a study history export (no \"format\": \"{HISTORY_FORMAT}\")")
    try:
        answers = [Answer(**{**a, "correct": bool(a["correct"])}) for a in data.get("answers", [])]
        for a in answers:
            dt.datetime.fromisoformat(a.answered_at)
            if a.source not in SOURCES:
                raise ValueError(a.source)
        cards = [dict(c) for c in data.get("cards", [])]
    except (TypeError, KeyError, ValueError) as exc:
        raise HistoryError(f"{path} holds a record that is not an answer or a card ({exc})") from None
    return answers, cards


# ---------------------------------------------------------------- the report the CLI and the app show


@dataclass(frozen=True)
class Report:
    """Mastery per section (weakest first), the sections of the notes never quizzed, the weak ones."""

    sections: list[Mastery]
    never: list[str]
    weak: list[str]
    answered: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "answered": self.answered,
            "sections": [{**asdict(m), "share": round(m.share, 4)} for m in self.sections],
            "never_quizzed": self.never,
            "weak": self.weak,
        }


def build_report(
    answers: Sequence[Answer], recall: Sequence[tuple[str, float]], note_sections: Iterable[str],
    now: dt.datetime | None = None,
) -> Report:
    """The report of ``answers`` and the cards' ``recall`` over the notes' ``note_sections``."""
    sections = mastery(answers, recall, now)
    return Report(sections, never_quizzed(answers, note_sections), weak_sections(sections), len(answers))
