"""Options every ``python -m assistant`` command takes, and the settings they give."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.settings import Settings


def add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="index location (default: $STUDY_DATA_DIR or .study-data/)")
    parser.add_argument("--chroma-url", help="use a Chroma server at http://HOST:PORT")


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings with the command line's --data-dir / --chroma-url applied over the environment's."""
    overrides = {"data_dir": getattr(args, "data_dir", None), "chroma_url": getattr(args, "chroma_url", None)}
    return Settings(**{k: v for k, v in overrides.items() if v})
