"""An answer is a function of the question and the index alone: not of the order the index returns
equal scores in, not of what other questions (or sessions, at the same moment) asked before, and not
of how many are asking at once."""

from __future__ import annotations

import dataclasses
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import DeterministicFakeEmbedding

from assistant.answer.engine import Assistant
from assistant.answer.retrieval import NotesRetriever
from core.settings import PROJECT_ROOT, AnswerSettings, Settings
from ingest.embeddings import LazyEmbeddings
from ingest.store import embedding_text, open_store

EVAL_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"
TWIN = "SQS visibility timeout is 30 seconds by default."


def chunk(source: str, line: int, text: str) -> Document:
    return Document(text, metadata={"source": source, "start_line": line, "end_line": line, "section": "SQS"})


def fused_order(settings: Settings, docs: list[Document]) -> list[str]:
    """The fused ranking of a question over a fresh store filled with ``docs`` in that order."""
    fake = DeterministicFakeEmbedding(size=384)
    store = open_store(settings, fake)
    store.add_documents(docs, ids=[f"{d.metadata['source']}:{d.metadata['start_line']}" for d in docs])
    retriever = NotesRetriever(store=store, k=4)
    vector = fake.embed_query(embedding_text(docs[0]))  # the twins' own vector: both at distance 0
    return [f"{d.metadata['source']}:{d.metadata['start_line']}" for d in retriever.search(TWIN, vector)]


def test_equal_scores_are_ranked_by_place_not_by_insertion_order(tmp_path: Path) -> None:
    """Two notes holding the same line tie on both the dense distance and BM25: the one that comes
    first in the ranking must not depend on which was stored first."""
    others = [chunk("notes/other.md", n, f"Lambda function number {n} runs for up to 15 minutes.") for n in range(1, 6)]
    a, b = chunk("notes/a.md", 3, TWIN), chunk("notes/b.md", 7, TWIN)
    first = fused_order(Settings(data_dir=tmp_path / "one"), [a, b, *others])  # the twins first: docs[0]
    second = fused_order(Settings(data_dir=tmp_path / "two"), [b, a, *others])
    assert first[:2] == ["notes/a.md:3", "notes/b.md:7"]
    assert second == first


def answers(assistant: Assistant, questions: list[str], workers: int) -> list[str]:
    """Each answer (with its passages) as canonical JSON, asked by ``workers`` threads at once."""

    def ask(question: str) -> str:
        answer = assistant.answer(question)
        record = {**answer.to_dict(), "passages": [dataclasses.asdict(p) for p in answer.passages]}
        return json.dumps(record, sort_keys=True, ensure_ascii=False)

    if workers == 1:
        return [ask(q) for q in questions]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(ask, questions))


@pytest.mark.slow
def test_a_sentence_vector_does_not_depend_on_what_it_was_embedded_with(
    corpus_settings: Settings, embeddings: LazyEmbeddings
) -> None:
    """Without the cross-encoder, answer sentences are embedded and cached. Embedded in one padded
    batch, a sentence's vector depended on its batch companions, so the cache kept whichever the
    first question (or session) to meet it had made."""
    settings = corpus_settings.model_copy(update={"answer": AnswerSettings(reranker=False)})
    sentence = "visibility timeout 30 seconds default"
    longer = "Lambda: a longer sentence about functions, memory, timeouts, reserved and provisioned concurrency."
    alone = Assistant(settings, embeddings)._embed([sentence])[0]
    batched = Assistant(settings, embeddings)._embed([longer, sentence])[1]
    assert alone.dtype == batched.dtype == np.float32 and alone.tobytes() == batched.tobytes()  # bit for bit


@pytest.mark.slow
@pytest.mark.parametrize("reranker", [True, False], ids=["reranker", "no-reranker"])
def test_fifty_answers_are_the_same_alone_and_ten_at_once(
    corpus_settings: Settings, embeddings: LazyEmbeddings, reranker: bool
) -> None:
    """50 eval questions asked one by one, then by 10 threads at once of another fresh assistant
    (its own caches, the same model and index): the answers' JSON is identical byte for byte."""
    settings = corpus_settings.model_copy(update={"answer": AnswerSettings(reranker=reranker)})
    cases = [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    questions = [c["question"] for c in cases[::max(1, len(cases) // 50)]][:50]
    assert len(questions) == 50
    alone = answers(Assistant(settings, embeddings), questions, workers=1)
    together = answers(Assistant(settings, embeddings), questions, workers=10)
    differing = [q for q, a, b in zip(questions, alone, together, strict=True) if a != b]
    assert not differing, differing
