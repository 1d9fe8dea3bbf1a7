"""``python -m evals``: the same as ``study eval``."""

from __future__ import annotations

import sys

from core.cli import run
from evals.cli import eval_command


def main(argv: list[str] | None = None) -> int:
    return run(eval_command, argv, "python -m evals")


if __name__ == "__main__":
    sys.exit(main())
