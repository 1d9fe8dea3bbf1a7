"""The files of a notes folder, as ingest, the Notes viewer and uploads all see them.

Notes are the regular files inside the folder. Hidden files and folders (a name starting with
``.``) are left out. Symbolic links are never followed, wherever they point: a link to a file or a
folder outside the notes folder would let the index (and every answer) read what the folder does not
hold, a link inside it would index the same notes twice, and a link to a parent would loop. Each link
is reported with why it was skipped. (The notes folder itself may be reached through a link: it is
resolved first.)

>>> import os, tempfile
>>> root = Path(tempfile.mkdtemp()); (root / "sub").mkdir(); _ = (root / "sub" / "a.md").write_text("a")
>>> os.symlink("/etc/hostname", root / "host.md"); os.symlink(root, root / "sub" / "loop")
>>> files, links = notes_files(root)
>>> [f.relative_to(root).as_posix() for f in files]
['sub/a.md']
>>> [(link.relative_to(root).as_posix(), why) for link, why in links]  # doctest: +NORMALIZE_WHITESPACE
[('host.md', 'a link to a file outside the notes folder: links are not followed'),
 ('sub/loop', 'a link to a folder inside the notes folder (.): links are not followed')]
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | {".pdf"}


def source_name(path: Path, notes_dir: Path, label: str | None = None) -> str:
    """The citation name of a file: the notes folder's label (``ingest.folders``; by default the
    folder's name), then the path inside it."""
    return (Path(label or notes_dir.name) / path.relative_to(notes_dir)).as_posix()


def notes_files(root: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """The regular files under ``root`` (hidden ones left out), sorted, and the links skipped, each
    with the reason."""
    files: list[Path] = []
    links: list[tuple[Path, str]] = []
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:  # a folder that can't be listed holds nothing to read
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                links.append((path, link_reason(path, root)))
            elif entry.is_dir(follow_symlinks=False):
                folders.append(path)
            elif entry.is_file(follow_symlinks=False):
                files.append(path)
    return sorted(files), sorted(links)


def link_reason(link: Path, root: Path) -> str:
    """Why the link ``link`` in the notes folder ``root`` is not read."""
    if not os.path.exists(link):  # dangling, or a loop of links (ELOOP)
        return "a broken link (or a loop of links): links are not followed"
    target = Path(os.path.realpath(link))
    kind = "folder" if target.is_dir() else "file"
    if not target.is_relative_to(root.resolve()):
        return f"a link to a {kind} outside the notes folder: links are not followed"
    inside = target.relative_to(root.resolve()).as_posix()
    return f"a link to a {kind} inside the notes folder ({inside}): links are not followed"


def note_path(root: Path, name: str) -> tuple[Path | None, str]:
    """(the file, "") for ``name``, a path inside the notes folder ``root`` that ingest reads as a
    note file; (None, why not) for anything else: outside the folder, hidden, through a link."""
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if not parts or PurePosixPath(name).is_absolute() or any(p in (".", "..") for p in parts):
        return None, "is not in the notes folder"
    path = root
    for part in parts:
        path = path / part
        if part.startswith("."):
            return None, "is a hidden file: notes skip hidden files"
        if path.is_symlink():
            return None, link_reason(path, root)
    if not path.is_file():
        return None, "is not in the notes folder"
    return path, ""
