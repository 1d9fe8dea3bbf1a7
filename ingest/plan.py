"""What an ingest will read, and what it did: the notes folders and files given, grouped by
folder (``plan``), and the report of a run. Light (no index libraries), so that an ingest of
unchanged notes (``ingest.unchanged``) is answered without loading them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import NotesError
from ingest.walk import SUPPORTED_SUFFIXES, notes_files, source_name


@dataclass
class FileProblem:
    """A file that was not ingested, and why."""

    file: str
    reason: str


@dataclass
class IngestReport:
    """What one ingest run did, in chunks (``skipped`` = unchanged chunks left as they were)."""

    files: int = 0
    chunks: int = 0
    added: int = 0
    updated: int = 0
    skipped: int = 0
    deleted: int = 0
    seconds: float = 0.0
    problems: list[FileProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "chunks": self.chunks,
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "deleted": self.deleted,
            "seconds": round(self.seconds, 3),
            "problems": [{"file": p.file, "reason": p.reason} for p in self.problems],
        }


@dataclass
class Batch:
    """Files of one notes folder to index together; ``whole`` when the folder itself was given,
    so that files gone from it are removed from the index. ``label`` names the folder in citations
    and records (``ingest.folders``)."""

    notes_dir: Path
    files: list[Path]
    whole: bool
    label: str = ""

    def source(self, path: Path) -> str:
        return source_name(path, self.notes_dir, self.label)


def resolve_paths(paths: Iterable[Path]) -> list[Path]:
    """The given notes folders and files, resolved; a NotesError for one that is missing or of an
    unsupported type."""
    resolved: list[Path] = []
    for raw in paths:
        path = raw.expanduser().resolve()
        if not path.exists():
            raise NotesError(f"{raw}: no such file or folder")
        if not path.is_dir() and path.suffix.lower() not in SUPPORTED_SUFFIXES:
            kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
            raise NotesError(f"{raw}: unsupported file type '{path.suffix or '(none)'}' (supported: {kinds})")
        resolved.append(path)
    return resolved


def plan(
    paths: Iterable[Path], label_of: Callable[[Path], str] | None = None
) -> tuple[list[Batch], list[FileProblem]]:
    """Group the given folders and files by notes folder, each labelled by ``label_of`` (default:
    its name) once every path is known good; a missing path is a NotesError. Links in a folder
    are skipped and reported (``ingest.walk``)."""
    batches: list[Batch] = []
    problems: list[FileProblem] = []
    for path in resolve_paths(paths):
        folder = path if path.is_dir() else path.parent
        batch = Batch(folder, [path], whole=False, label=label_of(folder) if label_of else folder.name)
        if path.is_dir():
            files, links = notes_files(path)
            batch.files = [p for p in files if p.suffix.lower() in SUPPORTED_SUFFIXES]
            batch.whole = True
            problems += [FileProblem(batch.source(p), reason) for p, reason in links]
            problems += [
                FileProblem(batch.source(p), f"unsupported file type '{p.suffix or '(none)'}'")
                for p in files
                if p.suffix.lower() not in SUPPORTED_SUFFIXES
            ]
        batches.append(batch)
    return batches, problems
