"""Study progress (issue 17): every quiz answer and review grade recorded beside the review cards,
mastery per section weakest first, sections never quizzed, the history exported and imported."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import progress_command
from assistant.quiz.items import QuizItem
from assistant.review.progress import HistoryError, build_report
from assistant.review.store import ReviewStore
from core.spans import Quote
from core.text import NO_SECTION, top_section

NOW = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


def item(n: int, section: str) -> QuizItem:
    return QuizItem(
        f"item{n}", "truefalse", f"True or false: statement {n}.", ("True", "False"), "True",
        f"Your notes say statement {n}.", Quote("corpus/notes.txt", n, n, f"line {n}"), section,
    )


def answer_all(store: ReviewStore, results: dict[str, list[bool]]) -> None:
    """Quiz answers: for each section, one item per result, a minute apart."""
    n = 0
    for section, marks in results.items():
        for correct in marks:
            n += 1
            store.record_quiz_answer(item(n, section), correct, now=NOW + dt.timedelta(minutes=n))


RESULTS = {
    "IAM > roles": [True, False, False, False, False],  # 1 of 5
    "Dynamo db > WCU": [False],  # 0 of 1
    "EC2": [True, True, True, False, False],  # 3 of 5
    "SQS > polling": [True, True, True, True, True],  # 5 of 5
}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.mark.parametrize("section", ['Widget <img src="//h/x.png"> basics > Sizes', "code ---> EBS > deploy"])
def test_a_section_title_holding_a_greater_than_sign_is_counted_whole(section: str) -> None:
    title = section.rsplit(" > ", 1)[0]
    assert top_section(section) == title
    # Progress counts a chunk outside any section under NO_SECTION, and a quiz focused on it finds it.
    assert top_section("") == NO_SECTION and top_section("", default="") == ""


def test_answers_and_grades_survive_a_restart(data_dir: Path) -> None:
    store = ReviewStore.in_data_dir(data_dir)
    answer_all(store, RESULTS)
    store.review("item2", correct=True, now=NOW + dt.timedelta(days=1))
    before = store.history.answers()
    assert len(before) == 17 and [a.source for a in before].count("review") == 1
    assert (data_dir / "progress.sqlite").is_file() and (data_dir / "review.sqlite").is_file()
    del store

    reopened = ReviewStore.in_data_dir(data_dir)
    after = reopened.history.answers()
    assert after == before
    first = after[0]
    assert (first.item_id, first.section, first.correct, first.source) == ("item1", "IAM > roles", True, "quiz")
    assert first.answered_at == (NOW + dt.timedelta(minutes=1)).isoformat()
    assert reopened.count() == 16  # every item answered became a card, right ones too


def test_weak_sections_are_ordered_by_the_recorded_results(data_dir: Path) -> None:
    store = ReviewStore.in_data_dir(data_dir)
    answer_all(store, RESULTS)
    report = build_report(store.history.answers(), store.recall(NOW), [], NOW)
    assert [m.section for m in report.sections] == ["IAM", "Dynamo db", "EC2", "SQS"]
    assert [(m.right, m.answered) for m in report.sections] == [(1, 5), (0, 1), (3, 5), (5, 5)]
    assert report.weak == ["IAM", "Dynamo db", "EC2"]  # all right is no weak section
    assert all(m.cards and m.retrievability is not None for m in report.sections)

    # New results reorder them: EC2 answered wrong eight more times (3 of 13) becomes the weakest.
    for k in range(8):
        store.record_quiz_answer(item(100 + k, "EC2 > AMI"), False, now=NOW + dt.timedelta(hours=1, minutes=k))
    again = build_report(store.history.answers(), store.recall(NOW), [], NOW)
    assert [m.section for m in again.sections][:2] == ["EC2", "IAM"]
    assert [m.trend for m in again.sections if m.section == "SQS"] == [None]  # five answers: no trend yet
    # SQS, all right before, now all wrong: its trend falls, and it turns weak.
    for k in range(5):
        store.record_quiz_answer(item(200 + k, "SQS"), False, now=NOW + dt.timedelta(hours=2, minutes=k))
    sqs = next(m for m in build_report(store.history.answers(), [], [], NOW).sections if m.section == "SQS")
    assert sqs.trend == -1.0 and (sqs.right, sqs.answered) == (5, 10)


def test_sections_never_quizzed(data_dir: Path) -> None:
    store = ReviewStore.in_data_dir(data_dir)
    answer_all(store, {"IAM > roles": [True]})
    notes = ["IAM > roles", "IAM > policies", "EC2 > AMI", "Dynamo db", "EC2"]
    report = build_report(store.history.answers(), store.recall(NOW), notes, NOW)
    assert report.never == ["EC2", "Dynamo db"]


def test_review_grades_are_recorded_and_right_answers_become_cards_spaced_out(data_dir: Path) -> None:
    store = ReviewStore.in_data_dir(data_dir)
    store.record_quiz_answer(item(1, "IAM"), True, now=NOW)
    store.record_quiz_answer(item(2, "IAM"), False, now=NOW)
    right, wrong = store.get("item1"), store.get("item2")
    assert right is not None and wrong is not None
    assert wrong.due == NOW and right.due - NOW >= dt.timedelta(days=3)
    store.review("item2", correct=False, now=NOW + dt.timedelta(minutes=1))
    assert [(a.item_id, a.source, a.correct) for a in store.history.answers()] == [
        ("item1", "quiz", True), ("item2", "quiz", False), ("item2", "review", False)
    ]


def test_the_history_export_round_trips(data_dir: Path, tmp_path: Path) -> None:
    store = ReviewStore.in_data_dir(data_dir)
    answer_all(store, RESULTS)
    store.review("item2", correct=True, now=NOW + dt.timedelta(days=1))
    exported = store.export_history(tmp_path / "history.json")
    data = json.loads(exported.read_text(encoding="utf-8"))
    assert data["format"] == "study-history/1" and len(data["answers"]) == 17 and len(data["cards"]) == 16

    other = ReviewStore.in_data_dir(tmp_path / "other-machine")
    assert other.import_history(exported) == (17, 16)
    assert other.history.answers() == store.history.answers()
    mine = {c.item.id: (c.item, c.card.to_json()) for c in store.cards()}
    theirs = {c.item.id: (c.item, c.card.to_json()) for c in other.cards()}
    assert theirs == mine
    assert other.due(NOW + dt.timedelta(hours=1)) == store.due(NOW + dt.timedelta(hours=1))
    # And back out again: the same file.
    again = other.export_history(tmp_path / "again.json")
    assert json.loads(again.read_text(encoding="utf-8")) == data
    # Importing twice adds nothing.
    assert other.import_history(exported) == (0, 0)
    assert other.history.count() == 17


def test_a_bad_history_file_is_refused_and_changes_nothing(data_dir: Path, tmp_path: Path) -> None:
    store = ReviewStore.in_data_dir(data_dir)
    answer_all(store, {"IAM": [True, False]})
    bad = tmp_path / "bad.json"
    for text in ("not json", json.dumps({"answers": []}),
                 json.dumps({"format": "study-history/1", "answers": [{"item_id": "x"}]}),
                 json.dumps({"format": "study-history/1", "answers": [], "cards": [{"item": {}}]})):
        bad.write_text(text, encoding="utf-8")
        with pytest.raises(HistoryError):
            store.import_history(bad)
    assert store.history.count() == 2 and store.count() == 2


def test_progress_command(data_dir: Path, tmp_path: Path) -> None:
    store = ReviewStore.in_data_dir(data_dir)
    answer_all(store, RESULTS)
    runner = CliRunner()
    env = {"STUDY_NOTES_DIR": str(tmp_path / "no-notes")}
    shown = runner.invoke(progress_command, ["--data-dir", str(data_dir), "--chart", str(tmp_path / "c.png")], env=env)
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    order = [next(i for i, line in enumerate(lines) if line.strip().startswith(s)) for s in ("IAM", "Dynamo", "EC2")]
    assert order == sorted(order)
    assert "Weak sections: IAM; Dynamo db; EC2" in shown.output
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"

    as_json = runner.invoke(progress_command, ["--data-dir", str(data_dir), "--json"], env=env)
    assert json.loads(as_json.output)["weak"] == ["IAM", "Dynamo db", "EC2"]

    out = tmp_path / "h.json"
    assert runner.invoke(progress_command, ["--data-dir", str(data_dir), "--export", str(out)]).exit_code == 0
    moved = runner.invoke(progress_command, ["--data-dir", str(tmp_path / "new"), "--import", str(out)])
    assert moved.exit_code == 0 and "imported 16 answers and 16 review cards" in moved.output

    (tmp_path / "junk.json").write_text("{", encoding="utf-8")
    refused = runner.invoke(progress_command, ["--data-dir", str(data_dir), "--import", str(tmp_path / "junk.json")])
    assert refused.exit_code == 2 and "not JSON" in refused.output and "Traceback" not in refused.output
    missing = runner.invoke(progress_command, ["--data-dir", str(data_dir), "--import", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "no such file" in missing.output
