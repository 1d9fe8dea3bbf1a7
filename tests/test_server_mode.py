"""Server mode: the same notes, answers and citations through a real ``chroma run`` server as
through the embedded store (slow); an unreachable server is a clear error naming its URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant import Answer, Assistant, answer_question, default_assistant
from core.settings import PROJECT_ROOT, Settings
from ingest.__main__ import main
from ingest.embeddings import LazyEmbeddings
from ingest.errors import StoreError
from ingest.pipeline import ingest_paths
from ingest.store import NotesVectorStore, open_store
from tests.conftest import ChromaServer, free_port

CORPUS = PROJECT_ROOT / "corpus"
EVAL_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"



@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with ChromaServer(tmp_path_factory.mktemp("chroma-server") / "db") as server:
        yield server.url


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory, chroma_url: str, embeddings: LazyEmbeddings) -> Path:
    """One data dir whose notes are ingested into the embedded store, then into the server through
    the CLI: the server must get every chunk although the local records already hold them."""
    folder = tmp_path_factory.mktemp("server-mode-data")
    local = Settings(data_dir=folder)
    embedded = ingest_paths([CORPUS], local, open_store(local, embeddings))
    assert embedded.added == embedded.chunks > 150
    assert main([str(CORPUS), "--data-dir", str(folder), "--chroma-url", chroma_url]) == 0
    return folder


def eval_questions(answerable: int = 40, unanswerable: int = 10) -> list[str]:
    """Questions spread over the whole eval set: every n-th answerable one, every m-th unanswerable."""
    items = [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    yes = [i["question"] for i in items if i["answerable"]]
    no = [i["question"] for i in items if not i["answerable"]]
    return yes[:: len(yes) // answerable][:answerable] + no[:: len(no) // unanswerable][:unanswerable]


def stored(store: NotesVectorStore) -> list[tuple[str | None, str, tuple[tuple[str, object], ...]]]:
    return sorted((d.id, d.page_content, tuple(sorted(d.metadata.items()))) for d in store.documents())


@pytest.mark.slow
def test_server_holds_the_same_chunks_and_reingest_skips_them(
    data_dir: Path, chroma_url: str, embeddings: LazyEmbeddings, capsys: pytest.CaptureFixture[str]
) -> None:
    local = open_store(Settings(data_dir=data_dir), embeddings, create=False)
    remote = open_store(Settings(data_dir=data_dir, chroma_url=chroma_url), embeddings, create=False)
    assert stored(remote) == stored(local)
    capsys.readouterr()
    assert main([str(CORPUS), "--data-dir", str(data_dir), "--chroma-url", chroma_url, "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["added"], again["updated"], again["deleted"]) == (0, 0, 0)
    assert again["skipped"] == local.count()


@pytest.mark.slow
def test_server_answers_and_citations_match_the_embedded_store(
    data_dir: Path, chroma_url: str, embeddings: LazyEmbeddings
) -> None:
    questions = eval_questions()
    assert len(questions) == 50
    embedded = Assistant(Settings(data_dir=data_dir), embeddings)
    server = Assistant(Settings(data_dir=data_dir, chroma_url=chroma_url), embeddings)
    grounded = 0
    for question in questions:
        want, got = embedded.answer(question), server.answer(question)
        assert got.error is None, got.error
        assert (got.text, got.grounded) == (want.text, want.grounded), question
        assert [c.ref for c in got.citations] == [c.ref for c in want.citations], question
        assert [c.quote for c in got.citations] == [c.quote for c in want.citations], question
        assert [(p.source, p.start_line) for p in got.passages] == [(p.source, p.start_line) for p in want.passages]
        grounded += got.grounded
    assert grounded >= 20, "the comparison must cover answered questions, not only refusals"


def closed_url() -> str:
    return f"http://127.0.0.1:{free_port()}"  # nothing listens on a port just released


@pytest.mark.slow  # a CLI subprocess: 1.5-3.5 s
def test_ingest_cli_names_an_unreachable_server(tmp_path: Path) -> None:
    url = closed_url()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "sqs.md").write_text("# SQS\nvisibility timeout 30 seconds default.\n")
    env = {**os.environ, "STUDY_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "ingest", str(notes), "--chroma-url", url],
        env=env, capture_output=True, text=True, timeout=120, cwd=PROJECT_ROOT,
    )
    assert done.returncode == 2
    assert f"cannot reach the Chroma server at {url}" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


@pytest.mark.parametrize("url", ["localhost:8000", "ftp://127.0.0.1:8000", "http://:8000"])
def test_ingest_cli_refuses_a_malformed_server_url(
    tmp_path: Path, url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(CORPUS), "--data-dir", str(tmp_path / "data"), "--chroma-url", url]) == 2
    assert f"chroma_url '{url}' is not of the form http://HOST:PORT" in capsys.readouterr().err


def test_ingest_cli_names_a_bad_record_db_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDY_RECORD_DB_URL", "postgresql://study:hunter2@127.0.0.1:1/records")
    assert main([str(CORPUS), "--data-dir", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert "cannot open the ingest record db at postgresql://study:***@127.0.0.1:1/records" in err
    assert "hunter2" not in err


def test_assistant_names_an_unreachable_server(
    tmp_path: Path, fake_embeddings: Embeddings, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = closed_url()
    with pytest.raises(StoreError, match=f"cannot reach the Chroma server at {url}"):
        # Assistant() is annotated to take LazyEmbeddings, but any LangChain Embeddings will do.
        Assistant(Settings(data_dir=tmp_path / "data", chroma_url=url), fake_embeddings)  # type: ignore[arg-type]
    monkeypatch.setenv("STUDY_CHROMA_URL", url)
    default_assistant.cache_clear()
    try:
        answer: Answer = answer_question("What is the default visibility timeout of SQS?")
    finally:
        default_assistant.cache_clear()
    assert not answer.grounded and answer.citations == []
    assert answer.error is not None and f"cannot reach the Chroma server at {url}" in answer.error
