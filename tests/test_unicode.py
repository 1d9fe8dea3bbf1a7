"""Notes and questions in other scripts: every script's words are searchable by keyword, and an
answer found by keywords alone (the embedding model reads English) says so."""

# ruff: noqa: RUF001, RUF003  (Cyrillic and Greek text on purpose)

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.answer.engine import KEYWORDS_ONLY, Assistant, clean_question
from assistant.app.present import answer_markdown
from core.settings import Settings
from core.text import segments, terms
from ingest.embeddings import LazyEmbeddings
from ingest.pipeline import ingest_paths
from ingest.store import open_store
from tests.conftest import NOTES_FILE

RUSSIAN_NOTE = (
    "# Очереди сообщений\n"
    "Таймаут видимости очереди по умолчанию составляет 30 секунд.\n"
    "Сообщения хранятся в очереди до 14 дней.\n"
)


def test_terms_of_cyrillic_greek_and_accented_words() -> None:
    assert terms("Таймаут видимости ОЧЕРЕДИ по умолчанию") == ["таймаут", "видимости", "очереди", "по", "умолчанию"]
    assert terms("Ο χρόνος αναμονής της ΟΥΡΑΣ") == ["ο", "χρόνοσ", "αναμονήσ", "τησ", "ουρασ"]  # casefolded: ς is σ
    assert terms("Crème brûlée, naïve café") == ["crème", "brûlée", "naïve", "café"]  # one word each, unstemmed
    assert terms("Straße") == terms("STRASSE") == ["strasse"]


def test_english_terms_are_unchanged() -> None:
    assert terms("What is the default visibility timeout of SQS queues?") == [
        "default", "visibility", "timeout", "sqs", "queue"
    ]
    assert terms("wait_time_seconds up to 20 seconds, v1.5 doesn’t") == ["wait", "time", "second", "20", "second",
                                                                          "v1.5", "doesn", "t"]


def test_scripts_without_spaces_are_split_per_character() -> None:
    assert terms("可視性タイムアウト") == ["可", "視", "性", "タ", "イ", "ム", "ア", "ウ", "ト"]
    assert terms("SQSの可視性") == ["sqs", "の", "可", "視", "性"]


def test_a_russian_line_is_a_statement_and_a_russian_question_has_words() -> None:
    assert [s.text for s in segments("Таймаут видимости очереди по умолчанию составляет 30 секунд.")] == [
        "Таймаут видимости очереди по умолчанию составляет 30 секунд."
    ]
    assert clean_question("Какой таймаут видимости у очереди?") == "Какой таймаут видимости у очереди?"


@pytest.mark.slow
def test_russian_question_is_answered_from_the_russian_note(
    tmp_path: Path, make_settings: Callable[..., Settings], embeddings: LazyEmbeddings
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    shutil.copy(NOTES_FILE, notes / NOTES_FILE.name)
    (notes / "очереди.md").write_text(RUSSIAN_NOTE, encoding="utf-8")
    settings = make_settings()
    ingest_paths([notes], settings, open_store(settings, embeddings))
    assistant = Assistant(settings, embeddings)

    answer = assistant.answer("Какой таймаут видимости у очереди по умолчанию?")
    assert answer.grounded, answer.text
    assert answer.citations[0].ref == "notes/очереди.md:2"
    assert answer.text == "Таймаут видимости очереди по умолчанию составляет 30 секунд. [1]"
    assert answer.note == KEYWORDS_ONLY and answer.to_dict()["note"] == KEYWORDS_ONLY
    assert KEYWORDS_ONLY in answer_markdown(answer)
    stored = assistant.answer("Сколько дней хранятся сообщения?")
    assert stored.grounded and stored.citations[0].ref == "notes/очереди.md:3", stored.text

    off_topic = assistant.answer("Кто написал роман Война и мир?")
    assert not off_topic.grounded and off_topic.note == KEYWORDS_ONLY
    english = assistant.answer("What is the default visibility timeout of SQS?")
    assert english.grounded and english.note == "" and "note" not in english.to_dict()
    assert english.citations[0].source == f"notes/{NOTES_FILE.name}"
