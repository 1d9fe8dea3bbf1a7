"""``python -m assistant ask "QUESTION" [--json]``, and ``quiz``, ``review``, ``solve``.

Examples:
  python -m assistant ask "What is the default visibility timeout of SQS?"
  python -m assistant ask "What is the default visibility timeout of SQS?" --json
  echo "How long are SQS messages kept?" | python -m assistant ask -

Exit status: 0 answered (or plainly not covered by the notes); 2 bad question, or no usable index.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

from pydantic import ValidationError

from assistant.answer.engine import Assistant, QuestionError, clean_question
from assistant.answer.types import Answer
from assistant.cli_options import add_store_options, settings_from
from assistant.quiz_cli import add_quiz_commands
from core.spans import Citation
from ingest.errors import StoreError


def render(answer: Answer) -> str:
    """The answer as text: the short answer, then each citation with its quoted lines."""
    out = [answer.text, ""]
    for number, citation in enumerate(answer.citations, 1):
        out += _quote(f"[{number}]", citation)
    if answer.closest:
        out.append("Closest notes (not an answer):")
        for citation in answer.closest:
            out += _quote("-", citation)
    return "\n".join(out).rstrip()


def _quote(label: str, citation: Citation) -> list[str]:
    quoted = textwrap.wrap(citation.quote, 100, initial_indent="    > ", subsequent_indent="    > ")
    return [f"{label} {citation.ref}", *quoted, ""]


def ask(args: argparse.Namespace) -> int:
    question = sys.stdin.read() if args.question == "-" else args.question
    try:
        clean_question(question)
        assistant = Assistant(settings_from(args))
    except (QuestionError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    answer = assistant.answer(question)
    print(json.dumps(answer.to_dict(), ensure_ascii=False) if args.json else render(answer))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m assistant",
        description="Ask your notes, with line-level citations.",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    ask_parser = commands.add_parser("ask", help="answer a question from the notes")
    ask_parser.add_argument("question", help="the question ('-' reads it from standard input)")
    ask_parser.add_argument("--json", action="store_true", help="print one JSON object")
    add_store_options(ask_parser)
    ask_parser.set_defaults(func=ask)
    add_quiz_commands(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ValidationError as exc:
        print(f"error: bad setting: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
