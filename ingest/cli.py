"""The ``ingest`` command: notes folders and files into the local index, incrementally."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from core.cli import exit_code, fail, json_option, settings_from, store_options
from ingest.errors import NotesError, StoreError
from ingest.unchanged import unchanged_report

EXAMPLES = """\b
Examples:
  study ingest                      # corpus/ (or $STUDY_NOTES_DIR)
  study ingest ~/notes extra.md     # a notes folder and one more file
  study ingest --json | jq .added   # machine-readable summary

\b
Exit status: 0 all ingested; 1 some files were skipped (listed); 2 nothing could be done.
"""


@click.command("ingest", epilog=EXAMPLES, short_help="Ingest notes into the index, incrementally.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@store_options
@json_option
@exit_code
def ingest_command(paths: tuple[Path, ...], data_dir: Path | None, chroma_url: str | None, as_json: bool) -> int:
    """Ingest notes (.txt, .md, .pdf) into the local index, incrementally.

    PATHS are notes folders or files (default: the notes dir). Unchanged files are skipped, changed
    ones replaced, and files deleted from an ingested folder removed.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s: %(message)s")
    settings = settings_from(data_dir=data_dir, chroma_url=chroma_url)
    try:
        given = list(paths) or [settings.notes_dir]
        # Unchanged notes are answered from the manifest, without loading the index's libraries.
        report = unchanged_report(given, settings)
        if report is None:
            from ingest.pipeline import ingest_paths

            report = ingest_paths(given, settings)
    except (NotesError, StoreError) as exc:
        return fail(str(exc))
    except KeyboardInterrupt:
        click.echo("interrupted: the previous index is intact; run again to finish", err=True)
        return 130
    if as_json:
        click.echo(json.dumps(report.as_dict()))
    else:
        click.echo(
            f"{report.files} files, {report.chunks} chunks: {report.added} added, {report.updated} updated, "
            f"{report.skipped} unchanged, {report.deleted} deleted in {report.seconds:.1f} s"
        )
        for problem in report.problems:
            click.echo(f"skipped {problem.file}: {problem.reason}")
    return 1 if report.problems else 0
