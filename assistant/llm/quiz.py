"""Quiz items written by the model (``quiz --llm``), kept only when the notes back them: the model
writes a question, its answer and distractors from the lines a template item cites; the item is kept
when the answer passes the same check as an answer's sentences against those lines and no distractor
does. Otherwise the template item stays.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

from langchain_core.messages import HumanMessage, SystemMessage

from assistant.llm.client import LLMConfig, LLMError, stream_tokens
from assistant.llm.prompts import QUIZ_SYSTEM, passages_block
from assistant.llm.verify import unsupported
from assistant.quiz.items import QuizItem

JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


@dataclass
class QuizReport:
    """What the model did for a quiz: items written and kept, items it wrote that failed (why), and
    the server's failure if it had one."""

    kept: int = 0
    failed: list[str] | None = None
    llm_error: str | None = None

    def line(self, total: int) -> str:
        failed = len(self.failed or [])
        text = f"the model wrote {self.kept} of {total} items; {failed} it wrote failed the check and were replaced"
        return text + (f" ({self.llm_error})" if self.llm_error else "")


def written_item(reply: str, template: QuizItem, model: str, rng: random.Random) -> tuple[QuizItem | None, str]:
    """The item the model's ``reply`` (JSON: question, answer, distractors) describes, if the lines of
    ``template``'s citation back its answer and none of its distractors; else None and why."""
    match = JSON_OBJECT.search(reply)
    try:
        data = json.loads(match.group()) if match else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        return None, "the reply is not a JSON object"
    question, answer, distractors = data.get("question"), data.get("answer"), data.get("distractors")
    if not (isinstance(question, str) and question.strip() and isinstance(answer, str) and answer.strip()):
        return None, "no question or answer"
    if not isinstance(distractors, list) or not all(isinstance(d, str) and d.strip() for d in distractors):
        return None, "no distractors"
    options = list(dict.fromkeys(o.strip() for o in [answer, *distractors]))
    if len(options) < 3:
        return None, "fewer than two distinct distractors"
    lines = template.citation.quote
    why = unsupported(answer.strip(), lines)
    if why:
        return None, f"the answer is not backed: {why}"
    backed = [d for d in options[1:] if not unsupported(d, lines)]
    if backed:
        return None, f"the distractor {backed[0]!r} is backed by the lines too"
    shown = options[:4]
    rng.shuffle(shown)
    key = hashlib.sha1(f"llm|{question}|{answer}|{template.citation.ref}".encode()).hexdigest()[:12]
    item = QuizItem(key, "mcq", " ".join(question.split()), tuple(shown), answer.strip(),
                    f"Written by the model {model}; the answer is in the cited lines.", template.citation,
                    template.section, fact="llm")
    return item, ""


def model_quiz(items: Sequence[QuizItem], config: LLMConfig, seed: int = 0) -> tuple[list[QuizItem], QuizReport]:
    """``items`` with each multiple-choice one replaced by the model's own when it passes the check."""
    rng = random.Random(seed)
    report = QuizReport(failed=[])
    out: list[QuizItem] = []
    for item in items:
        if item.kind != "mcq" or report.llm_error:
            out.append(item)
            continue
        sent = [SystemMessage(QUIZ_SYSTEM),
                HumanMessage(f"{passages_block([(item.citation.ref, item.citation.quote)])}\n\nWrite the JSON.")]
        try:
            reply = "".join(stream_tokens(config, sent))
        except LLMError as exc:
            report.llm_error = str(exc)
            out.append(item)
            continue
        written, why = written_item(reply, item, config.model, rng)
        if written is None:
            assert report.failed is not None
            report.failed.append(why)
            out.append(item)
        else:
            report.kept += 1
            out.append(written)
    return out, report
