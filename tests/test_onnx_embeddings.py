"""Questions are embedded by the ONNX export of all-MiniLM-L6-v2 (onnxruntime, no torch), with the
vectors sentence-transformers gives; a reader without the export falls back, says so once, and
writes it; no model-loading progress is printed on a question."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.settings import BUNDLED_MODEL, PROJECT_ROOT, Settings
from ingest.embeddings import LazyEmbeddings, embeddings_for, model_path
from ingest.loaders import NotesLoader
from ingest.onnx_encoder import onnx_file

CORPUS = PROJECT_ROOT / "corpus"
QUESTION = "What is the default visibility timeout of SQS?"
PROBE = f"""
import sys
from pathlib import Path
from assistant.answer.engine import Assistant
from core.settings import Settings
answer = Assistant(Settings(data_dir=Path(sys.argv[1]))).answer({QUESTION!r})
print(json.dumps({{"ref": answer.citations[0].ref if answer.citations else None,
    "loaded": sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules)}}))
"""


def _env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


def _probe(data_dir: Path) -> tuple[dict[str, object], str]:
    proc = subprocess.run(
        [sys.executable, "-c", "import json\n" + PROBE, str(data_dir)],
        cwd=PROJECT_ROOT, env=_env(), capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1]), proc.stderr


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir holding only the ONNX export of the bundled model (made by ``export``)."""
    from ingest.onnx_encoder import export

    data_dir = tmp_path_factory.mktemp("onnx-data")
    path = onnx_file(model_path(BUNDLED_MODEL), data_dir, "minilm")
    assert path is not None
    export(model_path(BUNDLED_MODEL), path)
    return data_dir


def test_questions_prefer_onnx_unless_switched_off(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert embeddings_for(settings, for_questions=True).prefer_onnx
    assert not embeddings_for(settings).prefer_onnx  # ingest runs sentence-transformers
    settings.index.onnx_questions = False
    assert not embeddings_for(settings, for_questions=True).prefer_onnx


def test_onnx_file_is_named_by_the_weights_and_only_for_mean_pooled_models(tmp_path: Path) -> None:
    path = onnx_file(model_path(BUNDLED_MODEL), tmp_path, "minilm")
    assert path is not None and path.parent == tmp_path / "models"
    assert path.name.startswith("minilm-") and path.suffix == ".onnx"
    assert onnx_file(model_path(BUNDLED_MODEL), tmp_path, "minilm") == path  # from the memo this time
    cls = tmp_path / "cls-model"
    shutil.copytree(model_path(BUNDLED_MODEL), cls, ignore=shutil.ignore_patterns("*.safetensors"))
    (cls / "model.safetensors").write_bytes(b"other weights")
    other = onnx_file(str(cls), tmp_path, "model")
    assert other is not None and other.name != path.name  # other weights, other file
    config = cls / "1_Pooling" / "config.json"
    pooling = json.loads(config.read_text())
    config.write_text(json.dumps({**pooling, "pooling_mode_mean_tokens": False, "pooling_mode_cls_token": True}))
    assert onnx_file(str(cls), tmp_path, "model") is None


@pytest.mark.slow
def test_onnx_vectors_match_sentence_transformers_on_every_corpus_chunk(
    exported: Path, embeddings: LazyEmbeddings
) -> None:
    texts = [d.page_content for d in NotesLoader(CORPUS / "aws-developer-associate-notes.txt", CORPUS).load()]
    texts += [QUESTION, "x", "word " * 400]  # a question, one token, past the 256 word-piece limit
    onnx = LazyEmbeddings(BUNDLED_MODEL, data_dir=exported, prefer_onnx=True)
    got = np.array(onnx.embed_documents(texts))
    assert onnx.backend == "onnx"
    want = np.array(embeddings.embed_documents(texts))
    cosines = (got * want).sum(axis=1) / np.linalg.norm(got, axis=1) / np.linalg.norm(want, axis=1)
    assert cosines.min() >= 0.999, texts[int(cosines.argmin())]
    assert np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
    assert np.allclose(onnx.embed_query(QUESTION), got[-3], atol=1e-5)  # alone or in a batch: the same


@pytest.mark.slow
def test_answering_with_the_export_imports_neither_torch_nor_sentence_transformers(
    exported: Path, corpus_settings: Settings, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(corpus_settings.data_dir, data_dir)
    shutil.copytree(exported / "models", data_dir / "models", dirs_exist_ok=True)
    result, stderr = _probe(data_dir)
    assert result == {"ref": "corpus/aws-developer-associate-notes.txt:142", "loaded": []}
    assert "Loading weights" not in stderr and "sentence-transformers" not in stderr


@pytest.mark.slow
def test_a_reader_without_the_export_falls_back_once_and_writes_it(corpus_settings: Settings, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(corpus_settings.data_dir, data_dir, ignore=shutil.ignore_patterns("models"))
    proc = subprocess.run(
        [sys.executable, "study.py", "ask", "--data-dir", str(data_dir), QUESTION],
        cwd=PROJECT_ROOT, env=_env(), capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    assert "aws-developer-associate-notes.txt:142" in proc.stdout
    assert proc.stderr.count("no ONNX export") == 1, proc.stderr
    assert "Loading weights" not in proc.stderr + proc.stdout
    assert list((data_dir / "models").glob("minilm-*.onnx"))
    result, _ = _probe(data_dir)  # the next reader uses the export
    assert result["loaded"] == []
