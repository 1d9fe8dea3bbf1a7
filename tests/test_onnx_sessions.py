"""Sessions built from a model's prepared copy (``ingest.onnx_sessions``) give the scores and the
vectors of the source model bit for bit, reuse the copy, fall back to the source when the copy
can't be written or is damaged or half there, remove stale copies, and stay whole when two processes
prepare at once. Real models: the bundled cross-encoder, and the export of all-MiniLM-L6-v2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.answer.rerank import Reranker, model_dir
from core.settings import BUNDLED_MODEL, PROJECT_ROOT
from ingest.embeddings import model_path
from ingest.onnx_encoder import OnnxEncoder, onnx_file
from ingest.onnx_sessions import MODEL, WEIGHTS, prepared_dir, session

pytestmark = pytest.mark.slow

QUESTION = "What is the default visibility timeout of SQS?"
NOTES = PROJECT_ROOT / "corpus" / "aws-developer-associate-notes.txt"


def _lines() -> list[str]:
    lines = [line.strip() for line in NOTES.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [*lines[100:220], "x", "word " * 300]  # one token, and past both models' token limits


def _model_path(session: object) -> Path:
    return Path(session._model_path)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def source_scores() -> list[float]:
    return Reranker().scores(QUESTION, _lines())


def test_reranker_scores_from_the_prepared_copy_are_the_source_scores(
    tmp_path: Path, source_scores: list[float]
) -> None:
    reranker = Reranker(cache=tmp_path)
    folder = prepared_dir(model_dir() / "model.onnx", tmp_path, "reranker")
    assert _model_path(reranker.session) == folder / MODEL
    assert (folder / WEIGHTS).stat().st_size > 30_000_000  # the weights live beside the graph
    assert reranker.scores(QUESTION, _lines()) == source_scores  # bit for bit
    made = (folder / WEIGHTS).stat().st_mtime_ns
    again = Reranker(cache=tmp_path)  # the next start reuses the copy
    assert _model_path(again.session) == folder / MODEL
    assert (folder / WEIGHTS).stat().st_mtime_ns == made
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]  # no temporary folder left behind


def test_a_cache_that_cannot_be_written_runs_the_source(tmp_path: Path, source_scores: list[float]) -> None:
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    missing = tmp_path / "no-data-dir" / "models"
    for cache in (not_a_folder, missing):
        reranker = Reranker(cache=cache)
        assert _model_path(reranker.session) == model_dir() / "model.onnx"
        assert reranker.scores(QUESTION, _lines()) == source_scores
    assert not missing.parent.exists()  # a data dir that is not made yet is not made by the cross-encoder


def _truncate_weights(folder: Path) -> None:
    with (folder / WEIGHTS).open("r+b") as f:
        f.truncate(1000)


def _remove_weights(folder: Path) -> None:  # a copy made without the atomic rename, interrupted
    (folder / WEIGHTS).unlink()


def _empty_graph(folder: Path) -> None:
    (folder / MODEL).write_bytes(b"")


@pytest.mark.parametrize("damage", [_truncate_weights, _remove_weights, _empty_graph])
def test_a_damaged_copy_is_removed_and_the_source_answers(
    tmp_path: Path, source_scores: list[float], damage: object
) -> None:
    Reranker(cache=tmp_path)
    folder = prepared_dir(model_dir() / "model.onnx", tmp_path, "reranker")
    damage(folder)  # type: ignore[operator]
    reranker = Reranker(cache=tmp_path)
    assert _model_path(reranker.session) == model_dir() / "model.onnx"
    assert reranker.scores(QUESTION, _lines()) == source_scores
    assert not folder.exists()
    remade = Reranker(cache=tmp_path)  # the next start makes it again
    assert _model_path(remade.session) == folder / MODEL
    assert remade.scores(QUESTION, _lines()) == source_scores
    assert [p.name for p in tmp_path.iterdir()] == [folder.name]


def test_a_new_copy_removes_stale_copies_and_abandoned_temporary_folders(tmp_path: Path) -> None:
    def folder_with_files(name: str, age_s: float = 0.0) -> Path:
        path = tmp_path / name
        path.mkdir()
        for file in (MODEL, WEIGHTS):
            (path / file).write_bytes(b"old")
        stamp = time.time() - age_s
        os.utime(path, (stamp, stamp))
        return path

    stale = folder_with_files("reranker-0123456789abcdef")  # a copy of a model or onnxruntime since replaced
    abandoned = folder_with_files(".reranker-0123456789abcdef.x1y2z3", age_s=2 * 3600)  # a killed preparation
    running = folder_with_files(".reranker-0123456789abcdef.a1b2c3", age_s=60)  # one under way elsewhere
    others = [folder_with_files("minilm-53aa51172d142c89-0123456789abcdef"),
              folder_with_files("reranker-old"), folder_with_files("reranker-0123456789abcdef-x")]
    (tmp_path / "weights-sha256.json").write_text("{}")
    reranker = Reranker(cache=tmp_path)
    folder = prepared_dir(model_dir() / "model.onnx", tmp_path, "reranker")
    assert _model_path(reranker.session) == folder / MODEL
    assert not stale.exists() and not abandoned.exists()
    assert running.exists() and all(p.exists() for p in others) and (tmp_path / "weights-sha256.json").exists()


CHILD = """
import json, sys, time
from pathlib import Path
from assistant.answer.rerank import Reranker
cache, go, ready = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
ready.touch()
while not go.exists():
    time.sleep(0.005)
reranker = Reranker(cache=cache)
print(json.dumps([reranker.session._model_path, reranker.scores(sys.argv[4], sys.argv[5:])]))
"""


def test_two_processes_preparing_at_once_share_one_whole_copy(tmp_path: Path, source_scores: list[float]) -> None:
    cache, go = tmp_path / "models", tmp_path / "go"
    cache.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)}
    ready = [tmp_path / f"ready-{i}" for i in range(2)]
    children = [
        subprocess.Popen([sys.executable, "-c", CHILD, str(cache), str(go), str(flag), QUESTION, *_lines()],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        for flag in ready
    ]
    started = time.monotonic()  # both import what they need, then prepare at the same moment
    while not all(flag.exists() for flag in ready) and time.monotonic() - started < 120:
        time.sleep(0.01)
    go.touch()
    outputs = [child.communicate(timeout=300) for child in children]
    folder = prepared_dir(model_dir() / "model.onnx", cache, "reranker")
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        path, scores = json.loads(out)
        assert Path(path) == folder / MODEL
        assert scores == source_scores
    assert [p.name for p in cache.iterdir()] == [folder.name]  # the loser's temporary folder is gone
    assert _model_path(Reranker(cache=cache).session) == folder / MODEL


def test_embedder_vectors_from_the_prepared_copy_are_the_source_vectors(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from ingest.onnx_encoder import export

    source = onnx_file(model_path(BUNDLED_MODEL), tmp_path_factory.mktemp("onnx-data"), "minilm")
    assert source is not None
    export(model_path(BUNDLED_MODEL), source)
    plain = OnnxEncoder(source, model_path(BUNDLED_MODEL), prepared=False)
    assert _model_path(plain.session) == source
    prepared = OnnxEncoder(source, model_path(BUNDLED_MODEL))
    assert _model_path(prepared.session) == prepared_dir(source, source.parent, source.stem) / MODEL
    texts = _lines()
    for text in texts[:40] + texts[-2:]:  # one at a time, as answers embed statements
        assert prepared.encode([text]).tobytes() == plain.encode([text]).tobytes(), text
    assert prepared.encode(texts).tobytes() == plain.encode(texts).tobytes()  # in padded batches, as ingest does
    shutil.rmtree(source.parent)


def test_a_changed_source_gets_a_new_copy_and_the_old_one_is_removed(tmp_path: Path) -> None:
    source = tmp_path / "source" / "model.onnx"
    source.parent.mkdir()
    shutil.copyfile(model_dir() / "model.onnx", source)
    cache = tmp_path / "models"
    cache.mkdir()
    first = session(source, cache, "reranker")
    old = prepared_dir(source, cache, "reranker")
    assert _model_path(first) == old / MODEL
    stamp = source.stat().st_mtime_ns + 10**9
    os.utime(source, ns=(stamp, stamp))  # the model was replaced (a new install writes new files)
    second = session(source, cache, "reranker")
    new = prepared_dir(source, cache, "reranker")
    assert new != old and _model_path(second) == new / MODEL
    assert [p.name for p in cache.iterdir()] == [new.name]
