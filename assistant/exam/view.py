"""The evidence view: the verdict, then each option with what the notes' best line about it does
(supports / contradicts / says nothing) and that line, quoted with ``file:lines``."""

from __future__ import annotations

import textwrap

from assistant.exam.solve import ExamAnswer

WIDTH = 100


def evidence_view(answer: ExamAnswer) -> str:
    out = [answer.message]
    for verdict in sorted(answer.verdicts, key=lambda v: v.letter):
        mark = "*" if verdict.letter in answer.chosen else " "
        found = verdict.label if verdict.citations else "says nothing (no line of your notes names it)"
        out.append(f"{mark} {verdict.letter}) {verdict.text}  [{found}]")
        for citation in verdict.citations:
            out.append(f"      {citation.ref}")
            out += [f"        > {line}" for line in textwrap.wrap(" ".join(citation.quote.split()), WIDTH)]
    return "\n".join(out)
