"""How alike short texts are, by the bundled embedding model: one matrix, compared in numpy.

Vectors are kept per model and text for the life of the process, so a second quiz from the same notes
embeds nothing. Without a model, word overlap (Jaccard) stands in.

>>> from langchain_core.embeddings import DeterministicFakeEmbedding
>>> sim = Similarity(DeterministicFakeEmbedding(size=8), ["SQS", "SNS", "EC2"])
>>> round(sim("SQS", "SQS"), 3), sim.to("SQS", ["SNS", "EC2"]).shape
(1.0, (2,))
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.quiz.names import loose

# model id -> (the model, kept so that its id is not reused; text -> unit vector)
_VECTORS: dict[int, tuple[Embeddings, dict[str, np.ndarray]]] = {}
_LOCK = threading.Lock()
_DEFAULT_EMBEDDINGS: dict[str, Embeddings] = {}


def default_embeddings() -> Embeddings:
    """The bundled all-MiniLM-L6-v2 (loaded on first use, once per process)."""
    from core.settings import Settings
    from ingest.embeddings import embeddings_for

    settings = Settings()
    name = settings.index.embedding_model
    if name not in _DEFAULT_EMBEDDINGS:
        _DEFAULT_EMBEDDINGS[name] = embeddings_for(settings, for_questions=True)
    return _DEFAULT_EMBEDDINGS[name]


def _unit_vectors(embeddings: Embeddings, texts: Sequence[str]) -> dict[str, np.ndarray]:
    """Each text's unit vector, embedding (in one batch) only those not seen before with this model."""
    with _LOCK:
        if id(embeddings) not in _VECTORS:
            if len(_VECTORS) >= 4:
                _VECTORS.pop(next(iter(_VECTORS)))
            _VECTORS[id(embeddings)] = (embeddings, {})
        cache = _VECTORS[id(embeddings)][1]
    missing = [t for t in texts if t not in cache]
    if missing:
        raw = np.asarray(embeddings.embed_documents(missing), dtype=np.float32)
        norms = np.linalg.norm(raw, axis=1, keepdims=True)
        matrix = (raw / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        with _LOCK:
            cache.update(zip(missing, matrix, strict=True))
    return {t: cache[t] for t in texts}


def _jaccard(a: str, b: str) -> float:
    x, y = set(loose(a).split()), set(loose(b).split())
    return len(x & y) / max(1, len(x | y))


class Similarity:
    """Cosine similarity between the texts it was made with (others by word overlap)."""

    def __init__(self, embeddings: Embeddings | None, texts: Sequence[str]) -> None:
        unique = sorted({t for t in texts if t})
        self.index: dict[str, int] = {}
        self.matrix = np.zeros((0, 1), dtype=np.float32)
        if embeddings is not None and unique:
            vectors = _unit_vectors(embeddings, unique)
            self.index = {t: i for i, t in enumerate(unique)}
            self.matrix = np.stack([vectors[t] for t in unique])

    def __call__(self, a: str, b: str) -> float:
        i, j = self.index.get(a), self.index.get(b)
        if i is None or j is None:
            return _jaccard(a, b)
        return float(self.matrix[i] @ self.matrix[j])

    def to(self, target: str, candidates: Sequence[str]) -> np.ndarray:
        """The similarity of each candidate to ``target``, as one array."""
        t = self.index.get(target)
        rows = [self.index.get(c, -1) for c in candidates]
        if t is None or -1 in rows:
            return np.array([_jaccard(target, c) for c in candidates], dtype=np.float32)
        return np.asarray(np.dot(self.matrix[rows], self.matrix[t]), dtype=np.float32)

    def most(self, first: Sequence[str], second: Sequence[str]) -> float:
        """The highest similarity between a text of ``first`` and one of ``second``."""
        rows = [self.index.get(x, -1) for x in first]
        cols = [self.index.get(y, -1) for y in second]
        if not rows or not cols:
            return 0.0
        if -1 in rows or -1 in cols:
            return max(_jaccard(x, y) for x in first for y in second)
        return float(np.max(np.dot(self.matrix[rows], self.matrix[cols].T)))
