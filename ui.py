"""The study app (Gradio): Chat, Quiz, Review, Progress, Notes and Exam tabs over one assistant per process.

``study serve [--port 7860] [--data-dir DIR] [--notes-dir DIR] [--chroma-url URL]`` (or ``python ui.py``
with the same options) serves it on 127.0.0.1 (no share link). ``--host 0.0.0.0 --users FILE`` serves a
class: everyone logs in, and each learner has their own review cards. A missing index is built from the
notes folder before serving.

Everything shown from the notes (text, file names) goes through ``assistant.app.present``'s escaping.
"""

from __future__ import annotations

import html
import os
import random
import sys
import tempfile
import time
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import click

from assistant.app.gradio_stubs import skip_stub_writes

skip_stub_writes()

import gradio as gr

from assistant import QuestionError
from assistant.answer.engine import NO_NOTES, clean_question
from assistant.app.context import ContextLine, cited_lines, page_label
from assistant.app.exam import EXAM_TYPES, check_exam
from assistant.app.logins import LoginError, is_loopback, load_logins
from assistant.app.model_view import model_markdown
from assistant.app.present import (
    answer_markdown,
    chip_choices,
    lines_html,
    md_escape,
    option_letters,
    quotes_html,
    report_markdown,
    report_text,
    result_markdown,
    score_markdown,
    size_text,
    streamed,
    topic_names,
)
from assistant.app.progress_view import progress_markdown
from assistant.app.uploads import UploadError, save_upload
from assistant.app.workspace import Workspace
from assistant.llm.answer import ModelAnswer, ModelAnswerer
from assistant.llm.client import LLMConfig
from assistant.quiz.export import export_apkg, export_csv
from assistant.quiz.generate import generate_quiz
from assistant.quiz.grading import grade, grade_quiz
from assistant.quiz.items import KIND_CHOICES, QuizError, QuizItem
from assistant.review.chart import mastery_figure
from assistant.review.progress import HistoryError, Report, build_report
from assistant.review.store import ReviewStore
from core.cli import Port, exit_code, fail, llm_options, run, settings_from, store_options
from core.spans import parse_ref
from ingest import StoreError
from ingest.errors import NotesError

MAX_QUIZ = 20  # quiz slots on the page
# The weak-sections button (on Progress) shows the Quiz tab, where its quiz appears.
SHOW_QUIZ_TAB = "() => [...document.querySelectorAll('[role=tab]')].find(b => b.innerText.trim() == 'Quiz')?.click()"
MAX_VIEW_LINES = 5000  # a note longer than this is shown in part
STREAM_PAUSE = 0.03  # seconds between streamed pieces of an answer
WARMING = "⏳ Warming up the models… questions are answered as soon as they are ready."
UPLOAD_TYPES = [".txt", ".md", ".pdf"]
NO_NOTES_REPLY = (
    "**No notes ingested yet.** Add your .txt, .md or .pdf notes in the **Notes** tab (or put them in the "
    "notes folder and press *Re-ingest all* there), then ask again."
)
CSS = """
.lines { font-family: ui-monospace, monospace; font-size: 13px; line-height: 1.45; max-height: 560px; overflow: auto;
         border: 1px solid var(--border-color-primary); border-radius: 6px; padding: 4px 0; }
.lines > div { display: flex; white-space: pre-wrap; word-break: break-word; padding: 0 8px; }
.lines .ln { color: var(--body-text-color-subdued); min-width: 3.2em; text-align: right; padding-right: 1em;
             user-select: none; flex-shrink: 0; }
.lines .cited { background: rgba(250, 204, 21, 0.35); box-shadow: inset 3px 0 0 #d97706; }
.ctx-title, .quotes-head { font-weight: 600; margin: 6px 0; }
.quote { margin: 8px 0; }
.quote blockquote { margin: 4px 0 0 0; padding: 4px 10px; border-left: 3px solid #d97706; white-space: pre-wrap; }
.chip, #chips label { font-family: ui-monospace, monospace; font-size: 12px; border-radius: 999px; }
.chip { background: var(--block-background-fill); border: 1px solid var(--border-color-primary); padding: 1px 8px; }
#chat-status, #notes-status, #quiz-status { min-height: 1.5em; }
"""


# ---------------------------------------------------------------- chat


def ask(ws: Workspace, question: str, turns: list[dict[str, str]]) -> Iterator[tuple[Any, ...]]:
    """Stream one chat turn. Outputs: chatbot, turns, chips, quotes, status, question box."""
    skip = gr.skip()
    try:
        cleaned = clean_question(question)
    except QuestionError as exc:
        yield skip, skip, skip, skip, f"⚠️ {md_escape(str(exc))}", skip
        return
    if not ws.ready.is_set():
        yield skip, skip, skip, skip, WARMING, skip
        ws.ready.wait()
    try:
        assistant = ws.assistant()
    except StoreError as exc:
        yield skip, skip, skip, skip, f"⚠️ {md_escape(str(exc))}", skip
        return
    shown = [{"role": t["role"], "content": t["shown"]} for t in turns]
    pending = [*shown, {"role": "user", "content": md_escape(cleaned)}]
    yield [*pending, {"role": "assistant", "content": "_Searching your notes…_"}], skip, skip, skip, "", ""
    history = [{"role": t["role"], "content": t["content"]} for t in turns]
    written = yield from model_answer(ws, cleaned, history, pending)
    answer = written or assistant.answer(cleaned, history)
    if answer.error == NO_NOTES:  # an empty index: the reply says how to add notes
        turns = [
            *turns,
            {"role": "user", "content": cleaned, "shown": cleaned},
            {"role": "assistant", "content": answer.text, "shown": NO_NOTES_REPLY},
        ]
        yield [*pending, {"role": "assistant", "content": NO_NOTES_REPLY}], turns, skip, skip, "", ""
        return
    if answer.error:  # e.g. the Chroma server went away: say so, and give the question back to retry
        yield shown, skip, skip, skip, f"⚠️ {md_escape(answer.error)}", question
        return
    status = ""
    if isinstance(answer, ModelAnswer) and answer.llm_error:  # one line naming the server; the notes answer
        status = f"⚠️ {md_escape(answer.llm_error)}: answered from your notes."
    if answer.grounded and not isinstance(answer, ModelAnswer):  # the model's answer streamed as it was written
        for part in streamed(answer.text):
            yield [*pending, {"role": "assistant", "content": md_escape(part)}], skip, skip, skip, "", ""
            time.sleep(STREAM_PAUSE)
    reply = model_markdown(answer) if isinstance(answer, ModelAnswer) else answer_markdown(answer)
    turns = [
        *turns,
        {"role": "user", "content": cleaned, "shown": md_escape(cleaned)},
        {"role": "assistant", "content": answer.text, "shown": reply},
    ]
    choices = chip_choices(answer)
    label = "Citations — pick one to see it in your notes" if answer.grounded else "Closest notes (not an answer)"
    chips = gr.Radio(choices=choices, value=choices[0][1] if choices else None, label=label, visible=bool(choices))
    yield [*pending, {"role": "assistant", "content": reply}], turns, chips, quotes_html(answer), status, ""


def model_answer(ws: Workspace, question: str, history: list[dict[str, str]],
                 pending: list[dict[str, str]]) -> Generator[tuple[Any, ...], None, ModelAnswer | None]:
    """With an LLM server set: stream its reply into the chat as a draft, then return the checked
    answer (a ModelAnswer); without one, None. Outputs as ``ask``'s."""
    config = LLMConfig.from_settings(ws.settings)
    if config is None:
        return None
    skip = gr.skip()
    draft = ""
    head = f"_{md_escape(config.model)} is writing; each sentence is checked against your notes when it is done…_"
    for piece in ModelAnswerer(ws.assistant(), config).stream(question, history):
        if isinstance(piece, ModelAnswer):
            return piece
        draft += piece
        yield [*pending, {"role": "assistant", "content": f"{head}\n\n{md_escape(draft)}"}], skip, skip, skip, "", ""
    return None


def show_context(ws: Workspace, ref: str | None) -> str:
    """The cited lines in their surroundings, from the stored chunks of the same file."""
    if not ref:
        return ""
    try:
        span = parse_ref(ref)
        docs = ws.assistant().store.documents(where={"source": span.source})
        lines = cited_lines(docs, span) if docs else []
    except (ValueError, StoreError) as exc:
        return f"<p>{html.escape(str(exc))}</p>"
    if not docs:
        return f"<p>{html.escape(span.source)} is no longer in the index.</p>"
    return lines_html(lines, title=f"{ref} in context")


# ---------------------------------------------------------------- notes


def notes_table(ws: Workspace) -> list[list[Any]]:
    return [[note.name, size_text(note.size), note.chunks] for note in ws.notes()]


def view_note(ws: Workspace, name: str | None) -> str:
    if not name:
        return "<p>Pick a note to read it with line numbers.</p>"
    try:
        source, lines, pages = ws.note_lines(name)
    except (NotesError, OSError) as exc:
        return f"<p>{html.escape(str(exc))}</p>"
    shown = [ContextLine(n, text, False, page_label(pages, n) if pages else "")
             for n, text in enumerate(lines[:MAX_VIEW_LINES], 1)]
    more = f" (first {MAX_VIEW_LINES:,} of {len(lines):,} lines)" if len(lines) > MAX_VIEW_LINES else ""
    return lines_html(shown, title=f"{source}{more}")


def notes_outputs(ws: Workspace, selected: str | None, status: str) -> tuple[Any, ...]:
    """Outputs: table, picker, viewer, status."""
    names = [note.name for note in ws.notes()]
    selected = selected if selected in names else (names[0] if names else None)
    picker = gr.Dropdown(choices=names, value=selected)
    return notes_table(ws), picker, view_note(ws, selected), status


def add_notes(ws: Workspace, files: list[str] | None, replace: bool, shown: str | None,
              progress: gr.Progress) -> tuple[Any, ...]:
    """Save uploads into the notes folder and ingest them. Outputs: table, picker, viewer, status, uploader."""
    if not files:
        return (*[gr.skip()] * 3, "⚠️ Choose one or more .txt, .md or .pdf files first.", gr.skip())
    lines, saved = [], []
    for file in files:
        try:
            note = save_upload(Path(file), Path(file).name, ws.notes_dir, replace=replace, max_bytes=ws.max_bytes)
        except (UploadError, OSError) as exc:
            lines.append(f"⚠️ {md_escape(str(exc))}")
            continue
        saved.append(note)
        renamed = f" (renamed from '{md_escape(note.original_name)}')" if note.renamed else ""
        lines.append(f"✓ {'Replaced' if note.replaced else 'Added'} **{md_escape(note.name)}**{renamed}.")
    if saved:
        progress(0.05, desc=f"Ingesting {len(saved)} note(s)")
        try:
            report = ws.ingest([note.path for note in saved])
            lines.append(f"Indexed: {report_markdown(report)}\n\nAsk about it in the Chat tab.")
        except (NotesError, StoreError) as exc:
            lines.append(f"⚠️ Saved, but not indexed: {md_escape(str(exc))}")
    selected = saved[-1].path.relative_to(ws.notes_dir).as_posix() if saved else shown
    return (*notes_outputs(ws, selected, "\n\n".join(lines)), None)


def reingest_all(ws: Workspace, selected: str | None, progress: gr.Progress) -> tuple[Any, ...]:
    progress(0.0, desc="Re-ingesting the notes folder")
    try:
        status = f"✓ Re-ingested {md_escape(ws.notes_dir.name)}/: {report_markdown(ws.ingest([ws.notes_dir]))}"
    except (NotesError, StoreError) as exc:
        status = f"⚠️ {md_escape(str(exc))}"
    return notes_outputs(ws, selected, status)


# ---------------------------------------------------------------- quiz and review


def topics(ws: Workspace) -> list[str]:
    try:
        return topic_names(ws.assistant().chunks())
    except StoreError:
        return []


def item_updates(item: QuizItem | None, number: int) -> list[Any]:
    """One quiz slot: group, question, options, blank, feedback."""
    if item is None:
        return [gr.Group(visible=False), "", gr.Radio(choices=[], value=None), gr.Textbox(value=""), ""]
    has_options = item.kind != "cloze"
    return [
        gr.Group(visible=True),
        f"**{number}.** {md_escape(item.question)}",
        gr.Radio(choices=option_letters(item.options), value=None, visible=has_options, interactive=True),
        gr.Textbox(value="", visible=not has_options, interactive=True),
        "",
    ]


def make_quiz(ws: Workspace, topic: str | None, kind: str, count: float, focus: list[str] | None = None) -> list[Any]:
    """Outputs: quiz state, status, score, the two downloads, then 5 per slot. ``focus``: the weak
    sections the quiz leans on."""
    try:
        assistant = ws.assistant()
        items = generate_quiz(assistant.chunks(), n=int(count), kind=kind, topic=topic or None,
                              seed=random.randrange(1 << 30), embeddings=assistant.embeddings, focus=focus or ())
    except (QuizError, StoreError) as exc:
        empty = [u for _ in range(MAX_QUIZ) for u in item_updates(None, 0)]
        return [{}, f"⚠️ {md_escape(str(exc))}", "", gr.DownloadButton(visible=False), gr.DownloadButton(visible=False),
                *empty]
    folder = Path(tempfile.mkdtemp(prefix="quiz-"))
    apkg, csv = export_apkg(items, folder / "quiz.apkg"), export_csv(items, folder / "quiz.csv")
    short = f" (only {len(items)} could be made)" if len(items) < int(count) else ""
    if focus:
        short += f", weighted toward your weak sections: {md_escape('; '.join(focus))}"
    slots = [u for i in range(MAX_QUIZ) for u in item_updates(items[i] if i < len(items) else None, i + 1)]
    return [
        {"items": [item.to_dict() for item in items]},
        f"{len(items)} questions{short}. Answer them, then press Check answers.", "",
        gr.DownloadButton(value=str(apkg), visible=True), gr.DownloadButton(value=str(csv), visible=True), *slots,
    ]


def check_quiz(reviews: ReviewStore, state: dict[str, Any], *answers: Any) -> list[Any]:
    """Outputs: quiz state, score, then each slot's feedback. ``answers`` are the radios then the blanks;
    wrong answers become cards in ``reviews`` (the learner's own)."""
    if not state.get("items"):
        return [gr.skip(), "⚠️ Make a quiz first.", *[gr.skip()] * MAX_QUIZ]
    items = [QuizItem.from_dict(d) for d in state["items"]]
    radios, blanks = answers[:MAX_QUIZ], answers[MAX_QUIZ:]
    given = [str((blanks[i] if item.kind == "cloze" else radios[i]) or "") for i, item in enumerate(items)]
    score = grade_quiz(items, given)
    added = 0
    if not state.get("checked"):  # a quiz counts towards review once, however often it is checked
        added = sum(
            reviews.record_quiz_answer(item, r.correct) and not r.correct
            for item, r in zip(items, score.results, strict=True)
        )
    feedback = [result_markdown(r) for r in score.results]
    state = {**state, "checked": True}
    return [state, score_markdown(score, added), *feedback, *[""] * (MAX_QUIZ - len(feedback))]


def next_card(reviews: ReviewStore) -> list[Any]:
    """Outputs: review state, count line, question, options, blank, feedback."""
    due = reviews.due()
    if not due:
        upcoming = reviews.next_due()
        when = f" The next is due {upcoming:%Y-%m-%d %H:%M} UTC." if upcoming else ""
        line = f"No review cards are due ({reviews.count()} in all).{when} Wrong quiz answers become cards."
        return [None, line, "", gr.Radio(visible=False), gr.Textbox(visible=False), ""]
    item = due[0].item
    return [
        item.to_dict(), f"{len(due)} card(s) due.", f"**{md_escape(item.question)}**",
        gr.Radio(choices=option_letters(item.options), value=None, visible=item.kind != "cloze"),
        gr.Textbox(value="", visible=item.kind == "cloze"), "",
    ]


def check_card(reviews: ReviewStore, state: dict[str, Any] | None, choice: str | None, blank: str) -> str:
    if not state:
        return "⚠️ No card to check: press Show due cards."
    item = QuizItem.from_dict(state)
    result = grade(item, str((blank if item.kind == "cloze" else choice) or ""))
    card = reviews.review(item.id, result.correct)
    return f"{result_markdown(result)}\n\nNext review: {card.due:%Y-%m-%d %H:%M} UTC."


def progress_of(ws: Workspace, reviews: ReviewStore) -> Report:
    """The learner's report over the sections of the indexed notes (none while there is no index)."""
    try:
        sections = [str(d.metadata.get("section", "")) for d in ws.assistant().chunks()]
    except StoreError:
        sections = []
    return build_report(reviews.history.answers(), reviews.recall(), sections)


def show_progress(ws: Workspace, reviews: ReviewStore) -> list[Any]:
    """Outputs: the report as Markdown, the chart, the weak-quiz button (shown when there are weak sections)."""
    report = progress_of(ws, reviews)
    label = f"Quiz me on my weak sections ({len(report.weak)})" if report.weak else "Quiz me on my weak sections"
    return [progress_markdown(report), mastery_figure(report), gr.Button(value=label, interactive=bool(report.weak))]


def import_history(ws: Workspace, reviews: ReviewStore, file: str | None) -> list[Any]:
    """Outputs: status, then those of ``show_progress``."""
    if not file:
        return ["⚠️ Choose a history file (.json) written by *Export history*.", *show_progress(ws, reviews)]
    try:
        answers, cards = reviews.import_history(Path(file))
    except (HistoryError, OSError) as exc:
        return [f"⚠️ {md_escape(str(exc).replace(str(file), Path(file).name))}", *show_progress(ws, reviews)]
    return [f"Imported {answers} answers and {cards} review cards.", *show_progress(ws, reviews)]


def export_history(reviews: ReviewStore) -> str:
    """A file of the learner's whole study history, for the download button."""
    return str(reviews.export_history(Path(tempfile.mkdtemp(prefix="history-")) / "study-history.json"))


def reviews_of(ws: Workspace, request: gr.Request | None) -> ReviewStore:
    """The review cards of whoever sent ``request``: their own when they logged in."""
    return ws.reviews_for(getattr(request, "username", None))


# ---------------------------------------------------------------- the page


def chat_tab(ws: Workspace) -> tuple[gr.Markdown, gr.Timer]:
    """Ask, read the streamed answer, pick a citation to see it in its file. Returns the status line
    and the timer that keeps it saying "warming up" until the models are ready."""
    turns = gr.State([])
    with gr.Row():
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(
                elem_id="chatbot", height=520, label="Conversation", feedback_options=None,
                buttons=["copy_all"],
                placeholder="**Ask about your notes.** Every answer quotes the lines it comes from: pick a "
                            "citation on the right to see it in its file. Follow-up questions build on the "
                            "conversation. When your notes don't cover a question, you are told so, with the "
                            "closest passages.",
            )
            with gr.Row():
                question = gr.Textbox(
                    placeholder="e.g. What is the default visibility timeout of SQS?", show_label=False,
                    elem_id="question", scale=5, lines=1, max_lines=6, autofocus=True,
                )
                send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
            status = gr.Markdown(elem_id="chat-status")
            clear = gr.Button("New conversation", size="sm")
        with gr.Column(scale=2, elem_id="sources"):
            gr.Markdown("### Sources")
            chips = gr.Radio(choices=[], label="Citations", elem_id="chips", visible=False)
            context = gr.HTML(elem_id="context")
            quotes = gr.HTML(elem_id="quotes")
    outputs = [chatbot, turns, chips, quotes, status, question]

    def chat(q: str, t: list[dict[str, str]]) -> Iterator[tuple[Any, ...]]:
        yield from ask(ws, q, t)

    send.click(chat, [question, turns], outputs, api_name="ask", concurrency_limit=None,
               show_progress="minimal")
    question.submit(chat, [question, turns], outputs, api_visibility="private", concurrency_limit=None,
                    show_progress="minimal")
    chips.change(lambda ref: show_context(ws, ref), chips, context, api_visibility="private",
                 concurrency_limit=None)
    # The app serves while the models warm up (``start``): say so until they are ready.
    timer = gr.Timer(1.0, active=False)
    timer.tick(lambda shown: warming_status(ws, shown), status, [status, timer], api_visibility="private",
               show_progress="hidden")
    fresh = [[], [], gr.Radio(choices=[], visible=False), "", "", "", ""]
    clear.click(lambda: fresh, None, [*outputs, context], api_visibility="private")
    chatbot.clear(lambda: fresh[1:], None, [*outputs[1:], context], api_visibility="private")
    return status, timer


def warming_status(ws: Workspace, shown: str) -> tuple[Any, gr.Timer]:
    """The chat status while the models warm up, cleared (if it still says so) once they are ready;
    and whether the timer asking again keeps running."""
    if not ws.ready.is_set():
        return WARMING, gr.Timer(active=True)
    return ("" if shown == WARMING else gr.skip()), gr.Timer(active=False)


def quiz_tab(ws: Workspace, weak: gr.Button | None = None) -> gr.Dropdown:
    """Make a quiz, answer it, see the score and why; export it. ``weak`` (the Progress view's button)
    makes one weighted toward the learner's weak sections. Returns the topic picker."""
    quiz_state = gr.State({})
    with gr.Row():
        topic = gr.Dropdown(choices=[], value=None, label="Topic (blank: all notes)",
                            allow_custom_value=True, elem_id="quiz-topic", scale=3)
        kind = gr.Radio(list(KIND_CHOICES), value="mixed", label="Kind", elem_id="quiz-kind", scale=3)
        count = gr.Slider(1, MAX_QUIZ, value=5, step=1, label="Questions", elem_id="quiz-count", scale=2)
    make = gr.Button("Make quiz", variant="primary", elem_id="make-quiz")
    quiz_status = gr.Markdown(elem_id="quiz-status")
    slots: list[Any] = []
    radios, blanks, feedbacks = [], [], []
    for i in range(1, MAX_QUIZ + 1):
        with gr.Group(visible=False, elem_id=f"quiz-item-{i}") as group:
            text = gr.Markdown(elem_id=f"quiz-q-{i}")
            radio = gr.Radio(choices=[], show_label=False, elem_id=f"quiz-options-{i}")
            blank = gr.Textbox(show_label=False, placeholder="the missing words", visible=False,
                               elem_id=f"quiz-blank-{i}")
            feedback = gr.Markdown(elem_id=f"quiz-feedback-{i}")
        slots += [group, text, radio, blank, feedback]
        radios.append(radio)
        blanks.append(blank)
        feedbacks.append(feedback)
    check = gr.Button("Check answers", variant="primary", elem_id="check-quiz")
    score = gr.Markdown(elem_id="quiz-score")
    with gr.Row():
        apkg = gr.DownloadButton("Download Anki deck (.apkg)", visible=False, elem_id="export-apkg")
        csv = gr.DownloadButton("Download CSV", visible=False, elem_id="export-csv")
    make.click(lambda t, k, n: make_quiz(ws, t, k, n), [topic, kind, count],
               [quiz_state, quiz_status, score, apkg, csv, *slots], api_name="quiz", concurrency_limit=2)
    if weak is not None:
        def on_weak(request: gr.Request, k: str, n: float) -> list[Any]:
            return make_quiz(ws, None, k, n, progress_of(ws, reviews_of(ws, request)).weak)

        weak.click(on_weak, [kind, count], [quiz_state, quiz_status, score, apkg, csv, *slots],
                   api_name="quiz_weak", concurrency_limit=2)
    def on_check(request: gr.Request, state: dict[str, Any], *answers: Any) -> list[Any]:  # Gradio fills request
        return check_quiz(reviews_of(ws, request), state, *answers)

    check.click(on_check, [quiz_state, *radios, *blanks], [quiz_state, score, *feedbacks], api_name="check_quiz")
    return topic


def review_tab(ws: Workspace, tab: gr.Tab) -> None:
    """The due review cards, one at a time."""
    card_state = gr.State(None)
    due_line = gr.Markdown(elem_id="review-due")
    card_text = gr.Markdown(elem_id="review-question")
    card_choice = gr.Radio(choices=[], show_label=False, visible=False, elem_id="review-options")
    card_blank = gr.Textbox(show_label=False, placeholder="the missing words", visible=False, elem_id="review-blank")
    with gr.Row():
        check_one = gr.Button("Check", variant="primary", elem_id="review-check")
        show_due = gr.Button("Next due card", elem_id="review-next")
    card_feedback = gr.Markdown(elem_id="review-feedback")
    card_outputs = [card_state, due_line, card_text, card_choice, card_blank, card_feedback]

    def on_next(request: gr.Request) -> list[Any]:
        return next_card(reviews_of(ws, request))

    def on_check(request: gr.Request, state: dict[str, Any] | None, choice: str | None, blank: str) -> str:
        return check_card(reviews_of(ws, request), state, choice, blank)

    for trigger in (show_due.click, tab.select):
        trigger(on_next, None, card_outputs, api_visibility="private")
    check_one.click(on_check, [card_state, card_choice, card_blank], card_feedback, api_visibility="private")


def progress_tab(ws: Workspace, tab: gr.Tab, weak: gr.Button) -> None:
    """Mastery per section, weakest first, as a table and a chart; the weak sections and those never
    quizzed; a quiz on the weak ones; the whole history out and in."""
    summary = gr.Markdown(elem_id="progress-summary")
    chart = gr.Plot(elem_id="progress-chart", show_label=False)
    with gr.Row():
        weak.render()
        refresh = gr.Button("Refresh", elem_id="progress-refresh")
    with gr.Row():
        export = gr.DownloadButton("Export history (JSON)", elem_id="history-export")
        upload = gr.UploadButton("Import history (JSON)", file_types=[".json"], elem_id="history-import")
    history_status = gr.Markdown(elem_id="history-status")
    shown = [summary, chart, weak]

    def on_show(request: gr.Request) -> list[Any]:
        return show_progress(ws, reviews_of(ws, request))

    def on_import(request: gr.Request, file: str | None) -> list[Any]:
        return import_history(ws, reviews_of(ws, request), file)

    def on_export(request: gr.Request) -> str:
        return export_history(reviews_of(ws, request))

    for trigger in (tab.select, refresh.click):
        trigger(on_show, None, shown, api_visibility="private")
    upload.upload(on_import, upload, [history_status, *shown], api_visibility="private")
    export.click(on_export, None, export, api_visibility="private")


def notes_tab(ws: Workspace, tab: gr.Tab) -> None:
    """The notes: list, read with line numbers, upload and ingest, re-ingest all."""
    with gr.Row():
        with gr.Column(scale=2):
            table = gr.Dataframe(headers=["Note", "Size", "Chunks"], interactive=False,
                                 elem_id="notes-table", max_height=260)
            uploads = gr.File(file_count="multiple", file_types=UPLOAD_TYPES, elem_id="upload",
                              label="Add notes (.txt, .md, .pdf)")
            replace = gr.Checkbox(label="Replace notes with the same name", value=False)
            with gr.Row():
                add = gr.Button("Add to notes", variant="primary", elem_id="add-notes")
                reingest = gr.Button("Re-ingest all", elem_id="reingest")
            notes_status = gr.Markdown(elem_id="notes-status")
        with gr.Column(scale=3):
            picker = gr.Dropdown(choices=[], label="Note", elem_id="note-picker")
            viewer = gr.HTML(elem_id="note-view")
    notes_out = [table, picker, viewer, notes_status]
    ingest_events: dict[str, Any] = {
        "concurrency_id": "ingest", "concurrency_limit": 1, "api_visibility": "private",
        "show_progress_on": notes_status,
    }

    def on_add(files: list[str] | None, replace: bool, shown: str | None,
               progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[Any, ...]:  # noqa: B008
        return add_notes(ws, files, replace, shown, progress)

    def on_reingest(shown: str | None,
                    progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple[Any, ...]:  # noqa: B008
        return reingest_all(ws, shown, progress)

    add.click(on_add, [uploads, replace, picker], [*notes_out, uploads], **ingest_events)
    reingest.click(on_reingest, picker, notes_out, **ingest_events)
    picker.input(lambda n: view_note(ws, n), picker, viewer, api_visibility="private")
    tab.select(lambda s: notes_outputs(ws, s, gr.skip()), picker, notes_out, api_visibility="private")


# ---------------------------------------------------------------- exam


def exam_tab(ws: Workspace) -> None:
    """A practice exam (Markdown, JSONL or CSV) checked against the notes: the report and its chart."""
    gr.Markdown("Upload a practice exam: Markdown (`### question`, options `- [ ]` / `- [x]`), JSONL "
                "(`question`, `options`, `answers`) or CSV. Each question is checked against your notes.")
    with gr.Row():
        exam_file = gr.File(file_types=EXAM_TYPES, elem_id="exam-upload", label="Practice exam")
        check = gr.Button("Check against my notes", variant="primary", elem_id="exam-check")
    exam_status = gr.Markdown(elem_id="exam-status")
    chart = gr.Image(type="filepath", label="Outcomes and gaps", elem_id="exam-chart", interactive=False)
    report = gr.Markdown(elem_id="exam-report")
    files = gr.File(label="Report (Markdown + PNG)", file_count="multiple", elem_id="exam-files", interactive=False)

    def on_check(upload: str | None) -> tuple[Any, ...]:
        result = check_exam(ws, upload)
        return (result.status, str(result.chart) if result.chart else None, result.markdown,
                [str(f) for f in result.files] or None)

    check.click(on_check, exam_file, [exam_status, chart, report, files], concurrency_id="exam",
                concurrency_limit=1, api_visibility="private", show_progress_on=exam_status)


def build_app(ws: Workspace) -> gr.Blocks:
    """The Blocks app over ``ws``; launch it with ``serve`` (or ``app.launch``)."""
    with gr.Blocks(title="Study assistant", delete_cache=(3600, 86400), analytics_enabled=False) as app:
        gr.Markdown(
            f"# Study assistant\nAnswers come only from your notes in **{md_escape(ws.notes_dir.name)}/**, each "
            "quoting the lines it rests on. Nothing leaves this computer."
        )
        weak = gr.Button("Quiz me on my weak sections", variant="primary", elem_id="quiz-weak", render=False)
        with gr.Tabs():
            with gr.Tab("Chat", id="chat"):
                status, timer = chat_tab(ws)
            with gr.Tab("Quiz", id="quiz"):
                topic = quiz_tab(ws, weak)
            with gr.Tab("Review", id="review") as tab:
                review_tab(ws, tab)
            with gr.Tab("Progress", id="progress") as tab:
                progress_tab(ws, tab, weak)
            with gr.Tab("Notes", id="notes") as tab:
                notes_tab(ws, tab)
            with gr.Tab("Exam", id="exam"):
                exam_tab(ws)
        app.load(lambda: gr.Dropdown(choices=topics(ws)), None, topic, api_visibility="private")
        weak.click(None, None, None, js=SHOW_QUIZ_TAB, api_visibility="private")  # where that quiz shows
        app.load(lambda: warming_status(ws, ""), None, [status, timer], api_visibility="private")
    return app


def serve(ws: Workspace, port: int, block: bool = True, host: str = "127.0.0.1",
          logins: dict[str, str] | None = None) -> gr.Blocks:
    """Launch on ``host``:``port``, never shared; uploads capped at the notes size limit. With ``logins``
    ({name: password}) every page and API call needs a login; an address other than loopback needs them."""
    if not logins and not is_loopback(host):
        raise ValueError(f"serving on {host} needs logins")
    # Four questions at a time. Set where Gradio reads it when the Blocks are made: ``app.queue()``
    # afterwards would build all of Gradio's routes once more (0.3-0.6 s of every start).
    os.environ["GRADIO_DEFAULT_CONCURRENCY_LIMIT"] = "4"
    app = build_app(ws)
    app.launch(
        server_name=host, server_port=port, share=False, prevent_thread_lock=not block,
        auth=list(logins.items()) if logins else None, auth_message="Log in with the name and password you were given.",
        max_file_size=f"{int(ws.settings.index.max_file_mb)}mb", css=CSS, theme=gr.themes.Soft(), quiet=True,
    )
    return app


def prepare(ws: Workspace) -> None:
    """Build the index from the notes folder if there is none; a StoreError if that made no usable one."""
    try:
        ws.assistant()
    except StoreError:
        print(f"No index yet: ingesting {ws.notes_dir} …", flush=True)
        report = ws.ingest([ws.notes_dir])
        print(report_text(report), flush=True)
        if not report.chunks:
            print(f"No notes in {ws.notes_dir} yet: add some in the app's Notes tab.", flush=True)
    ws.assistant()  # a StoreError here (the ingest made no usable index) stops serve_command


M_ARENA_MAX = -8  # glibc's mallopt parameter


def few_malloc_arenas(arenas: int = 2) -> bool:
    """Let glibc's malloc keep ``arenas`` arenas instead of up to eight per core: each of the app's worker
    threads otherwise fills an arena of its own and keeps it. Peak RSS after 100 questions
    (benchmarks/bench_app, 3 runs each): 401-419 MB without, 394-407 MB with this call, 386-398 MB with
    MALLOC_ARENA_MAX=2 set before the process starts. Called before those threads start. False where
    the C library is not glibc."""
    import ctypes

    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, arenas))
    except (OSError, AttributeError):
        return False


def start(ws: Workspace, port: int, host: str = "127.0.0.1", logins: dict[str, str] | None = None) -> gr.Blocks:
    """Serve the app, then load the models in the background: the page says it is warming up, and
    questions wait, until they are ready. Loading them while Gradio builds the page would hold the
    first page back (two cores, one interpreter lock)."""
    ws.ready.clear()  # a page opened before the warm-up starts says so too
    app = serve(ws, port, block=False, host=host, logins=logins)
    ws.start_warm_up()
    return app


SERVE_EXAMPLES = """\b
Examples:
  study serve                                   # corpus/ on http://127.0.0.1:7860
  study serve --notes-dir ~/notes --port 8000   # your own notes folder
  study serve --chroma-url http://127.0.0.1:8000
  study serve --host 0.0.0.0 --users class.txt  # a class: lines name:password, each learner logs in
  study serve --llm-url http://127.0.0.1:11434/v1 --llm-model qwen2.5:7b   # answers written by your model
"""


@click.command("serve", epilog=SERVE_EXAMPLES, short_help="Serve the app (on 127.0.0.1, or to a class).")
@click.option("--port", type=Port(), help="Port (default: $STUDY_APP__PORT or 7860).")
@click.option("--host", help="Address to listen on (default: $STUDY_APP__HOST or 127.0.0.1); anything but "
                             "loopback, e.g. 0.0.0.0, needs logins (--users or $STUDY_APP__USERS).")
@click.option("--users", "users_file", type=click.Path(path_type=Path),
              help="Logins file, one name:password a line (default: $STUDY_APP__USERS_FILE): everyone logs in, "
                   "and each learner has their own review cards.")
@click.option("--notes-dir", type=click.Path(path_type=Path),
              help="Notes folder (default: $STUDY_NOTES_DIR or corpus/).")
@llm_options
@store_options
@exit_code
def serve_command(port: int | None, host: str | None, users_file: Path | None, notes_dir: Path | None,
                  llm_url: str | None, llm_model: str | None, llm_api_key: str | None,
                  data_dir: Path | None, chroma_url: str | None) -> int:
    """Serve the study app (Chat, Quiz, Review, Notes) on http://127.0.0.1:PORT.

    To serve a class, listen on another address (--host 0.0.0.0) with logins (--users FILE): the notes
    and the index are shared, each learner's review cards are their own. Without logins only loopback
    addresses are allowed. A missing index is built from the notes folder before serving.
    """
    settings = settings_from(data_dir=data_dir, notes_dir=notes_dir, chroma_url=chroma_url, llm_url=llm_url,
                             llm_model=llm_model, llm_api_key=llm_api_key)
    for field, value in (("port", port), ("host", host), ("users_file", users_file)):
        if value is not None:
            setattr(settings.app, field, value)
    host, port = settings.app.host, settings.app.port
    try:
        logins = load_logins(settings.app)
    except LoginError as exc:
        return fail(str(exc))
    if not logins and not is_loopback(host):
        return fail(f"refusing to serve on {host} without logins: anyone who reaches it could read and change "
                    "your notes. Give --users FILE (one name:password a line) or STUDY_APP__USERS, or serve "
                    "on 127.0.0.1.")
    if not settings.notes_dir.is_dir():
        return fail(f"the notes folder {settings.notes_dir} does not exist")
    few_malloc_arenas()
    try:
        ws = Workspace(settings)
        prepare(ws)
    except (StoreError, NotesError) as exc:
        return fail(str(exc))
    who = f" ({len(logins)} logins; each learner has their own review cards)" if logins else ""
    click.echo(f"Serving the study app on http://{f'[{host}]' if ':' in host else host}:{port}{who}")
    try:
        app = start(ws, port, host=host, logins=logins)
    except OSError as exc:
        return fail(f"can't serve on {host}:{port}: {exc}")
    app.block_thread()
    return 0


def main(argv: list[str] | None = None) -> int:
    return run(serve_command, argv, "python ui.py")


if __name__ == "__main__":
    sys.exit(main())
