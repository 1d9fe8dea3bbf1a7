"""The index: embeddings and the Chroma vector store (the ingest records are in ``ingest.records``).

Example (after ``study ingest``)::

    store = open_store(Settings(), create=False)
    store.similarity_search("SQS visibility timeout", k=1)
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlparse

from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from core.settings import Settings
from ingest.embeddings import embeddings_for
from ingest.errors import StoreError

MODEL_KEY = "embedding_model"


def embedding_text(doc: Document) -> str:
    """What is embedded for a chunk: its section title, then its text."""
    section = doc.metadata.get("section", "")
    return f"{section}\n{doc.page_content}" if section else doc.page_content


class NotesVectorStore(Chroma):
    """Chroma that embeds each chunk together with its section title while storing the chunk's
    exact text, so that a chunk under "SQS" that never names SQS is still found for "SQS".

    ``collection`` is chromadb's own handle on the collection (its public API: upsert, get, count),
    for what LangChain's ``Chroma`` does not offer: storing vectors of a text other than the one kept."""

    def __init__(self, *, client: Any, collection_name: str, **kwargs: Any) -> None:
        super().__init__(client=client, collection_name=collection_name, **kwargs)
        self.collection = client.get_collection(collection_name)

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        ids = kwargs.get("ids") or [doc.id or str(uuid.uuid4()) for doc in documents]
        if not documents:
            return []
        assert self.embeddings is not None
        vectors = self.embeddings.embed_documents([embedding_text(doc) for doc in documents])
        self.collection.upsert(
            ids=list(ids),
            embeddings=vectors,  # type: ignore[arg-type]
            documents=[doc.page_content for doc in documents],
            metadatas=[doc.metadata for doc in documents],
        )
        return list(ids)

    def documents(self, where: dict[str, Any] | None = None) -> list[Document]:
        """Every stored chunk (or those matching ``where``), with ids, in pages of 5,000."""
        docs: list[Document] = []
        offset, page = 0, 5000
        while True:
            got = self.collection.get(where=where, include=["documents", "metadatas"], limit=page, offset=offset)
            for id_, text, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True):
                docs.append(Document(id=id_, page_content=text or "", metadata=dict(meta or {})))
            if len(got["ids"]) < page:
                return docs
            offset += page

    def count(self) -> int:
        return self.collection.count()

    def vectors(self, ids: list[str]) -> dict[str, Any]:
        """The stored embedding of each of ``ids`` (those that exist)."""
        got = self.collection.get(ids=ids, include=["embeddings"])
        return dict(zip(got["ids"], got["embeddings"] if got["embeddings"] is not None else [], strict=True))

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
    return chromadb.PersistentClient(path=str(settings.chroma_dir))


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
    built_with = (store.collection.metadata or {}).get(MODEL_KEY)
    if built_with != settings.index.embedding_model:
        raise StoreError(
            f"the index was built with embedding model '{built_with}', not '{settings.index.embedding_model}': "
            f"re-ingest into a fresh data dir, or set STUDY_INDEX__EMBEDDING_MODEL='{built_with}'"
        )
    return store
