"""The ingest records: which chunk (by content hash) LangChain's ``index()`` has written, and when.

One namespace per notes folder, in ``DATA_DIR/records.sqlite`` or the database at
``STUDY_RECORD_DB_URL``. ``NotesRecordManager`` is LangChain's ``SQLRecordManager`` with a faster
``update()``: a re-ingest touches every unchanged record (``cleanup="full"`` deletes what it does
not touch), and the stock method compiles a new many-row ``INSERT ... VALUES`` for each batch,
which was 3.7 s of an 11 s re-ingest of 10k chunks. Here the rows are bound to one upsert that
SQLAlchemy compiles once, executed on the table (a plain executemany, no ORM bulk layer).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from langchain_classic.indexes import SQLRecordManager
from langchain_classic.indexes._sql_record_manager import UpsertionRecord
from sqlalchemy import Insert, event

from ingest.errors import StoreError
from ingest.settings import Settings

# The records table itself: an upsert on it is a plain executemany, with no ORM bookkeeping per row.
RECORDS = UpsertionRecord.__table__


class NotesRecordManager(SQLRecordManager):
    """``SQLRecordManager`` whose ``update()`` is one executemany upsert (SQLite and PostgreSQL)."""

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
        if not keys:
            return
        now = self.get_time()
        if time_at_least and now < time_at_least:  # the stock guard against clock skew
            raise AssertionError(f"Time sync issue: {now} < {time_at_least}")
        stmt: Insert
        if self.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            lite = sqlite_insert(RECORDS)
            stmt = lite.on_conflict_do_update(
                [RECORDS.c.key, RECORDS.c.namespace],
                set_={"updated_at": lite.excluded.updated_at, "group_id": lite.excluded.group_id},
            )
        elif self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            pg = pg_insert(RECORDS)
            stmt = pg.on_conflict_do_update(
                constraint="uix_key_namespace",
                set_={"updated_at": pg.excluded.updated_at, "group_id": pg.excluded.group_id},
            )
        else:
            super().update(keys, group_ids=group_ids, time_at_least=time_at_least)
            return
        rows = [
            {"key": key, "namespace": self.namespace, "updated_at": now, "group_id": group}
            for key, group in zip(keys, groups, strict=True)
        ]
        with self._make_session() as session:
            session.execute(stmt, rows)
            session.commit()


def record_namespace(settings: Settings, notes_dir: Path) -> str:
    """The records' namespace for one notes folder: the collection and the folder's name, prefixed
    by the store's location unless the records live beside the embedded store they describe.

    >>> record_namespace(Settings(), Path("corpus"))
    'notes/corpus'
    >>> record_namespace(Settings(chroma_url="http://127.0.0.1:8000"), Path("corpus"))
    'http://127.0.0.1:8000#notes/corpus'
    """
    # Records of one store must never vouch for another: switching to a server re-ingests into it.
    where = settings.chroma_url or (str(settings.chroma_dir) if settings.record_db_url else "")
    base = f"{settings.collection}/{notes_dir.name}"
    return f"{where}#{base}" if where else base


def _write_ahead(connection: Any, _record: Any) -> None:
    """SQLite in WAL mode, synced at checkpoints: a commit no longer waits for the disk (41 commits
    were 0.33 s of a 10k re-ingest). A killed ingest still loses nothing it committed; only a power
    cut could lose the last commits, and then the next ingest redoes their chunks."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_record_manager(settings: Settings, notes_dir: Path) -> NotesRecordManager:
    """The ingest record manager for one notes folder; a StoreError if its database can't be opened."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        manager = NotesRecordManager(record_namespace(settings, notes_dir), db_url=settings.record_url)
        if manager.dialect == "sqlite":
            event.listen(manager.engine, "connect", _write_ahead)
        manager.create_schema()
    except Exception as exc:  # SQLAlchemy raises parse, driver-import and connection errors alike
        where = re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", settings.record_url)
        reason = str(exc).splitlines()[0]
        raise StoreError(f"cannot open the ingest record db at {where}: {reason}") from None
    return manager
