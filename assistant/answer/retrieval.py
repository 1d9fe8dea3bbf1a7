"""Hybrid retrieval over the notes: BM25 keywords + dense vectors, fused by reciprocal rank.

``NotesRetriever.search(query, vector)`` returns chunk Documents, best first, with
``metadata["score"]`` (fused) and ``metadata["dense"]`` (cosine similarity to the question);
``langchain_retriever`` wraps it as a LangChain ``BaseRetriever`` (``.invoke("SQS visibility timeout")``).

In the embedded store, a retriever searches its generation's chunks in memory: their texts, their
stored vectors and the BM25 index, saved in the data dir per generation (``saved_index``), so that
a start with unchanged notes neither reads every chunk back from Chroma nor imports chromadb.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from langchain_core.documents import Document

from core.text import terms
from ingest.chunking import embedding_text

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.retrievers import BaseRetriever

    from assistant.answer.saved_index import SavedIndex
    from ingest.store import NotesVectorStore

log = logging.getLogger(__name__)
RRF_K = 5  # small: top ranks dominate (hit@5 on the eval set 94.6% at the usual 60, 96.9% at 5)


@dataclass
class KeywordIndex:
    """BM25 over every chunk's section title and text, built once per index generation (by bm25s)
    and searched here with bm25s's own arithmetic (its numpy backend), so that a saved index is
    searched without importing bm25s and scipy (0.4 s of a cold question)."""

    docs: Sequence[Document]
    data: np.ndarray  # bm25s's term x document score matrix, CSC: scores, document ids, term offsets
    indices: np.ndarray
    indptr: np.ndarray
    vocab: dict[str, int]
    idf: dict[str, float]
    max_idf: float
    topics: set[str]
    dtype: str = "float32"

    @classmethod
    def build(cls, docs: list[Document]) -> KeywordIndex:
        """The index of ``docs`` (bm25s, Lucene's BM25)."""
        import bm25s

        logging.getLogger("bm25s").setLevel(logging.WARNING)  # it sets itself to DEBUG on import
        corpus = [terms(embedding_text(d)) or ["_"] for d in docs]
        bm25 = bm25s.BM25()
        if corpus:  # bm25s fails on an empty corpus; search() answers nothing without docs
            bm25.index(corpus, show_progress=False)
            data, indices, indptr = (bm25.scores[name] for name in ("data", "indices", "indptr"))
            vocab = {str(t): int(i) for t, i in bm25.vocab_dict.items()}
        else:
            data, indices, indptr, vocab = np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(1, np.int32), {}
        df = Counter(t for tokens in corpus for t in set(tokens))
        n = max(len(docs), 1)
        idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        # Words of section titles that are not everywhere: what a question names as its topic.
        topics = {t for d in docs for t in terms(str(d.metadata.get("section", ""))) if idf.get(t, 0) > 1.0}
        return cls(docs, data, indices, indptr, vocab, idf, math.log(1 + (n + 0.5) / 0.5), topics, str(bm25.dtype))

    def weight(self, term: str) -> float:
        """How telling a term is; unseen terms count as the rarest."""
        return self.idf.get(term, self.max_idf)

    def search(self, query_terms: list[str], k: int) -> list[tuple[Document, float]]:
        known = [t for t in query_terms if t in self.idf]
        if not known or not self.docs:
            return []
        ids, scores = self.top(known, min(k, len(self.docs)))
        return [(self.docs[int(i)], float(s)) for i, s in zip(ids, scores, strict=True) if s > 0]

    def top(self, query_terms: list[str], k: int) -> tuple[np.ndarray, np.ndarray]:
        """Document ids and scores of the ``k`` best, best first: what ``bm25s.BM25.retrieve`` gives
        (numpy backend), step for step, ties included."""
        ids = np.asarray([self.vocab[t] for t in query_terms if t in self.vocab], dtype=np.int32)
        scores = np.zeros(len(self.docs), dtype=self.dtype)
        for start, end in zip(self.indptr[ids], self.indptr[ids + 1], strict=True):
            np.add.at(scores, self.indices[start:end], self.data[start:end])
        best = np.argpartition(scores, -k)[-k:]
        best_scores = np.take(scores, best)
        order = np.flip(np.argsort(best_scores))
        return best[order], best_scores[order]


@dataclass
class Chunks:
    """What a retriever searches: one generation's chunks, their stored vectors row for row (None:
    the dense search asks the store) and their keyword index."""

    docs: Sequence[Document]
    vectors: np.ndarray | None
    keywords: KeywordIndex
    _rows: dict[str, int] | None = None
    _norms: np.ndarray | None = None

    def norms(self) -> np.ndarray:
        """Each vector's length (the store compares directions: its space is cosine)."""
        if self._norms is None:
            assert self.vectors is not None
            norms = np.linalg.norm(self.vectors, axis=1)
            self._norms = np.where(norms > 0, norms, 1.0).astype(np.float32)
        return self._norms

    def rows(self) -> dict[str, int]:
        """Chunk id -> its row of ``vectors``."""
        if self._rows is None:
            ids = getattr(self.docs, "ids", None) or [d.id for d in self.docs]  # saved chunks know their ids
            self._rows = {id_: n for n, id_ in enumerate(ids) if id_}
        return self._rows


class NotesRetriever:
    """BM25 + dense search over the notes store, fused by reciprocal rank fusion.

    A retriever reads one generation of the index: ``where`` filters both searches to the chunks
    that generation shows (None: every chunk). The assistant makes a new retriever when it changes.
    ``store`` is the store or a function that opens it (called only when the store is needed).
    With ``saved`` (the embedded store), the chunks, their vectors and the keyword index are loaded
    from the data dir when saved for this generation, else read from the store and saved, and the
    dense search runs in memory; without it, the store answers the dense search."""

    def __init__(
        self,
        store: NotesVectorStore | Callable[[], NotesVectorStore],
        k: int = 8,
        fetch_k: int = 30,
        where: dict[str, Any] | None = None,
        saved: SavedIndex | None = None,
    ) -> None:
        self._store = store
        self.k = k
        self.fetch_k = fetch_k
        self.where = where
        self.saved = saved
        self._chunks: Chunks | None = None
        self._rebuild = False
        self._lock = threading.Lock()

    @property
    def store(self) -> NotesVectorStore:
        return self._store() if callable(self._store) else self._store

    def loaded(self) -> Chunks:
        """The chunks this retriever reads, loaded or built on first use."""
        with self._lock:
            if self._chunks is None:
                self._chunks = self._load()
            return self._chunks

    def _load(self) -> Chunks:
        if self.saved is None:
            docs = self.store.documents(self.where)
            return Chunks(docs, None, KeywordIndex.build(docs))
        if not self._rebuild:
            found = self.saved.load()
            if found is not None:
                return found
        docs, vectors = self.store.documents_and_vectors(self.where)
        chunks = Chunks(docs, vectors, KeywordIndex.build(docs))
        self.saved.save(chunks)
        self._rebuild = False
        return chunks

    def keyword_index(self) -> KeywordIndex:
        """The BM25 index over the chunks this retriever reads, built on first use."""
        return self.loaded().keywords

    def chunks(self) -> list[Document]:
        """Every chunk this retriever reads."""
        return list(self.loaded().docs)

    def refresh(self) -> None:
        """Forget the chunks and rebuild them from the store (call after an ingest that may have
        edited chunks in place)."""
        with self._lock:
            self._chunks = None
            self._rebuild = True

    def search(self, query: str, query_vector: list[float] | None, k: int | None = None) -> list[Document]:
        """Fused results for ``query`` whose embedding is ``query_vector`` (None: keywords alone)."""
        k = k or self.k
        chunks = self.loaded()
        keywords = chunks.keywords
        if query_vector is None:
            dense: list[tuple[Document, float]] = []
        elif chunks.vectors is not None:
            dense = _nearest(chunks, query_vector, self.fetch_k)
        else:
            dense = self.store.similarity_search_by_vector_with_relevance_scores(
                query_vector, k=self.fetch_k, filter=self.where
            )
        lexical = keywords.search(terms(query), self.fetch_k)
        # Equal scores are ordered by place in the notes, never by the order the index returns them
        # in (HNSW returns equal distances in insertion order, BM25 equal scores in storage order).
        dense = sorted(dense, key=lambda hit: (float(hit[1]), _place(hit[0])))
        lexical = sorted(lexical, key=lambda hit: (-hit[1], _place(hit[0])))
        fused: dict[str, float] = {}
        by_key: dict[str, Document] = {}
        similarity: dict[str, float] = {}
        for rank, (doc, distance) in enumerate(dense):
            key = _key(doc)
            fused[key] = fused.get(key, 0.0) + 1 / (RRF_K + rank + 1)
            by_key[key] = doc
            similarity[key] = 1.0 - float(distance)
        for rank, (doc, _score) in enumerate(lexical):
            key = _key(doc)
            fused[key] = fused.get(key, 0.0) + 1 / (RRF_K + rank + 1)
            by_key.setdefault(key, doc)
        seen = {key: n for n, key in enumerate(fused)}  # dense hits by rank, then keyword-only hits by rank
        best = sorted(fused, key=lambda key: (-fused[key], seen[key]))[:k]
        missing = [key for key in best if key not in similarity]
        if query_vector is None:  # keywords alone: no dense similarity
            similarity.update(dict.fromkeys(missing, 0.0))
        elif missing:
            # Keyword-only hits: their stored vectors give the dense similarity without re-embedding.
            ids = [by_key[key].id for key in missing]
            vectors = _stored_vectors(chunks, [i for i in ids if i]) if chunks.vectors is not None else (
                self.store.vectors([i for i in ids if i])
            )
            for key, id_ in zip(missing, ids, strict=True):
                vector = vectors.get(id_) if id_ else None
                similarity[key] = float(np.dot(vector, query_vector)) if vector is not None else 0.0
        return [
            Document(
                id=by_key[key].id,
                page_content=by_key[key].page_content,
                metadata={**by_key[key].metadata, "score": fused[key], "dense": similarity[key]},
            )
            for key in best
        ]


def langchain_retriever(retriever: NotesRetriever, embeddings: Embeddings) -> BaseRetriever:
    """``retriever`` as a LangChain ``BaseRetriever`` embedding its queries with ``embeddings``
    (LangChain's runnables are imported here, not on the question path)."""
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.retrievers import BaseRetriever

    class Retriever(BaseRetriever):
        def _get_relevant_documents(
            self, query: str, *, run_manager: CallbackManagerForRetrieverRun
        ) -> list[Document]:
            return retriever.search(query, embeddings.embed_query(query))

    return Retriever()


def _nearest(chunks: Chunks, query_vector: list[float], k: int) -> list[tuple[Document, float]]:
    """The ``k`` chunks nearest ``query_vector`` with their cosine distances, as the store's
    search gives them (exhaustive here, where the store's HNSW graph is approximate)."""
    assert chunks.vectors is not None
    if not len(chunks.docs):
        return []
    query = np.asarray(query_vector, dtype=np.float32)
    query /= np.linalg.norm(query) or 1.0
    distances = 1.0 - (chunks.vectors @ query) / chunks.norms()
    if len(distances) > k:  # every chunk as near as the k-th, so that ties are broken by place
        cut = np.partition(distances, k - 1)[k - 1]
        rows = np.flatnonzero(distances <= cut)
    else:
        rows = np.arange(len(distances))
    hits = [(chunks.docs[int(i)], float(distances[i])) for i in rows]
    return sorted(hits, key=lambda hit: (hit[1], _place(hit[0])))[:k]


def _stored_vectors(chunks: Chunks, ids: list[str]) -> dict[str, Any]:
    """The stored vector of each of ``ids`` (the same rows the store's lookup by id returns)."""
    assert chunks.vectors is not None
    rows = chunks.rows()
    return {id_: chunks.vectors[rows[id_]] for id_ in ids if id_ in rows}


def _place(doc: Document) -> tuple[str, int, int]:
    meta = doc.metadata
    return str(meta.get("source")), int(meta.get("start_line", 0)), int(meta.get("end_line", 0))


def _key(doc: Document) -> str:
    meta = doc.metadata
    return f"{meta.get('source')}:{meta.get('start_line')}-{meta.get('end_line')}"
