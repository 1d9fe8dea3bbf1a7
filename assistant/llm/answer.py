"""Answers written by a model and checked against the notes: ``ModelAnswerer`` over an ``Assistant``.

The assistant finds the passages (and has its own answer ready); the model writes from the best of
them; each sentence is checked against the lines it cites (``verify``) and dropped if they don't say
it. Nothing left, a model that says the notes don't cover the question, or a server that fails: the
notes' own answer, saying why.

>>> config = LLMConfig("http://127.0.0.1:11434/v1", "qwen2.5:7b")
>>> answerer = ModelAnswerer(Assistant(), config)  # doctest: +SKIP
>>> for piece in answerer.stream("What is the default visibility timeout of SQS?"):  # doctest: +SKIP
...     print(piece if isinstance(piece, str) else piece.to_dict())
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.engine import Assistant
from assistant.answer.types import Answer, Passage
from assistant.llm.client import LLMConfig, LLMError, stream_tokens
from assistant.llm.prompts import messages
from assistant.llm.verify import NUMBER, Checked, check_reply, named_terms, says_not_covered, unsupported
from core.spans import Citation, LineSpan, on_pages, span_dict
from core.text import terms

CONTEXT_PASSAGES = 5  # passages the model reads: the assistant's best, in its order
NOTHING_LEFT = "no sentence of the model's answer was backed by the lines it cited"
SAID_NOT_COVERED = "the model found no answer in the passages"


@dataclass
class ModelAnswer(Answer):
    """An ``Answer`` from the LLM path: ``by`` says who wrote ``text`` ("llm": the model, each sentence
    checked; "notes": the notes' own lines, because the model's answer could not be used, ``why``).
    ``sentences`` are every sentence the model wrote, passed or not; ``backing[i]`` the lines the i-th cites."""

    by: str = "notes"
    model: str = ""
    sentences: list[Checked] = field(default_factory=list)
    backing: list[list[Citation]] = field(default_factory=list)
    why: str = ""  # why the notes answer instead of the model
    llm_error: str | None = None  # the server failed: one line naming it and its model

    @property
    def dropped(self) -> int:
        return sum(not s.passed for s in self.sentences)

    def written(self) -> list[tuple[str, list[int]]]:
        """The model's sentences shown as the answer, each with its citation numbers (1-based, into
        ``citations``); none when the notes answer."""
        if self.by != "llm":
            return []
        return [
            (s.text, [self.citations.index(c) + 1 for c in backing])
            for s, backing in zip(self.sentences, self.backing, strict=True)
            if s.passed
        ]

    def failed(self) -> list[tuple[Checked, list[Citation]]]:
        """The sentences dropped, each with the lines it cited."""
        return [(s, backing) for s, backing in zip(self.sentences, self.backing, strict=True) if not s.passed]

    def to_dict(self) -> dict[str, Any]:
        """The Answer's JSON plus ``by``, the model, each sentence's citations and verdict."""
        return {
            **super().to_dict(),
            "by": self.by,
            **({"model": self.model} if self.model else {}),
            **({"why": self.why} if self.why else {}),
            **({"llm_error": self.llm_error} if self.llm_error else {}),
            "sentences": [
                {
                    "text": s.text,
                    "citations": [span_dict(c) for c in backing],
                    "passed": s.passed,
                    **({"reason": s.reason} if s.reason else {}),
                }
                for s, backing in zip(self.sentences, self.backing, strict=True)
            ],
        }


class ModelAnswerer:
    """Writes answers with the model at ``config``, from the passages ``assistant`` retrieves."""

    def __init__(self, assistant: Assistant, config: LLMConfig, context: int = CONTEXT_PASSAGES) -> None:
        self.assistant = assistant
        self.config = config
        self.context = context  # how many of the assistant's passages the model reads

    def answer(self, question: str, history: Sequence[dict[str, str]] | None = None) -> ModelAnswer:
        """The checked answer, without streaming."""
        for piece in self.stream(question, history):
            if isinstance(piece, ModelAnswer):
                return piece
        raise AssertionError("stream() ends with the answer")  # pragma: no cover

    def stream(self, question: str, history: Sequence[dict[str, str]] | None = None) -> Iterator[str | ModelAnswer]:
        """The model's reply token by token (str), then the checked answer (a ModelAnswer, last)."""
        notes = self.assistant.answer(question, history)
        if notes.error or not notes.passages:  # a bad question, no notes, a store gone: nothing to write from
            yield _from_notes(notes, self.config, "")
            return
        passages = notes.passages[: self.context]
        sent = messages(question, [(_span(p).ref, p.text) for p in passages], history)
        reply: list[str] = []
        try:
            for piece in stream_tokens(self.config, sent):
                reply.append(piece)
                yield piece
        except LLMError as exc:
            yield _from_notes(notes, self.config, "", llm_error=str(exc))
            return
        yield self.checked(notes, passages, "".join(reply))

    def checked(self, notes: Answer, passages: list[Passage], reply: str) -> ModelAnswer:
        """The model's ``reply`` checked sentence by sentence against ``passages``; the notes' answer
        (``notes``) when nothing is left or the model said they don't cover the question."""
        checked = check_reply(reply, {n: p.text for n, p in enumerate(passages, 1)})
        backing = [_backing(s, passages) for s in checked]
        why = SAID_NOT_COVERED if says_not_covered(checked) else "" if any(s.passed for s in checked) else NOTHING_LEFT
        if why:
            return _from_notes(notes, self.config, why, checked, backing)
        citations: list[Citation] = []
        for sentence, cites in zip(checked, backing, strict=True):
            if sentence.passed:
                citations += [c for c in cites if c not in citations]
        answer = ModelAnswer(
            question=notes.question, text="", grounded=True, citations=citations,
            passages=notes.passages, resolved_question=notes.resolved_question, note=notes.note, by="llm",
            model=self.config.model, sentences=checked, backing=backing,
        )
        answer.text = " ".join(f"{text} {''.join(f'[{n}]' for n in numbers)}" for text, numbers in answer.written())
        return answer


def _from_notes(notes: Answer, config: LLMConfig, why: str, checked: list[Checked] | None = None,
                backing: list[list[Citation]] | None = None, llm_error: str | None = None) -> ModelAnswer:
    """The assistant's own answer, as the LLM path's reply, saying why the model's was not used."""
    return ModelAnswer(
        **{f: getattr(notes, f) for f in Answer.__dataclass_fields__}, by="notes", model=config.model,
        sentences=checked or [], backing=backing or [], why=why, llm_error=llm_error,
    )


def _span(passage: Passage) -> LineSpan:
    return on_pages(LineSpan(passage.source, passage.start_line, passage.end_line), passage.pages)


def _backing(sentence: Checked, passages: list[Passage]) -> list[Citation]:
    """The lines a sentence cites: of each passage it names, the lines that carry it when they alone
    pass the same check (a passage is several lines), else the whole passage."""
    cited = [passages[n - 1] for n in sentence.cites if 0 < n <= len(passages)]
    narrow = [_lines(p, _carrying(p, sentence.text)) for p in cited]
    if sentence.passed and not unsupported(sentence.text, "\n".join(c.quote for c in narrow)):
        return narrow
    return [_lines(p, range(len(p.text.split("\n")))) for p in cited]


def _carrying(passage: Passage, sentence: str) -> range:
    """The run of ``passage``'s lines from the first to the last that holds the most of ``sentence``'s
    terms, one of its numbers, or the first mention of one of its names."""
    lines = passage.text.split("\n")
    wanted = set(terms(sentence))
    overlap = [len(wanted & set(terms(line))) for line in lines]
    best = max(overlap, default=0)
    numbers = set(NUMBER.findall(sentence))
    chosen = [i for i, line in enumerate(lines)
              if (best and overlap[i] == best) or numbers & set(NUMBER.findall(line))]
    for name in named_terms(sentence):
        if not any(set(terms(name)) <= set(terms(lines[i])) for i in chosen):
            chosen += [i for i, line in enumerate(lines) if set(terms(name)) <= set(terms(line))][:1]
    chosen.sort()
    return range(chosen[0], chosen[-1] + 1) if chosen else range(len(lines))


def _lines(passage: Passage, lines: range) -> Citation:
    text = passage.text.split("\n")
    quote = "\n".join(text[lines.start : lines.stop]).strip()
    span = Citation(passage.source, passage.start_line + lines.start, passage.start_line + lines.stop - 1, quote,
                    passage.score)
    return on_pages(span, passage.pages)
