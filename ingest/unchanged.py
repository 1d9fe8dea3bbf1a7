"""An ingest of unchanged notes, answered without opening the index.

After each notes folder is ingested whole, the data dir's manifest (``ingest-manifest.json``)
records the folder's files with the SHA-256 of each (taken before the file was read for chunking)
and its chunk count, the folder's committed generation (``ingest.stamps``), and what else decides
the chunks: the chunking settings, the embedding model, the index, and the source of the code that
turns files into chunks. An ingest whose folders all match (the same files with the same bytes,
the same generation still committed and clean, the same settings and code) changes nothing, and
is reported as such without importing chromadb, LangChain's indexing API, SQLAlchemy or the model:
a re-ingest of 10k unchanged chunks took 3-4 s, mostly those imports (benchmarks/RESULTS.md).

Anything else (a new, changed or removed file, single files given, a folder another ingest has
written since, a Chroma server, a damaged manifest) takes the real ingest. A killed ingest leaves
its folder dirty or its generation moved on, so its manifest entry no longer matches.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.settings import Settings
from ingest.plan import IngestReport, plan, resolve_paths
from ingest.stamps import StampReader, index_name

log = logging.getLogger(__name__)
MANIFEST = "ingest-manifest.json"
FORMAT = 1
# The code that turns a file into chunks: a change to it must re-chunk, never skip.
CHUNKING_CODE = ("ingest/chunking.py", "ingest/loaders.py", "ingest/walk.py", "core/text.py", "core/spans.py")


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fingerprint(settings: Settings) -> str:
    """What decides a folder's chunks and where they go, beside the files themselves."""
    root = Path(__file__).resolve().parent.parent
    code = hashlib.sha256()
    for name in CHUNKING_CODE:
        code.update((root / name).read_bytes())
    index = settings.index
    return json.dumps({
        "format": FORMAT,
        "code": code.hexdigest(),
        "index": index_name(settings),
        "model": index.embedding_model,
        "chunking": [index.chunk_max_chars, index.chunk_min_chars, index.max_file_mb],
        "chroma": str(settings.chroma_dir),
    }, sort_keys=True)


def _read(settings: Settings) -> dict[str, Any]:
    try:
        manifest = json.loads((settings.data_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return manifest if isinstance(manifest, dict) else {}


def record(settings: Settings, folder: Path, label: str, namespace: str, generation: int,
           files: dict[str, tuple[str, int]]) -> None:
    """Note that ``folder`` (ingested whole, cited as ``label``, records namespace ``namespace``)
    is ``files`` (path inside the folder -> (SHA-256, chunks)) as of its committed ``generation``.
    Called under the ingest lock; written to a temporary file and renamed into place."""
    manifest = _read(settings)
    this = fingerprint(settings)
    folders = manifest.get("folders", {}) if manifest.get("fingerprint") == this else {}
    folders[str(folder)] = {"label": label, "namespace": namespace, "generation": generation, "files": files}
    path = settings.data_dir / MANIFEST
    temporary: Path | None = None
    try:
        with tempfile.NamedTemporaryFile("w", dir=settings.data_dir, prefix=".manifest-", delete=False) as handle:
            temporary = Path(handle.name)
            json.dump({"fingerprint": this, "folders": folders}, handle)
        os.replace(temporary, path)
    except OSError as exc:  # only the next re-ingest's shortcut is lost
        log.warning("could not write %s: %s", path, exc)
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def unchanged_report(paths: Iterable[Path], settings: Settings) -> IngestReport | None:
    """The report of an ingest of ``paths`` that changes nothing, or None when it may change
    something (then the real ingest must run). A bad path is a NotesError, as in the real one."""
    started = time.perf_counter()
    paths = resolve_paths(paths)
    if settings.chroma_url or not settings.chroma_dir.is_dir():
        return None
    manifest = _read(settings)
    if manifest.get("fingerprint") != fingerprint(settings):
        return None
    folders = manifest.get("folders", {})
    batches, problems = plan(paths, lambda folder: str(folders.get(str(folder), {}).get("label", "")))
    try:
        stamp = {name: (committed, dirty) for name, committed, dirty in StampReader(settings).stamp().folders}
    except Exception:  # the real ingest says what is wrong with the records db
        return None
    report = IngestReport(problems=problems)
    for batch in batches:
        entry = folders.get(str(batch.notes_dir))
        if not batch.whole or not entry or stamp.get(entry["namespace"]) != (entry["generation"], False):
            return None
        files = entry["files"]
        inside = [p.relative_to(batch.notes_dir).as_posix() for p in batch.files]
        if sorted(inside) != sorted(files):
            return None
        for path, name in zip(batch.files, inside, strict=True):
            try:
                if digest(path) != files[name][0]:
                    return None
            except OSError:
                return None
            report.chunks += int(files[name][1])
        report.files += len(inside)
    report.skipped = report.chunks
    report.seconds = time.perf_counter() - started
    for problem in report.problems:
        log.warning("skipped %s: %s", problem.file, problem.reason)
    return report

