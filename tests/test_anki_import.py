"""The Anki export opens in Anki itself (issue 17): the .apkg imported into a fresh collection with
Anki's own library (the ``anki`` package), one note and one card per item, each card's back citing
the lines of the notes its answer rests on."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from langchain_core.embeddings import Embeddings

from assistant.quiz.export import export_apkg
from assistant.quiz.generate import generate_quiz
from assistant.quiz.items import QuizItem
from ingest.loaders import NotesLoader
from tests.conftest import CORPUS, NOTES_FILE


def import_into_fresh_collection(apkg: Path, folder: Path) -> Collection:
    col = Collection(str(folder / "collection.anki2"))
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions()))
    return col


def text(markup: str) -> str:
    """What a card shows, without its tags and entities."""
    markup = re.sub(r"<style>.*?</style>", " ", markup, flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", " ", markup))


@pytest.fixture(scope="module")
def items(fake_embeddings: Embeddings) -> list[QuizItem]:
    docs = NotesLoader(NOTES_FILE, CORPUS).load()
    return generate_quiz(docs, n=30, kind="mixed", seed=11, embeddings=fake_embeddings)


def test_the_deck_imports_into_anki_with_a_card_per_item_citing_its_lines(
    items: list[QuizItem], tmp_path: Path
) -> None:
    apkg = export_apkg(items, tmp_path / "quiz.apkg")
    col = import_into_fresh_collection(apkg, tmp_path)
    try:
        assert col.note_count() == len(items) == 30
        assert col.card_count() == len(items)
        by_question = {" ".join(i.question.split()): i for i in items}
        seen = set()
        for card_id in col.find_cards(""):
            card = col.get_card(card_id)
            front = " ".join(text(card.question()).split())
            item = next(i for q, i in by_question.items() if front.startswith(q))
            seen.add(item.id)
            back = " ".join(text(card.answer()).split())
            assert item.citation.ref in back, (item.citation.ref, back)  # corpus/...txt:LINE
            assert " ".join(item.citation.quote.split()) in back  # and the quoted lines themselves
            assert item.answer in back
            if item.options:
                assert all(o in front for o in item.options)
        assert seen == {i.id for i in items}
    finally:
        col.close()


def test_a_re_export_updates_the_same_notes(items: list[QuizItem], tmp_path: Path) -> None:
    apkg = export_apkg(items[:10], tmp_path / "first.apkg")
    col = import_into_fresh_collection(apkg, tmp_path)
    try:
        again = export_apkg(items[:12], tmp_path / "again.apkg")
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(again), options=ImportAnkiPackageOptions()))
        assert col.note_count() == 12 and col.card_count() == 12  # the first ten are not duplicated
    finally:
        col.close()
