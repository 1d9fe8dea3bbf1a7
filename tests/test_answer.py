"""Grounded answers with line citations, refusals and follow-ups, over the real corpus index (slow);
bad questions and a missing or mismatched index also over a small index of fake vectors (fast)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from langchain_core.embeddings import Embeddings

from assistant import Assistant
from assistant.__main__ import main
from core.settings import PROJECT_ROOT, Settings
from ingest.embeddings import LazyEmbeddings
from ingest.errors import StoreError
from ingest.pipeline import ingest_paths
from ingest.store import open_store

EVAL_SET = PROJECT_ROOT / "evals" / "known_facts.jsonl"
FILE_LINES = (PROJECT_ROOT / "corpus" / "aws-developer-associate-notes.txt").read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def assistant(corpus_settings: Settings, embeddings: LazyEmbeddings) -> Assistant:
    return Assistant(corpus_settings, embeddings)


@pytest.fixture(scope="module")
def fake_index(tmp_path_factory: pytest.TempPathFactory, fake_embeddings: Embeddings) -> Settings:
    """Settings of a one-note index of fake vectors, without the cross-encoder: for what the assistant
    does before it searches."""
    root = tmp_path_factory.mktemp("fake-index")
    notes = root / "notes"
    notes.mkdir()
    (notes / "sqs.md").write_text("# SQS\nvisibility timeout 30 seconds default.\n", encoding="utf-8")
    settings = Settings(data_dir=root / "data", notes_dir=notes, answer={"reranker": False})  # type: ignore[arg-type]
    assert ingest_paths([notes], settings, open_store(settings, fake_embeddings)).added == 1
    return settings


@pytest.fixture(scope="module", params=["fake", pytest.param("real", marks=pytest.mark.slow)])
def any_assistant(request: pytest.FixtureRequest) -> Assistant:
    """The assistant over the fake index (fast) or over the real corpus index (slow)."""
    if request.param == "real":
        return request.getfixturevalue("assistant")
    return Assistant(request.getfixturevalue("fake_index"), request.getfixturevalue("fake_embeddings"))


def cited_text(source: str, start: int, end: int) -> str:
    assert source == "corpus/aws-developer-associate-notes.txt"
    return "\n".join(FILE_LINES[start - 1 : end])


@pytest.mark.slow
def test_sqs_default_visibility_timeout(assistant: Assistant) -> None:
    answer = assistant.answer("What is the default visibility timeout of SQS?")
    assert answer.grounded
    assert "30 seconds" in answer.text
    first = answer.citations[0]
    assert "30 seconds default" in cited_text(first.source, first.start_line, first.end_line)
    assert first.ref.startswith("corpus/aws-developer-associate-notes.txt:")


@pytest.mark.slow
def test_sqs_default_retention_is_line_142_with_4_days_marked(assistant: Assistant) -> None:
    """The neighbouring line 141 holds the maximum (14 days); the default is on line 142."""
    answer = assistant.answer("How long does SQS keep messages by default?")
    assert answer.grounded
    first = answer.citations[0]
    assert (first.start_line, first.end_line) == (142, 142)
    assert answer.answer_span is not None
    start, end = answer.answer_span
    assert answer.text[start:end] == "4 days"
    assert answer.to_dict()["answer_span"] == [start, end]
    assert "**4 days**" in answer.marked()


@pytest.mark.slow
def test_every_quote_is_verbatim_in_its_cited_lines(assistant: Assistant) -> None:
    cases = [json.loads(line) for line in EVAL_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(cases) > 500
    grounded = 0
    for case in cases:
        answer = assistant.answer(case["question"])
        grounded += answer.grounded and case["answerable"]
        for citation in [*answer.citations, *answer.closest]:
            assert citation.quote and citation.quote in cited_text(
                citation.source, citation.start_line, citation.end_line
            ), (case["id"], citation)
        if answer.grounded:
            assert len(answer.text) <= 400
            assert answer.citations
        if answer.answer_span is not None:
            start, end = answer.answer_span
            assert 0 <= start < end <= len(answer.text)
    # Of the answerable cases (455 since the set grew to 558 with 103 unanswerable ones), 96.5% got a
    # grounded answer with the selector: the bar keeps false refusals at most 5% over the whole set.
    answerable = sum(case["answerable"] for case in cases)
    assert grounded >= 0.95 * answerable, f"{grounded} of {answerable} answerable cases grounded"


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    ["How do I bake sourdough bread at home?", "Who won the football world cup in 1998?"],
)
def test_off_topic_question_is_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.answer(question)
    assert not answer.grounded
    assert "don't cover" in answer.text
    assert answer.citations == []
    assert answer.closest, "a refusal still offers the closest notes"


@pytest.mark.slow
@pytest.mark.parametrize(
    "question",
    [
        # Near misses of the tune part: other limits of services the notes describe. The selector's
        # best candidate is on topic (line 784 defines read replicas; a security group line says it
        # attaches to one or many instances), but holds no number of what is asked. Both were
        # answered before the refusal model.
        "How many read replicas can an RDS for MySQL instance have?",
        "How many security groups can be attached to a single network interface?",
    ],
)
def test_a_near_miss_is_refused(assistant: Assistant, question: str) -> None:
    answer = assistant.answer(question)
    assert not answer.grounded, answer.text
    assert "don't cover" in answer.text


@pytest.mark.slow
def test_a_name_the_notes_never_use_is_refused_and_named(assistant: Assistant) -> None:
    answer = assistant.answer("What does AWS Shield protect against?")
    assert not answer.grounded and answer.citations == []
    assert "They never mention Shield." in answer.text
    assert answer.closest, "a refusal still offers the closest notes"


@pytest.mark.slow
def test_follow_up_resolves_against_history(assistant: Assistant) -> None:
    history = [
        {"role": "user", "content": "What is Amazon SQS?"},
        {"role": "assistant", "content": "pull based, not push based."},
    ]
    follow_up = "What is its default visibility timeout?"
    answer = assistant.answer(follow_up, history)
    assert "SQS" in answer.resolved_question
    assert answer.grounded and "30 seconds" in answer.text
    alone = assistant.answer(follow_up)
    assert alone.resolved_question == follow_up


@pytest.mark.slow
def test_follow_up_with_and(assistant: Assistant) -> None:
    history = [{"role": "user", "content": "How long can a Lambda function run?"}]
    answer = assistant.answer("and how much memory can it have?", history)
    assert "Lambda" in answer.resolved_question


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "Please type a question"),
        ("   \n\t ", "Please type a question"),
        ("x" * 100_000, "at most"),
        ("?!", "no words"),
    ],
)
def test_bad_questions_get_a_clear_message(any_assistant: Assistant, question: str, message: str) -> None:
    answer = any_assistant.answer(question)
    assert not answer.grounded and answer.error and message in answer.error


@pytest.mark.slow
def test_control_characters_are_ignored(assistant: Assistant) -> None:
    answer = assistant.answer("What is the default\x00 visibility\x1b timeout of SQS?\x07")
    assert answer.grounded and "30 seconds" in answer.text


def test_no_index_and_other_model(tmp_path: Path, fake_index: Settings, fake_embeddings: Embeddings) -> None:
    # Assistant() is annotated to take LazyEmbeddings, but any LangChain Embeddings will do (arg-type).
    with pytest.raises(StoreError, match="no index yet"):
        Assistant(Settings(data_dir=tmp_path / "empty"), fake_embeddings)  # type: ignore[arg-type]
    assert not (tmp_path / "empty").exists(), "looking for an index must not create one"
    other = tmp_path / "model"
    other.mkdir()
    # The same settings but for the model, a field of the index section (a top-level key is ignored).
    other_model = fake_index.index.model_copy(update={"embedding_model": str(other)})
    with pytest.raises(StoreError, match="built with embedding model"):
        Assistant(fake_index.model_copy(update={"index": other_model}), fake_embeddings)  # type: ignore[arg-type]


@pytest.mark.slow
def test_cli_ask_json_and_text(corpus_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    data = ["--data-dir", str(corpus_settings.data_dir)]
    assert main(["ask", "What is the default visibility timeout of SQS?", "--json", *data]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) >= {"question", "answer", "grounded", "citations"}
    assert set(out["citations"][0]) == {"source", "start_line", "end_line", "quote", "score"}
    assert "30 seconds" in out["answer"]
    assert main(["ask", "What is the default visibility timeout of SQS?", *data]) == 0
    text = capsys.readouterr().out
    assert "corpus/aws-developer-associate-notes.txt:" in text and "    > " in text
    assert main(["ask", "   ", *data]) == 2
    assert "Please type a question" in capsys.readouterr().err
    assert main(["ask", "What is SQS?", "--data-dir", str(corpus_settings.data_dir / "nope")]) == 2
    assert "no index yet" in capsys.readouterr().err
