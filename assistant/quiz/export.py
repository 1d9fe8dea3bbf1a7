"""Export a quiz as an Anki deck (.apkg) or a CSV file; each card's back cites the notes' lines.

>>> from assistant.quiz.items import QuizItem; from core.spans import Quote
>>> item = QuizItem("a1", "truefalse", "True or false: SQS is pull based.", ("True", "False"), "True",
...                 "Your notes say so.", Quote("notes/a.txt", 141, 141, "pull based, not push based"))
>>> import tempfile, pathlib; out = pathlib.Path(tempfile.mkdtemp()) / "quiz.csv"
>>> _ = export_csv([item], out); out.read_text().splitlines()[0]
'id,kind,question,options,answer,explanation,source,start_line,end_line,quote'
"""

from __future__ import annotations

import csv
import hashlib
import html
from collections.abc import Sequence
from pathlib import Path

from assistant.quiz.items import QuizItem

CSV_FIELDS = ["id", "kind", "question", "options", "answer", "explanation", "source", "start_line", "end_line", "quote"]
MODEL_NAME = "Study assistant quiz item"


def _stable_id(text: str) -> int:
    """A fixed 31-bit id from a name, so re-exports update the same Anki model and deck."""
    return int(hashlib.sha1(text.encode()).hexdigest()[:8], 16) & 0x7FFFFFFF


def export_csv(items: Sequence[QuizItem], path: Path) -> Path:
    """One row per item; options joined with ' | '."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for item in items:
            c = item.citation
            writer.writerow(
                {
                    "id": item.id,
                    "kind": item.kind,
                    "question": item.question,
                    "options": " | ".join(item.options),
                    "answer": item.answer,
                    "explanation": item.explanation,
                    "source": c.source,
                    "start_line": c.start_line,
                    "end_line": c.end_line,
                    "quote": c.quote,
                }
            )
    return path


def _front(item: QuizItem) -> str:
    question = html.escape(item.question)
    if not item.options:
        return question
    options = "".join(f"<li>{html.escape(o)}</li>" for o in item.options)
    return f"{question}<ol type='A'>{options}</ol>"


def export_apkg(items: Sequence[QuizItem], path: Path, deck_name: str = "Study notes quiz") -> Path:
    """An Anki package: one card per item, the answer and its citation (file:lines, quote) on the back."""
    import genanki

    model = genanki.Model(
        _stable_id(MODEL_NAME),
        MODEL_NAME,
        fields=[
            {"name": "Question"},
            {"name": "Answer"},
            {"name": "Explanation"},
            {"name": "Citation"},
            {"name": "Quote"},
        ],
        templates=[
            {
                "name": "Card 1",
                "qfmt": "{{Question}}",
                "afmt": "{{FrontSide}}<hr id='answer'><b>{{Answer}}</b><p>{{Explanation}}</p>"
                "<p class='cite'>{{Citation}}</p><blockquote>{{Quote}}</blockquote>",
            }
        ],
        css=".card{font-family:sans-serif;font-size:18px;text-align:left}.cite{color:#555;font-size:14px}",
    )
    deck = genanki.Deck(_stable_id(f"deck:{deck_name}"), deck_name)
    for item in items:
        c = item.citation
        note = genanki.Note(
            model=model,
            fields=[
                _front(item),
                html.escape(item.answer),
                html.escape(item.explanation),
                html.escape(c.ref),
                html.escape(c.quote).replace("\n", "<br>"),
            ],
            guid=genanki.guid_for(item.id),
            tags=[item.kind],
        )
        deck.add_note(note)
    path.parent.mkdir(parents=True, exist_ok=True)
    genanki.Package(deck).write_to_file(str(path))
    return path


def export_quiz(items: Sequence[QuizItem], path: Path) -> Path:
    """By the file's suffix: ``.apkg`` (Anki) or ``.csv``."""
    suffix = path.suffix.lower()
    if suffix == ".apkg":
        return export_apkg(items, path)
    if suffix == ".csv":
        return export_csv(items, path)
    raise ValueError(f"can't export to '{path.name}': use a .apkg (Anki) or .csv file name")
