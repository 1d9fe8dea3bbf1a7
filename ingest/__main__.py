"""``python -m ingest [PATH ...] [--data-dir DIR] [--chroma-url URL] [--json]``

Examples:
  python -m ingest                      # ingest corpus/ (or $STUDY_NOTES_DIR)
  python -m ingest ~/notes extra.md     # a notes folder and one more file
  python -m ingest --json | jq .added   # machine-readable summary

Exit status: 0 all ingested; 1 some files were skipped (listed); 2 nothing could be done.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

from core.settings import Settings
from ingest.errors import NotesError, StoreError
from ingest.pipeline import ingest_paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Ingest notes (.txt, .md, .pdf) into the local index, incrementally.",
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("paths", nargs="*", type=Path, help="notes folders or files (default: the notes dir)")
    parser.add_argument("--data-dir", type=Path, help="index location (default: $STUDY_DATA_DIR or .study-data/)")
    parser.add_argument("--chroma-url", help="use a Chroma server at http://HOST:PORT instead of the local store")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    overrides = {k: v for k, v in {"data_dir": args.data_dir, "chroma_url": args.chroma_url}.items() if v}
    try:
        settings = Settings(**overrides)
        report = ingest_paths(args.paths or [settings.notes_dir], settings)
    except ValidationError as exc:
        print(f"error: bad setting: {exc}", file=sys.stderr)
        return 2
    except (NotesError, StoreError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the previous index is intact; run again to finish", file=sys.stderr)
        return 130
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        print(
            f"{report.files} files, {report.chunks} chunks: {report.added} added, {report.updated} updated, "
            f"{report.skipped} unchanged, {report.deleted} deleted in {report.seconds:.1f} s"
        )
        for problem in report.problems:
            print(f"skipped {problem.file}: {problem.reason}")
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
