r"""How an answer of the LLM path reads in the app: each sentence the model wrote marked as the
model's, its citations as chips (one click shows the lines), and what was dropped or why the notes
answer instead.

>>> from assistant.llm.verify import Checked; from core.spans import Citation
>>> cite = Citation("corpus/notes.txt", 142, 142, "30 seconds default", 1.0)
>>> answer = ModelAnswer("q", "It is 30 seconds. [1]", True, [cite], by="llm", model="qwen2.5:7b",
...                      sentences=[Checked("It is 30 seconds.", (1,), True)], backing=[[cite]])
>>> print(model_markdown(answer))
🤖 **Written by the model** `qwen2.5:7b`, each sentence checked against the lines it cites:
<BLANKLINE>
- 🤖 *It is 30 seconds.* \[1\]
<BLANKLINE>
Sources: `[1] corpus/notes.txt:142`
"""

from __future__ import annotations

from assistant.app.present import answer_markdown, code_span, md_escape
from assistant.llm.answer import ModelAnswer

MODEL_MARK = "🤖"


def model_markdown(answer: ModelAnswer) -> str:
    """The chat reply of the LLM path (the notes' own answer when the model's could not be used)."""
    if answer.by != "llm":
        reply = answer_markdown(answer)
        if answer.why:
            reply += f"\n\n_(The model's answer was not used: {md_escape(answer.why)}. This is your notes' own.)_"
        return reply + _dropped(answer)
    head = (f"{MODEL_MARK} **Written by the model** {code_span(answer.model)}, "
            "each sentence checked against the lines it cites:")
    items = [
        f"- {MODEL_MARK} *{md_escape(text)}* {' '.join(md_escape(f'[{n}]') for n in numbers)}"
        for text, numbers in answer.written()
    ]
    chips = " ".join(code_span(f"[{i}] {c.ref}") for i, c in enumerate(answer.citations, 1))
    note = f"\n\n_({md_escape(answer.note)})_" if answer.note else ""
    return "\n".join([head, "", *items, "", f"Sources: {chips}"]) + note + _dropped(answer)


def _dropped(answer: ModelAnswer) -> str:
    count = answer.dropped
    if not count:
        return ""
    plural = "s" if count != 1 else ""
    return f"\n\n_{count} sentence{plural} the model wrote dropped: the lines cited don't say it._"
