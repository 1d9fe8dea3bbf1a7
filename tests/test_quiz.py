"""Quizzes generated from the real notes: every answer proven by its cited lines, distractors wrong,
no duplicates, spread over sections, reproducible; grading; export.

The embedding model only chooses among wrong options (the plausible ones first, none defined in nearly
the same words as the answer), which no test here depends on: every test runs twice, with fake vectors
(fast) and with the real model (slow)."""

from __future__ import annotations

import csv
import re
import sqlite3
import zipfile
from difflib import SequenceMatcher
from pathlib import Path

import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from assistant.quiz.export import export_apkg, export_csv, export_quiz
from assistant.quiz.generate import generate_quiz
from assistant.quiz.grading import grade, grade_quiz
from assistant.quiz.items import QuizError, QuizItem
from assistant.quiz.names import loose, mentions, same_thing
from core.text import find_quantities
from ingest.loaders import NotesLoader
from tests.conftest import CORPUS, NOTES_FILE

SEED = 11
FILE_LINES = NOTES_FILE.read_text(encoding="utf-8").split("\n")


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return NotesLoader(NOTES_FILE, CORPUS).load()


@pytest.fixture(scope="module", params=["fake", pytest.param("real", marks=pytest.mark.slow)])
def model(request: pytest.FixtureRequest) -> Embeddings:
    """Fake vectors (fast) or the real all-MiniLM-L6-v2 (slow), which ranks the distractors."""
    return request.getfixturevalue("fake_embeddings" if request.param == "fake" else "embeddings")


@pytest.fixture(scope="module")
def quiz(docs: list[Document], model: Embeddings) -> list[QuizItem]:
    return generate_quiz(docs, n=100, kind="mixed", seed=SEED, embeddings=model)


def cited_text(item: QuizItem) -> str:
    c = item.citation
    assert c.source == "corpus/aws-developer-associate-notes.txt"
    return "\n".join(FILE_LINES[c.start_line - 1 : c.end_line])


def states(text: str, answer: str) -> bool:
    """The answer's words occur in ``text``, or (for a number) the same value with its unit."""
    if f" {loose(answer)} " in f" {loose(text)} ":
        return True
    wanted, found = find_quantities(answer), find_quantities(text)
    return len(wanted) == 1 and any(wanted[0].same_value(q) and wanted[0].is_range == q.is_range for q in found)


TF_PREFIX = re.compile(r"^True or false[:?]\s*")  # "True or false:" and, before a quoted line, "True or false?"
LINE_INTRO = re.compile(r"^(?:In your notes on [^:“]+|Your notes say):\s*")  # before a quoted line of the notes
# Words the true/false templates put around what the notes say ("your notes describe X as “...”",
# "X is used to ...", "your notes list X under “...”"); loose() has dropped the articles.
TEMPLATE_WORDS = frozenset({"your", "note", "describe", "as", "list", "under", "is", "are", "used", "to"})
NEGATIONS = frozenset({"not", "no", "never", "non", "t"})  # "t": what loose() leaves of "n't"


def statement(item: QuizItem) -> str:
    """What a true/false item claims: its question without "True or false:" (or "?") and without the
    words that introduce a quoted line."""
    return LINE_INTRO.sub("", TF_PREFIX.sub("", item.question))


def polar_words(text: str) -> set[tuple[str, bool]]:
    """The loose words of ``text``, each with whether a negation comes at most two words before it
    ("not resource-based", "non-persistent")."""
    words = loose(re.sub(r",(?!\d)", " ", text)).split()  # "ECR,ECS" is two words, "10,240" one number
    return {
        (w, any(n in NEGATIONS for n in words[max(0, i - 2) : i])) for i, w in enumerate(words) if w not in NEGATIONS
    }


def supported(claim: str, text: str) -> bool:
    """``text`` says what ``claim`` says: each of the claim's words (but the templates' own) is in
    ``text``, negated there just where the claim negates it, and each amount in the claim is one
    ``text`` gives. A false statement swaps in a name, an amount or the opposite of a word
    (stateful/stateless), which its cited lines do not say."""
    said = polar_words(text)
    if not all(word in said for word in polar_words(claim) if word[0] not in TEMPLATE_WORDS):
        return False
    given = find_quantities(text)
    return all(any(q.same_value(g) for g in given) for q in find_quantities(claim))


def proof(item: QuizItem) -> str:
    """What a true/false statement is checked against: its quote, but for a contrast the cited line,
    as the quote is only the clause that decides it ("pull based, not push based") and the line
    names what it is about."""
    return cited_text(item) if item.fact.startswith("con:") else item.citation.quote


def test_a_hundred_item_mixed_quiz_of_all_kinds(quiz: list[QuizItem]) -> None:
    assert len(quiz) == 100
    kinds = {k: sum(i.kind == k for i in quiz) for k in ("mcq", "truefalse", "cloze")}
    assert all(count >= 20 for count in kinds.values()), kinds
    for item in quiz:
        assert item.question.strip() and item.answer.strip() and item.explanation.strip()
        if item.kind == "mcq":
            assert len(item.options) in (2, 4) and item.answer in item.options
        elif item.kind == "truefalse":
            assert item.options == ("True", "False") and item.answer in item.options
        else:
            assert item.options == () and "____" in item.question


def test_every_quote_is_verbatim_in_its_narrow_cited_lines(quiz: list[QuizItem]) -> None:
    for item in quiz:
        text = cited_text(item)
        assert item.citation.quote and item.citation.quote in text, item
        span = item.citation.end_line - item.citation.start_line + 1
        assert span <= 2 or item.fact.startswith("list:"), item  # lists cite their header down to the item
        assert span <= 13, item


def test_every_answer_is_stated_by_its_cited_lines(quiz: list[QuizItem]) -> None:
    for item in quiz:
        quote = item.citation.quote
        if item.form == "list-not":
            # "Which is NOT listed?": the cited list holds every other option, and not the answer.
            assert not states(quote, item.answer) and not mentions(quote, item.answer), (item.question, quote)
            assert all(states(quote, o) for o in item.options if o != item.answer), (item.options, quote)
        elif item.kind in ("mcq", "cloze"):
            assert states(quote, item.answer), (item.question, item.answer, quote)
        elif item.answer == "True":
            # A true statement is the notes' own words: most of its content words are in the quote.
            words = [
                w
                for w in loose(item.question).split()
                if len(w) > 3 and w not in {"true", "false", "your", "note", "describe", "list", "under", "used"}
            ]
            shared = sum(f" {w} " in f" {loose(quote)} " for w in words)
            assert shared >= 0.6 * len(words), (item.question, quote)
            # All of it, in fact: every word and amount it states, none that the notes negate.
            assert supported(statement(item), proof(item)), (item.question, proof(item))
        else:
            # A false statement says something the quoted lines don't: not their own words, and a name,
            # an amount or a negated word that they do not say (what every true statement passes).
            assert loose(statement(item)) not in loose(quote), (item.question, quote)
            assert not supported(statement(item), proof(item)), (item.question, proof(item))


def test_distractors_are_wrong_and_never_the_answer_in_other_words(quiz: list[QuizItem]) -> None:
    mcqs = [i for i in quiz if i.kind == "mcq"]
    assert len(mcqs) >= 20
    for item in mcqs:
        assert len({loose(o) for o in item.options}) == len(item.options), item.options
        for option in item.options:
            if option == item.answer:
                continue
            mine, theirs = find_quantities(option), find_quantities(item.answer)
            if mine and theirs:  # values: never the same amount, whatever the unit
                assert not mine[0].same_value(theirs[0]), (option, item.answer)
                continue
            assert not same_thing(option, item.answer), (option, item.answer)
            assert loose(option) not in loose(item.answer) and loose(item.answer) not in loose(option)
            assert SequenceMatcher(None, loose(option), loose(item.answer)).ratio() < 0.85, (option, item.answer)
            if item.form == "list-not":
                # Here the wrong options are what the cited list does say.
                assert states(item.citation.quote, option), (option, item.citation.quote)
            elif len(item.options) == 4:
                # Nor is a distractor what the cited lines themselves say.
                assert not states(item.citation.quote, option) and not mentions(item.citation.quote, option), (
                    option,
                    item.citation.quote,
                )


def test_no_duplicate_items_and_at_least_fifteen_sections(quiz: list[QuizItem]) -> None:
    assert len({i.id for i in quiz}) == len(quiz)
    assert len({loose(i.question) for i in quiz}) == len(quiz)
    assert len({(i.kind, i.fact) for i in quiz}) == len(quiz)
    assert len({i.section for i in quiz}) >= 15


@pytest.mark.slow  # two more 100-item quizzes: 2.5-5 s even with fake vectors
def test_same_seed_same_quiz_and_another_seed_another(
    docs: list[Document], quiz: list[QuizItem], model: Embeddings
) -> None:
    again = generate_quiz(docs, n=100, kind="mixed", seed=SEED, embeddings=model)
    assert [i.to_dict() for i in again] == [i.to_dict() for i in quiz]
    other = generate_quiz(docs, n=100, kind="mixed", seed=SEED + 1, embeddings=model)
    assert [i.id for i in other] != [i.id for i in quiz]


def test_one_kind_and_a_topic(docs: list[Document], model: Embeddings) -> None:
    mcq = generate_quiz(docs, n=15, kind="mcq", seed=3, embeddings=model)
    assert len(mcq) == 15 and {i.kind for i in mcq} == {"mcq"}
    sqs = generate_quiz(docs, n=5, topic="SQS", seed=3, embeddings=model)
    assert sqs
    for item in sqs:
        assert "sqs" in loose(f"{item.section} {item.citation.quote} {item.question}"), item


def test_bad_requests_get_clear_errors(docs: list[Document], model: Embeddings) -> None:
    with pytest.raises(QuizError, match="unknown quiz kind"):
        generate_quiz(docs, kind="essay", embeddings=model)
    with pytest.raises(QuizError, match="at least one"):
        generate_quiz(docs, n=0, embeddings=model)
    with pytest.raises(QuizError, match="ingest"):
        generate_quiz([], embeddings=model)
    with pytest.raises(QuizError, match="matches the topic"):
        generate_quiz(docs, topic="photosynthesis in ferns", embeddings=model)


def test_other_notes_make_a_quiz_too(tmp_path: Path, model: Embeddings) -> None:
    folder = tmp_path / "bio"
    folder.mkdir()
    (folder / "cells.md").write_text(
        "# Cells\n\n"
        "Mitochondria - the organelle that produces most of the cell's ATP.\n"
        "Ribosome - builds proteins from amino acids.\n"
        "Nucleus - holds the cell's genetic material.\n"
        "Golgi apparatus - packages proteins for transport.\n"
        "Lysosome - breaks down waste inside the cell.\n\n"
        "A human red blood cell lives about 120 days. Skin cells are replaced every 28 days.\n"
        "A bacterium divides every 20 minutes. Neurons fire within 2 milliseconds. Gut cells live 5 days.\n",
        encoding="utf-8",
    )
    notes = NotesLoader(folder / "cells.md", folder).load()
    items = generate_quiz(notes, n=8, seed=1, embeddings=model)
    assert len(items) >= 6
    lines = (folder / "cells.md").read_text(encoding="utf-8").split("\n")
    for item in items:
        assert item.citation.source == "bio/cells.md"
        assert item.citation.quote in "\n".join(lines[item.citation.start_line - 1 : item.citation.end_line])
        if item.kind != "truefalse":
            assert states(item.citation.quote, item.answer), item


# ---------------------------------------------------------------- grading


def test_grading_mcq_and_true_false_exactly(quiz: list[QuizItem]) -> None:
    mcq = next(i for i in quiz if i.kind == "mcq" and len(i.options) == 4)
    letter = "ABCD"[mcq.options.index(mcq.answer)]
    wrong = next(o for o in mcq.options if o != mcq.answer)
    assert grade(mcq, letter).correct and grade(mcq, letter.lower() + ")").correct
    assert grade(mcq, mcq.answer.upper()).correct
    assert not grade(mcq, wrong).correct and not grade(mcq, "").correct and not grade(mcq, "Z").correct
    tf = next(i for i in quiz if i.kind == "truefalse")
    right, other = ("t", "false") if tf.answer == "True" else ("F", "true")
    assert grade(tf, right).correct and not grade(tf, other).correct


def test_grading_cloze_tolerates_case_spacing_punctuation_and_plurals(quiz: list[QuizItem]) -> None:
    cloze = [i for i in quiz if i.kind == "cloze"]
    word = next(i for i in cloze if not find_quantities(i.answer) and len(i.answer.split()) >= 2)
    variants = [
        word.answer.upper(),
        f"  {word.answer.lower()}. ",
        word.answer.replace(" ", "  "),
        word.answer + "s",
        word.answer.replace(" ", "-"),
    ]
    assert all(grade(word, v).correct for v in variants), variants
    assert not grade(word, "something else entirely").correct
    number = next(i for i in cloze if find_quantities(i.answer) and not find_quantities(i.answer)[0].is_range)
    assert grade(number, number.answer.replace(" ", "").upper()).correct
    assert not grade(number, re.sub(r"\d[\d.,]*", "12345", number.answer, count=1)).correct


def test_grade_quiz_scores_and_explains_with_citations(quiz: list[QuizItem]) -> None:
    items = quiz[:6]
    responses = [i.answer for i in items[:4]] + ["no idea"]
    score = grade_quiz(items, responses)
    assert (score.correct, score.total) == (4, 6) and round(score.percent) == 67
    for result, item in zip(score.results, items, strict=True):
        assert result.explanation == item.explanation and result.citation == item.citation


# ---------------------------------------------------------------- export


def test_anki_deck_is_a_sqlite_zip_with_one_card_per_item_citing_its_lines(
    quiz: list[QuizItem], tmp_path: Path
) -> None:
    items = quiz[:25]
    path = export_apkg(items, tmp_path / "quiz.apkg")
    with zipfile.ZipFile(path) as package:
        assert "collection.anki2" in package.namelist()
        package.extract("collection.anki2", tmp_path)
    db = sqlite3.connect(tmp_path / "collection.anki2")
    try:
        assert db.execute("SELECT COUNT(*) FROM cards").fetchone()[0] == len(items)
        fields = [row[0].split("\x1f") for row in db.execute("SELECT flds FROM notes")]
    finally:
        db.close()
    assert len(fields) == len(items)
    refs = {f[3] for f in fields}
    assert refs == {i.citation.ref for i in items}


def test_csv_export_and_bad_suffix(quiz: list[QuizItem], tmp_path: Path) -> None:
    path = export_csv(quiz[:10], tmp_path / "quiz.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 10
    assert all(r["quote"] in "\n".join(FILE_LINES[int(r["start_line"]) - 1 : int(r["end_line"])]) for r in rows)
    with pytest.raises(ValueError, match=r"\.apkg"):
        export_quiz(quiz[:1], tmp_path / "quiz.txt")
