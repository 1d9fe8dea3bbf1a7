"""onnxruntime sessions built from a prepared copy of the model: its graph already optimized, its
weights in a file of their own.

Building a session from the ONNX file itself makes onnxruntime read the whole file, optimize the
graph and copy every weight into its own buffers, so the weights are held twice while the session is
built. The prepared copy is made once (the session that optimizes the graph writes it) and kept in a
cache folder: ``<name>-<key>/model.onnx`` beside ``model.bin``, which holds the weights.
onnxruntime maps the large weights of that file instead of copying them (those it pre-packs for its
matrix multiplications it still copies; the embedder's word-embedding table stays mapped, and only
the rows a text touches are read), and skips the optimization. On these 2-core
machines this halves what a session adds to the process (the question embedder: +122 MB to +59 MB;
the cross-encoder: +72 MB to +41 MB) and its build time, and the app's peak after 100 questions
went from 398-401 MB to 371-374 MB (``python -m benchmarks.bench_sessions``, ``benchmarks/RESULTS.md``).

The graph run is the one the source gives at the level used here, so the outputs are the same,
bit for bit: ``tests/test_onnx_sessions.py`` checks it with the real models. The key covers the
source file (path, size, mtime), the onnxruntime version and the optimization level; the question
embedder's source is itself named by the SHA-256 of the weights it was exported from. The copy is
written to a temporary folder, flushed to disk, then renamed into place: a reader (another process
among them) sees all of it or none, and of two processes preparing at once the second to finish
uses the first's copy. Making a copy removes the copies of other keys under the same name (a model
or onnxruntime that changed) and temporary folders over an hour old (a preparation that was killed).
Where no prepared copy can be made (a read-only folder) or loaded (a damaged copy, removed so that
the next start makes it again), the session is built from the source as before."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

MODEL = "model.onnx"
WEIGHTS = "model.bin"
# Saved at this level and loaded with optimization off: the graph onnxruntime runs for the source.
# EXTENDED rather than ALL: ALL may add layout changes fitted to this CPU (onnxruntime warns so).
LEVEL = "ORT_ENABLE_EXTENDED"
KEY_DIGITS = 16
ABANDONED_S = 3600.0  # a temporary folder this old belongs to a preparation that was killed


def _ort_errors() -> tuple[type[Exception], ...]:
    from onnxruntime.capi import onnxruntime_pybind11_state as state

    return tuple(getattr(state, name) for name in
                 ("Fail", "InvalidArgument", "InvalidGraph", "InvalidProtobuf", "NoSuchFile", "RuntimeException"))


def _options(threads: int) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return options


def prepared_dir(source: Path, cache: Path, name: str) -> Path:
    """Where the prepared copy of ``source`` is (or would be) kept under ``cache``, named ``name``."""
    import onnxruntime

    stat = source.stat()
    stamp = f"{source.resolve()}:{stat.st_size}:{stat.st_mtime_ns}:{onnxruntime.__version__}:{LEVEL}"
    return cache / f"{name}-{hashlib.sha256(stamp.encode()).hexdigest()[:KEY_DIGITS]}"


def _flush(folder: Path) -> None:
    """The files of ``folder``, then the folder itself, written through to the disk: after a crash the
    renamed folder holds the weights, not a file of the right size that was never written."""
    for path in folder.iterdir():
        with path.open("rb") as f:
            os.fsync(f.fileno())
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sweep(cache: Path, name: str, keep: Path) -> None:
    """Remove the prepared copies of ``name`` other than ``keep`` (made for another source or
    onnxruntime), and temporary folders of ``name`` left by a preparation killed over an hour ago.
    A process still running from a removed copy keeps its mapped weights (Linux frees them on its exit)."""
    copy = re.compile(rf"{re.escape(name)}-[0-9a-f]{{{KEY_DIGITS}}}")
    temporary = re.compile(rf"\.{re.escape(name)}-[0-9a-f]{{{KEY_DIGITS}}}\..+")
    for path in cache.iterdir():
        try:
            if path == keep or not path.is_dir():
                continue
            if copy.fullmatch(path.name) or (
                temporary.fullmatch(path.name) and time.time() - path.stat().st_mtime > ABANDONED_S
            ):
                shutil.rmtree(path, ignore_errors=True)
        except OSError:
            continue  # removed by another process meanwhile


def prepare(source: Path, cache: Path, name: str) -> Path:
    """The prepared copy of ``source`` (its folder), made if missing; an OSError if it can't be
    written. Made in a temporary folder, then renamed: a reader never sees half of it."""
    import onnxruntime

    folder = prepared_dir(source, cache, name)
    if (folder / MODEL).is_file() and (folder / WEIGHTS).is_file():
        return folder
    cache.mkdir(exist_ok=True)  # in an existing folder only (a data dir that is not made yet stays so)
    tmp = Path(tempfile.mkdtemp(dir=cache, prefix=f".{folder.name}."))
    try:
        options = _options(1)
        options.graph_optimization_level = getattr(onnxruntime.GraphOptimizationLevel, LEVEL)
        options.optimized_model_filepath = str(tmp / MODEL)
        options.add_session_config_entry("session.optimized_model_external_initializers_file_name", WEIGHTS)
        options.add_session_config_entry("session.optimized_model_external_initializers_min_size_in_bytes", "1024")
        onnxruntime.InferenceSession(str(source), options, providers=["CPUExecutionProvider"])
        if not (tmp / MODEL).is_file() or not (tmp / WEIGHTS).is_file():
            raise OSError(f"onnxruntime did not write the prepared copy of {source}")
        _flush(tmp)
        try:
            os.rename(tmp, folder)
        except OSError:
            if not (folder / MODEL).is_file():  # else another process made it meanwhile: theirs is used
                raise
        else:
            _sweep(cache, name, keep=folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


def session(source: Path, cache: Path | None, name: str, threads: int = 1) -> Any:
    """A CPU session running ``source``: from its prepared copy under ``cache`` (made on first use),
    or from ``source`` itself when ``cache`` is None or no prepared copy can be made or loaded."""
    import onnxruntime

    if cache is not None:
        try:
            folder = prepare(source, cache, name)
            options = _options(threads)
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
            return onnxruntime.InferenceSession(str(folder / MODEL), options, providers=["CPUExecutionProvider"])
        except OSError:
            pass  # a read-only cache: the source still answers
        except _ort_errors():  # a damaged copy: removed (the next start makes it again); the source answers
            shutil.rmtree(prepared_dir(source, cache, name), ignore_errors=True)
    return onnxruntime.InferenceSession(str(source), _options(threads), providers=["CPUExecutionProvider"])
