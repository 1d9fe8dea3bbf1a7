r"""How answers, citations and graded quiz items read on screen (Markdown and small HTML blocks).

>>> from assistant.answer.types import Answer; from core.spans import Citation
>>> cite = Citation("corpus/notes.txt", 141, 142, "30 seconds default", 1.0)
>>> answer = Answer("q", "Visibility timeout: 30 seconds default. [1]", True, [cite])
>>> print(answer_markdown(answer))
Visibility timeout: 30 seconds default. \[1\]
<BLANKLINE>
Sources: `[1] corpus/notes.txt:141-142`
>>> chip_choices(answer)
[('[1] corpus/notes.txt:141-142', 'corpus/notes.txt:141-142')]

Everything that comes from the notes (their text, file names, section titles) is escaped here, so
that a note's ``<img src=...>``, ``![x](url)`` or bare URL shows as typed and the browser fetches
nothing because of it.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator, Sequence

from langchain_core.documents import Document

from assistant.answer.types import Answer
from assistant.app.context import ContextLine
from assistant.quiz.grading import GradeResult, QuizScore
from core.spans import Citation, Quote
from core.text import section_parts
from ingest.plan import IngestReport

NOT_IN_NOTES = "**Not in your notes.**"
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}#<>|~$&@])")
LIST_START = re.compile(r"^(\s*)([-+]|\d+[.)])(?=\s)", re.MULTILINE)
# What GitHub-flavoured Markdown turns into a link by itself: "http://", "www.", and e-mail addresses
# (their "@" is escaped with the rest); an escaped ":" or "." breaks the pattern and still reads the same.
AUTOLINK = re.compile(r"(?<=[a-z]):(?=//)|(?<=www)\.", re.IGNORECASE)
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def md_escape(text: str) -> str:
    """Notes' text shown literally in Markdown: a ``# heading`` line, ``*``, HTML tags, images, links and
    bare URLs stay as typed, so nothing in a note becomes an element (or a request from the browser).

    >>> md_escape("# SQS - 1) *pull* based")
    '\\\\# SQS - 1) \\\\*pull\\\\* based'
    >>> md_escape('<img src="http://x/a.png"> ![i](www.x.org/b.png)')
    '\\\\<img src="http\\\\://x/a.png"\\\\> !\\\\[i\\\\](www\\\\.x.org/b.png)'
    """
    text = AUTOLINK.sub(lambda m: "\\" + m[0], MARKDOWN_SPECIAL.sub(r"\\\1", text))
    return LIST_START.sub(r"\1\\\2", text)


def code_span(text: str) -> str:
    """``text`` (a file name, a citation) as one Markdown code span, whatever backticks it holds.

    >>> print(code_span("a`[x](javascript:alert(1))`.md:3"))
    ``a`[x](javascript:alert(1))`.md:3``
    """
    text = CONTROL.sub("?", text)  # a newline would end the span (and could start a block)
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if "`" in text[:1] + text[-1:] else ""  # a span's first and last backtick must be its fence
    return f"{fence}{pad}{text}{pad}{fence}"


def cited(answer: Answer) -> list[Citation]:
    """What the side panel lists: the citations, or for a refusal the closest passages."""
    return answer.citations if answer.grounded else answer.closest


def answer_markdown(answer: Answer) -> str:
    """The chat reply: the answer (or a plain refusal) and its ``file:lines`` chips."""
    chips = " ".join(code_span(f"[{i}] {c.ref}") for i, c in enumerate(cited(answer), 1))
    note = f"\n\n_({md_escape(answer.note)})_" if answer.note else ""
    if answer.grounded:
        text = md_escape(answer.text)
        if answer.answer_span is not None:  # the answering part in bold
            start, end = answer.answer_span
            before, part, after = answer.text[:start], answer.text[start:end], answer.text[end:]
            text = f"{md_escape(before)}**{md_escape(part)}**{md_escape(after)}"
        return (f"{text}\n\nSources: {chips}" if chips else text) + note
    if not chips:
        return f"{NOT_IN_NOTES} {md_escape(answer.text)}{note}"
    text = f"{NOT_IN_NOTES} Your notes don't cover this. The closest passages are under Sources, but none answers it."
    return f"{text}\n\nClosest notes (not an answer): {chips}{note}"


def streamed(text: str, steps: int = 12) -> Iterator[str]:
    """Growing prefixes of ``text`` cut at word ends, ``steps`` of them at most, the last one whole.

    >>> list(streamed("a b c d", steps=2))
    ['a b', 'a b c d']
    """
    words = text.split(" ")
    size = max(1, -(-len(words) // steps))
    for end in range(size, len(words) + size, size):
        yield " ".join(words[:end])


def chip_choices(answer: Answer) -> list[tuple[str, str]]:
    """(label, ref) pairs for the citation chips."""
    return [(f"[{i}] {c.ref}", c.ref) for i, c in enumerate(cited(answer), 1)]


def quotes_html(answer: Answer) -> str:
    """The quoted passages, each under its chip."""
    items = cited(answer)
    if not items:
        return ""
    head = "Quoted from your notes" if answer.grounded else "Closest notes — none of them answers the question"
    cards = "".join(
        f'<div class="quote"><span class="chip">[{i}] {html.escape(c.ref)}</span>'
        f"<blockquote>{html.escape(c.quote)}</blockquote></div>"
        for i, c in enumerate(items, 1)
    )
    return f'<div class="quotes"><div class="quotes-head">{head}</div>{cards}</div>'


def citation_markdown(citation: Quote) -> str:
    quote = "\n".join(f"> {md_escape(line)}" for line in citation.quote.splitlines() if line.strip())
    return f"{code_span(citation.ref)}\n\n{quote}"


def result_markdown(result: GradeResult) -> str:
    """One graded quiz item: right or wrong, the expected answer, why, and the lines that say so."""
    if result.correct:
        verdict = "✓ **Right.**"
    else:
        given = f" You answered *{md_escape(result.given)}*." if result.given else " No answer given."
        verdict = f"✗ **Wrong.**{given} The answer is **{md_escape(result.expected)}**."
    return f"{verdict} {md_escape(result.explanation)}\n\n{citation_markdown(result.citation)}"


def score_markdown(score: QuizScore, added_to_review: int) -> str:
    text = f"## Score: {score.correct}/{score.total} ({score.percent:.0f}%)"
    if added_to_review:
        plural = "s" if added_to_review != 1 else ""
        text += f"\n\n{added_to_review} question{plural} added to your review cards (see the Review tab)."
    return text


def option_letters(options: Sequence[str]) -> list[tuple[str, str]]:
    """Radio choices for options: ``A) text`` labels, the option text as the value."""
    return [(f"{chr(65 + i)}) {o}", o) for i, o in enumerate(options)]


def report_markdown(report: IngestReport) -> str:
    """``report_text`` for the page: file names and reasons escaped, one list item per skipped file."""
    head = report_text(dataclasses.replace(report, problems=[]))
    return md_escape(head) + "".join(f"\n- skipped {md_escape(f'{p.file}: {p.reason}')}" for p in report.problems)


def report_text(report: IngestReport) -> str:
    """What an ingest did, in one line, then one line per skipped file."""
    text = (
        f"{report.chunks} chunks from {report.files} file(s): {report.added} added, {report.updated} updated, "
        f"{report.skipped} unchanged, {report.deleted} removed, in {report.seconds:.1f} s."
    )
    return text + "".join(f"\n- skipped {p.file}: {p.reason}" for p in report.problems)


def topic_names(docs: Sequence[Document]) -> list[str]:
    """The notes' top-level section titles, for picking a quiz topic."""
    sections = {str(d.metadata.get("section", "")) for d in docs}
    return sorted({parts[0] for parts in map(section_parts, sections) if parts}, key=str.lower)


def size_text(size: int) -> str:
    """A file size for people: ``size_text(31)`` is ``'31 B'``, ``size_text(65_000)`` is ``'65.0 kB'``."""
    return f"{size} B" if size < 1000 else f"{size / 1000:,.1f} kB" if size < 1e6 else f"{size / 1e6:,.1f} MB"


def lines_html(lines: Sequence[ContextLine], title: str = "") -> str:
    """Numbered lines as an HTML block; cited lines carry the class ``cited`` (and ``id`` of the first)."""
    rows = []
    anchored = False
    for line in lines:
        attrs = ""
        if line.cited:
            attrs = ' class="cited"' + ("" if anchored else ' id="first-cited"')
            anchored = True
        text = html.escape(line.text) or "&nbsp;"
        number = html.escape(line.label) or line.number
        rows.append(f'<div{attrs}><span class="ln">{number}</span><span class="tx">{text}</span></div>')
    head = f'<div class="ctx-title">{html.escape(title)}</div>' if title else ""
    return f'{head}<div class="lines">{"".join(rows)}</div>'
