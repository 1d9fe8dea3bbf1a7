"""Practice-exam files (issue 15): Markdown, JSONL and CSV read with their keys; bad files get one
clear message naming the line; a malformed question is skipped and counted; the report (Markdown +
PNG chart) from answers; and ``solve --file`` end to end on the real index (slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.__main__ import main
from assistant.exam.files import MAX_QUESTIONS, ExamFileError, parse_exam_file, read_exam_file
from assistant.exam.report import Checked, write_report
from assistant.exam.solve import ExamAnswer, OptionVerdict
from core.settings import Settings
from core.spans import Quote

MARKDOWN = """# My practice exam

### 1. Which queue type never introduces duplicates?

- [ ] Standard queue
- [x] FIFO queue
- [ ] Delay queue

### Which are Elastic Beanstalk deployment policies?
Pick all that apply.

- [x] Immutable
- [ ] Binpack
- [x] Rolling with additional batch

### A question whose options were forgotten

### How long is the default SQS visibility timeout?
- [ ] 10 seconds
- [ ] 30 seconds
"""


def test_markdown_questions_keys_and_a_malformed_question_skipped() -> None:
    exam = parse_exam_file(MARKDOWN, "exam.md")
    assert exam.format == "markdown"
    assert [(q.line, q.answers, q.question.pick) for q in exam.questions] == [(3, ["B"], 1), (9, ["A", "C"], 2),
                                                                             (18, [], 1)]
    assert exam.questions[0].question.stem == "Which queue type never introduces duplicates?"
    assert exam.questions[1].question.stem == "Which are Elastic Beanstalk deployment policies? Pick all that apply."
    assert exam.questions[0].question.options[1] == ("B", "FIFO queue")
    assert exam.skipped == [(16, "no options: a question needs at least two")]


def test_jsonl_with_letters_texts_and_indexes_and_bad_lines_skipped() -> None:
    lines = [
        {"question": "Which is pull based?", "options": ["SNS", "SQS"], "answers": ["B"]},
        {"question": "Which is push based?", "options": ["SNS", "SQS"], "answers": ["SNS"]},
        {"question": "Pick the two queues", "options": ["SQS standard", "SQS FIFO", "SNS"], "answers": [0, 1]},
        {"question": "No options here", "options": []},
        {"options": ["a", "b"], "answers": ["A"]},
        {"question": "A key that is not an option", "options": ["a", "b"], "answers": ["Z"]},
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\n{not json\n"
    exam = parse_exam_file(text, "exam.jsonl")
    assert [(q.line, q.answers, q.question.pick) for q in exam.questions] == [(1, ["B"], 1), (2, ["A"], 1),
                                                                             (3, ["A", "B"], 2)]
    assert [line for line, _ in exam.skipped] == [4, 5, 6, 7]
    assert "options" in exam.skipped[0][1] and "question" in exam.skipped[1][1] and "'Z'" in exam.skipped[2][1]


def test_csv_with_option_columns_or_one_options_column() -> None:
    columns = ('question,A,B,C,answer\n"Which is pull based, SQS or SNS?",SNS,SQS,,B\n,x,y,,A\n'
               'Which is push based?,SNS,SQS,EC2,a\n')
    exam = parse_exam_file(columns, "exam.csv")
    assert [(q.line, q.answers, len(q.question.options)) for q in exam.questions] == [(2, ["B"], 2), (4, ["A"], 3)]
    assert exam.questions[0].question.stem == "Which is pull based, SQS or SNS?"
    assert exam.skipped == [(3, "the question has no text")]
    listed = parse_exam_file("question,options,answers\nWhich is pull based?,SNS|SQS|EC2,B\n", "exam.csv")
    assert listed.questions[0].question.options == [("A", "SNS"), ("B", "SQS"), ("C", "EC2")]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("exam.md", b"### Which is pull based?\n- [ ] SNS\n- [x] SQS\n{\"question\": \"x\"}\n", "line 4: a JSON line"),
        ("exam.jsonl", b'{"question": "q", "options": ["a", "b"]}\n### Which?\n', "line 2: a Markdown heading"),
        ("exam.md", "### Which is pull based?\n- [ ] SNS\n- [x] SQ\xe9S\n".encode("latin-1"),
         "exam.md line 3: not valid UTF-8"),
        ("exam.md", b"### Only a heading\n\n### Another heading\n- [x] one option\n",
         "line 1: no question could be read"),
        ("exam.md", b"just some text\n", "no questions found"),
        ("exam.csv", b"stem,A,B\nx,y,z\n", "line 1: the header has no 'question' column"),
        ("exam.csv", b"question,answer\nx,A\n", "no option columns"),
        ("exam.txt", b"hello there\n", "line 1: not an exam file"),
        ("exam.jsonl", b"\n\n", "no questions found"),
    ],
)
def test_bad_files_get_a_message_naming_the_line(tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ExamFileError, match=message.replace("(", r"\(")):
        read_exam_file(path)


def test_ten_thousand_questions_are_refused_naming_where_the_limit_is_passed() -> None:
    one = "### Which is pull based?\n- [ ] SNS\n- [x] SQS\n"
    with pytest.raises(ExamFileError) as caught:
        parse_exam_file(one * 10_000, "big.md")
    assert f"line {MAX_QUESTIONS * 3 + 1}: more than {MAX_QUESTIONS} questions (10000 in all)" in str(caught.value)
    assert len(parse_exam_file(one * MAX_QUESTIONS, "ok.md").questions) == MAX_QUESTIONS


def _answer(exam_question: object, decided: list[str], mentioned: set[str]) -> ExamAnswer:
    from assistant.exam.solve import ExamQuestion

    assert isinstance(exam_question, ExamQuestion)
    verdicts = [OptionVerdict(letter, text, 0.5, [Quote("notes.txt", 3, 3, "x")] if letter in mentioned else [],
                              "supports" if letter in decided else "says nothing", letter in mentioned)
                for letter, text in exam_question.options]
    return ExamAnswer(exam_question, bool(decided), decided, verdicts, "m")


def test_report_counts_decided_right_and_gaps_and_writes_markdown_and_png(tmp_path: Path) -> None:
    exam = parse_exam_file(MARKDOWN, "exam.md")
    q1, q2, q3 = exam.questions
    checked = [
        Checked(q1, _answer(q1.question, ["B"], {"B"})),  # decided, right
        Checked(q2, _answer(q2.question, [], {"B"})),  # not decided, and a gap: A and C never mentioned
        Checked(q3, _answer(q3.question, ["A"], {"A"})),  # decided, no key
    ]
    markdown, png, summary = write_report(exam, checked, tmp_path / "report.md", lambda stem: "Elastic beanstalk")
    assert (summary.questions, summary.skipped, summary.keyed, summary.decided, summary.right, summary.gaps) == (
        3, 1, 2, 2, 1, 1)
    text = markdown.read_text(encoding="utf-8")
    assert "the notes decide 2 of 3" in text and "of the 1 decided with a key, 1 right (100%)" in text
    assert "### notes section: Elastic beanstalk (1)\n- line 9: Which are Elastic Beanstalk" in text
    assert "![outcomes and gaps](report.png)" in text and "- line 16: no options" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5_000


@pytest.mark.slow
def test_solve_file_writes_the_report_and_bad_files_exit_2(
    corpus_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    exam = tmp_path / "exam.md"
    exam.write_text(MARKDOWN, encoding="utf-8")
    data = ["--data-dir", str(corpus_settings.data_dir)]
    assert main(["solve", "--file", str(exam), *data]) == 0
    out = capsys.readouterr().out
    assert out.startswith("3 questions read, 1 malformed skipped\n") and "skipped line 16: no options" in out
    assert (tmp_path / "exam-report.md").exists() and (tmp_path / "exam-report.png").exists()
    assert main(["solve", "--file", str(exam), "--json", "--out", str(tmp_path / "r.md"), *data]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["questions"] == 3 and [a["line"] for a in result["answers"]] == [3, 9, 18]
    labels = {o["label"] for a in result["answers"] for o in a["options"]}
    assert labels <= {"supports", "contradicts", "says nothing"}
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"### Which?\n- [ ] a\n- [x] \xff\n")
    assert main(["solve", "--file", str(bad), *data]) == 2
    assert capsys.readouterr().err == "error: bad.md line 3: not valid UTF-8 (byte 25); save the file as UTF-8\n"
