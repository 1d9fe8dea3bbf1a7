"""The chunks a reader searches, saved per index generation: a start with unchanged notes loads them
instead of reading every chunk back from Chroma and rebuilding the keyword index.

One file per index generation, ``DATA_DIR/question-index/<key>.npz``: the chunks (ids, texts,
metadata), their stored vectors row for row, and the keyword index (bm25s's score matrix, the
vocabulary, the terms' idf, the section words). The key hashes the index's stamp (every folder's
committed generation, ``ingest.stamps``), the embedding model, the collection and Chroma's segment
folders: an ingest that commits a generation changes the stamp, so a file is never read for chunks
other than its own. A file is written under a temporary name and renamed into place, so a reader
never sees half of one; a file that can't be read (damaged, truncated, another format or key) is
rebuilt, never half-used. The file of an index with no generation recorded is never written.

>>> saved = SavedIndex(Settings(data_dir=Path("/tmp/d")), Stamp((("notes/corpus", 3, False),)))
>>> saved.path.parent.name, len(saved.key)
('question-index', 64)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

import numpy as np
from langchain_core.documents import Document

from assistant.answer.retrieval import Chunks, KeywordIndex
from core.settings import Settings
from ingest.stamps import Stamp, index_name

log = logging.getLogger(__name__)
FORMAT = 2  # bump when what is saved changes: older files are then rebuilt
FOLDER = "question-index"
ARRAYS = ("vectors", "data", "indices", "indptr", "texts", "ends")
STALE_SECONDS = 600  # a temporary file this old was left by a killed writer


class SavedDocs(Sequence[Document]):
    """The saved chunks, each made when first read: a question reads a few dozen of them, and making
    100k ``Document``s took most of the time a start spent loading the file. The texts are one
    string cut at ``ends`` (a JSON list of 100k strings decoded 3x slower)."""

    def __init__(self, ids: list[str], texts: str, ends: list[int], metadata: list[dict[str, Any]]) -> None:
        if not len(ids) == len(ends) == len(metadata) or (ends and ends[-1] != len(texts)):
            raise ValueError("the chunks' ids, texts and metadata do not match")
        self.ids = ids
        self._texts = texts
        self._ends = ends
        self._metadata = metadata
        self._made: list[Document | None] = [None] * len(ids)

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> Document: ...

    @overload
    def __getitem__(self, index: slice) -> list[Document]: ...

    def __getitem__(self, index: int | slice) -> Document | list[Document]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        doc = self._made[index]
        if doc is None:
            start = self._ends[index - 1] if index % len(self) else 0
            doc = Document(id=self.ids[index], page_content=self._texts[start : self._ends[index]],
                           metadata=self._metadata[index])
            self._made[index] = doc
        return doc


class SavedIndex:
    """The saved chunks of one index generation (``stamp``) in ``settings.data_dir``."""

    def __init__(self, settings: Settings, stamp: Stamp) -> None:
        self.settings = settings
        self.stamp = stamp
        chroma = settings.chroma_dir
        segments = sorted(p.name for p in chroma.iterdir() if p.is_dir()) if chroma.is_dir() else []
        identity = {
            "format": FORMAT,
            "index": index_name(settings),
            "model": settings.index.embedding_model,
            "stamp": [list(folder) for folder in stamp.folders],
            "segments": segments,
        }
        self.key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
        self.path = settings.data_dir / FOLDER / f"{self.key}.npz"

    @property
    def kept(self) -> bool:
        """Whether chunks of this generation are saved at all (not for an index without generations)."""
        return bool(self.stamp.folders)

    def exists(self) -> bool:
        return self.kept and self.path.is_file()

    def load(self) -> Chunks | None:
        """The saved chunks, or None when there are none or they can't be read (then said in the log)."""
        if not self.exists():
            return None
        try:
            with np.load(self.path, allow_pickle=False) as saved:
                arrays = {name: saved[name] for name in ("meta", *ARRAYS)}  # reading checks each CRC
            meta = json.loads(arrays["meta"].tobytes().decode())
            if meta["key"] != self.key or meta["format"] != FORMAT:
                raise ValueError("saved for another index generation")
            docs = SavedDocs(meta["ids"], arrays["texts"].tobytes().decode(), arrays["ends"].tolist(), meta["metadata"])
            vectors = arrays["vectors"]
            if len(vectors) != len(docs) or int(meta["num_docs"]) != len(docs):
                raise ValueError(f"{len(vectors)} vectors for {len(docs)} chunks")
            keywords = KeywordIndex(
                docs, arrays["data"], arrays["indices"], arrays["indptr"], meta["vocab"], meta["idf"],
                float(meta["max_idf"]), set(meta["topics"]), str(meta["dtype"]),
            )
        except FileNotFoundError:  # removed since (another process saved a newer generation)
            return None
        except Exception as exc:  # damaged in any way: rebuilt from the store
            log.warning("rebuilding the saved keyword index %s: %s", self.path.name, exc)
            return None
        return Chunks(docs, vectors, keywords)

    def save(self, chunks: Chunks) -> None:
        """Save ``chunks`` (atomically); a failure (a read-only data dir, a full disk) is logged."""
        if not self.kept or chunks.vectors is None:
            return
        keywords = chunks.keywords
        meta = {
            "format": FORMAT,
            "key": self.key,
            "num_docs": len(chunks.docs),
            "ids": [d.id for d in chunks.docs],
            "metadata": [d.metadata for d in chunks.docs],
            "vocab": keywords.vocab,
            "idf": keywords.idf,
            "max_idf": keywords.max_idf,
            "topics": sorted(keywords.topics),
            "dtype": keywords.dtype,
        }
        arrays = {
            "meta": np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
            "vectors": chunks.vectors,
            "data": keywords.data,
            "indices": keywords.indices,
            "indptr": keywords.indptr,
            "texts": np.frombuffer("".join(d.page_content for d in chunks.docs).encode(), dtype=np.uint8),
            "ends": np.cumsum([len(d.page_content) for d in chunks.docs], dtype=np.int64),
        }
        folder = self.path.parent
        temporary = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".tmp-", suffix=".npz", delete=False) as handle:
                temporary = Path(handle.name)
                np.savez(handle, **arrays)  # type: ignore[arg-type]
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
            temporary = None
            self._remove_others()
        except OSError as exc:
            log.warning("could not save the keyword index to %s: %s", folder, exc)
        finally:
            if temporary is not None:
                temporary.unlink(missing_ok=True)

    def _remove_others(self) -> None:
        """Remove the files of older generations and temporary files of killed writers. A file
        saved in the last minutes may be another process's newer generation: it stays."""
        now = time.time()
        for path in self.path.parent.iterdir():
            try:
                age = now - path.stat().st_mtime
                if path != self.path and age > (STALE_SECONDS if path.name.startswith(".tmp-") else 60):
                    path.unlink()
            except OSError:
                continue


def saved_index(settings: Settings, stamp: Stamp) -> SavedIndex | None:
    """The saved chunks of the generation ``stamp`` of the embedded store (None with a Chroma
    server, whose chunks other data dirs may change unseen)."""
    return None if settings.chroma_url else SavedIndex(settings, stamp)

