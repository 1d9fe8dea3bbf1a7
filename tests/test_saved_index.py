"""The keyword index saved per index generation (``assistant.answer.saved_index``): reused by the
next start, never used for another generation, rebuilt when damaged, written atomically; and the
in-memory searches over it give what bm25s and the Chroma store give."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import bm25s
import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from assistant import Assistant
from assistant.answer.retrieval import KeywordIndex, NotesRetriever, _nearest
from assistant.answer.saved_index import FOLDER, SavedIndex
from core.settings import PROJECT_ROOT, Settings
from core.text import terms
from ingest.pipeline import ingest_paths
from ingest.stamps import StampReader
from ingest.store import NotesVectorStore, open_store

CORPUS = PROJECT_ROOT / "corpus"
QUESTIONS = [
    json.loads(line)["question"]
    for line in (PROJECT_ROOT / "evals" / "known_facts.jsonl").read_text(encoding="utf-8").splitlines()[:60]
]


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    folder = tmp_path / "notes"
    folder.mkdir()
    shutil.copy(CORPUS / "aws-developer-associate-notes.txt", folder)
    return folder


@pytest.fixture
def settings(tmp_path: Path, notes: Path, fake_embeddings: Embeddings) -> Settings:
    """An index of corpus/'s notes with fake vectors; no cross-encoder (no model in the fast layer)."""
    settings = Settings(data_dir=tmp_path / "data", notes_dir=notes, answer={"reranker": False})  # type: ignore[arg-type]
    assert ingest_paths([notes], settings, open_store(settings, fake_embeddings)).added > 200
    return settings


def saved_files(settings: Settings) -> list[Path]:
    folder = settings.data_dir / FOLDER
    return sorted(p for p in folder.iterdir() if p.suffix == ".npz") if folder.is_dir() else []


def answers(assistant: Assistant) -> list[tuple[str, list[str], list[tuple[str, int, float]]]]:
    found = []
    for question in QUESTIONS[:20]:
        answer = assistant.answer(question)
        found.append((answer.text, [c.ref for c in answer.citations],
                      [(p.source, p.start_line, p.score) for p in answer.passages]))
    return found


def no_store_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("read the chunks back from the store")

    monkeypatch.setattr(NotesVectorStore, "documents_and_vectors", refuse)
    monkeypatch.setattr(NotesVectorStore, "documents", refuse)


def test_a_restart_with_unchanged_notes_loads_the_saved_index(
    settings: Settings, fake_embeddings: Embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = answers(Assistant(settings, fake_embeddings))
    [saved] = saved_files(settings)
    no_store_reads(monkeypatch)
    again = Assistant(settings, fake_embeddings)
    assert answers(again) == first
    assert saved_files(settings) == [saved]


def test_a_restart_answers_without_chromadb_sqlalchemy_or_bm25s(
    settings: Settings, fake_embeddings: Embeddings
) -> None:
    Assistant(settings, fake_embeddings).answer(QUESTIONS[0])  # saves the index
    probe = (
        "import json, sys\nfrom pathlib import Path\n"
        "from langchain_core.embeddings import DeterministicFakeEmbedding\n"
        "from assistant import Assistant\nfrom core.settings import Settings\n"
        "settings = Settings(data_dir=Path(sys.argv[1]), answer={'reranker': False})\n"
        "answer = Assistant(settings, DeterministicFakeEmbedding(size=384)).answer(sys.argv[2])\n"
        "print(json.dumps({'refs': [c.ref for c in answer.citations], 'loaded': sorted(m for m in "
        "('chromadb', 'langchain_chroma', 'sqlalchemy', 'bm25s', 'scipy', 'torch') if m in sys.modules)}))\n"
    )
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", probe, str(settings.data_dir), QUESTIONS[0]],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.splitlines()[-1])
    assert result["loaded"] == []
    assert result["refs"] == [c.ref for c in Assistant(settings, fake_embeddings).answer(QUESTIONS[0]).citations]


def test_an_ingest_that_commits_a_generation_is_not_answered_from_the_old_file(
    settings: Settings, notes: Path, fake_embeddings: Embeddings
) -> None:
    question = "What is the zorblax retention period?"
    Assistant(settings, fake_embeddings).answer(question)
    [old] = saved_files(settings)
    (notes / "zorblax.md").write_text("# Zorblax\nzorblax retention period is 17 days.\n", encoding="utf-8")
    ingest_paths([notes], settings, open_store(settings, fake_embeddings))
    restarted = Assistant(settings, fake_embeddings)  # a new process would read the same files
    answer = restarted.answer(question)
    assert any(c.source.endswith("zorblax.md") for c in answer.citations), answer
    new = SavedIndex(settings, StampReader(settings).stamp()).path
    assert new != old and new.is_file()


def test_an_unchanged_reingest_keeps_the_saved_index(
    settings: Settings, notes: Path, fake_embeddings: Embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = answers(Assistant(settings, fake_embeddings))
    report = ingest_paths([notes], settings, open_store(settings, fake_embeddings))
    assert report.added == report.updated == report.deleted == 0
    no_store_reads(monkeypatch)
    assert answers(Assistant(settings, fake_embeddings)) == first


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "other-key"])
def test_a_damaged_saved_index_is_rebuilt(
    settings: Settings, fake_embeddings: Embeddings, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    first = answers(Assistant(settings, fake_embeddings))
    [saved] = saved_files(settings)
    data = bytearray(saved.read_bytes())
    if damage == "flip":  # in the vectors, which no structure check would notice
        data[len(data) // 2] ^= 0xFF
    elif damage == "truncate":
        data = data[: len(data) // 3]
    elif damage == "empty":
        data = bytearray()
    else:  # a whole, readable file of another generation under this one's name
        assistant = Assistant(settings, fake_embeddings)
        other = SavedIndex(settings, StampReader(settings).stamp())
        other.key = "0" * 64
        other.path = saved.with_name("other.npz")
        other.save(assistant.current().loaded())
        data = bytearray(other.path.read_bytes())
        other.path.unlink()
    saved.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        assert answers(Assistant(settings, fake_embeddings)) == first
    assert "rebuilding the saved keyword index" in caplog.text
    assert SavedIndex(settings, StampReader(settings).stamp()).load() is not None


def test_a_failed_save_leaves_no_partial_file(
    settings: Settings, fake_embeddings: Embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    assistant = Assistant(settings, fake_embeddings)
    assert assistant.answer(QUESTIONS[0]).text  # answered all the same
    folder = settings.data_dir / FOLDER
    assert [p.name for p in folder.iterdir()] == []  # neither the file nor its temporary


def test_keyword_search_is_bm25s_retrieve(settings: Settings, fake_embeddings: Embeddings) -> None:
    docs = open_store(settings, fake_embeddings).documents()
    index = KeywordIndex.build(docs)
    bm25 = bm25s.BM25()
    corpus = [terms(f"{d.metadata.get('section', '')}\n{d.page_content}") or ["_"] for d in docs]
    bm25.index(corpus, show_progress=False)
    for question in [*QUESTIONS, "sqs sqs queue", "lambda"]:
        known = [t for t in terms(question) if t in index.idf]
        if not known:
            continue
        ids, scores = bm25.retrieve([known], k=30, show_progress=False)
        mine_ids, mine_scores = index.top(known, 30)
        assert mine_ids.tolist() == ids[0].tolist(), question
        assert mine_scores.tolist() == scores[0].tolist(), question


def test_dense_search_in_memory_is_the_stores(settings: Settings, fake_embeddings: Embeddings) -> None:
    store = open_store(settings, fake_embeddings)
    stamp = StampReader(settings).stamp()
    chunks = NotesRetriever(store=store, saved=SavedIndex(settings, stamp)).loaded()
    assert chunks.vectors is not None and len(chunks.vectors) == len(chunks.docs)
    for question in QUESTIONS[:30]:
        vector = fake_embeddings.embed_query(question)
        mine = _nearest(chunks, vector, 30)
        theirs = store.similarity_search_by_vector_with_relevance_scores(vector, k=30)
        # The store's HNSW graph is approximate (on random fake vectors it may miss a near one), the
        # search in memory exhaustive: never worse at any rank, and the same distance for the same chunk.
        assert all(m <= t + 1e-6 for (_, m), (_, t) in zip(mine, theirs, strict=True)), question
        distance = {d.id: dist for d, dist in mine}
        shared = [(distance[d.id], dist) for d, dist in theirs if d.id in distance]
        assert len(shared) >= 27 and np.allclose(*zip(*shared, strict=True), atol=1e-6), question


def test_an_index_of_no_chunks_is_saved_and_loaded(tmp_path: Path, fake_embeddings: Embeddings) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    settings = Settings(data_dir=tmp_path / "data", notes_dir=notes, answer={"reranker": False})  # type: ignore[arg-type]
    ingest_paths([notes], settings, open_store(settings, fake_embeddings))
    assert Assistant(settings, fake_embeddings).chunks() == []
    loaded = SavedIndex(settings, StampReader(settings).stamp()).load()
    assert loaded is not None and list(loaded.docs) == []
