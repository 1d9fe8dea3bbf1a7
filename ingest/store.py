"""The index: embeddings and the Chroma vector store (the ingest records are in ``ingest.records``,
the generations readers see in ``ingest.generations``).

Example (after ``study ingest``)::

    store = open_store(Settings(), create=False)
    store.similarity_search("SQS visibility timeout", k=1)
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar
from urllib.parse import urlparse

import httpx
import numpy as np
from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from core.settings import Settings
from ingest.chunking import embedding_text
from ingest.embeddings import LazyEmbeddings, embeddings_for
from ingest.errors import StoreError
from ingest.generations import FOLDER_KEY, GENERATION_KEY, INTERNAL_KEYS, NEVER, RETIRED_KEY

Embeddings.register(LazyEmbeddings)  # it has the interface without importing it (ingest.embeddings)
MODEL_KEY = "embedding_model"
PAGE = 5000  # chunks per get or update
F = TypeVar("F", bound=Callable[..., Any])


def _transport(method: F) -> F:
    """In server mode, a request that can't reach the Chroma server is a StoreError naming it
    (every caller handles StoreError), not an httpx error from deep inside the client."""

    @functools.wraps(method)
    def call(self: NotesVectorStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except httpx.HTTPError as exc:
            raise StoreError(f"lost the Chroma server at {self.server or 'its address'}: {exc}") from None

    return call  # type: ignore[return-value]


class NotesVectorStore(Chroma):
    """Chroma that embeds each chunk together with its section title while storing the chunk's
    exact text, so that a chunk under "SQS" that never names SQS is still found for "SQS".

    ``collection`` is chromadb's own handle on the collection (its public API: upsert, get, count),
    for what LangChain's ``Chroma`` does not offer: storing vectors of a text other than the one kept.

    While an ingest writes (``writing`` is its folder and generation, see ``ingest.generations``),
    the chunks it adds carry that generation and the chunks it deletes are only marked retired."""

    def __init__(self, *, client: Any, collection_name: str, **kwargs: Any) -> None:
        super().__init__(client=client, collection_name=collection_name, **kwargs)
        self.collection = client.get_collection(collection_name)
        self.writing: tuple[str, int] | None = None
        self.server: str | None = None  # the Chroma server's URL, in server mode

    @_transport
    def similarity_search_by_vector_with_relevance_scores(  # type: ignore[override]
        self, embedding: list[float], k: int = 4, filter: dict[str, Any] | None = None, **kwargs: Any
    ) -> list[tuple[Document, float]]:
        return super().similarity_search_by_vector_with_relevance_scores(embedding, k=k, filter=filter, **kwargs)

    @_transport
    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        ids = kwargs.get("ids") or [doc.id or str(uuid.uuid4()) for doc in documents]
        if not documents:
            return []
        assert self.embeddings is not None
        vectors = self.embeddings.embed_documents([embedding_text(doc) for doc in documents])
        stamp = {}
        if self.writing:
            folder, generation = self.writing
            stamp = {FOLDER_KEY: folder, GENERATION_KEY: generation, RETIRED_KEY: NEVER}
        self.collection.upsert(
            ids=list(ids),
            embeddings=vectors,  # type: ignore[arg-type]
            documents=[doc.page_content for doc in documents],
            metadatas=[{**doc.metadata, **stamp} for doc in documents],
        )
        return list(ids)

    @_transport
    def delete(self, ids: list[str] | None = None, **kwargs: Any) -> None:
        """Delete chunks; while an ingest writes, mark them retired by its generation instead."""
        if self.writing and ids:
            self.retire(ids, self.writing[1])
            return
        super().delete(ids, **kwargs)

    @_transport
    def retire(self, ids: list[str], generation: int) -> None:
        """Mark chunks as gone from ``generation`` on (``NEVER``: current again)."""
        for start in range(0, len(ids), PAGE):
            part = ids[start : start + PAGE]
            self.collection.update(ids=part, metadatas=[{RETIRED_KEY: generation} for _ in part])

    @_transport
    def purge(self, folder: str, committed: int) -> None:
        """Delete the chunks of ``folder`` retired at or before the ``committed`` generation."""
        self.collection.delete(where={"$and": [{FOLDER_KEY: folder}, {RETIRED_KEY: {"$lte": committed}}]})

    @_transport
    def marks(self, where: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
        """Chunk id -> metadata (generation marks included) of every chunk, or those matching ``where``."""
        found: dict[str, dict[str, Any]] = {}
        offset = 0
        while True:
            got = self.collection.get(where=where, include=["metadatas"], limit=PAGE, offset=offset)
            found.update(zip(got["ids"], [dict(m or {}) for m in got["metadatas"] or []], strict=True))
            if len(got["ids"]) < PAGE:
                return found
            offset += PAGE

    @_transport
    def stamp(self, marks: dict[str, dict[str, Any]]) -> None:
        """Set generation marks (``{id: {"folder": ..., "generation": ..., "retired": ...}}``)."""
        items = list(marks.items())
        for start in range(0, len(items), PAGE):
            part = items[start : start + PAGE]
            self.collection.update(ids=[i for i, _ in part], metadatas=[m for _, m in part])

    @_transport
    def documents(self, where: dict[str, Any] | None = None) -> list[Document]:
        """Every stored chunk (or those matching ``where``), with ids, in pages of 5,000; their
        metadata is what the loader made (no generation marks)."""
        return self.documents_and_vectors(where, vectors=False)[0]

    @_transport
    def documents_and_vectors(
        self, where: dict[str, Any] | None = None, vectors: bool = True
    ) -> tuple[list[Document], Any]:
        """``documents(where)`` and, row for row, their stored vectors (a float32 array; None
        without ``vectors``), read in the same pages so that rows and chunks match."""
        docs: list[Document] = []
        rows: list[Any] = []
        include: list[Any] = ["documents", "metadatas", *(["embeddings"] if vectors else [])]
        offset = 0
        while True:
            got = self.collection.get(where=where, include=include, limit=PAGE, offset=offset)
            for id_, text, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True):
                shown = {k: v for k, v in (meta or {}).items() if k not in INTERNAL_KEYS}
                docs.append(Document(id=id_, page_content=text or "", metadata=shown))
            if vectors and len(got["ids"]):
                rows.append(np.asarray(got["embeddings"], dtype=np.float32))
            if len(got["ids"]) < PAGE:
                break
            offset += PAGE
        if not vectors:
            return docs, None
        return docs, np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)

    @_transport
    def count(self) -> int:
        return self.collection.count()

    @_transport
    def vectors(self, ids: list[str]) -> dict[str, Any]:
        """The stored embedding of each of ``ids`` (those that exist)."""
        got = self.collection.get(ids=ids, include=["embeddings"])
        return dict(zip(got["ids"], got["embeddings"] if got["embeddings"] is not None else [], strict=True))

    @_transport
    def version(self) -> tuple[int, str]:
        """Changes whenever chunks are added or removed: keys caches built over the whole index."""
        ids: Iterable[str] = self.collection.get(include=[])["ids"]
        return self.count(), hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()


def _client(settings: Settings) -> Any:
    import chromadb

    if settings.chroma_url:
        url = urlparse(settings.chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise StoreError(f"chroma_url '{settings.chroma_url}' is not of the form http://HOST:PORT")
        try:
            client = chromadb.HttpClient(
                host=url.hostname,
                port=url.port or (443 if url.scheme == "https" else 8000),
                ssl=url.scheme == "https",
            )
            client.heartbeat()
        except Exception as exc:  # the client raises assorted connection errors
            raise StoreError(f"cannot reach the Chroma server at {settings.chroma_url}: {exc}") from None
        return client
    settings.chroma_dir.mkdir(parents=True, exist_ok=True)
    try:
        return chromadb.PersistentClient(path=str(settings.chroma_dir))
    except Exception as exc:  # chromadb raises assorted errors for a database it can't read
        raise StoreError(
            f"cannot open the index in {settings.chroma_dir} ({exc}); if it is damaged, move that folder "
            "aside and run `study ingest` to rebuild it"
        ) from None


def open_store(settings: Settings, embeddings: Embeddings | None = None, create: bool = True) -> NotesVectorStore:
    """The notes collection; a StoreError if it is missing (``create=False``), unreachable,
    or was built with another embedding model."""
    if not create and not settings.chroma_url and not settings.chroma_dir.is_dir():
        raise StoreError(f"no index yet in {settings.chroma_dir}: run `study ingest` first")
    client = _client(settings)
    if not create:
        names = {getattr(c, "name", c) for c in client.list_collections()}
        if settings.index.collection not in names:
            where = settings.chroma_url or settings.chroma_dir
            raise StoreError(f"no index yet in {where}: run `study ingest` first")
    store = NotesVectorStore(
        collection_name=settings.index.collection,
        embedding_function=embeddings or embeddings_for(settings),
        client=client,
        collection_metadata={MODEL_KEY: settings.index.embedding_model},
        collection_configuration={"hnsw": {"space": "cosine"}},
    )
    store.server = settings.chroma_url
    built_with = (store.collection.metadata or {}).get(MODEL_KEY)
    if built_with != settings.index.embedding_model:
        raise StoreError(
            f"the index was built with embedding model '{built_with}', not '{settings.index.embedding_model}': "
            f"re-ingest into a fresh data dir, or set STUDY_INDEX__EMBEDDING_MODEL='{built_with}'"
        )
    return store


def reopen_store(settings: Settings, embeddings: Embeddings | None = None) -> NotesVectorStore:
    """The notes collection on a new embedded client, which reads what other processes wrote.

    An embedded Chroma client keeps one system per folder per process and never rereads the vectors
    another process added (a search misses them; a lookup by id fails with "Error finding id"), so a
    reader that learns of another process's ingest drops the cached systems and opens the store anew.
    Existing clients keep working on their old systems until they are dropped."""
    if not settings.chroma_url:
        from chromadb.api.client import SharedSystemClient

        SharedSystemClient.clear_system_cache()
    return open_store(settings, embeddings, create=False)
