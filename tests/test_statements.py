"""The one statement splitter (``core.text.segments`` for answers, ``core.text.sentences`` for the
quiz and exam mode): it never drops text, and every statement is a verbatim slice of its lines.
Fast: no model, no index."""

from __future__ import annotations

from collections import Counter

import pytest

from core.text import WORD, Segment, segments, sentences
from ingest.chunking import chunk_lines
from tests.conftest import NOTES_FILE

LINES = NOTES_FILE.read_text(encoding="utf-8").split("\n")


def _parts(seg: Segment) -> list[str]:
    """The statement's text line by line (a joined lead-in spans several)."""
    return seg.text.split("\n")


def _slice_of(lines: list[str], seg: Segment) -> str:
    """What ``seg`` says it is: chars ``start`` of its first line to ``end`` of its last, of ``lines``."""
    if seg.last_line == seg.line:
        return lines[seg.line][seg.start : seg.end]
    joined = "\n".join(lines[seg.line : seg.last_line + 1])
    return joined[seg.start : len(joined) - len(lines[seg.last_line]) + seg.end]


def _lost_words(lines: list[str]) -> dict[int, Counter[str]]:
    """Per line of ``lines`` (0-based), the words of it that none of the statements covering it hold."""
    held: list[Counter[str]] = [Counter() for _ in lines]
    for seg in segments("\n".join(lines)):
        for offset, part in enumerate(_parts(seg)):
            held[seg.line + offset].update(WORD.findall(part))
    lost = {n: Counter(WORD.findall(line)) - held[n] for n, line in enumerate(lines)}
    return {n + 1: words for n, words in lost.items() if words}


def test_the_statements_of_every_corpus_line_hold_all_its_words() -> None:
    assert _lost_words(LINES) == {}


def test_the_statements_of_every_chunk_hold_all_its_words() -> None:
    # As answers see the notes: ingest's chunks, each split on its own.
    spans = chunk_lines(LINES)
    assert len(spans) > 200
    lost = {}
    for span in spans:
        chunk = LINES[span.start_line - 1 : span.end_line]
        lost.update({span.start_line - 1 + n: words for n, words in _lost_words(chunk).items()})
    assert lost == {}


def test_every_statement_is_a_verbatim_slice_of_its_lines() -> None:
    statements = list(segments("\n".join(LINES)))
    assert len(statements) > 600
    for seg in statements:
        assert seg.text and seg.text == _slice_of(LINES, seg), seg
        assert seg.text == seg.text.strip(), seg  # no stray whitespace at either end
    for number, line in enumerate(LINES):
        for sentence in sentences(line, number):
            assert sentence.text == line[sentence.start : sentence.end], sentence


def test_line_314s_second_sentence_is_a_statement() -> None:
    # "...sent to your load balancer.Access logs is ...": no space after the stop.
    assert "balancer.Access logs" in LINES[313]
    texts = [s.text for s in segments("\n".join(LINES)) if s.line == 313]
    assert "Access logs is an optional feature of Elastic Load Balancing that is disabled by default." in texts
    assert any(t.startswith("- access logs : Elastic Load Balancing provides access logs") for t in texts)


def test_a_short_line_is_one_statement_even_with_several_sentences() -> None:
    line = "Visibility timeout 30 seconds default. Max 12 hours. e.g. 0.5 sec is allowed."
    assert [s.text for s in segments(line)] == [line]


def _long(*sentences_: str) -> str:
    """A line over the 260-character limit, from its sentences joined by one space."""
    line = " ".join(sentences_)
    assert len(line) > 260
    return line


FILLER = "and this clause only pads the line out so that the line is long enough to be cut into sentences"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # A stop run straight into the next sentence.
        (
            "Logs go to the load balancer.Access logs are off by default.",
            ["Logs go to the load balancer.", "Access logs are off by default."],
        ),
        # Abbreviations, decimals, versions and addresses are no sentence ends.
        ("Use a managed store, e.g. DynamoDB or S3, i.e. no servers to run.", None),
        ("Durability is 99.999999999% and availability 99.99% in v1.2.3 of the API.", None),
        ("It is at http://169.254.169.254/latest/meta-data/ on the instance.", None),
        ("See www.Example.Com/Docs for the limits, vs. the defaults.", None),
        ("Upload the files etc. and then wait for the build.", None),
        # A run of stops ends a sentence and stays with it; "etc." before a capital ends one too.
        (
            "Delivered in order.. Guarantee that a message is delivered at least once.",
            ["Delivered in order..", "Guarantee that a message is delivered at least once."],
        ),
        (
            "Logs, metrics etc. The agent sends them every minute.",
            ["Logs, metrics etc.", "The agent sends them every minute."],
        ),
        (
            "Is it stateful? Yes, security groups remember the connection!",
            ["Is it stateful?", "Yes, security groups remember the connection!"],
        ),
        ('He said "use SQS." Then the queue was made.', ['He said "use SQS."', "Then the queue was made."]),
        ("Wait for the retry\u2026 Then the queue drains.", ["Wait for the retry\u2026", "Then the queue drains."]),
        (
            "Edge locations worldwide.\tCloudFront serves static content.",
            ["Edge locations worldwide.", "CloudFront serves static content."],
        ),
        # A piece of fewer than two words ("1.", "Yes.") stays with its neighbour.
        ("1. Standard queue is best effort ordering. Yes.", ["1. Standard queue is best effort ordering. Yes."]),
        ("The address ends the line at http://169.254.169.254/latest/user-data.", None),
        ("", []),
    ],
)
def test_sentences_cut_only_at_sentence_ends(line: str, expected: list[str] | None) -> None:
    got = [s.text for s in sentences(line)]
    assert got == ([line] if expected is None else expected)
    assert all(line[s.start : s.end] == s.text for s in sentences(line))


def test_a_long_line_is_cut_into_its_sentences_and_nothing_is_lost() -> None:
    line = _long(
        f"Access logs capture requests sent to your load balancer {FILLER}.Access logs is an optional feature",
        "that is disabled by default, e.g. for new load balancers.",
        "i.e They are stored in S3 as compressed files at http://bucket.s3.amazonaws.com/logs.",
    )
    got = [s.text for s in segments(line)]
    assert got == [
        f"Access logs capture requests sent to your load balancer {FILLER}.",
        "Access logs is an optional feature that is disabled by default, e.g. for new load balancers.",
        "i.e They are stored in S3 as compressed files at http://bucket.s3.amazonaws.com/logs.",
    ]


def test_a_sentence_longer_than_the_limit_is_cut_into_clause_windows() -> None:
    clauses = [f"clause {n} of a very long sentence that goes on {FILLER}" for n in range(4)]
    line = ", ".join(clauses) + "."
    got = list(segments(line))
    assert len(got) > 1 and all(len(s.text) <= 260 for s in got)
    assert Counter(w for s in got for w in WORD.findall(s.text)) == Counter(WORD.findall(line))
    assert all(line[s.start : s.end] == s.text for s in got)


def test_a_lead_in_is_joined_with_the_lines_that_complete_it() -> None:
    text = "trusted entity :\n- a user\n- a service\n\nnext paragraph is here."
    got = list(segments(text))
    assert got[0] == Segment(0, 0, len("- a service"), "trusted entity :\n- a user\n- a service", 2)
    assert [s.text for s in got[1:]] == ["- a user", "- a service", "next paragraph is here."]


@pytest.mark.parametrize(
    ("text", "joined"),
    [
        # A bare title reaches past its underline and blank lines to what it announces.
        ("IAM - \n\nUsers - creating a user account for aws.", "IAM - \n\nUsers - creating a user account for aws."),
        (
            "metadata\n--------\nIt is at http://169.254.169.254/latest/meta-data/",
            "metadata\n--------\nIt is at http://169.254.169.254/latest/meta-data/",
        ),
        # One-word lines under a head are held by the head's statement, not repeated alone.
        ("flavours:\n------\nAurora\nMySQL\nMS sql server", "flavours:\n------\nAurora\nMySQL\nMS sql server"),
        # When the next line is too long to join whole, its first sentence joins.
        (
            f"Tasks\n- The header is a standard HTTP header field. {'It is used by proxies, ' * 12}end.",
            "Tasks\n- The header is a standard HTTP header field.",
        ),
    ],
)
def test_a_bare_line_is_joined_with_what_follows(text: str, joined: str) -> None:
    got = list(segments(text))
    assert got[0].text == joined
    lines = text.split("\n")
    assert all(s.text == _slice_of(lines, s) for s in got)
    assert not [s for s in got if s.text in ("Aurora", "MySQL", "IAM -", "metadata", "Tasks")]
    assert _lost_words(lines) == {}


def test_a_line_nothing_completes_is_kept_alone() -> None:
    # A list item whose definition the notes never wrote, and a title at the end of a chunk.
    text = "- trusted policy : who can assume the role\n- permission policy : \n\nIAM -"
    assert [s.text for s in segments(text)] == [
        "- trusted policy : who can assume the role",
        "- permission policy :",
        "IAM -",
    ]


def test_a_chunk_of_only_stops_and_rules_has_no_statements() -> None:
    assert list(segments("-----\n...\n\n=====")) == []
