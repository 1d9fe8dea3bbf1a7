"""Sessions built from a model's prepared copy (``ingest.onnx_sessions``) give the scores and the
vectors of the source model bit for bit, reuse the copy, and fall back to the source when the copy
can't be written or is damaged. Real models: the bundled cross-encoder, and the export of
all-MiniLM-L6-v2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.answer.rerank import Reranker, model_dir
from core.settings import BUNDLED_MODEL, PROJECT_ROOT
from ingest.embeddings import model_path
from ingest.onnx_encoder import OnnxEncoder, onnx_file
from ingest.onnx_sessions import MODEL, WEIGHTS, prepared_dir

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


def test_a_damaged_copy_is_removed_and_the_source_answers(tmp_path: Path, source_scores: list[float]) -> None:
    Reranker(cache=tmp_path)
    folder = prepared_dir(model_dir() / "model.onnx", tmp_path, "reranker")
    with (folder / WEIGHTS).open("r+b") as f:
        f.truncate(1000)
    reranker = Reranker(cache=tmp_path)
    assert _model_path(reranker.session) == model_dir() / "model.onnx"
    assert reranker.scores(QUESTION, _lines()) == source_scores
    assert not folder.exists()
    remade = Reranker(cache=tmp_path)  # the next start makes it again
    assert _model_path(remade.session) == folder / MODEL


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
