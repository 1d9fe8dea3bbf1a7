"""Adding uploaded files to the notes folder safely: sanitized names, allowed types, a size limit,
no path traversal and no silent overwrite.

>>> safe_note_name("../../x.txt")
'x.txt'
>>> safe_note_name("C:\\\\Users\\\\me\\\\.Lecture 3 (SQS)!.MD")
'Lecture 3 (SQS).md'
>>> safe_note_name("setup.exe")
Traceback (most recent call last):
...
assistant.app.uploads.UploadError: 'setup.exe' is not a notes file: only .md, .pdf, .txt files can be added.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import NotesError
from ingest.loaders import SUPPORTED_SUFFIXES, NotesLoader, size_problem
from ingest.walk import notes_files

UPLOAD_SUFFIXES = (".md", ".pdf", ".txt")
MAX_NAME_CHARS = 120
UNSAFE = re.compile(r"[^\w .()+,&@'-]+")


class UploadError(ValueError):
    """An upload that is refused; the message says why and what to do."""


@dataclass(frozen=True)
class SavedNote:
    """A file now in the notes folder under ``name``; ``replaced`` if a note of that name was there."""

    name: str
    path: Path
    original_name: str
    replaced: bool

    @property
    def renamed(self) -> bool:
        return self.name != self.original_name


def safe_note_name(name: str) -> str:
    """A plain file name for ``name``: no folders, no leading dot, only ordinary characters, an allowed
    suffix in lower case; an UploadError if no such name can be made."""
    base = re.split(r"[\\/]", unicodedata.normalize("NFKC", name))[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in UPLOAD_SUFFIXES or suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(UPLOAD_SUFFIXES)
        raise UploadError(f"'{name}' is not a notes file: only {kinds} files can be added.")
    stem = " ".join(UNSAFE.sub(" ", stem).split()).strip(" .-")
    if not stem:
        raise UploadError(f"'{name}' has no usable file name: rename it and upload it again.")
    return stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .-") + suffix


def list_notes(notes_dir: Path) -> list[Path]:
    """The notes files ingest would read in ``notes_dir`` (supported types, nothing hidden, no
    links: ``ingest.walk``), sorted."""
    return [p for p in notes_files(notes_dir.resolve())[0] if p.suffix.lower() in SUPPORTED_SUFFIXES]


def save_upload(
    source: Path, original_name: str, notes_dir: Path, *, replace: bool = False, max_bytes: int = 20_000_000
) -> SavedNote:
    """Copy an uploaded file into ``notes_dir`` (and nowhere else) once it is known to be readable notes.

    The file is first written under a hidden name (ingest skips hidden files) and checked with the same
    loader that ingest uses, then moved into place, so a refused upload leaves the folder as it was.
    """
    name = safe_note_name(original_name)
    problem = size_problem(source.stat().st_size, max_bytes)
    if problem:
        raise UploadError(f"'{name}': {problem}.")
    folder = notes_dir.resolve()
    target = folder / name
    if target.parent != folder:  # safe_note_name makes this impossible; keep the guarantee explicit
        raise UploadError(f"'{original_name}' would not be stored inside the notes folder.")
    exists = target.exists() or target.is_symlink()
    if exists and (target.is_symlink() or not target.is_file()):
        raise UploadError(f"'{name}' exists in the notes folder and is not a regular file; rename your upload.")
    if exists and not replace:
        raise UploadError(
            f"A note named '{name}' already exists. Tick 'Replace notes with the same name' to replace it, "
            "or rename your file."
        )
    folder.mkdir(parents=True, exist_ok=True)
    staged = folder / f".upload-{uuid.uuid4().hex}{target.suffix}"
    try:
        shutil.copyfile(source, staged)
        try:
            NotesLoader(staged, folder, max_bytes=max_bytes).lines()
        except NotesError as exc:
            reason = str(exc).removeprefix(f"{staged}: ")
            raise UploadError(f"'{name}' can't be read as notes: {reason}.") from None
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)
    return SavedNote(name=name, path=target, original_name=original_name, replaced=exists)
