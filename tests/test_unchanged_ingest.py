"""An ingest of unchanged notes is answered from the manifest (``ingest.unchanged``) without
opening the index or loading the model; any change takes the real ingest."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from core.settings import PROJECT_ROOT, Settings
from ingest.generations import Generations
from ingest.pipeline import ingest_paths
from ingest.store import open_store
from ingest.unchanged import unchanged_report

CORPUS = PROJECT_ROOT / "corpus"
HEAVY = ("chromadb", "langchain_chroma", "sqlalchemy", "langchain_core.indexing", "torch", "onnxruntime")


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    shutil.copy(CORPUS / "aws-developer-associate-notes.txt", folder)
    (folder / "sqs.md").write_text("# SQS\nvisibility timeout 30 seconds default.\n", encoding="utf-8")
    return folder


@pytest.fixture
def settings(tmp_path: Path, notes: Path, fake_embeddings: Embeddings) -> Settings:
    settings = Settings(data_dir=tmp_path / "data", notes_dir=notes)
    assert ingest_paths([notes], settings, open_store(settings, fake_embeddings)).added > 200
    return settings


def test_unchanged_notes_are_reported_without_the_index(settings: Settings, notes: Path) -> None:
    report = unchanged_report([notes], settings)
    assert report is not None
    assert (report.files, report.added, report.updated, report.deleted) == (2, 0, 0, 0)
    real = ingest_paths([notes], settings)  # the real ingest agrees (and loads no model: see conftest)
    assert (real.files, real.chunks, real.skipped, real.added) == (report.files, report.chunks, report.skipped, 0)
    assert unchanged_report([notes], settings) is not None  # still valid after the real one


def test_the_cli_reingest_imports_no_index_library_and_no_model(settings: Settings, notes: Path) -> None:
    probe = (
        "import json, sys\nfrom ingest.__main__ import main\n"
        "code = main([sys.argv[1], '--data-dir', sys.argv[2], '--json'])\n"
        f"print(json.dumps({{'code': code, 'loaded': [m for m in {HEAVY!r} if m in sys.modules]}}))\n"
    )
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(notes), str(settings.data_dir)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    summary, probed = (json.loads(line) for line in proc.stdout.splitlines()[-2:])
    assert probed == {"code": 0, "loaded": []}
    assert summary["added"] == 0 and summary["skipped"] == summary["chunks"] > 200


@pytest.mark.parametrize("change", ["edit", "add", "remove", "same-size-edit"])
def test_a_changed_folder_takes_the_real_ingest(
    settings: Settings, notes: Path, fake_embeddings: Embeddings, change: str
) -> None:
    note = notes / "sqs.md"
    if change == "edit":
        note.write_text("# SQS\nvisibility timeout 45 seconds default.\n", encoding="utf-8")
    elif change == "same-size-edit":  # same size, mtime put back: only the bytes tell
        stat = note.stat()
        note.write_text(note.read_text(encoding="utf-8").replace("30", "31"), encoding="utf-8")
        os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    elif change == "add":
        (notes / "sns.md").write_text("# SNS\npush based.\n", encoding="utf-8")
    else:
        note.unlink()
    assert unchanged_report([notes], settings) is None
    report = ingest_paths([notes], settings, open_store(settings, fake_embeddings))
    assert report.added + report.deleted > 0
    assert unchanged_report([notes], settings) is not None  # recorded again


def test_what_the_manifest_cannot_vouch_for_takes_the_real_ingest(settings: Settings, notes: Path) -> None:
    assert unchanged_report([notes / "sqs.md"], settings) is None  # a single file
    assert unchanged_report([notes], Settings(data_dir=settings.data_dir, index={"chunk_max_chars": 777})) is None
    (settings.data_dir / "ingest-manifest.json").write_text("{not json", encoding="utf-8")
    assert unchanged_report([notes], settings) is None


def test_a_folder_another_ingest_is_writing_takes_the_real_ingest(settings: Settings, notes: Path) -> None:
    [(folder, _, _)] = Generations(settings).stamp().folders
    Generations(settings).begin(folder)  # an ingest started (or was killed): the folder is dirty
    assert unchanged_report([notes], settings) is None
