"""What a reader of the index checks before each answer: the index's stamp (every folder's committed
generation and dirtiness, see ``ingest.generations``), read without SQLAlchemy.

The question path reads the stamp of the data dir's own SQLite records database with the standard
library's ``sqlite3``: importing SQLAlchemy cost more than the rest of a cold ``study ask`` did
(benchmarks/RESULTS.md). Other record databases are read through ``ingest.generations``.

>>> Stamp((("notes/corpus", 3, False),)).visible() is None
True
>>> store_key(Settings()), store_key(Settings(chroma_url="http://127.0.0.1:8000"))
('notes', 'http://127.0.0.1:8000#notes')
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from core.settings import Settings
from ingest.errors import StoreError

NEVER = 2**62  # the ``retired`` mark of a chunk that is still current
FOLDER_KEY, GENERATION_KEY, RETIRED_KEY = "folder", "generation", "retired"
INTERNAL_KEYS = (FOLDER_KEY, GENERATION_KEY, RETIRED_KEY)
GENERATIONS_TABLE = "index_generation"

# Generations committed by this process: a reader whose store saw them being written needs no new client.
_COMMITTED_HERE: set[tuple[str, str, int]] = set()


@dataclass(frozen=True)
class Stamp:
    """Each folder's (name, committed generation, dirty): what a reader of the index may see."""

    folders: tuple[tuple[str, int, bool], ...] = ()

    def visible(self) -> dict[str, Any] | None:
        """The Chroma ``where`` filter that shows only committed chunks; None when nothing is pending."""
        dirty = [(folder, committed) for folder, committed, is_dirty in self.folders if is_dirty]
        if not dirty:
            return None
        pending = [
            {"$and": [{FOLDER_KEY: folder}, {GENERATION_KEY: {"$lte": c}}, {RETIRED_KEY: {"$gt": c}}]}
            for folder, c in dirty
        ]
        return {"$or": [{FOLDER_KEY: {"$nin": [folder for folder, _ in dirty]}}, *pending]}

    def committed_elsewhere(self, index: str, since: Stamp | None) -> bool:
        """True when a generation committed after ``since`` was written by another process."""
        before = {folder: committed for folder, committed, _ in (since.folders if since else ())}
        return any(
            committed != before.get(folder) and (index, folder, committed) not in _COMMITTED_HERE
            for folder, committed, _ in self.folders
        )


def committed_here(index: str, folder: str, generation: int) -> None:
    """Note that this process committed ``generation`` of ``folder`` in ``index``."""
    _COMMITTED_HERE.add((index, folder, generation))


def store_key(settings: Settings) -> str:
    """The store the records describe: the collection, prefixed by the store's location unless the
    records live beside the embedded store they describe."""
    # Records of one store must never vouch for another: switching to a server re-ingests into it.
    where = settings.chroma_url or (str(settings.chroma_dir) if settings.record_db_url else "")
    return f"{where}#{settings.index.collection}" if where else settings.index.collection


def index_name(settings: Settings) -> str:
    """The index, process-wide: two data dirs may hold stores of the same key in their records dbs."""
    return f"{settings.record_url}#{store_key(settings)}"


class StampReader:
    """Reads the stamp of one index: ``stamp()`` and ``index`` as ``ingest.generations.Generations``
    has them. The data dir's SQLite records db is read with ``sqlite3``, any other through
    ``Generations``; a database without the table (nothing ingested yet) has the empty stamp."""

    def __init__(self, settings: Settings) -> None:
        self.store = store_key(settings)
        self.index = index_name(settings)
        self._generations: Any = None
        self._path = settings.data_dir / "records.sqlite"
        if settings.record_db_url:
            from ingest.generations import Generations

            self._generations = Generations(settings)

    def stamp(self) -> Stamp:
        """Every folder's committed generation and dirtiness, as of now (one small query)."""
        if self._generations is not None:
            return self._generations.stamp()  # type: ignore[no-any-return]
        if not self._path.is_file():
            return Stamp()
        query = (
            f"SELECT folder, committed, dirty FROM {GENERATIONS_TABLE} WHERE store = ? ORDER BY folder"
        )
        try:
            connection = sqlite3.connect(f"file:{self._path}?mode=rw", uri=True, timeout=30)
            try:
                rows = connection.execute(query, (self.store,)).fetchall()
            finally:
                connection.close()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return Stamp()
            raise StoreError(f"cannot read the index generation: {str(exc).splitlines()[0]}") from None
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the index generation: {str(exc).splitlines()[0]}") from None
        return Stamp(tuple((str(f), int(c), bool(d)) for f, c, d in rows))
