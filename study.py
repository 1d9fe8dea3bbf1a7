"""``study``: the one command line of the study assistant.

Each stage defines its own commands (``ingest.cli``, ``assistant.cli``, ``evals.cli``, ``ui``); this
group gathers them. ``python -m ingest``, ``python -m assistant ...``, ``python -m evals`` and
``python ui.py`` run the same commands.
"""

from __future__ import annotations

import importlib
import sys

import click

from core.cli import run

# Each command, where it lives and its line in `study --help`: imported only when it runs (the app's
# command imports gradio), so that the help lists them at once. A test checks each line against the
# command's own.
COMMANDS = {
    "ingest": ("ingest.cli:ingest_command", "Ingest notes into the index, incrementally."),
    "ask": ("assistant.cli:ask_command", "Answer a question, quoting the lines of the notes."),
    "quiz": ("assistant.cli:quiz_command", "Make a cited quiz from the notes and take it."),
    "review": ("assistant.cli:review_command", "Review the cards that are due (FSRS)."),
    "progress": ("assistant.cli:progress_command", "What you know per section; export or import it."),
    "solve": ("assistant.cli:solve_command", "Check exam questions' options against the notes."),
    "serve": ("ui:serve_command", "Serve the app (on 127.0.0.1, or to a class)."),
    "eval": ("evals.cli:eval_command", "Score the assistant on an eval set."),
    "fit-selector": ("evals.fit:fit_command", "Refit the answer selector on the eval set's tune part."),
}

EXAMPLES = """\b
Examples:
  study ingest                          # ingest corpus/ (incrementally)
  study ask "What is the default visibility timeout of SQS?"
  study quiz --n 10 --seed 7            # a quiz; its answers become review cards and progress
  study review                          # the cards that are due
  study progress                        # what you know per section, weakest first
  study solve < question.txt            # which options of an exam question do the notes support?
  study serve                           # the app on http://127.0.0.1:7860
  study eval --system project           # score the assistant on the eval set
  study fit-selector --reuse            # refit the answer selector on the eval set's tune part

\b
Settings: every option has an environment variable, STUDY_<NAME> for paths (STUDY_DATA_DIR) and
STUDY_<SECTION>__<NAME> for the knobs of a stage (STUDY_ANSWER__RERANKER=false); see core/settings.py.
"""


class Pipeline(click.Group):
    """The commands in the order of the pipeline, each imported when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, line) for name, (_, line) in COMMANDS.items()])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name][0].split(":")
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(
    cls=Pipeline,
    epilog=EXAMPLES,
    context_settings={"help_option_names": ["-h", "--help"]},
)
def study() -> None:
    """A local, offline study assistant: answers from your notes with line citations, quizzes, review."""


def main(argv: list[str] | None = None) -> int:
    return run(study, argv, "study")


if __name__ == "__main__":
    sys.exit(main())
