"""Precomputed chunk vectors, so that the 100k-chunk store is filled without 17 minutes of encoding.

The cache maps sha256(embedding text) to a vector. Vectors get into it two ways:
  * ``harvest``: read back from a store the product ingested for real (the 10k corpus);
  * ``fill``: for a synthetic file beyond those, each chunk borrows the vector of the chunk at the
    same lines of an already-embedded variant of the notes (file ``1 + (i - 1) % donors``), plus
    Gaussian noise (sigma 0.02 a dimension, ~0.93 cosine to the donor), renormalized, so no two
    stored vectors are equal. Chunks with no donor are encoded by the real model.
``CachedEmbeddings`` serves ``embed_documents`` from the cache (reading rows with pread, so the
cache file is not counted in the process's memory) and embeds queries with the real model.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from benchmarks.synth import NOTES_FILE, vary
from core.settings import Settings
from ingest.chunking import chunk_lines
from ingest.embeddings import LazyEmbeddings, embeddings_for
from ingest.loaders import NotesLoader
from ingest.store import embedding_text, open_store

DIM = 384
NOISE = 0.02


def key(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:16]


class VectorCache:
    """Rows of float32 vectors in ``folder/vectors.f32`` with their keys in ``folder/keys.bin``;
    ``folder/borrowed.bin`` lists the keys whose vectors were borrowed, never to serve as donors."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.vectors_path = folder / "vectors.f32"
        self.keys_path = folder / "keys.bin"
        raw = self.keys_path.read_bytes() if self.keys_path.exists() else b""
        self.rows = {raw[i : i + 16]: i // 16 for i in range(0, len(raw), 16)}
        self.borrowed_path = folder / "borrowed.bin"
        raw = self.borrowed_path.read_bytes() if self.borrowed_path.exists() else b""
        self.borrowed = {raw[i : i + 16] for i in range(0, len(raw), 16)}
        self._fd: int | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, k: bytes) -> bool:
        return k in self.rows

    def is_real(self, k: bytes) -> bool:
        return k in self.rows and k not in self.borrowed

    def add(self, keys: list[bytes], vectors: np.ndarray, borrowed: bool = False) -> None:
        fresh = [(k, v) for k, v in zip(keys, vectors, strict=True) if k not in self.rows]
        if not fresh:
            return
        with self.vectors_path.open("ab") as vf, self.keys_path.open("ab") as kf, self.borrowed_path.open("ab") as bf:
            for k, v in fresh:
                self.rows[k] = len(self.rows)
                vf.write(np.asarray(v, dtype=np.float32).tobytes())
                kf.write(k)
                if borrowed:
                    self.borrowed.add(k)
                    bf.write(k)

    def get(self, keys: list[bytes]) -> np.ndarray:
        if self._fd is None:
            self._fd = os.open(self.vectors_path, os.O_RDONLY)
        size = DIM * 4
        return np.stack(
            [np.frombuffer(os.pread(self._fd, size, self.rows[k] * size), dtype=np.float32) for k in keys]
        )


class CachedEmbeddings(Embeddings):
    """Chunk vectors from the cache (a miss is an error: fill the cache first); queries embedded
    by the real model. ``warm`` loads the model and runs one batch, so that a run's peak memory
    includes what the model holds during a real ingest."""

    def __init__(self, cache: VectorCache, settings: Settings, warm: bool = True) -> None:
        self.cache = cache
        self.model = embeddings_for(settings)
        if warm:
            self.model.embed_documents(["warm-up sentence"] * settings.index.embed_batch_size)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        keys = [key(t) for t in texts]
        missing = sum(k not in self.cache for k in keys)
        if missing:
            raise KeyError(f"{missing} of {len(texts)} texts are not in the vector cache {self.cache.folder}")
        return self.cache.get(keys).tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        return self.model.embed_query(text)


def harvest(settings: Settings, cache: VectorCache) -> int:
    """Copy every vector of the store ``settings`` points at into the cache; returns the count."""
    store = open_store(settings, create=False)
    offset, page, total = 0, 5000, 0
    while True:
        got = store.collection.get(include=["documents", "metadatas", "embeddings"], limit=page, offset=offset)
        docs = [
            Document(page_content=text or "", metadata=dict(meta or {}))
            for text, meta in zip(got["documents"] or [], got["metadatas"] or [], strict=True)
        ]
        if docs:
            cache.add([key(embedding_text(d)) for d in docs], np.asarray(got["embeddings"], dtype=np.float32))
        total += len(docs)
        if len(docs) < page:
            return total
        offset += page


def _variant_chunks(index: int) -> list[tuple[int, int, str]]:
    """(start_line, end_line, embedding text) of each chunk of synthetic file ``index``, as the
    loader makes them (the section label and text; the source name does not enter the text)."""
    lines = vary(NOTES_FILE.read_text(encoding="utf-8"), index).split("\n")
    out = []
    for span in chunk_lines(lines):
        text = "\n".join(lines[span.start_line - 1 : span.end_line])
        out.append((span.start_line, span.end_line, embedding_text(Document(text, metadata={"section": span.section}))))
    return out


def _file_index(path: Path) -> int | None:
    stem = path.stem
    return int(stem.removeprefix("notes-")) if stem.startswith("notes-") else None


def fill(corpus: Path, cache: VectorCache, model: LazyEmbeddings) -> dict[str, int]:
    """Make sure every chunk of ``corpus`` has a vector in the cache (see the module docstring)."""
    donors = []
    for i in range(1, 10_000):  # the variants whose every chunk was embedded for real, from file 1 on
        if not all(cache.is_real(key(t)) for _, _, t in _variant_chunks(i)):
            break
        donors.append(i)
    counts = {"cached": 0, "borrowed": 0, "encoded": 0}
    donor_chunks: dict[int, list[tuple[int, int, str]]] = {}
    for path in sorted(corpus.glob("*.txt")):
        docs = NotesLoader(path, corpus).load()
        keys = [key(embedding_text(d)) for d in docs]
        index = _file_index(path)
        new_keys: list[bytes] = []
        new_vectors: list[np.ndarray] = []
        to_encode: list[tuple[bytes, str]] = []
        for doc, k in zip(docs, keys, strict=True):
            if k in cache:
                counts["cached"] += 1
                continue
            donor_key = None
            if index is not None and donors:
                donor = donors[(index - 1) % len(donors)]
                if donor not in donor_chunks:
                    donor_chunks[donor] = _variant_chunks(donor)
                spans = donor_chunks[donor]
                start = int(doc.metadata["start_line"])
                donor_key = next((key(t) for s, e, t in spans if s <= start <= e), None)
            if donor_key is None:
                to_encode.append((k, embedding_text(doc)))
                continue
            rng = np.random.default_rng(int.from_bytes(k[:8], "little"))
            vector = cache.get([donor_key])[0] + rng.normal(0, NOISE, DIM).astype(np.float32)
            new_keys.append(k)
            new_vectors.append(vector / np.linalg.norm(vector))
            counts["borrowed"] += 1
        if new_keys:
            cache.add(new_keys, np.stack(new_vectors), borrowed=True)
        if to_encode:
            encoded = model.embed_documents([t for _, t in to_encode])
            cache.add([k for k, _ in to_encode], np.asarray(encoded, dtype=np.float32))
            counts["encoded"] += len(to_encode)
    return counts


def texts_of(corpus: Path) -> Iterable[str]:
    """The embedding text of every chunk of ``corpus``, in file order."""
    for path in sorted(corpus.glob("*.txt")):
        for doc in NotesLoader(path, corpus).lazy_load():
            yield embedding_text(doc)
