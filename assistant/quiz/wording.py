"""The words of quiz questions: names as the notes write them, plain questions for limits and lists,
statements for contrasts.

>>> display("aws cloudshell"), display("rds")
('AWS cloudshell', 'RDS')
"""

from __future__ import annotations

import re

from assistant.quiz.facts import PAIRS, Contrast, Limit, ListFact
from assistant.quiz.names import loose, mentions, same_thing


def display(name: str) -> str:
    """A name as the notes write it, with 'aws'/'amazon' and the first letter capitalised."""
    name = re.sub(r"\s+", " ", name).strip()
    if re.fullmatch(r"[a-z]{2,4}", name):
        return name.upper()  # "rds", "kms": acronyms written in lower case
    name = re.sub(r"\baws\b", "AWS", name)
    name = re.sub(r"^amazon\b", "Amazon", name)
    return name[:1].upper() + name[1:] if name[:1].islower() else name


def sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:?])", r"\1", text)
    return text[:1].upper() + text[1:]


def article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def contrast_statement(c: Contrast, subject: str, word: str, tail: str) -> str:
    if c.verb:
        art = (
            f"{article(word)} "
            if c.tail and c.verb == "is" and word != "____"
            else ("a " if c.tail and c.verb == "is" else "")
        )
        return f"{subject} {c.verb} {art}{word}{tail}."
    art = f"{article(word)} " if c.tail and word != "____" else ("a " if c.tail else "")
    return f"{subject} is {art}{word}{tail}."


def pair_order(c: Contrast) -> tuple[str, str]:
    for a, b in PAIRS:
        if {loose(a), loose(b)} == {loose(c.chosen), loose(c.other)}:
            return a, b
    return c.chosen, c.other


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(",;")


def spellings(name: str) -> tuple[str, ...]:
    """Other ways to write a name: without vendor prefix or parentheses, or just what they hold."""
    forms = [re.sub(r"\s*\([^()]*\)", "", name).strip(), re.sub(r"^(amazon|aws|amzon)\s+", "", name, flags=re.I)]
    forms += re.findall(r"\(([^()]*)\)", name)
    out: list[str] = []
    for form in forms:
        form = squash(form)
        if form and loose(form) != loose(name) and loose(form) not in {loose(o) for o in out}:
            out.append(form)
    return tuple(out)


MEASURE = r"(?:duration|size|capacity|timeout|period|limit|memory|time|retention|length|interval|delay)"
LIMIT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?P<q>min|max)(?:imum)?\s+(?P<attr>[a-z]+)\s+@\s+and\s+.*$", re.I), "What is the {q} {attr}?"),
    (
        re.compile(r"^(?:min|max)\w*\s+(?P<attr>[a-z]+)\s+\S+\s+\S+\s+and\s+(?P<q>max|min)\w*\s+@.*$", re.I),
        "What is the {q} {attr}?",
    ),
    (
        re.compile(
            r"^(?:the\s+)?(?P<q>default|max|maximum|min|minimum)\s+(?P<attr>[a-z][a-z ]{2,40}?)"
            r"\s*(?:is\s+|of\s+|:\s*|-\s*)?@$",
            re.I,
        ),
        "What is the {q} {attr}?",
    ),
    (
        re.compile(
            r"^(?:you|we)\s+can\s+(?P<verb>[a-z]+)\s+(?:the\s+)?(?P<attr>[a-z][\w ]{2,40}?)\s+(?:upto|up to)\s+@$", re.I
        ),
        "Up to how {how} can you {verb} the {attr}?",
    ),
    (
        re.compile(
            r"^(?P<pre>by default,?\s+)?(?:the\s+)?(?P<attr>(?!you\b|we\b)[a-z][\w ]{2,60}?)"
            r"\s+is\s+@(?P<post>\s+[a-z].*)?$",
            re.I,
        ),
        "{pre}what is the {attr}{post}?",
    ),
    (
        re.compile(
            r"^(?P<subj>[a-z][\w ]{2,40}?)\s+can\s+be\s+(?P<verb>[a-z][\w ]{2,40}?)\s+(?:upto|up to)\s+@$", re.I
        ),
        "How {how} can {subj} be {verb}?",
    ),
    (
        re.compile(r"^(?P<attr>(?!you\b|we\b)[a-z][\w ]{2,40}?)\s+(?:upto|up to)\s+@$", re.I),
        "What is the maximum {attr}?",
    ),
    (re.compile(rf"^(?P<attr>[a-z][a-z ]{{2,30}}{MEASURE})\s*[:-]?\s*@$"), "What is the {attr}?"),
    (
        re.compile(r"^(?P<subj>[a-z][\w ]{2,50}?)\s+has\s+(?:a\s+)?limit\s+of\s+@$", re.I),
        "What is the limit of {subj}?",
    ),
    (
        re.compile(r"^(?P<subj>[^()]{3,60}?)\s*\(@\s+of\s+(?P<attr>[^()]{3,40})\)$", re.I),
        "What share of {attr} does {subj} make up?",
    ),
)
QUALIFIER = {"max": "maximum", "min": "minimum"}
HOW = {"time": "long", "size": "large", "percent": "much", "bits": "many bits"}


def limit_question(lim: Limit, topic: str) -> str | None:
    """A plain question for common shapes: 'default retention period 4 days' -> 'What is the default
    retention period?'; None when the clause has no such shape."""
    q = lim.quantity
    shaped = (lim.clause[: q.start] + "@" + lim.clause[q.end :]).strip().rstrip(".")
    for pattern, template in LIMIT_PATTERNS:
        m = pattern.match(squash(shaped))
        if m is None:
            continue
        parts = {k: (v or "").strip() for k, v in m.groupdict().items()}
        if "q" in parts:
            parts["q"] = QUALIFIER.get(parts["q"].lower(), parts["q"].lower())
        if parts.get("pre"):
            parts["pre"] = "By default, "
        if parts.get("post"):
            parts["post"] = " " + parts["post"]
        parts["how"] = HOW.get(q.dimension, "much")
        question = sentence(
            template.format(**{k: parts.get(k, "") for k in ("q", "attr", "pre", "post", "subj", "verb", "how")})
        )
        if topic and not mentions(question, topic) and "{subj} make up" not in template:
            return f"For {topic}, {question[:1].lower()}{question[1:]}"
        return question
    return None


def list_question(lst: ListFact) -> str:
    header = squash(lst.header)
    lone = len(header.split()) == 1  # "flavours", "deployments": say whose
    topic = (
        lst.topic
        if lone and lst.topic and not mentions(header, lst.topic) and not same_thing(header, lst.topic)
        else ""
    )
    verbal = re.search(
        r"\b(is|are|has|have|provides?|creates?|supports?|gets|includes?|made up of|through)\b", header, re.IGNORECASE
    )
    if verbal:
        counted = re.sub(
            r"\b(the following|\d+|two|three|four|five)\b", "which of these", header, count=1, flags=re.IGNORECASE
        )
        question = counted if counted != header else f"{header} which of these"
        return sentence(f"{question}?")
    last = header.split()[-1].lower()
    where = f" for {topic}" if topic else ""
    if re.search(r"(types|options|services|policies|classes|kinds|strategies|mechanisms|flavours|deployments)$", last):
        return sentence(f"Which of these is one of the {header}{where}?")
    return sentence(f"Which of these is listed under {header} in your notes{f' on {topic}' if topic else ''}?")


