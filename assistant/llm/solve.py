"""Exam mode with the model (``solve --llm``): the model weighs each option against the retrieved
notes, citing passages; it commits only where its verified evidence decides the question.

The model writes one line per option (``B: <what the passages say about it> [n]``) and its choice
(``ANSWER: B``). A chosen option counts only when its line passes the same check as an answer's
sentence against the lines it cites, and those lines also hold every number and name of the option
itself. The model's choice stands when exactly the options asked for are so backed and it chose
them; otherwise the notes do not decide the question, and each option shows its evidence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from assistant.answer.types import Passage
from assistant.exam.solve import ExamAnswer, ExamQuestion, OptionVerdict
from assistant.llm.client import LLMConfig, LLMError, stream_tokens
from assistant.llm.prompts import SOLVE_SYSTEM, passages_block
from assistant.llm.verify import check_reply, unsupported
from core.spans import LineSpan, Quote, on_pages, span_dict

OPTION_LINE = re.compile(r"^\s*\(?(?P<letter>[A-H])\s*[).:]\s*(?P<text>.+)$", re.MULTILINE)
ANSWER_LINE = re.compile(r"^\s*ANSWER\s*:\s*(?P<letters>[A-H](?:\s*(?:,|and|&)?\s*[A-H])*)\b",
                         re.IGNORECASE | re.MULTILINE)
NOT_DECIDED = "Not decided by your notes: the model's evidence does not settle it. The evidence for each option:"


@dataclass
class ModelExam:
    """The exam answer of the LLM path: ``by`` "llm" when the model's verified evidence decides it, else
    "notes" (``answer`` is then the notes' own weighing, undecided or not); ``evidence`` is each
    option's line from the model and whether it passed."""

    answer: ExamAnswer
    by: str
    evidence: dict[str, dict[str, Any]] = field(default_factory=dict)
    llm_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {**self.answer.to_dict(), "by": self.by, "model_evidence": self.evidence,
                **({"llm_error": self.llm_error} if self.llm_error else {})}


def model_solve(question: ExamQuestion, notes: ExamAnswer, passages: Sequence[Passage],
                config: LLMConfig) -> ModelExam:
    """The model's answer to ``question`` from ``passages``, kept where its cited lines back it;
    ``notes`` (the notes' own weighing) otherwise."""
    options = "\n".join(f"{letter}. {text}" for letter, text in question.options)
    sent = [SystemMessage(SOLVE_SYSTEM), HumanMessage(
        f"{passages_block([(_ref(p), p.text) for p in passages])}\n\nQuestion: {question.stem}\n{options}\n"
        f"Choose {question.pick}.")]
    try:
        reply = "".join(stream_tokens(config, sent))
    except LLMError as exc:
        return ModelExam(notes, "notes", llm_error=str(exc))
    return judged(reply, question, notes, passages)


def judged(reply: str, question: ExamQuestion, notes: ExamAnswer, passages: Sequence[Passage]) -> ModelExam:
    """``reply`` (option lines and ``ANSWER:``) checked against ``passages``."""
    texts = {n: p.text for n, p in enumerate(passages, 1)}
    wanted = dict(question.options)
    evidence: dict[str, dict[str, Any]] = {}
    backed: dict[str, list[Quote]] = {}
    for match in OPTION_LINE.finditer(reply):
        letter = match["letter"].upper()
        if letter not in wanted or letter in evidence:
            continue
        checked = check_reply(match["text"], texts)
        passed = bool(checked) and all(c.passed for c in checked)
        cited = sorted({n for c in checked for n in c.cites if n in texts})
        if passed and unsupported(wanted[letter], "\n".join(texts[n] for n in cited)):
            passed = False  # the line is backed, but the option itself is not in the lines it cites
        quotes = [on_pages(Quote(passages[n - 1].source, passages[n - 1].start_line, passages[n - 1].end_line,
                                 passages[n - 1].text), passages[n - 1].pages) for n in cited]
        evidence[letter] = {"text": " ".join(c.text for c in checked), "passed": passed,
                            "citations": [span_dict(q) for q in quotes]}
        if passed:
            backed[letter] = quotes
    found = ANSWER_LINE.search(reply)
    chosen = sorted(set(re.findall(r"[A-H]", found["letters"].upper()))) if found else []
    if len(chosen) == question.pick and set(chosen) <= set(backed) and len(backed) == question.pick:
        verdicts = [OptionVerdict(letter, text, 1.0 if letter in chosen else 0.0, backed.get(letter, []))
                    for letter, text in question.options]
        them = "them" if len(chosen) > 1 else "it"
        message = f"The model picks {' and '.join(chosen)}; the lines it cites back {them}."
        return ModelExam(ExamAnswer(question, True, chosen, verdicts, message), "llm", evidence)
    undecided = ExamAnswer(question, False, [], notes.verdicts, NOT_DECIDED)
    return ModelExam(undecided, "notes", evidence)


def _ref(passage: Passage) -> str:
    return on_pages(LineSpan(passage.source, passage.start_line, passage.end_line), passage.pages).ref
