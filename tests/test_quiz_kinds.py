"""Quizzes a learner can trust (issue 17): wrong options of the same kind as the answer, never a
heading fragment; varied question forms; two options asked as true/false.

The kind classifier is tested on its own first, then over 100-item quizzes with three seeds, with fake
vectors (fast) and the real model (slow)."""

from __future__ import annotations

from collections import Counter

import pytest
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from assistant.quiz.generate import FORMS, generate_quiz
from assistant.quiz.items import QuizItem
from assistant.quiz.kinds import is_heading_fragment, kind_of, same_kind, service_family
from core.text import NO_SECTION, top_section
from ingest.loaders import NotesLoader
from tests.conftest import CORPUS, NOTES_FILE

SEEDS = (11, 12, 13)


# ---------------------------------------------------------------- the classifier on its own


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Route 53", "service/networking"),
        ("Amzon cloudfront", "service/networking"),
        ("Simple Queue Service (SQS)", "service/messaging"),
        ("Amazon Simple Notification Service", "service/messaging"),
        ("aws fargate", "service/compute"),
        ("AWS Lambda", "service/compute"),
        ("dynamo db", "service/database"),
        ("elastic cache", "service/database"),
        ("Amazon Elastic Block Store", "service/storage"),
        ("System manager Pamameter store", "service/management"),  # misspelt, as notes are
        ("aws secret manager", "service/security"),
        ("AWS CodePipeline", "service/developer"),
        ("Amazon athena", "service/analytics"),
        ("HTTP 414", "http"),
        ("HTTP 500", "http"),
        ("256 kb", "quantity/size"),
        ("0 to 20 seconds", "quantity/time"),
        ("99.9%", "quantity/percent"),
        ("Domain 1", "heading"),
        ("Section 2.3", "heading"),
        ("IAM Policy", "term"),  # names a service, is none
        ("lambda execution role", "term"),
        ("Inbound traffic", "term"),
        ("sns retry", "term"),
        ("to define cloud infrastructure using code", "purpose"),
        ("define cloud infrastructure using programming language", "purpose"),
        ("Load balancers", "term"),  # "load" is a verb too, but two words name a thing
    ],
)
def test_kind_of(text: str, kind: str) -> None:
    assert str(kind_of(text)) == kind


def test_same_kind_rules() -> None:
    assert same_kind("Route 53", "AWS Lambda")  # services: another family is still a service
    assert not same_kind("Route 53", "HTTP 414")
    assert not same_kind("256 kb", "30 days")  # quantities: the same dimension
    assert same_kind("256 kb", "10,240 mb")
    assert not same_kind("Domain 1", "Domain 2")  # a heading fragment is of no kind, not even its own
    assert not same_kind("Inline policy", "Secret manager")
    assert service_family("IAM roles") is None and service_family("Inbound traffic") is None
    assert is_heading_fragment("Domain 4") and not is_heading_fragment("EC2")


# ---------------------------------------------------------------- over real quizzes


@pytest.fixture(scope="module")
def docs() -> list[Document]:
    return NotesLoader(NOTES_FILE, CORPUS).load()


@pytest.fixture(scope="module", params=["fake", pytest.param("real", marks=pytest.mark.slow)])
def quizzes(request: pytest.FixtureRequest, docs: list[Document]) -> dict[int, list[QuizItem]]:
    model: Embeddings = request.getfixturevalue("fake_embeddings" if request.param == "fake" else "embeddings")
    return {seed: generate_quiz(docs, n=100, kind="mixed", seed=seed, embeddings=model) for seed in SEEDS}


def test_every_option_is_the_answers_kind(quizzes: dict[int, list[QuizItem]]) -> None:
    for seed, quiz in quizzes.items():
        assert len(quiz) == 100, seed
        mcqs = [i for i in quiz if i.kind == "mcq"]
        assert len(mcqs) >= 20
        for item in mcqs:
            assert len(item.options) == 4, (seed, item.question, item.options)
            wanted = kind_of(item.answer)
            assert wanted.name != "heading", item
            for option in item.options:
                assert same_kind(option, item.answer), (seed, item.question, option, str(kind_of(option)), wanted)


def test_no_option_or_answer_is_a_heading_fragment(quizzes: dict[int, list[QuizItem]]) -> None:
    for quiz in quizzes.values():
        for item in quiz:
            assert not is_heading_fragment(item.answer), item
            for option in item.options:
                assert not is_heading_fragment(option), (item.question, option)


def test_services_get_services_mostly_of_the_same_family(quizzes: dict[int, list[QuizItem]]) -> None:
    same = total = 0
    for quiz in quizzes.values():
        for item in quiz:
            if item.form != "def-which" or kind_of(item.answer).name != "service":
                continue
            family = kind_of(item.answer).family
            for option in item.options:
                if option != item.answer:
                    total += 1
                    same += kind_of(option).family == family
    assert total >= 9
    assert same / total >= 0.4, (same, total)


def test_at_least_eight_forms_none_over_a_quarter(quizzes: dict[int, list[QuizItem]]) -> None:
    for seed, quiz in quizzes.items():
        forms = Counter(i.form for i in quiz)
        assert set(forms) <= set(FORMS) and all(forms), forms
        assert len(forms) >= 8, (seed, forms)
        assert max(forms.values()) <= 25, (seed, forms)
        for item in quiz:
            assert FORMS[item.form] == item.kind, item


def test_two_options_are_asked_as_true_or_false(quizzes: dict[int, list[QuizItem]]) -> None:
    for quiz in quizzes.values():
        contrasts = [i for i in quiz if i.fact.startswith("con:")]
        assert contrasts
        assert all(i.kind in ("truefalse", "cloze") for i in contrasts), [i.question for i in contrasts]
        assert all(len(i.options) != 2 or i.options == ("True", "False") for i in quiz)


def test_purpose_and_not_forms_are_asked(quizzes: dict[int, list[QuizItem]]) -> None:
    for seed, quiz in quizzes.items():
        purpose = [i for i in quiz if i.form == "def-purpose"]
        negative = [i for i in quiz if i.form == "list-not"]
        assert purpose and negative, seed
        for item in purpose:
            assert "used for" in item.question or "Why would you use" in item.question
            assert all(kind_of(o).name == "purpose" for o in item.options)
        for item in negative:
            assert " NOT " in item.question


def test_a_quiz_on_weak_sections_leans_on_them(docs: list[Document], fake_embeddings: Embeddings) -> None:
    everything = generate_quiz(docs, n=40, seed=5, embeddings=fake_embeddings)
    weak = ["Dynamo db", "IAM"]
    focused = generate_quiz(docs, n=40, seed=5, embeddings=fake_embeddings, focus=weak)

    def share(quiz: list[QuizItem]) -> float:
        return sum(top_section(i.section) in weak for i in quiz) / len(quiz)

    assert share(focused) >= 0.4 and share(focused) >= 2 * share(everything), (share(focused), share(everything))


def test_a_quiz_on_the_notes_outside_any_section_leans_on_them(
    docs: list[Document], fake_embeddings: Embeddings
) -> None:
    # Progress lists chunks without a section under NO_SECTION; "quiz on weak sections" passes that name.
    loose = [Document(page_content=d.page_content, metadata={**d.metadata, "section": ""}) for d in docs[:40]]
    mixed = loose + list(docs[40:])
    everything = generate_quiz(mixed, n=30, seed=2, embeddings=fake_embeddings)
    focused = generate_quiz(mixed, n=30, seed=2, embeddings=fake_embeddings, focus=[NO_SECTION])

    def share(quiz: list[QuizItem]) -> float:
        return sum(top_section(i.section) == NO_SECTION for i in quiz) / len(quiz)

    assert share(focused) >= 0.4 and share(focused) > share(everything), (share(focused), share(everything))
