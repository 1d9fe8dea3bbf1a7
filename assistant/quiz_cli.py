"""The ``quiz``, ``review`` and ``solve`` subcommands of ``python -m assistant``.

Examples:
  python -m assistant quiz --n 10 --kind mixed --seed 7          # take a quiz; wrong answers go to review
  python -m assistant quiz --n 20 --topic SQS --json             # print the items as JSON
  python -m assistant quiz --n 50 --export deck.apkg             # Anki deck (or .csv)
  python -m assistant review                                     # walk through the cards that are due
  python -m assistant solve < question.txt                       # which option(s) do the notes support?
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from assistant.cli_options import add_store_options, settings_from
from assistant.exam.solve import ExamError, parse_exam_question
from assistant.quiz.grading import grade
from assistant.quiz.items import KIND_CHOICES, QuizError, QuizItem

QUOTE_WIDTH = 100


def _assistant(args: argparse.Namespace) -> Any:
    from assistant.answer.engine import Assistant

    return Assistant(settings_from(args))


def _fail(message: str, code: int = 2) -> int:
    print(f"error: {message}", file=sys.stderr)
    return code


def _show_item(item: QuizItem, number: int, out: TextIO) -> None:
    print(f"\n{number}. {item.question}", file=out)
    if item.kind == "mcq":
        for index, option in enumerate(item.options):
            print(f"   {chr(65 + index)}) {option}", file=out)
    elif item.kind == "truefalse":
        print("   (true / false)", file=out)


def _show_result(correct: bool, item: QuizItem, out: TextIO) -> None:
    print(("   Right. " if correct else f"   Wrong: the answer is {item.answer}. ") + item.explanation, file=out)
    print(f"   {item.citation.ref}", file=out)
    for line in textwrap.wrap(" ".join(item.citation.quote.split()), QUOTE_WIDTH):
        print(f"     > {line}", file=out)


def _ask(prompt: str, stdin: TextIO, out: TextIO) -> str | None:
    print(prompt, end="", file=out, flush=True)
    line = stdin.readline()
    return None if line == "" else line.rstrip("\n")


def quiz_command(args: argparse.Namespace) -> int:
    from assistant.quiz.generate import generate_quiz
    from ingest.errors import StoreError

    try:
        assistant = _assistant(args)
        docs = assistant.chunks()
        items = generate_quiz(
            docs, n=args.n, kind=args.kind, topic=args.topic, seed=args.seed, embeddings=assistant.embeddings
        )
    except (QuizError, StoreError) as exc:
        return _fail(str(exc))
    if args.export:
        from assistant.quiz.export import export_quiz

        try:
            path = export_quiz(items, Path(args.export))
        except (ValueError, OSError) as exc:
            return _fail(str(exc))
        print(f"wrote {len(items)} items to {path}")
        return 0
    if args.json:
        print(json.dumps([item.to_dict() for item in items], ensure_ascii=False, indent=1))
        return 0
    return take_quiz(items, args, sys.stdin, sys.stdout)


def take_quiz(items: list[QuizItem], args: argparse.Namespace, stdin: TextIO, out: TextIO) -> int:
    """Ask each item, grade it, and make each wrong answer a review card."""
    from assistant.review.store import ReviewStore

    store = ReviewStore.in_data_dir(settings_from(args).data_dir)
    right = asked = 0
    print(
        f"{len(items)} questions. Answer with a letter, true/false, or the missing words; an empty line skips.",
        file=out,
    )
    for number, item in enumerate(items, 1):
        _show_item(item, number, out)
        given = _ask("   your answer: ", stdin, out)
        if given is None:
            break
        asked += 1
        result = grade(item, given)
        right += result.correct
        _show_result(result.correct, item, out)
        if store.record_quiz_answer(item, result.correct) and not result.correct:
            print("   (added to your review cards)", file=out)
    print(f"\nScore: {right}/{asked}" + (f" ({100 * right / asked:.0f}%)" if asked else ""), file=out)
    return 0


def review_command(args: argparse.Namespace) -> int:
    from assistant.review.store import ReviewStore

    store = ReviewStore.in_data_dir(settings_from(args).data_dir)
    due = store.due()
    if args.list:
        print(f"{len(due)} of {store.count()} review cards are due.")
        for card in due:
            print(f"- {card.item.question}  (due {card.due:%Y-%m-%d %H:%M} UTC)")
        return 0
    if not due:
        upcoming = store.next_due()
        when = f"; the next is due {upcoming:%Y-%m-%d %H:%M} UTC" if upcoming else ""
        print(f"No review cards are due ({store.count()} in all{when}).")
        return 0
    right = 0
    for number, card in enumerate(due, 1):
        _show_item(card.item, number, sys.stdout)
        given = _ask("   your answer: ", sys.stdin, sys.stdout)
        if given is None:
            break
        result = grade(card.item, given)
        right += result.correct
        _show_result(result.correct, card.item, sys.stdout)
        updated = store.review(card.item.id, result.correct)
        print(f"   next review: {updated.due:%Y-%m-%d %H:%M} UTC")
    print(f"\nReviewed: {right} right.")
    return 0


def solve_command(args: argparse.Namespace) -> int:
    from assistant.exam.solve import solve
    from ingest.errors import StoreError

    text = Path(args.file).read_text(encoding="utf-8") if args.file else sys.stdin.read()
    try:
        question = parse_exam_question(text)
        assistant = _assistant(args)
    except (ExamError, StoreError, OSError) as exc:
        return _fail(str(exc))
    rerank: Callable[[str, list[str]], list[float]] | None = (
        assistant.reranker.scores if getattr(assistant, "reranker", None) else None
    )
    answer = solve(question, assistant.retrieve, rerank)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=1))
        return 0
    print(answer.message)
    for verdict in sorted(answer.verdicts, key=lambda v: v.letter):
        mark = "*" if verdict.letter in answer.chosen else " "
        print(f"{mark} {verdict.letter}) {verdict.text}  [support {verdict.support:.2f}]")
        for citation in verdict.citations:
            print(f"      {citation.ref}")
            for line in textwrap.wrap(" ".join(citation.quote.split()), QUOTE_WIDTH):
                print(f"        > {line}")
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= value <= 500:
        raise argparse.ArgumentTypeError("choose between 1 and 500 questions")
    return value


def add_quiz_commands(subparsers: Any) -> None:
    """Register ``quiz``, ``review`` and ``solve`` on an argparse subparsers object."""
    quiz = subparsers.add_parser("quiz", help="make a quiz from the notes (every answer cites its lines)")
    quiz.add_argument("--n", type=_positive, default=10, help="number of questions (default 10)")
    quiz.add_argument("--topic", help="only facts whose section or text mentions this")
    quiz.add_argument("--kind", choices=KIND_CHOICES, default="mixed", help="question kind (default mixed)")
    quiz.add_argument("--seed", type=int, default=0, help="the same seed gives the same quiz")
    quiz.add_argument("--json", action="store_true", help="print the items as a JSON list instead of asking them")
    quiz.add_argument("--export", metavar="FILE", help="write the quiz to FILE.apkg (Anki) or FILE.csv")
    add_store_options(quiz)
    quiz.set_defaults(func=quiz_command)

    review = subparsers.add_parser("review", help="review the quiz items you answered wrong, when due (FSRS)")
    review.add_argument("--list", action="store_true", help="only list the cards that are due")
    add_store_options(review)
    review.set_defaults(func=review_command)

    solve = subparsers.add_parser("solve", help="which option(s) of a multiple-choice question do the notes support?")
    solve.add_argument("file", nargs="?", help="a file holding the question (default: standard input)")
    solve.add_argument("--json", action="store_true", help="print one JSON object")
    add_store_options(solve)
    solve.set_defaults(func=solve_command)
