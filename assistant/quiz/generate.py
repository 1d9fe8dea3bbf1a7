"""Quizzes generated offline from the notes: multiple choice, true/false and fill-in-the-blank items,
each proving its answer with the lines of the notes it came from.

Facts come from the notes' structure (see ``assistant.quiz.facts``); wrong options are the same
kind of thing from elsewhere in the notes (other services for a definition, other values with the
same unit for a limit), ranked by the bundled embedding model so that they are plausible.

Example::

    docs = NotesLoader(Path("corpus/aws-developer-associate-notes.txt"), Path("corpus")).load()
    for item in generate_quiz(docs, n=5, kind="mcq", seed=1):
        print(item.question, item.options, item.answer, item.citation.ref)
"""

from __future__ import annotations

import hashlib
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from assistant.quiz.facts import Contrast, Definition, Evidence, FactBook, Limit, ListFact, extract_facts
from assistant.quiz.items import FALSE, KIND_CHOICES, KINDS, TRUE, Kind, QuizError, QuizItem
from assistant.quiz.names import canon, loose, mentions, same_thing
from core.spans import Quote
from core.text import Quantity


def _cite(ev: Evidence) -> Quote:
    return Quote(ev.source, ev.start_line, ev.end_line, ev.quote, start_page=ev.start_page, end_page=ev.end_page)


def display(name: str) -> str:
    """A name as the notes write it, with 'aws'/'amazon' and the first letter capitalised."""
    name = re.sub(r"\s+", " ", name).strip()
    if re.fullmatch(r"[a-z]{2,4}", name):
        return name.upper()  # "rds", "kms": acronyms written in lower case
    name = re.sub(r"\baws\b", "AWS", name)
    name = re.sub(r"^amazon\b", "Amazon", name)
    return name[:1].upper() + name[1:] if name[:1].islower() else name


def _sentence(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;:?])", r"\1", text)
    return text[:1].upper() + text[1:]


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


# ---------------------------------------------------------------- similarity


class _Similarity:
    """Cosine similarity between short texts, by the bundled embedding model (one batch, cached)."""

    def __init__(self, embeddings: Embeddings | None, texts: Sequence[str]) -> None:
        unique = sorted({t for t in texts if t})
        self.vectors: dict[str, list[float]] = {}
        if embeddings is not None and unique:
            self.vectors = dict(zip(unique, embeddings.embed_documents(unique), strict=True))

    def __call__(self, a: str, b: str) -> float:
        va, vb = self.vectors.get(a), self.vectors.get(b)
        if va is None or vb is None:
            x, y = set(loose(a).split()), set(loose(b).split())
            return len(x & y) / max(1, len(x | y))
        dot = sum(p * q for p, q in zip(va, vb, strict=True))
        norm = math.sqrt(sum(p * p for p in va)) * math.sqrt(sum(q * q for q in vb))
        return dot / norm if norm else 0.0


_DEFAULT_EMBEDDINGS: dict[str, Embeddings] = {}


def default_embeddings() -> Embeddings:
    """The bundled all-MiniLM-L6-v2 (loaded on first use, once per process)."""
    from core.settings import Settings
    from ingest.embeddings import embeddings_for

    settings = Settings()
    name = settings.index.embedding_model
    if name not in _DEFAULT_EMBEDDINGS:
        _DEFAULT_EMBEDDINGS[name] = embeddings_for(settings, for_questions=True)
    return _DEFAULT_EMBEDDINGS[name]


# ---------------------------------------------------------------- facts as question sources


@dataclass(frozen=True)
class _Source:
    key: str
    section: str
    haystack: str  # what a --topic filter is matched against
    build: Callable[[Kind, random.Random], QuizItem | None]


def _words(text: str) -> set[str]:
    return {w for w in loose(text).split() if len(w) >= 3}


def _giveaway_words(answer: str, text: str) -> set[str]:
    """Words of the answer that the question's text already shows ('policy' in 'a user specific policy')."""
    vendor = {"amazon", "aws", "service"}
    return (_words(answer) - vendor) & _words(text)


class _Maker:
    def __init__(self, book: FactBook, embeddings: Embeddings | None) -> None:
        self.book = book
        texts = [d.term for d in book.definitions] + [d.text for d in book.definitions]
        texts += [item for lst in book.lists for item in lst.items]
        self.sim = _Similarity(embeddings, texts)
        # One entry per defined thing (the notes may define it twice): its name, definitions, groups.
        self.terms: list[str] = []
        self.term_texts: dict[str, list[str]] = {}
        self.term_groups: dict[str, set[int]] = {}
        for d in book.definitions:
            name = next((t for t in self.terms if same_thing(d.term, t)), None)
            if name is None:
                name = d.term
                self.terms.append(name)
            self.term_texts.setdefault(name, []).append(d.text)
            self.term_groups.setdefault(name, set()).add(d.group)
        self.quantities: list[Quantity] = []
        for lim in book.limits:
            if not any(lim.quantity.same_value(q) and lim.quantity.text == q.text for q in self.quantities):
                self.quantities.append(lim.quantity)

    # -------- sources
    def sources(self) -> list[_Source]:
        out: list[_Source] = []
        seen_terms: list[str] = []
        for d in self.book.definitions:
            if any(same_thing(d.term, t) for t in seen_terms):
                continue  # one item per thing, even when the notes define it twice
            seen_terms.append(d.term)
            out.append(
                _Source(
                    f"def:{canon(d.term)}",
                    d.evidence.section,
                    f"{d.evidence.section} {d.term} {d.text}",
                    partial(self.definition_item, d),
                )
            )
        for lim in self.book.limits:
            out.append(
                _Source(
                    f"lim:{lim.evidence.ref}:{lim.quantity.start}",
                    lim.evidence.section,
                    f"{lim.evidence.section} {lim.topic} {lim.clause}",
                    partial(self.limit_item, lim),
                )
            )
        for lst in self.book.lists:
            out.append(
                _Source(
                    f"list:{lst.evidence[0].ref}",
                    lst.evidence[0].section,
                    f"{lst.evidence[0].section} {lst.topic} {lst.header} {' '.join(lst.items)}",
                    partial(self.list_item, lst),
                )
            )
        seen_contrasts: list[tuple[str, str]] = []
        for c in self.book.contrasts:
            pair = loose(" ".join(sorted((c.chosen, c.other))))
            if any(p == pair and same_thing(s, c.subject) for s, p in seen_contrasts):
                continue
            seen_contrasts.append((c.subject, pair))
            out.append(
                _Source(
                    f"con:{canon(c.subject)}:{pair}",
                    c.evidence.section,
                    f"{c.evidence.section} {c.subject} {c.evidence.quote}",
                    partial(self.contrast_item, c),
                )
            )
        return out

    # -------- definitions
    def _definition_alternatives(self, d: Definition) -> list[str]:
        """Other defined terms, most plausible first: the same list or paragraph, then the most similar."""
        shown = _giveaway_words(d.term, d.text)
        own = next(t for t in self.terms if same_thing(t, d.term))
        own_texts = self.term_texts[own]
        ranked: list[tuple[float, str]] = []
        for term in self.terms:
            if term == own or same_thing(term, d.term) or _nested(term, d.term) or mentions(d.text, term):
                continue
            if shown and not shown <= _words(term):
                continue  # the question shows a word of the answer: alternatives must share it
            texts = self.term_texts[term]
            if any(self.sim(t, o) >= 0.75 or _overlap(t, o) >= 0.5 for t in texts for o in own_texts):
                continue  # its own definition says nearly the same: it could be another right answer
            sibling = d.group in self.term_groups[term]
            ranked.append((self.sim(term, d.term) + (1.0 if sibling else 0.0), term))
        ranked.sort(key=lambda pair: -pair[0])
        return [term for _, term in ranked]

    @staticmethod
    def _definition_phrases(d: Definition) -> tuple[str, str, str]:
        """(question stem after 'Which of these', statement after the name, cloze stem after the blank)."""
        text = d.text.rstrip(".")
        if d.form == "verb":
            return f"{text}?", f" {text}.", f" {text}."
        if d.form == "purpose":
            lead = "" if text.split()[0] in ("to", "for") else "to "
            return f"is used {lead}{text}?", f" is used {lead}{text}.", f" is used {lead}{text}."
        if re.match(r"(a|an)\s", text, re.IGNORECASE):
            return f"is {text}?", f" is {text}.", f" is {text}."
        return f"do your notes describe as “{text}”?", f"@“{text}”.", f" — “{text}”."

    def definition_item(self, d: Definition, kind: Kind, rng: random.Random) -> QuizItem | None:
        ask, state, blank = self._definition_phrases(d)
        term = display(d.term)
        because = f"Your notes define {term}: “{_squash(d.evidence.quote)}”."
        if kind == "mcq":
            others = self._definition_alternatives(d)
            if len(others) < 3:
                return None
            picks = rng.sample(others[:5], 3)
            options = [term, *(display(o) for o in picks)]
            rng.shuffle(options)
            return _item("mcq", f"Which of these {ask}", options, term, because, d.evidence, f"def:{canon(d.term)}")
        if kind == "truefalse":

            def stated(name: str) -> str:
                if state.startswith("@"):
                    return f"True or false: your notes describe {name} as {state[1:]}"
                return f"True or false: {name}{state}"

            others = self._definition_alternatives(d)
            if rng.random() < 0.5 or not others:
                return _item(
                    "truefalse", stated(term), [TRUE, FALSE], TRUE, because, d.evidence, f"def:{canon(d.term)}"
                )
            wrong = display(rng.choice(others[:3]))
            return _item(
                "truefalse",
                stated(wrong),
                [TRUE, FALSE],
                FALSE,
                f"False: your notes say this of {term}, not {wrong}. {because}",
                d.evidence,
                f"def:{canon(d.term)}",
            )
        if _giveaway_words(d.term, d.text):
            return None
        return _item(
            "cloze",
            f"Fill in the blank: ____{blank}",
            [],
            term,
            because,
            d.evidence,
            f"def:{canon(d.term)}",
            accepted=_spellings(d.term),
        )

    # -------- limits
    def _limit_alternatives(self, lim: Limit) -> list[Quantity]:
        q = lim.quantity
        chosen: list[Quantity] = []
        pool = [x for x in self.quantities if x.dimension == q.dimension and x.is_range == q.is_range]
        pool = [x for x in pool if not any(x.same_value(o) for o in (q, *lim.others))]
        unit = re.sub(r"[\d.,\s-]", "", q.text).lower()

        def rank(x: Quantity) -> tuple[int, float]:
            same_unit = re.sub(r"[\d.,\s-]", "", x.text).lower() == unit
            return (0 if same_unit else 1, abs(math.log10(max(x.high, 1e-9)) - math.log10(max(q.high, 1e-9))))

        for x in sorted(pool, key=rank):
            if not any(x.same_value(c) for c in chosen):
                chosen.append(x)
        return chosen

    def limit_item(self, lim: Limit, kind: Kind, rng: random.Random) -> QuizItem | None:
        q = lim.quantity
        topic = lim.topic if lim.topic and not mentions(lim.clause, lim.topic) and len(lim.topic.split()) <= 5 else ""
        where = f" on {topic}" if topic else ""
        because = f"Your notes{where} give {q.text}: “{lim.clause.strip()}”."
        if kind == "mcq":
            others = self._limit_alternatives(lim)
            if len(others) < 3:
                return None
            picks = rng.sample(others[:5], 3)
            options = [q.text, *(o.text for o in picks)]
            rng.shuffle(options)
            question = _limit_question(lim, topic) or (
                f"Which value completes this line of your notes{where}: “{_squash(lim.blanked)}”?"
            )
            return _item("mcq", question, options, q.text, because, lim.evidence, f"lim:{lim.evidence.ref}")
        if kind == "truefalse":
            prefix = f"In your notes on {topic}: " if topic else "Your notes say: "
            others = self._limit_alternatives(lim)
            if rng.random() < 0.5 or not others:
                return _item(
                    "truefalse",
                    f"True or false? {prefix}“{_squash(lim.clause)}”",
                    [TRUE, FALSE],
                    TRUE,
                    because,
                    lim.evidence,
                    f"lim:{lim.evidence.ref}",
                )
            wrong = rng.choice(others[:3])
            stated = lim.clause[: q.start] + wrong.text + lim.clause[q.end :]
            return _item(
                "truefalse",
                f"True or false? {prefix}“{_squash(stated)}”",
                [TRUE, FALSE],
                FALSE,
                f"False: the value is {q.text}, not {wrong.text}. {because}",
                lim.evidence,
                f"lim:{lim.evidence.ref}",
            )
        lead = f"Fill in the blank ({topic})" if topic else "Fill in the blank"
        return _item(
            "cloze", f"{lead}: {_squash(lim.blanked)}", [], q.text, because, lim.evidence, f"lim:{lim.evidence.ref}"
        )

    # -------- lists
    def _list_alternatives(self, lst: ListFact, answer: str) -> list[str]:
        chunk = lst.evidence[0].chunk_text
        ranked: list[tuple[float, str]] = []
        seen: list[str] = []
        for other in self.book.lists:
            if other is lst:
                continue
            for item in other.items:
                if any(same_thing(item, own) or _nested(item, own) for own in lst.items) or any(
                    same_thing(item, s) for s in seen
                ):
                    continue
                if mentions(chunk, item) or mentions(lst.header, item) or len(canon(item)) < 2:
                    continue
                seen.append(item)
                family = 1.0 if other.family == lst.family else 0.0
                ranked.append((self.sim(item, answer) + family, item))
        ranked.sort(key=lambda pair: -pair[0])
        return [item for _, item in ranked]

    def list_item(self, lst: ListFact, kind: Kind, rng: random.Random) -> QuizItem | None:
        index = rng.randrange(len(lst.items))
        item, ev = lst.items[index], lst.evidence[index]
        header = _squash(lst.header)
        because = f"Your notes list {display(item)} under “{header}”: “{_squash(ev.quote)}”."
        key = f"list:{lst.evidence[0].ref}"
        if kind == "mcq":
            others = self._list_alternatives(lst, item)
            if len(others) < 3:
                return None
            picks = rng.sample(others[:5], 3)
            options = [display(item), *(display(o) for o in picks)]
            rng.shuffle(options)
            return _item("mcq", _list_question(lst), options, display(item), because, ev, key)
        if kind == "truefalse":
            others = self._list_alternatives(lst, item)
            if rng.random() < 0.5 or not others:
                return _item(
                    "truefalse",
                    f"True or false: your notes list {display(item)} under “{header}”.",
                    [TRUE, FALSE],
                    TRUE,
                    because,
                    ev,
                    key,
                )
            wrong = display(rng.choice(others[:3]))
            whole = lst.evidence[-1]  # the header down to the last item: the whole list, to show what is not on it
            return _item(
                "truefalse",
                f"True or false: your notes list {wrong} under “{header}”.",
                [TRUE, FALSE],
                FALSE,
                f"False: {wrong} is not listed there; the list is {', '.join(lst.items)}.",
                whole,
                key,
            )
        if len(lst.items) < 3:
            return None  # with two names, one gives the other away
        shown = [("____" if i == index else x) for i, x in enumerate(lst.items)]
        return _item(
            "cloze",
            f"Fill in the blank — {header}: {', '.join(shown)}",
            [],
            display(item),
            because,
            ev,
            key,
            accepted=_spellings(item),
        )

    # -------- contrasts
    def contrast_item(self, c: Contrast, kind: Kind, rng: random.Random) -> QuizItem | None:
        first, second = _pair_order(c)
        answer = first if loose(first) == loose(c.chosen) else second
        wrong = second if answer == first else first
        subject = display(c.subject)
        tail = f" {c.tail}" if c.tail else ""
        because = f"Your notes say so: “{_squash(c.evidence.quote)}”."
        key = f"con:{canon(c.subject)}"
        verb = c.verb.replace("only ", "")
        if kind == "mcq":
            if loose(first) in loose(second) or loose(second) in loose(first):
                return None  # "persistent or non-persistent": one option would spell out the other
            if verb in ("supports", "support", "provides", "provide"):
                base = verb.rstrip("s") if verb.endswith("s") else verb
                does = "Do" if verb in ("support", "provide") else "Does"
                question = f"{does} {subject} {base} {first} or {second}{tail}?"
            else:
                be = "Are" if verb == "are" else "Is"
                art = f"{_article(first)} " if c.tail and be == "Is" else ""
                question = f"{be} {subject} {art}{first} or {second}{tail}?"
            return _item("mcq", question, [first, second], answer, because, c.evidence, key)
        if kind == "truefalse":
            shown = answer if rng.random() < 0.5 else wrong
            return _item(
                "truefalse",
                f"True or false: {_contrast_statement(c, subject, shown, tail)}",
                [TRUE, FALSE],
                TRUE if shown == answer else FALSE,
                because,
                c.evidence,
                key,
            )
        statement = _contrast_statement(c, subject, "____", tail)
        return _item(
            "cloze",
            f"Fill in the blank ({first} or {second}): {statement}",
            [],
            answer,
            because,
            c.evidence,
            key,
            accepted=(c.chosen,),
        )


def _contrast_statement(c: Contrast, subject: str, word: str, tail: str) -> str:
    if c.verb:
        art = (
            f"{_article(word)} "
            if c.tail and c.verb == "is" and word != "____"
            else ("a " if c.tail and c.verb == "is" else "")
        )
        return f"{subject} {c.verb} {art}{word}{tail}."
    art = f"{_article(word)} " if c.tail and word != "____" else ("a " if c.tail else "")
    return f"{subject} is {art}{word}{tail}."


def _pair_order(c: Contrast) -> tuple[str, str]:
    from assistant.quiz.facts import PAIRS

    for a, b in PAIRS:
        if {loose(a), loose(b)} == {loose(c.chosen), loose(c.other)}:
            return a, b
    return c.chosen, c.other


def _nested(a: str, b: str) -> bool:
    """True when one name's words hold the other's ('ECS' in 'ECS task placement strategy')."""
    x, y = f" {loose(a)} ", f" {loose(b)} "
    return x in y or y in x


def _overlap(a: str, b: str) -> float:
    x, y = _words(a), _words(b)
    return len(x & y) / max(1, min(len(x), len(y)))


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(",;")


def _spellings(name: str) -> tuple[str, ...]:
    """Other ways to write a name: without vendor prefix or parentheses, or just what they hold."""
    forms = [re.sub(r"\s*\([^()]*\)", "", name).strip(), re.sub(r"^(amazon|aws|amzon)\s+", "", name, flags=re.I)]
    forms += re.findall(r"\(([^()]*)\)", name)
    out: list[str] = []
    for form in forms:
        form = _squash(form)
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


def _limit_question(lim: Limit, topic: str) -> str | None:
    """A plain question for common shapes: 'default retention period 4 days' -> 'What is the default
    retention period?'; None when the clause has no such shape."""
    q = lim.quantity
    shaped = (lim.clause[: q.start] + "@" + lim.clause[q.end :]).strip().rstrip(".")
    for pattern, template in LIMIT_PATTERNS:
        m = pattern.match(_squash(shaped))
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
        question = _sentence(
            template.format(**{k: parts.get(k, "") for k in ("q", "attr", "pre", "post", "subj", "verb", "how")})
        )
        if topic and not mentions(question, topic) and "{subj} make up" not in template:
            return f"For {topic}, {question[:1].lower()}{question[1:]}"
        return question
    return None


def _list_question(lst: ListFact) -> str:
    header = _squash(lst.header)
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
        return _sentence(f"{question}?")
    last = header.split()[-1].lower()
    where = f" for {topic}" if topic else ""
    if re.search(r"(types|options|services|policies|classes|kinds|strategies|mechanisms|flavours|deployments)$", last):
        return _sentence(f"Which of these is one of the {header}{where}?")
    return _sentence(f"Which of these is listed under {header} in your notes{f' on {topic}' if topic else ''}?")


def _item(
    kind: Kind,
    question: str,
    options: Sequence[str],
    answer: str,
    explanation: str,
    ev: Evidence,
    fact: str,
    accepted: Sequence[str] = (),
) -> QuizItem | None:
    question = _squash(question)
    if len(question) > 400:
        return None
    digest = hashlib.sha1(f"{kind}|{question}|{answer}|{ev.ref}".encode()).hexdigest()[:12]
    return QuizItem(
        digest, kind, question, tuple(options), answer, explanation, _cite(ev), ev.section, tuple(accepted), fact
    )


# ---------------------------------------------------------------- the quiz


def generate_quiz(
    docs: Sequence[Document],
    n: int = 10,
    kind: str = "mixed",
    topic: str | None = None,
    seed: int = 0,
    embeddings: Embeddings | None = None,
) -> list[QuizItem]:
    """Up to ``n`` distinct items from the chunks ``docs``, spread over their sections; the same
    ``seed`` gives the same quiz. ``kind`` is mcq, truefalse, cloze or mixed; ``topic`` keeps
    facts whose section or text mentions it. Raises QuizError when nothing can be asked."""
    if kind not in KIND_CHOICES:
        raise QuizError(f"unknown quiz kind '{kind}' (choose from {', '.join(KIND_CHOICES)})")
    if n < 1:
        raise QuizError("a quiz needs at least one question (--n 1 or more)")
    if not docs:
        raise QuizError("there are no notes to make a quiz from: ingest some notes first")
    book = extract_facts(docs)
    maker = _Maker(book, embeddings if embeddings is not None else default_embeddings())
    sources = maker.sources()
    if topic and topic.strip():
        sources = [s for s in sources if _on_topic(s.haystack, topic)]
        if not sources:
            raise QuizError(f"nothing in the notes matches the topic '{topic}'")
    if not sources:
        raise QuizError("the notes hold no definitions, limits, lists or contrasts to ask about")
    kinds: tuple[Kind, ...] = KINDS if kind == "mixed" else (kind,)  # type: ignore[assignment]
    return _select(sources, n, kinds, random.Random(seed))


def _on_topic(haystack: str, topic: str) -> bool:
    wanted = loose(topic).split()
    text = f" {loose(haystack)} "
    return mentions(haystack, topic) or (bool(wanted) and all(f" {w} " in text for w in wanted))


def _select(sources: list[_Source], n: int, kinds: tuple[Kind, ...], rng: random.Random) -> list[QuizItem]:
    """Round-robin over sections (in a seeded order), one fact at a time, balancing kinds."""
    by_section: dict[str, list[_Source]] = {}
    for source in sources:
        by_section.setdefault(source.section, []).append(source)
    order = sorted(by_section)
    rng.shuffle(order)
    for name in order:
        rng.shuffle(by_section[name])
    items: list[QuizItem] = []
    questions: set[str] = set()
    used: dict[str, set[str]] = {}
    counts = dict.fromkeys(kinds, 0)

    def attempt(source: _Source, allow_reuse: bool) -> bool:
        done = used.setdefault(source.key, set())
        if done and not allow_reuse:
            return False
        for k in sorted(kinds, key=lambda k: (counts[k], rng.random())):
            if k in done:
                continue
            item = source.build(k, rng)
            if item is None or loose(item.question) in questions:
                continue
            items.append(item)
            questions.add(loose(item.question))
            done.add(k)
            counts[k] += 1
            return True
        return False

    for allow_reuse in (False, True):
        queues = {name: list(by_section[name]) for name in order}
        while len(items) < n and any(queues.values()):
            for name in order:
                while queues[name] and len(items) < n:
                    if attempt(queues[name].pop(), allow_reuse):
                        break
        if len(items) >= n:
            break
    return items[:n]
