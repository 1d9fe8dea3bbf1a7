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

# Each command, where it lives: imported only when it runs (the app's command imports gradio).
COMMANDS = {
    "ingest": "ingest.cli:ingest_command",
    "ask": "assistant.cli:ask_command",
    "quiz": "assistant.cli:quiz_command",
    "review": "assistant.cli:review_command",
    "progress": "assistant.cli:progress_command",
    "solve": "assistant.cli:solve_command",
    "serve": "ui:serve_command",
    "eval": "evals.cli:eval_command",
    "fit-selector": "evals.fit:fit_command",
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

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attribute = COMMANDS[name].split(":")
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
