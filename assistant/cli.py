"""The ``ask``, ``quiz``, ``review``, ``progress`` and ``solve`` commands: the assistant in a terminal."""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import click

from assistant.quiz.items import KIND_CHOICES, QuizItem
from core.cli import exit_code, fail, json_option, llm_options, settings_from, store_options
from core.settings import Settings
from core.spans import Citation
from core.text import is_text

if TYPE_CHECKING:
    from assistant.answer.engine import Assistant
    from assistant.answer.types import Answer
    from assistant.exam.files import ExamFile
    from assistant.llm.answer import ModelAnswer
    from assistant.llm.client import LLMConfig
    from assistant.review.progress import Report

QUOTE_WIDTH = 100

ASK_EXAMPLES = """\b
Examples:
  study ask "What is the default visibility timeout of SQS?"
  study ask "What is the default visibility timeout of SQS?" --json
  echo "How long are SQS messages kept?" | study ask -
  study ask "How long are SQS messages kept?" --llm-url http://127.0.0.1:11434/v1 --llm-model qwen2.5:7b

\b
Exit status: 0 answered (or plainly not covered by the notes); 2 bad question, or no usable index.
"""
QUIZ_EXAMPLES = """\b
Examples:
  study quiz --n 10 --kind mixed --seed 7     # take a quiz; every answer goes to review and progress
  study quiz --n 10 --weak                    # a quiz weighted toward your weak sections
  study quiz --n 20 --topic SQS --json        # print the items as JSON
  study quiz --n 50 --export deck.apkg        # an Anki deck (or a .csv file)
"""
REVIEW_EXAMPLES = """\b
Examples:
  study review          # walk through the cards that are due
  study review --list   # only list them
"""
PROGRESS_EXAMPLES = """\b
Examples:
  study progress                        # mastery per section, weakest first; sections never quizzed
  study progress --chart progress.png   # the same as a chart
  study progress --export history.json  # the whole study history, to move machines
  study progress --import history.json  # merge it in on the other machine
"""
SOLVE_EXAMPLES = """\b
Examples:
  study solve < question.txt         # which option(s) do the notes decide? what do they say of each?
  study solve question.txt --json
  study solve --file exam.md         # a practice exam: writes exam-report.md and exam-report.png
"""


class InputError(ValueError):
    """A question file or standard input that can't be read as text."""


def read_input(file: Path | None) -> str:
    """The text of ``file`` (standard input without one); an InputError saying why it can't be read."""
    name = str(file) if file else "standard input"
    try:
        text = _decode(file.read_bytes(), name) if file else sys.stdin.read()
    except FileNotFoundError:
        raise InputError(f"{file}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{file} is a folder, not a file") from None
    except UnicodeDecodeError as exc:  # standard input in a strict locale
        raise InputError(f"{name} is not valid UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read it ({exc.strerror or exc})") from None
    if not is_text(text):  # standard input decoded with surrogateescape (a UTF-8 locale)
        raise InputError(f"{name} is not valid UTF-8")
    return text


def _decode(data: bytes, name: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{name} is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from None


def _assistant(settings: Settings) -> Assistant:
    from assistant.answer.engine import Assistant

    return Assistant(settings)


# ---------------------------------------------------------------- ask


def render(answer: Answer) -> str:
    """The answer as text: the short answer (its answering part **marked**), then each citation
    with its quoted lines."""
    out = [answer.marked(), *([f"({answer.note})"] if answer.note else []), ""]
    for number, citation in enumerate(answer.citations, 1):
        out += _quote(f"[{number}]", citation)
    if answer.closest:
        out.append("Closest notes (not an answer):")
        for citation in answer.closest:
            out += _quote("-", citation)
    return "\n".join(out).rstrip()


def _quote(label: str, citation: Citation) -> list[str]:
    quoted = textwrap.wrap(citation.quote, QUOTE_WIDTH, initial_indent="    > ", subsequent_indent="    > ")
    return [f"{label} {citation.ref}", *quoted, ""]


@click.command("ask", epilog=ASK_EXAMPLES, short_help="Answer a question, quoting the lines of the notes.")
@click.argument("question")
@json_option
@click.option("--llm/--no-llm", "use_llm", default=None,
              help="Have the LLM server write the answer, each sentence checked against the lines it cites "
              "(default: on when a server is set, --llm-url or $STUDY_LLM_URL).")
@llm_options
@store_options
@exit_code
def ask_command(question: str, as_json: bool, use_llm: bool | None, llm_url: str | None, llm_model: str | None,
                llm_api_key: str | None, data_dir: Path | None, chroma_url: str | None) -> int:
    """Answer QUESTION from the notes, quoting the lines that say it ('-' reads it from standard input)."""
    from assistant.answer.engine import QuestionError, clean_question
    from assistant.llm.client import LLMConfig
    from ingest.errors import StoreError

    settings = settings_from(data_dir=data_dir, chroma_url=chroma_url, llm_url=llm_url, llm_model=llm_model,
                             llm_api_key=llm_api_key)
    config = LLMConfig.from_settings(settings) if use_llm is not False else None
    if use_llm and config is None:
        return fail("--llm needs a server: give --llm-url URL (or set STUDY_LLM_URL)")
    try:
        text = read_input(None) if question == "-" else question
        clean_question(text)
        assistant = _assistant(settings)
    except (InputError, QuestionError, StoreError) as exc:
        return fail(str(exc))
    if config is not None:
        return _ask_model(assistant, config, text, as_json)
    answer = assistant.answer(text)
    if answer.error:  # no notes ingested yet, or the Chroma server went away
        return fail(answer.error)
    click.echo(json.dumps(answer.to_dict(), ensure_ascii=False) if as_json else render(answer))
    return 0


def _ask_model(assistant: Assistant, config: LLMConfig, question: str, as_json: bool) -> int:
    """Ask through the LLM server: its reply streams to standard error as it comes (a draft, not yet
    checked); the checked answer, or the notes' own, goes to standard output."""
    from assistant.llm.answer import ModelAnswer, ModelAnswerer

    answer: ModelAnswer | None = None
    drafted = False
    for piece in ModelAnswerer(assistant, config).stream(question):
        if isinstance(piece, ModelAnswer):
            answer = piece
        elif not as_json:
            if not drafted:
                click.echo(f"{config.model} writes (a draft, checked against your notes when done):", err=True)
                drafted = True
            click.echo(piece, nl=False, err=True)
    if drafted:
        click.echo("\n", err=True)
    assert answer is not None  # the stream ends with the answer
    if answer.error:
        return fail(answer.error)
    if answer.llm_error and not as_json:
        click.echo(f"warning: {answer.llm_error}; the answer below is your notes' own.", err=True)
    click.echo(json.dumps(answer.to_dict(), ensure_ascii=False) if as_json else render_model(answer))
    return 0


def render_model(answer: ModelAnswer) -> str:
    """A checked answer as text: each sentence the model wrote marked as the model's, its citations
    quoted, and the sentences dropped with why; or the notes' answer, saying why the model's is not used."""
    if answer.by == "llm":
        out = [f"[model] {text} {''.join(f'[{n}]' for n in numbers)}" for text, numbers in answer.written()]
        dropped = f"; {answer.dropped} dropped" if answer.dropped else ""
        out += [f"(written by {answer.model}; every sentence checked against the lines it cites{dropped})", ""]
        for number, citation in enumerate(answer.citations, 1):
            out += _quote(f"[{number}]", citation)
        text = "\n".join(out).rstrip()
    else:
        text = render(answer)
        if answer.why:
            text += f"\n\n(the model's answer was not used: {answer.why}; the answer above is your notes' own)"
    failed = answer.failed()
    if failed:
        text += "\n\nDropped (the model wrote it, the lines it cites don't say it):"
        for sentence, cited in failed:
            refs = f"; cites {', '.join(c.ref for c in cited)}" if cited else ""
            text += f"\n  - {sentence.text}  ({sentence.reason}{refs})"
    return text


# ---------------------------------------------------------------- quiz and review


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


def _read_answer(prompt: str, stdin: TextIO, out: TextIO) -> str | None:
    print(prompt, end="", file=out, flush=True)
    line = stdin.readline()
    return None if line == "" else line.rstrip("\n")


@click.command("quiz", epilog=QUIZ_EXAMPLES, short_help="Make a cited quiz from the notes and take it.")
@click.option("--n", "n", type=click.IntRange(1, 500), default=10, show_default=True, help="Number of questions.")
@click.option("--topic", help="Only facts whose section or text mentions this.")
@click.option("--kind", type=click.Choice(KIND_CHOICES), default="mixed", show_default=True, help="Question kind.")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed gives the same quiz.")
@click.option("--json", "as_json", is_flag=True, help="Print the items as a JSON list instead of asking them.")
@click.option("--export", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the quiz to FILE.apkg (Anki) or FILE.csv.")
@click.option("--weak", is_flag=True, help="Weight the quiz toward your weak sections (see `study progress`).")
@click.option("--llm/--no-llm", "use_llm", default=None,
              help="Have the LLM server write the multiple-choice items, each kept only when the cited lines back "
              "its answer and none of its distractors (default: on when a server is set).")
@llm_options
@store_options
@exit_code
def quiz_command(
    n: int, topic: str | None, kind: str, seed: int, as_json: bool, export: Path | None, weak: bool,
    use_llm: bool | None, llm_url: str | None, llm_model: str | None, llm_api_key: str | None,
    data_dir: Path | None, chroma_url: str | None,
) -> int:
    """Make a quiz from the notes and take it; every answer cites its lines and goes to review and progress."""
    from assistant.llm.client import LLMConfig
    from assistant.quiz.generate import generate_quiz
    from assistant.quiz.items import QuizError
    from ingest.errors import StoreError

    settings = settings_from(data_dir=data_dir, chroma_url=chroma_url, llm_url=llm_url, llm_model=llm_model,
                             llm_api_key=llm_api_key)
    config = LLMConfig.from_settings(settings) if use_llm is not False else None
    if use_llm and config is None:
        return fail("--llm needs a server: give --llm-url URL (or set STUDY_LLM_URL)")
    focus: list[str] = []
    if weak:
        focus = _report(settings, []).weak
        if not focus:
            click.echo("(no weak sections yet: no section has a wrong answer; the quiz covers all notes)", err=True)
    try:
        assistant = _assistant(settings)
        items = generate_quiz(
            assistant.chunks(), n=n, kind=kind, topic=topic, seed=seed, embeddings=assistant.embeddings, focus=focus
        )
    except (QuizError, StoreError) as exc:
        return fail(str(exc))
    if config is not None:
        from assistant.llm.quiz import model_quiz

        items, report = model_quiz(items, config, seed)
        click.echo(report.line(sum(item.kind == "mcq" for item in items)), err=True)
    if export:
        from assistant.quiz.export import export_quiz

        try:
            path = export_quiz(items, export)
        except (ValueError, OSError) as exc:
            return fail(str(exc))
        click.echo(f"wrote {len(items)} items to {path}")
        return 0
    if as_json:
        click.echo(json.dumps([item.to_dict() for item in items], ensure_ascii=False, indent=1))
        return 0
    return take_quiz(items, settings, sys.stdin, sys.stdout)


def take_quiz(items: list[QuizItem], settings: Settings, stdin: TextIO, out: TextIO) -> int:
    """Ask each item, grade it, and record it: in the history, and as a review card (due now when wrong)."""
    from assistant.quiz.grading import grade
    from assistant.review.store import ReviewStore

    store = ReviewStore.in_data_dir(settings.data_dir)
    right = asked = 0
    print(
        f"{len(items)} questions. Answer with a letter, true/false, or the missing words; an empty line skips.",
        file=out,
    )
    for number, item in enumerate(items, 1):
        _show_item(item, number, out)
        given = _read_answer("   your answer: ", stdin, out)
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


@click.command("review", epilog=REVIEW_EXAMPLES, short_help="Review the cards that are due (FSRS).")
@click.option("--list", "list_only", is_flag=True, help="Only list the cards that are due.")
@store_options
@exit_code
def review_command(list_only: bool, data_dir: Path | None, chroma_url: str | None) -> int:
    """Review your quiz items when they are due (FSRS); each grade goes to your progress."""
    from assistant.quiz.grading import grade
    from assistant.review.store import ReviewStore

    store = ReviewStore.in_data_dir(settings_from(data_dir=data_dir, chroma_url=chroma_url).data_dir)
    due = store.due()
    if list_only:
        click.echo(f"{len(due)} of {store.count()} review cards are due.")
        for card in due:
            click.echo(f"- {card.item.question}  (due {card.due:%Y-%m-%d %H:%M} UTC)")
        return 0
    if not due:
        upcoming = store.next_due()
        when = f"; the next is due {upcoming:%Y-%m-%d %H:%M} UTC" if upcoming else ""
        click.echo(f"No review cards are due ({store.count()} in all{when}).")
        return 0
    right = 0
    for number, card in enumerate(due, 1):
        _show_item(card.item, number, sys.stdout)
        given = _read_answer("   your answer: ", sys.stdin, sys.stdout)
        if given is None:
            break
        result = grade(card.item, given)
        right += result.correct
        _show_result(result.correct, card.item, sys.stdout)
        updated = store.review(card.item.id, result.correct)
        print(f"   next review: {updated.due:%Y-%m-%d %H:%M} UTC")
    print(f"\nReviewed: {right} right.")
    return 0


# ---------------------------------------------------------------- solve


@click.command("solve", epilog=SOLVE_EXAMPLES, short_help="Check exam questions' options against the notes.")
@click.argument("file", required=False, type=click.Path(path_type=Path))
@click.option("--file", "exam_file", type=click.Path(path_type=Path), metavar="EXAM",
              help="A practice exam (Markdown, JSONL or CSV): check every question and write a report.")
@click.option("--out", type=click.Path(path_type=Path), metavar="REPORT.md",
              help="Where --file writes its report (a PNG chart beside it); default EXAM-report.md.")
@json_option
@click.option("--llm/--no-llm", "use_llm", default=None,
              help="Have the LLM server weigh each option, citing lines; it commits only where its checked evidence "
              "decides the question (default: on when a server is set).")
@llm_options
@store_options
@exit_code
def solve_command(file: Path | None, exam_file: Path | None, out: Path | None, as_json: bool, use_llm: bool | None,
                  llm_url: str | None, llm_model: str | None, llm_api_key: str | None, data_dir: Path | None,
                  chroma_url: str | None) -> int:
    """Which option(s) of a multiple-choice question (in FILE, or on standard input) do the notes
    decide? Each option is shown with the best line of the notes about it."""
    from assistant.answer.engine import NO_NOTES
    from assistant.exam.files import ExamFileError, read_exam_file
    from assistant.exam.solve import ExamError, parse_exam_question, solve
    from assistant.exam.view import evidence_view
    from assistant.llm.client import LLMConfig
    from ingest.errors import StoreError

    settings = settings_from(data_dir=data_dir, chroma_url=chroma_url, llm_url=llm_url, llm_model=llm_model,
                             llm_api_key=llm_api_key)
    config = LLMConfig.from_settings(settings) if use_llm is not False else None
    if use_llm and config is None:
        return fail("--llm needs a server: give --llm-url URL (or set STUDY_LLM_URL)")
    try:
        if exam_file is not None:
            if file is not None:
                return fail("give the question file or --file EXAM, not both")
            exam = read_exam_file(exam_file)
        else:
            question = parse_exam_question(read_input(file))
        assistant = _assistant(settings)
    except (InputError, ExamError, ExamFileError, StoreError, OSError) as exc:
        return fail(str(exc))
    rerank: Callable[[str, list[str]], list[float]] | None = assistant.reranker.scores if assistant.reranker else None
    try:
        if not assistant.chunks():
            return fail(NO_NOTES)
        if exam_file is not None:
            return _solve_exam(exam, exam_file, out, as_json, assistant, rerank)
        answer = solve(question, assistant.retrieve, rerank)
        by_model = None
        if config is not None:
            from assistant.llm.solve import model_solve

            options = " ".join(text for _, text in question.options)
            by_model = model_solve(question, answer, assistant.retrieve(f"{question.stem} {options}", 5), config)
            answer = by_model.answer
    except StoreError as exc:
        return fail(str(exc))
    if as_json:
        click.echo(json.dumps((by_model or answer).to_dict(), ensure_ascii=False, indent=1))
        return 0
    if by_model and by_model.llm_error:
        click.echo(f"warning: {by_model.llm_error}; the notes' own weighing follows.", err=True)
    click.echo(evidence_view(answer))
    if by_model and by_model.evidence:
        click.echo(f"The model's evidence ({'checked against' if by_model.by == 'llm' else 'not settled by'} "
                   "the lines it cites):")
        for letter, said in sorted(by_model.evidence.items()):
            click.echo(f"  [model] {letter}: {said['text']}  ({'passed' if said['passed'] else 'failed'} the check)")
    return 0


def _solve_exam(exam: ExamFile, path: Path, out: Path | None, as_json: bool, assistant: Assistant,
                rerank: Callable[[str, list[str]], list[float]] | None) -> int:
    """Check every question of a practice exam and write the report (Markdown + PNG)."""
    from assistant.exam.report import Checked, write_report
    from assistant.exam.solve import solve

    checked = []
    for number, item in enumerate(exam.questions, 1):
        checked.append(Checked(item, solve(item.question, assistant.retrieve, rerank)))
        if sys.stderr.isatty():  # a progress line for a person waiting, not for a log
            click.echo(f"\rchecked {number}/{len(exam.questions)}", err=True, nl=number == len(exam.questions))

    def topic(stem: str) -> str:
        found = assistant.retrieve(stem, 1)
        return found[0].section if found else ""

    report = out or path.with_name(f"{path.stem}-report.md")
    markdown, png, summary = write_report(exam, checked, report, topic)
    if as_json:
        click.echo(json.dumps({
            "report": str(markdown), "chart": str(png), **summary.__dict__,
            "skipped_lines": [{"line": line, "why": why} for line, why in exam.skipped],
            "answers": [{"line": c.item.line, "key": c.item.answers, **c.answer.to_dict()} for c in checked],
        }, ensure_ascii=False, indent=1))
        return 0
    for text in summary.lines():
        click.echo(text)
    for line, why in exam.skipped:
        click.echo(f"skipped line {line}: {why}")
    click.echo(f"wrote {markdown} and {png}")
    return 0


# ---------------------------------------------------------------- progress


def _report(settings: Settings, note_sections: list[str]) -> Report:
    from assistant.review.progress import build_report
    from assistant.review.store import ReviewStore

    store = ReviewStore.in_data_dir(settings.data_dir)
    return build_report(store.history.answers(), store.recall(), note_sections)


def _note_sections(settings: Settings) -> list[str] | None:
    """The section paths of the indexed notes, in order; None without a usable index."""
    from ingest.errors import StoreError

    try:
        return [str(d.metadata.get("section", "")) for d in _assistant(settings).chunks()]
    except StoreError:
        return None


def render_progress(report: Report, sections_known: bool = True) -> str:
    """The report as text: one line per section, weakest first, with a bar; then the sections never quizzed."""
    if not report.answered:
        lines = ["No answers yet: take a quiz (`study quiz`) and your progress shows here."]
    else:
        lines = [f"{report.answered} answers over {len(report.sections)} sections of your notes, weakest first:", ""]
        width = max(len(m.section[:40]) for m in report.sections)
        lines.append(f"  {'section':<{width}}  {'right':>7}  {'share':>5}  {'trend':>6}  {'recall':>6}  cards")
        for m in report.sections:
            bar = "█" * round(10 * m.share) + "░" * (10 - round(10 * m.share))
            trend = "" if m.trend is None else f"{m.trend:+.0%}"
            recall = "" if m.retrievability is None else f"{m.retrievability:.2f}"
            lines.append(
                f"  {m.section[:40]:<{width}}  {m.right:>3}/{m.answered:<3}  {m.share:>5.0%}  {trend:>6}  {recall:>6}"
                f"  {m.cards:>5}  {bar}"
            )
    if not sections_known:
        lines += ["", "(no notes indexed: the sections never quizzed are unknown)"]
    elif report.never:
        lines += ["", f"Never quizzed ({len(report.never)}): " + "; ".join(report.never)]
    if report.weak:
        lines += ["", "Weak sections: " + "; ".join(report.weak) + " (`study quiz --weak` asks about them)"]
    return "\n".join(lines)


@click.command("progress", epilog=PROGRESS_EXAMPLES, short_help="What you know per section; export or import it.")
@json_option
@click.option("--chart", type=click.Path(path_type=Path), metavar="FILE", help="Also draw the chart to FILE.png.")
@click.option("--export", "export_to", type=click.Path(path_type=Path), metavar="FILE",
              help="Write your whole study history (answers and review cards) to FILE.json.")
@click.option("--import", "import_from", type=click.Path(path_type=Path), metavar="FILE",
              help="Merge a history written by --export into yours.")
@store_options
@exit_code
def progress_command(
    as_json: bool, chart: Path | None, export_to: Path | None, import_from: Path | None,
    data_dir: Path | None, chroma_url: str | None,
) -> int:
    """Mastery per section of the notes (share right, trend, recall of its cards), weakest first, and
    the sections never quizzed; or export/import the whole study history."""
    from assistant.review.progress import HistoryError
    from assistant.review.store import ReviewStore

    settings = settings_from(data_dir=data_dir, chroma_url=chroma_url)
    store = ReviewStore.in_data_dir(settings.data_dir)
    if import_from is not None:
        try:
            answers, cards = store.import_history(import_from)
        except (HistoryError, OSError) as exc:
            return fail(str(exc))
        click.echo(f"imported {answers} answers and {cards} review cards from {import_from}")
        return 0
    if export_to is not None:
        try:
            path = store.export_history(export_to)
        except OSError as exc:
            return fail(f"{export_to}: cannot write it ({exc.strerror or exc})")
        click.echo(f"wrote {store.history.count()} answers and {store.count()} review cards to {path}")
        return 0
    sections = _note_sections(settings)
    report = _report(settings, sections or [])
    if chart is not None:
        from assistant.review.chart import save_chart

        try:
            save_chart(report, chart)
        except (OSError, ValueError) as exc:
            return fail(f"{chart}: cannot draw the chart there ({exc})")
    if as_json:
        data: dict[str, Any] = report.to_dict()
        click.echo(json.dumps(data, ensure_ascii=False, indent=1))
    else:
        click.echo(render_progress(report, sections is not None))
        if chart is not None:
            click.echo(f"\nchart: {chart}")
    return 0


COMMANDS = (ask_command, quiz_command, review_command, progress_command, solve_command)
