"""``python -m ingest``: the same as ``study ingest``."""

from __future__ import annotations

import sys

from core.cli import run
from ingest.cli import ingest_command


def main(argv: list[str] | None = None) -> int:
    return run(ingest_command, argv, "python -m ingest")


if __name__ == "__main__":
    sys.exit(main())
