"""The ingest records: which chunk (by content hash) LangChain's ``index()`` has written, and when.

One namespace per notes folder (named by its label: ``ingest.folders``), in ``DATA_DIR/records.sqlite``
or the database at ``STUDY_RECORD_DB_URL`` (SQLite or PostgreSQL). ``SQLRecords`` implements LangChain's
``RecordManager`` interface, the one ``index()`` calls, on SQLAlchemy Core and on the same table as
LangChain's ``SQLRecordManager`` (``upsertion_record``), so record databases written by either work
with the other. It replaces ``SQLRecordManager`` for two measured reasons (benchmarks/RESULTS.md):

* a re-ingest touches every unchanged record (``cleanup="full"`` deletes what it does not touch),
  and ``SQLRecordManager.update()`` compiles a new many-row ``INSERT ... VALUES`` through the ORM for
  each batch: 3.7 s of an 11 s re-ingest of 10k chunks. Here the rows are bound to one upsert that
  SQLAlchemy compiles once (an executemany);
* importing it (``langchain_classic``, which pulls in its chains and prompts) took ~1.2 s of every
  ``python -m ingest``.
"""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_core.indexing import RecordManager
from sqlalchemy import (
    Column,
    ColumnElement,
    Float,
    Index,
    Insert,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    and_,
    create_engine,
    delete,
    event,
    select,
    text,
)
from sqlalchemy.engine import Engine

from core.settings import Settings
from ingest.errors import StoreError
from ingest.stamps import store_key

METADATA = MetaData()
RECORDS = Table(  # LangChain's SQLRecordManager schema, column for column
    "upsertion_record",
    METADATA,
    Column("uuid", String, index=True, primary_key=True, nullable=False, default=lambda: str(uuid.uuid4())),
    Column("key", String, index=True),
    Column("namespace", String, index=True, nullable=False),
    Column("group_id", String, index=True, nullable=True),
    Column("updated_at", Float, index=True),
    UniqueConstraint("key", "namespace", name="uix_key_namespace"),
    Index("ix_key_namespace", "key", "namespace"),
)
# The database's own clock (seconds since 1970): index() compares record times with it, so one
# clock must serve every run.
NOW = {
    "sqlite": "SELECT (julianday('now') - 2440587.5) * 86400.0",
    "postgresql": "SELECT EXTRACT (EPOCH FROM CURRENT_TIMESTAMP)",
}
_ENGINES: dict[str, Engine] = {}
_ENGINES_LOCK = threading.Lock()
KEYS_PER_QUERY = 500  # keys in one IN (...): well under SQLite's limit on bound variables


class SQLRecords(RecordManager):
    """LangChain's record-manager interface over a SQLite or PostgreSQL table."""

    def __init__(self, namespace: str, db_url: str) -> None:
        super().__init__(namespace)
        self.engine = engine_for(db_url)
        self.dialect = self.engine.dialect.name
        if self.dialect not in NOW:
            raise ValueError(f"'{self.dialect}' databases are not supported (SQLite or PostgreSQL)")
        self._upsert = _upsert(self.dialect)

    def create_schema(self) -> None:
        METADATA.create_all(self.engine)

    def get_time(self) -> float:
        with self.engine.connect() as connection:
            return float(connection.execute(text(NOW[self.dialect])).scalar_one())

    def update(
        self,
        keys: Sequence[str],
        *,
        group_ids: Sequence[str | None] | None = None,
        time_at_least: float | None = None,
    ) -> None:
        groups = list(group_ids) if group_ids is not None else [None] * len(keys)
        if len(keys) != len(groups):
            raise ValueError(f"Number of keys ({len(keys)}) does not match number of group_ids ({len(groups)})")
        now = self.get_time()
        if time_at_least and now < time_at_least:  # a clock that went back would make cleanup unsafe
            raise AssertionError(f"Time sync issue: {now} < {time_at_least}")
        if not keys:
            return
        rows = [
            {"key": key, "namespace": self.namespace, "updated_at": now, "group_id": group}
            for key, group in zip(keys, groups, strict=True)
        ]
        with self.engine.begin() as connection:
            connection.execute(self._upsert, rows)

    def exists(self, keys: Sequence[str]) -> list[bool]:
        found: set[str] = set()
        with self.engine.connect() as connection:
            for part in _parts(keys):
                found.update(connection.execute(select(RECORDS.c.key).where(self._among(part))).scalars())
        return [key in found for key in keys]

    def list_keys(
        self,
        *,
        before: float | None = None,
        after: float | None = None,
        group_ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[str]:
        query = select(RECORDS.c.key).where(RECORDS.c.namespace == self.namespace)
        if after is not None:
            query = query.where(RECORDS.c.updated_at > after)
        if before is not None:
            query = query.where(RECORDS.c.updated_at < before)
        if group_ids:
            query = query.where(RECORDS.c.group_id.in_(group_ids))
        if limit:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            return list(connection.execute(query).scalars())

    def delete_keys(self, keys: Sequence[str]) -> None:
        with self.engine.begin() as connection:
            for part in _parts(keys):
                connection.execute(delete(RECORDS).where(self._among(part)))

    @staticmethod
    def namespaces_of(db_url: str, keys: Sequence[str]) -> dict[str, str]:
        """Key -> namespace of the records of ``keys``, whatever their namespace."""
        found: dict[str, str] = {}
        with engine_for(db_url).connect() as connection:
            for part in _parts(keys):
                rows = connection.execute(select(RECORDS.c.key, RECORDS.c.namespace).where(RECORDS.c.key.in_(part)))
                found.update((str(k), str(n)) for k, n in rows)
        return found

    def _among(self, keys: Sequence[str]) -> ColumnElement[bool]:
        """This namespace's records of ``keys``."""
        return and_(RECORDS.c.namespace == self.namespace, RECORDS.c.key.in_(keys))

    # The async half of the interface runs the same statements on a worker thread.
    async def acreate_schema(self) -> None:
        await asyncio.to_thread(self.create_schema)

    async def aget_time(self) -> float:
        return await asyncio.to_thread(self.get_time)

    async def aupdate(
        self,
        keys: Sequence[str],
        *,
        group_ids: Sequence[str | None] | None = None,
        time_at_least: float | None = None,
    ) -> None:
        await asyncio.to_thread(self.update, keys, group_ids=group_ids, time_at_least=time_at_least)

    async def aexists(self, keys: Sequence[str]) -> list[bool]:
        return await asyncio.to_thread(self.exists, keys)

    async def alist_keys(
        self,
        *,
        before: float | None = None,
        after: float | None = None,
        group_ids: Sequence[str] | None = None,
        limit: int | None = None,
    ) -> list[str]:
        return await asyncio.to_thread(self.list_keys, before=before, after=after, group_ids=group_ids, limit=limit)

    async def adelete_keys(self, keys: Sequence[str]) -> None:
        await asyncio.to_thread(self.delete_keys, keys)


def _upsert(dialect: str) -> Insert:
    """One insert-or-refresh statement for every row of an update."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(RECORDS)
        return lite.on_conflict_do_update(
            [RECORDS.c.key, RECORDS.c.namespace],
            set_={"updated_at": lite.excluded.updated_at, "group_id": lite.excluded.group_id},
        )
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    pg = pg_insert(RECORDS)
    return pg.on_conflict_do_update(
        constraint="uix_key_namespace", set_={"updated_at": pg.excluded.updated_at, "group_id": pg.excluded.group_id}
    )


def _parts(keys: Sequence[str]) -> list[Sequence[str]]:
    return [keys[i : i + KEYS_PER_QUERY] for i in range(0, len(keys), KEYS_PER_QUERY)]


def record_namespace(settings: Settings, notes_dir: Path, label: str | None = None) -> str:
    """The records' namespace for one notes folder: the store's key and the folder's citation label
    (``ingest.folders.folder_label``; by default the folder's name).

    >>> record_namespace(Settings(), Path("corpus"))
    'notes/corpus'
    >>> record_namespace(Settings(chroma_url="http://127.0.0.1:8000"), Path("/b/notes"), "notes~2")
    'http://127.0.0.1:8000#notes/notes~2'
    """
    return f"{store_key(settings)}/{label or notes_dir.name}"


def engine_for(db_url: str) -> Engine:
    """The process's one engine for the records database at ``db_url`` (records, folder labels and
    generations share its pool); SQLite runs in WAL mode. Each user creates its own tables."""
    with _ENGINES_LOCK:
        if db_url not in _ENGINES:
            engine = create_engine(db_url)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", write_ahead)
            _ENGINES[db_url] = engine
        return _ENGINES[db_url]


def write_ahead(connection: Any, _record: Any) -> None:
    """SQLite in WAL mode, synced at checkpoints: a commit no longer waits for the disk (41 commits
    were 0.33 s of a 10k re-ingest). A killed ingest still loses nothing it committed; only a power
    cut could lose the last commits, and then the next ingest redoes their chunks."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_record_manager(settings: Settings, notes_dir: Path, label: str | None = None) -> SQLRecords:
    """The ingest record manager for one notes folder (cited as ``label``); a StoreError if its
    database can't be opened."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        manager = SQLRecords(record_namespace(settings, notes_dir, label), db_url=settings.record_url)
        manager.create_schema()
    except Exception as exc:  # SQLAlchemy raises parse, driver-import and connection errors alike
        raise record_db_error(settings, exc) from None
    return manager


def record_db_error(settings: Settings, exc: Exception) -> StoreError:
    """The StoreError for a records database that can't be used: its URL (password hidden), and why."""
    where = re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", settings.record_url)
    return StoreError(f"cannot open the ingest record db at {where}: {str(exc).splitlines()[0]}")
