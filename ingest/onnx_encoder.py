"""The sentence-transformers model as an ONNX file, so that questions are embedded without torch.

The file is exported once from the model's own weights (``export``, which needs torch) and kept
in the data dir as ``models/<name>-<sha256 of the weights>.onnx``; ``OnnxEncoder`` runs it with
onnxruntime and the model's ``tokenizer.json``, then pools as the model's modules say: the mean
over the attention mask, L2-normalised. Only models of that shape (Transformer, mean Pooling,
Normalize, as all-MiniLM-L6-v2 is) are exported; for any other ``onnx_file`` is None.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

WEIGHTS = ("model.safetensors", "pytorch_model.bin")
MEMO = "weights-sha256.json"  # the weights' hash by (path, size, mtime): hashing 90 MB costs 0.3 s
INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _pooling(folder: Path) -> int | None:
    """The max sequence length if ``folder`` is a Transformer + mean Pooling + Normalize model, else None."""
    try:
        listed = json.loads((folder / "modules.json").read_text())
        modules = [m["type"].rsplit(".", 1)[-1] for m in listed]
        pooling = next(m["path"] for m in listed if m["type"].endswith(".Pooling"))
        config = json.loads((folder / pooling / "config.json").read_text())
        length = json.loads((folder / "sentence_bert_config.json").read_text())["max_seq_length"]
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        return None
    modes = {k for k, v in config.items() if k.startswith("pooling_mode") and v}
    if modules != ["Transformer", "Pooling", "Normalize"] or modes != {"pooling_mode_mean_tokens"}:
        return None
    if not (folder / "tokenizer.json").is_file():
        return None
    return int(length)


def _weights_sha(weights: Path, models: Path) -> str:
    stat = weights.stat()
    stamp = f"{weights.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    memo_file = models / MEMO
    try:
        memo = json.loads(memo_file.read_text())
    except (OSError, ValueError):
        memo = {}
    if isinstance(memo, dict) and isinstance(memo.get(stamp), str):
        return str(memo[stamp])
    with weights.open("rb") as f:
        sha = hashlib.file_digest(f, "sha256").hexdigest()
    try:
        models.mkdir(parents=True, exist_ok=True)
        _write_atomic(memo_file, json.dumps({stamp: sha}).encode())
    except OSError:
        pass  # a read-only data dir: hash again next time
    return sha


def onnx_file(model_folder: str, data_dir: Path, label: str) -> Path | None:
    """Where the ONNX export of the model in ``model_folder`` is (or would be) kept under
    ``data_dir``; None if the model is not of a shape ``OnnxEncoder`` reproduces."""
    folder = Path(model_folder)
    weights = next((folder / w for w in WEIGHTS if (folder / w).is_file()), None)
    if weights is None or _pooling(folder) is None:
        return None
    models = data_dir / "models"
    return models / f"{label}-{_weights_sha(weights, models)[:16]}.onnx"


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export(model_folder: str, dest: Path) -> None:
    """Write the transformer of the model in ``model_folder`` to ``dest`` as ONNX (torch's exporter).
    Written to a temporary file first, so a reader never sees half a model."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    # Eager attention traces to plain matmuls whose padding mask works for any batch shape.
    model = AutoModel.from_pretrained(model_folder, attn_implementation="eager").eval()

    class Hidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.last_hidden_state

    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102], [101, 2023, 102, 0, 0, 0]])
    mask = (ids != 0).long()
    axes = {name: {0: "batch", 1: "tokens"} for name in (*INPUTS, "last_hidden_state")}
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".onnx")
    os.close(fd)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shapes fixed at trace time (none matter here)
            torch.onnx.export(
                Hidden(), (ids, mask, torch.zeros_like(ids)), tmp, input_names=list(INPUTS),
                output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False,
            )
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class OnnxEncoder:
    """Sentence embeddings from an exported model: tokenizer.json + onnxruntime + mean pooling."""

    def __init__(
        self, path: Path, model_folder: str, batch_size: int = 32, threads: int = 1, prepared: bool = True
    ) -> None:
        from tokenizers import Tokenizer

        from ingest.onnx_sessions import session

        folder = Path(model_folder)
        length = _pooling(folder)
        if length is None:
            raise ValueError(f"{model_folder} is not a mean-pooled sentence-transformers model")
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(length)
        self.tokenizer.enable_padding()  # to the longest of each batch, as sentence-transformers does
        self.batch_size = batch_size
        # From its prepared copy beside it (the same vectors, in less memory: ``onnx_sessions``),
        # unless ``prepared`` is False.
        self.session = session(path, path.parent if prepared else None, path.stem, threads)
        self._lock = threading.Lock()  # the tokenizer's padding/truncation state is shared

    def encode(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text, in order."""
        out = np.zeros((len(texts), 0), dtype=np.float32)
        # Sorted by length so that each batch pads little (sentence-transformers does the same).
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            vectors = self._batch([texts[i] for i in batch])
            if not out.shape[1]:
                out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
            out[batch] = vectors
        return out

    def _batch(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            encoded = self.tokenizer.encode_batch(texts)
        feed = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        hidden = self.session.run(None, feed)[0]
        mask = feed["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return pooled / np.clip(norms, 1e-12, None)
