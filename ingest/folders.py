"""Which notes folder is which: each ingested folder's label, the name its files are cited under
(``notes/sqs.md:3``) and the name of its records' namespace.

A folder's label is its name the first time a folder of that name is ingested into a store. Another
folder of the same name gets ``name~2`` (then ``~3``, ...), so the two never share citations or
records, and ingesting one never deletes the other's chunks. The registry is the ``notes_folders``
table of the ingest record database: (store, resolved folder path) -> label.

A folder that moved, or a copy of one, keeps the label when it holds every file indexed under it,
each with the same bytes as the registered folder's file (when that folder still exists): indexing
it then removes nothing the other folder holds. A folder ingested before this registry existed
keeps its name as its label: the first folder of that name to be ingested claims it.

>>> import tempfile
>>> data = Path(tempfile.mkdtemp())
>>> (data / "a" / "notes").mkdir(parents=True); (data / "b" / "notes").mkdir(parents=True)
>>> settings = Settings(data_dir=data / "data")
>>> folder_label(settings, data / "a" / "notes"), folder_label(settings, data / "b" / "notes")
('notes', 'notes~2')
>>> folder_label(settings, data / "a" / "notes")
'notes'
"""

from __future__ import annotations

import filecmp
from pathlib import Path

from sqlalchemy import Column, String, Table, UniqueConstraint, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from core.settings import Settings
from ingest.errors import StoreError
from ingest.records import METADATA, RECORDS, engine_for, record_db_error, record_namespace, store_key

FOLDERS = Table(
    "notes_folders",
    METADATA,
    Column("store_key", String, primary_key=True),
    Column("root", String, primary_key=True),  # the folder's resolved path
    Column("label", String, nullable=False),
    UniqueConstraint("store_key", "label", name="uix_folder_label"),
)
ATTEMPTS = 5  # registrations racing another ingest's for the same label: look again this often


def folder_label(settings: Settings, notes_dir: Path, register: bool = True) -> str:
    """The label of ``notes_dir`` in ``settings``' store, registered if it is new (unless
    ``register`` is False: then the label it would get). A StoreError if the db can't be used."""
    root = notes_dir.expanduser().resolve()
    engine = _open(settings)
    try:
        for _attempt in range(ATTEMPTS):
            try:
                with engine.begin() as db:
                    return _label(db, settings, root, register)
            except IntegrityError:  # another ingest took that label a moment ago: choose again
                continue
        raise StoreError(f"could not register the notes folder {root}: the record db kept changing")
    except StoreError:
        raise
    except Exception as exc:  # SQLAlchemy raises driver and connection errors alike
        raise record_db_error(settings, exc) from None


def _open(settings: Settings) -> Engine:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        engine = engine_for(settings.record_url)
        METADATA.create_all(engine)
    except Exception as exc:
        raise record_db_error(settings, exc) from None
    return engine


def _label(db: Connection, settings: Settings, root: Path, register: bool) -> str:
    key = store_key(settings)
    rows = db.execute(select(FOLDERS.c.label, FOLDERS.c.root).where(FOLDERS.c.store_key == key)).all()
    held = {label: Path(path) for label, path in rows}
    for label, path in held.items():
        if path == root:
            return label
    name = root.name or "notes"
    number = 1
    label = name
    while label in held and not _same_notes(db, settings, label, held[label], root):
        number += 1
        label = f"{name}~{number}"
    if register and label in held:  # moved or copied: the label follows the folder
        db.execute(update(FOLDERS).where(FOLDERS.c.store_key == key, FOLDERS.c.label == label).values(root=str(root)))
    elif register:
        db.execute(insert(FOLDERS).values(store_key=key, root=str(root), label=label))
    return label


def _same_notes(db: Connection, settings: Settings, label: str, holder: Path, root: Path) -> bool:
    """Whether ``root`` holds every file indexed under ``label`` (registered to ``holder``), each
    with the same content as in ``holder`` where ``holder`` still has it. Nothing indexed yet under
    a folder that exists (it may be about to be: two folders of one name in one ingest) is no match."""
    namespace = record_namespace(settings, root, label)
    query = select(RECORDS.c.group_id).where(RECORDS.c.namespace == namespace).distinct()
    prefix = f"{label}/"
    files = [s.removeprefix(prefix) for s in db.execute(query).scalars() if s and s.startswith(prefix)]
    if not files:
        return not holder.exists()
    for relative in files:
        new, old = root / relative, holder / relative
        if not new.is_file() or (old.is_file() and not filecmp.cmp(old, new, shallow=False)):
            return False
    return True
