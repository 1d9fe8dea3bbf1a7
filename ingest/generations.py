"""Index generations: which ingest's writes the readers see, so that every reader sees one
consistent index, never a half-written one.

Every ingest takes a new generation number ``g``. The chunks it adds carry ``generation = g``; the
chunks it removes are not deleted at once but marked ``retired = g``. Until the ingest commits, a
reader filters each dirty folder to what its last committed generation ``c`` saw (``generation <= c``
and ``retired > c``): the old chunks, none of the new ones. The commit (one row in the records
database) makes the new generation visible all at once; the retired chunks are then deleted and the
folder is clean again, and a clean index is read with no filter at all.

A killed ingest leaves its folder dirty: readers keep seeing the old chunks, and the next ingest of
that folder keeps the work done (chunks already embedded are not embedded again) and commits.

Readers compare the stamp (every folder's committed generation and dirtiness) before each answer and
rebuild what they cache (the keyword index; in another process, the embedded Chroma client) when it
changed. Ingests into one data dir take turns (a lock file), whether in one process or several.

>>> Stamp((("notes/corpus", 3, False),)).visible() is None
True
>>> Stamp((("notes/a", 3, True),)).visible()
{'$or': [{'folder': {'$nin': ['notes/a']}}, {'$and': [{'folder': 'notes/a'}, {'generation': {'$lte': 3}}, \
{'retired': {'$gt': 3}}]}]}
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Boolean, Column, Integer, String, Table, select, update
from sqlalchemy.exc import SQLAlchemyError

from core.settings import Settings
from ingest.errors import StoreError
from ingest.records import METADATA, engine_for, record_db_error
from ingest.stamps import (  # noqa: F401  (re-exported: the generation marks)
    FOLDER_KEY,
    GENERATION_KEY,
    GENERATIONS_TABLE,
    INTERNAL_KEYS,
    NEVER,
    RETIRED_KEY,
    Stamp,
    committed_here,
    index_name,
    store_key,
)

GENERATIONS = Table(
    GENERATIONS_TABLE,
    METADATA,
    Column("store", String, primary_key=True),
    Column("folder", String, primary_key=True),
    Column("committed", Integer, nullable=False),
    Column("latest", Integer, nullable=False),
    Column("dirty", Boolean, nullable=False),
)

class Generations:
    """The generation rows of one index in the records database."""

    def __init__(self, settings: Settings) -> None:
        self.store = store_key(settings)
        self.index = index_name(settings)
        try:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            self.engine = engine_for(settings.record_url)
            METADATA.create_all(self.engine)
        except Exception as exc:  # SQLAlchemy raises parse, driver-import and connection errors alike
            raise record_db_error(settings, exc) from None

    def stamp(self) -> Stamp:
        """Every folder's committed generation and dirtiness, as of now (one small query)."""
        query = select(GENERATIONS.c.folder, GENERATIONS.c.committed, GENERATIONS.c.dirty).where(
            GENERATIONS.c.store == self.store
        )
        try:
            with self.engine.connect() as connection:
                rows = connection.execute(query.order_by(GENERATIONS.c.folder)).all()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the index generation: {str(exc).splitlines()[0]}") from None
        return Stamp(tuple((str(f), int(c), bool(d)) for f, c, d in rows))

    def begin(self, folder: str) -> int:
        """A new generation for an ingest of ``folder``, which is dirty from now until ``clean``."""
        with self.engine.begin() as connection:
            latest = connection.execute(
                select(GENERATIONS.c.latest).where(GENERATIONS.c.store == self.store)
            ).scalars().all()
            generation = max(latest, default=0) + 1
            row = connection.execute(
                select(GENERATIONS.c.committed).where(self._row(folder))
            ).scalar_one_or_none()
            if row is None:
                connection.execute(
                    GENERATIONS.insert().values(
                        store=self.store, folder=folder, committed=0, latest=generation, dirty=True
                    )
                )
            else:
                connection.execute(update(GENERATIONS).where(self._row(folder)).values(latest=generation, dirty=True))
        return generation

    def commit(self, folder: str, generation: int) -> None:
        """Make ``generation`` what readers of ``folder`` see (its retired chunks are still to purge)."""
        with self.engine.begin() as connection:
            connection.execute(update(GENERATIONS).where(self._row(folder)).values(committed=generation))
        committed_here(self.index, folder, generation)

    def abandon(self, folder: str) -> None:
        """The ingest of ``folder`` wrote nothing: readers keep seeing its committed generation, and
        what they saved for it (``assistant.answer.saved_index``) stays valid."""
        self.clean(folder)

    def clean(self, folder: str) -> None:
        """``folder`` holds nothing but its committed chunks again: readers need no filter for it."""
        with self.engine.begin() as connection:
            connection.execute(update(GENERATIONS).where(self._row(folder)).values(dirty=False))

    def _row(self, folder: str) -> Any:
        return (GENERATIONS.c.store == self.store) & (GENERATIONS.c.folder == folder)


@contextmanager
def ingest_turn(settings: Settings) -> Iterator[None]:
    """Hold the data dir's ingest lock: ingests, in this process or another, take turns."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = Path(settings.data_dir) / "ingest.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
