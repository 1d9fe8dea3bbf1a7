"""The gate of exam mode (issue 15), on the test part of ``evals/exam_set.jsonl`` with the real
index, embedding model and cross-encoder: the answers it commits to are right at least 85% of the
time, and it commits on at most 10% of the questions the notes don't decide."""

from __future__ import annotations

import pytest

from assistant.answer.engine import Assistant
from core.settings import Settings
from evals.exam_eval import evidence_for, load, run
from ingest.embeddings import LazyEmbeddings


@pytest.mark.slow
def test_exam_mode_commits_only_on_strong_evidence(corpus_settings: Settings, embeddings: LazyEmbeddings) -> None:
    assistant = Assistant(corpus_settings, embeddings=embeddings)
    assert assistant.reranker is not None, "the gate is measured with the bundled cross-encoder"
    cases = load(split="test")
    assert sum(c.decided for c in cases) >= 30 and sum(not c.decided for c in cases) >= 15
    figures = run(cases, evidence_for(cases, assistant.retrieve, assistant.reranker.scores), True)
    print(figures.text())
    assert figures.precision >= 0.85, figures.text()
    assert figures.undecided_rate <= 0.10, figures.text()
    # A mode that never commits would pass both: it must still decide some of what the notes decide.
    assert figures.committed >= 8, figures.text()
