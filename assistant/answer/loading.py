"""The models start loading when the assistant is made, side by side, while the rest of the start
goes on: creating an onnxruntime session (the question embedder's, the cross-encoder's) takes
0.2-0.3 s each on these machines and releases the GIL, so on two cores they overlap.

The loading threads are not daemons: a process that ends before a model is loaded waits for it
rather than tearing down onnxruntime under a session being created."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from assistant.answer.rerank import Reranker

_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="load")


class LoadingReranker:
    """A ``Reranker`` made in the background; ``scores`` waits for it (and raises what it raised)."""

    def __init__(self, cache: Path | None = None) -> None:
        self._made: Future[Reranker] = _POOL.submit(Reranker, cache=cache)

    def scores(self, question: str, passages: list[str]) -> list[float]:
        return self._made.result().scores(question, passages)


def warm(embeddings: Any) -> None:
    """Load and run the question embedder's ONNX export once in the background (a question asked
    meanwhile waits for it). Other embeddings are left to load when first used: a data dir without
    the export would load torch (and say so) for questions an empty index never embeds."""
    if getattr(embeddings, "backend", "") is None and getattr(embeddings, "prefer_onnx", False):
        _POOL.submit(_warm, embeddings)


def _warm(embeddings: Any) -> None:
    path = embeddings.onnx_path()
    if path is not None and path.is_file():
        embeddings.embed_query("warm up")
