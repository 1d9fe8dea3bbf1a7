"""``python -m assistant ask|quiz|review|solve``: the same as ``study ask|quiz|review|solve``."""

from __future__ import annotations

import sys

import click

from assistant.cli import COMMANDS
from core.cli import run


@click.group(commands=list(COMMANDS))
def assistant_group() -> None:
    """Ask your notes, with line-level citations; quizzes, review and exam questions."""


def main(argv: list[str] | None = None) -> int:
    return run(assistant_group, argv, "python -m assistant")


if __name__ == "__main__":
    sys.exit(main())
