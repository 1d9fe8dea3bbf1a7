"""Quizzes generated offline from the notes: multiple choice, true/false and fill-in-the-blank items,
each proving its answer with the lines of the notes it came from.

Facts come from the notes' structure (``assistant.quiz.facts``). Each is asked in one of several
forms (``FORMS``): which thing a definition describes, what something is for, which value a limit
has, which item a list holds or does NOT hold, true/false, fill in the blank. Wrong options are the
same kind of thing as the answer (``assistant.quiz.kinds``: a service for a service, a value with the
same unit for a value, an HTTP code for an HTTP code), none of them true too, ranked by the bundled
embedding model (``assistant.quiz.similarity``) so that they are plausible.

Example::

    docs = NotesLoader(Path("corpus/aws-developer-associate-notes.txt"), Path("corpus")).load()
    for item in generate_quiz(docs, n=5, kind="mcq", seed=1):
        print(item.form, item.question, item.options, item.answer, item.citation.ref)
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

import numpy as np
from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from assistant.quiz.facts import Contrast, Definition, Evidence, FactBook, Limit, ListFact, extract_facts
from assistant.quiz.items import FALSE, KIND_CHOICES, KINDS, TRUE, Kind, QuizError, QuizItem
from assistant.quiz.kinds import is_heading_fragment, kind_of, same_kind
from assistant.quiz.names import canon, loose, mentions, same_thing
from assistant.quiz.similarity import Similarity, default_embeddings
from assistant.quiz.wording import (
    contrast_statement,
    display,
    limit_question,
    list_question,
    pair_order,
    spellings,
    squash,
)
from core.spans import Quote
from core.text import Quantity, top_section

__all__ = ["FORMS", "default_embeddings", "display", "generate_quiz"]

# How a fact is asked, and as which kind of item.
FORMS: dict[str, Kind] = {
    "def-which": "mcq",  # which of these is <definition>?
    "def-purpose": "mcq",  # what is X used for?
    "def-tf": "truefalse",
    "def-cloze": "cloze",
    "lim-value": "mcq",  # what is the default retention period?
    "lim-tf": "truefalse",
    "lim-cloze": "cloze",
    "list-member": "mcq",  # which of these is one of the ELB types?
    "list-not": "mcq",  # which of these is NOT one of the ELB types?
    "list-tf": "truefalse",
    "list-cloze": "cloze",
    "con-tf": "truefalse",  # stateful or stateless: two options, so asked as true/false
    "con-cloze": "cloze",
}
MAX_FORM_SHARE = 0.25  # of a mixed quiz, no form asks more than this share
FOCUS_SHARE = 0.6  # of a quiz on weak sections, the share asked about them (when they hold that much)
HTTP_IN_TEXT = re.compile(r"\b(?:HTTP|error|status(?:\s+code)?)\s*([1-5]\d\d)\b|\b([1-5]\d\d)\s+error\b", re.I)


def _cite(ev: Evidence) -> Quote:
    return Quote(ev.source, ev.start_line, ev.end_line, ev.quote, start_page=ev.start_page, end_page=ev.end_page)


# ---------------------------------------------------------------- facts as question sources


@dataclass(frozen=True)
class _Source:
    key: str
    section: str
    haystack: str  # what a --topic filter is matched against
    forms: tuple[str, ...]
    build: Callable[[str, random.Random], QuizItem | None]


def _words(text: str) -> set[str]:
    return {w for w in loose(text).split() if len(w) >= 3}


def _giveaway_words(answer: str, text: str) -> set[str]:
    """Words of the answer that the question's text already shows ('policy' in 'a user specific policy')."""
    vendor = {"amazon", "aws", "service"}
    return (_words(answer) - vendor) & _words(text)


def _family_share(names: Sequence[str]) -> tuple[str, float]:
    """The commonest service family among ``names`` and its share of them ('' when none is a service)."""
    families = Counter(kind_of(n).family for n in names if kind_of(n).name == "service")
    if not families:
        return "", 0.0
    family, count = families.most_common(1)[0]
    return family, count / len(names)


class _Maker:
    """Builds items from one set of notes; the ranked wrong options of each fact are kept, so that
    another quiz from the same notes ranks nothing again."""

    def __init__(self, book: FactBook, embeddings: Embeddings | None, texts: Sequence[str]) -> None:
        self.book = book
        self.embeddings = embeddings  # held, so that the vectors cached under its id stay its own
        self.definitions = [d for d in book.definitions if not is_heading_fragment(d.term)]
        names = [d.term for d in self.definitions] + [d.text for d in self.definitions]
        names += [item for lst in book.lists for item in lst.items]
        self.sim = Similarity(embeddings, names)
        # One entry per defined thing (the notes may define it twice): its name, definitions, groups, sections.
        self.terms: list[str] = []
        self.term_texts: dict[str, list[str]] = {}
        self.term_groups: dict[str, set[int]] = {}
        self.term_sections: dict[str, set[str]] = {}
        for d in self.definitions:
            name = next((t for t in self.terms if same_thing(d.term, t)), None)
            if name is None:
                name = d.term
                self.terms.append(name)
            self.term_texts.setdefault(name, []).append(d.text)
            self.term_groups.setdefault(name, set()).add(d.group)
            self.term_sections.setdefault(name, set()).add(top_section(d.evidence.section))
        self.quantities: list[Quantity] = []
        for lim in book.limits:
            if not any(lim.quantity.same_value(q) and lim.quantity.text == q.text for q in self.quantities):
                self.quantities.append(lim.quantity)
        codes = {a or b for text in texts for a, b in HTTP_IN_TEXT.findall(text)}
        self.http_codes = sorted(f"HTTP {code}" for code in codes)
        self._ranked: dict[tuple[str, str], list[str]] = {}
        self._values: dict[tuple[str, str], list[Quantity]] = {}

    def _own(self, term: str) -> str:
        return next(t for t in self.terms if same_thing(t, term))

    # -------- sources
    def sources(self) -> list[_Source]:
        out: list[_Source] = []
        seen_terms: list[str] = []
        for d in self.definitions:
            if any(same_thing(d.term, t) for t in seen_terms):
                continue  # one item per thing, even when the notes define it twice
            seen_terms.append(d.term)
            forms = ("def-which", *(("def-purpose",) if d.form == "purpose" else ()), "def-tf", "def-cloze")
            out.append(
                _Source(
                    f"def:{canon(d.term)}",
                    d.evidence.section,
                    f"{d.evidence.section} {d.term} {d.text}",
                    forms,
                    partial(self.definition_item, d),
                )
            )
        for lim in self.book.limits:
            out.append(
                _Source(
                    f"lim:{lim.evidence.ref}:{lim.quantity.start}",
                    lim.evidence.section,
                    f"{lim.evidence.section} {lim.topic} {lim.clause}",
                    ("lim-value", "lim-tf", "lim-cloze"),
                    partial(self.limit_item, lim),
                )
            )
        for lst in self.book.lists:
            out.append(
                _Source(
                    f"list:{lst.evidence[0].ref}",
                    lst.evidence[0].section,
                    f"{lst.evidence[0].section} {lst.topic} {lst.header} {' '.join(lst.items)}",
                    ("list-member", "list-not", "list-tf", "list-cloze"),
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
                    ("con-tf", "con-cloze"),
                    partial(self.contrast_item, c),
                )
            )
        return out

    # -------- definitions
    def _definition_alternatives(self, d: Definition) -> list[str]:
        """Other defined things of the same kind, most plausible first (the same list or paragraph, the
        same family or section, then the most similar); none defined in nearly the same words."""
        key = ("def", f"{d.term}|{d.text}")
        if key in self._ranked:
            return self._ranked[key]
        if kind_of(d.term).name == "http":
            self._ranked[key] = [c for c in self.http_codes if not same_thing(c, d.term) and not mentions(d.text, c)]
            return self._ranked[key]
        shown = _giveaway_words(d.term, d.text)
        own = self._own(d.term)
        own_texts = self.term_texts[own]
        candidates: list[str] = []
        for term in self.terms:
            if term == own or not same_kind(term, d.term):
                continue
            if same_thing(term, d.term) or _nested(term, d.term) or mentions(d.text, term):
                continue
            if shown and not shown <= _words(term):
                continue  # the question shows a word of the answer: alternatives must share it
            texts = self.term_texts[term]
            if any(_overlap(t, o) >= 0.5 for t in texts for o in own_texts):
                continue
            if self.sim.most(texts, own_texts) >= 0.75:
                continue  # its own definition says nearly the same: it could be another right answer
            candidates.append(term)
        answer_kind = kind_of(d.term)
        sections = self.term_sections[own]
        bonus = np.array(
            [
                (1.0 if d.group in self.term_groups[t] else 0.0)
                + (0.5 if answer_kind.family and kind_of(t).family == answer_kind.family else 0.0)
                + (0.5 if answer_kind.name == "term" and self.term_sections[t] & sections else 0.0)
                for t in candidates
            ],
            dtype=np.float32,
        )
        scores = self.sim.to(d.term, candidates) + bonus if candidates else bonus
        self._ranked[key] = [candidates[i] for i in np.argsort(-scores, kind="stable")]
        return self._ranked[key]

    def _purpose_alternatives(self, d: Definition) -> list[str]:
        """What other things are for (as the notes word it), the most similar first; none nearly what
        ``d`` says, none naming ``d``'s own term."""
        key = ("purpose", f"{d.term}|{d.text}")
        if key in self._ranked:
            return self._ranked[key]
        own = self._own(d.term)
        candidates: list[str] = []
        owners: list[str] = []  # whose purpose each candidate is: one per thing defined twice
        for other in self.definitions:
            text = other.text.rstrip(".")
            if other.form != "purpose" or same_thing(other.term, own) or not same_kind(text, d.text):
                continue
            if mentions(text, d.term) or any(same_thing(other.term, o) for o in owners):
                continue
            if mentions(other.evidence.section, d.term):
                continue  # defined under a heading naming it ("binpack" under "ECS task placement strategy")
            if any(same_thing(text, c) or _overlap(text, c) >= 0.5 for c in candidates):
                continue
            if any(_overlap(text, o) >= 0.5 for o in self.term_texts[own]):
                continue
            if self.sim.most([other.text], self.term_texts[own]) >= 0.75:
                continue
            candidates.append(text)
            owners.append(other.term)
        # A wrong option far longer or shorter than the answer stands out: those go last.
        size = len(d.text.split())
        odd = np.array([not 0.5 <= len(c.split()) / size <= 2.0 for c in candidates], dtype=np.float32)
        scores = self.sim.to(d.text, candidates) - 2 * odd if candidates else np.zeros(0, dtype=np.float32)
        self._ranked[key] = [candidates[i] for i in np.argsort(-scores, kind="stable")]
        return self._ranked[key]

    @staticmethod
    def _definition_phrases(d: Definition, rng: random.Random) -> tuple[str, str, str]:
        """(question, statement after the name, cloze stem after the blank)."""
        text = d.text.rstrip(".")
        if d.form == "verb":
            return f"Which of these {text}?", f" {text}.", f" {text}."
        if d.form == "purpose":
            lead = "" if text.split()[0] in ("to", "for") else "to "
            ask = rng.choice((f"Which of these is used {lead}{text}?", f"What would you use {lead}{text}?"))
            return ask, f" is used {lead}{text}.", f" is used {lead}{text}."
        if re.match(r"(a|an)\s", text, re.IGNORECASE):
            return f"Which of these is {text}?", f" is {text}.", f" is {text}."
        ask = rng.choice(
            (
                f"Which of these do your notes describe as “{text}”?",
                f"“{text}”: which of these do your notes mean?",
                f"What do your notes call “{text}”?",
            )
        )
        return ask, f"@“{text}”.", f" — “{text}”."

    def definition_item(self, d: Definition, form: str, rng: random.Random) -> QuizItem | None:
        ask, state, blank = self._definition_phrases(d, rng)
        term = display(d.term)
        because = f"Your notes define {term}: “{squash(d.evidence.quote)}”."
        fact = f"def:{canon(d.term)}"
        if form == "def-which":
            others = self._definition_alternatives(d)
            if len(others) < 3:
                return None
            options = [term, *(display(o) for o in rng.sample(others[:5], 3))]
            rng.shuffle(options)
            return _item(form, ask, options, term, because, d.evidence, fact)
        if form == "def-purpose":
            others = self._purpose_alternatives(d)
            if len(others) < 3:
                return None
            answer = d.text.rstrip(".")
            options = [answer, *rng.sample(others[:5], 3)]
            rng.shuffle(options)
            question = rng.choice(
                (f"What is {term} used for, according to your notes?", f"Why would you use {term}, by your notes?")
            )
            return _item(form, question, options, answer, because, d.evidence, fact)
        if form == "def-tf":

            def stated(name: str) -> str:
                if state.startswith("@"):
                    return f"True or false: your notes describe {name} as {state[1:]}"
                return f"True or false: {name}{state}"

            others = self._definition_alternatives(d)
            if rng.random() < 0.5 or not others:
                return _item(form, stated(term), [TRUE, FALSE], TRUE, because, d.evidence, fact)
            wrong = display(rng.choice(others[:3]))
            because = f"False: your notes say this of {term}, not {wrong}. {because}"
            return _item(form, stated(wrong), [TRUE, FALSE], FALSE, because, d.evidence, fact)
        if _giveaway_words(d.term, d.text):
            return None
        question = f"Fill in the blank: ____{blank}"
        return _item(form, question, [], term, because, d.evidence, fact, accepted=spellings(d.term))

    # -------- limits
    def _limit_alternatives(self, lim: Limit) -> list[Quantity]:
        """Other values of the notes with the same dimension, the same unit and nearest magnitude first;
        never one written beside this one (it might be right too)."""
        key = ("lim", f"{lim.evidence.ref}:{lim.quantity.start}")
        if key in self._values:
            return self._values[key]
        q = lim.quantity
        pool = [x for x in self.quantities if x.dimension == q.dimension and x.is_range == q.is_range]
        pool = [x for x in pool if not any(x.same_value(o) for o in (q, *lim.others)) and same_kind(x.text, q.text)]
        unit = re.sub(r"[\d.,\s-]", "", q.text).lower()
        magnitude = np.log10(np.maximum([x.high for x in pool], 1e-9)) if pool else np.zeros(0)
        distance = np.abs(magnitude - math.log10(max(q.high, 1e-9)))
        other_unit = np.array([re.sub(r"[\d.,\s-]", "", x.text).lower() != unit for x in pool], dtype=np.float64)
        chosen: list[Quantity] = []
        for i in np.lexsort((distance, other_unit)):
            x = pool[int(i)]
            if not any(x.same_value(c) for c in chosen):
                chosen.append(x)
        self._values[key] = chosen
        return chosen

    def limit_item(self, lim: Limit, form: str, rng: random.Random) -> QuizItem | None:
        q = lim.quantity
        topic = lim.topic if lim.topic and not mentions(lim.clause, lim.topic) and len(lim.topic.split()) <= 5 else ""
        where = f" on {topic}" if topic else ""
        because = f"Your notes{where} give {q.text}: “{lim.clause.strip()}”."
        fact = f"lim:{lim.evidence.ref}"
        if form == "lim-value":
            others = self._limit_alternatives(lim)
            if len(others) < 3:
                return None
            options = [q.text, *(o.text for o in rng.sample(others[:5], 3))]
            rng.shuffle(options)
            question = limit_question(lim, topic) or (
                f"Which value completes this line of your notes{where}: “{squash(lim.blanked)}”?"
            )
            return _item(form, question, options, q.text, because, lim.evidence, fact)
        if form == "lim-tf":
            prefix = f"In your notes on {topic}: " if topic else "Your notes say: "
            others = self._limit_alternatives(lim)
            if rng.random() < 0.5 or not others:
                question = f"True or false? {prefix}“{squash(lim.clause)}”"
                return _item(form, question, [TRUE, FALSE], TRUE, because, lim.evidence, fact)
            wrong = rng.choice(others[:3])
            stated = lim.clause[: q.start] + wrong.text + lim.clause[q.end :]
            because = f"False: the value is {q.text}, not {wrong.text}. {because}"
            question = f"True or false? {prefix}“{squash(stated)}”"
            return _item(form, question, [TRUE, FALSE], FALSE, because, lim.evidence, fact)
        lead = f"Fill in the blank ({topic})" if topic else "Fill in the blank"
        return _item(form, f"{lead}: {squash(lim.blanked)}", [], q.text, because, lim.evidence, fact)

    # -------- lists
    def _list_alternatives(self, lst: ListFact, answer: str) -> list[str]:
        """Items of other lists of the answer's kind that this list does not hold, the same family of
        lists (for a term, the same section) and the most similar first. When the list gathers one
        family of services ("Storage"), no other service of that family: it might belong there too."""
        key = ("list", f"{lst.evidence[0].ref}|{answer}")
        if key in self._ranked:
            return self._ranked[key]
        chunk = lst.evidence[0].chunk_text
        family, share = _family_share(lst.items)
        term = kind_of(answer).name == "term"  # a term: one of the same section first
        candidates: list[str] = []
        bonus: list[float] = []
        for other in self.book.lists:
            if other is lst:
                continue
            for item in other.items:
                if not same_kind(item, answer) or (share >= 0.6 and kind_of(item).family == family):
                    continue
                if any(same_thing(item, own) or _nested(item, own) for own in lst.items):
                    continue
                if any(same_thing(item, s) for s in candidates):
                    continue
                if mentions(chunk, item) or mentions(lst.header, item) or len(canon(item)) < 2:
                    continue
                candidates.append(item)
                near = top_section(other.evidence[0].section) == top_section(lst.evidence[0].section)
                bonus.append((1.0 if other.family == lst.family else 0.0) + (0.5 if near and term else 0.0))
        scores = self.sim.to(answer, candidates) + np.array(bonus, dtype=np.float32) if candidates else np.zeros(0)
        self._ranked[key] = [candidates[i] for i in np.argsort(-scores, kind="stable")]
        return self._ranked[key]

    def list_item(self, lst: ListFact, form: str, rng: random.Random) -> QuizItem | None:
        if form == "list-not":
            return self._list_not_item(lst, rng)
        index = rng.randrange(len(lst.items))
        item, ev = lst.items[index], lst.evidence[index]
        header = squash(lst.header)
        because = f"Your notes list {display(item)} under “{header}”: “{squash(ev.quote)}”."
        key = f"list:{lst.evidence[0].ref}"
        if form == "list-member":
            others = self._list_alternatives(lst, item)
            if len(others) < 3:
                return None
            options = [display(item), *(display(o) for o in rng.sample(others[:5], 3))]
            rng.shuffle(options)
            return _item(form, list_question(lst), options, display(item), because, ev, key)
        if form == "list-tf":
            others = self._list_alternatives(lst, item)
            if rng.random() < 0.5 or not others:
                question = f"True or false: your notes list {display(item)} under “{header}”."
                return _item(form, question, [TRUE, FALSE], TRUE, because, ev, key)
            wrong = display(rng.choice(others[:3]))
            whole = lst.evidence[-1]  # the header down to the last item: the whole list, to show what is not on it
            because = f"False: {wrong} is not listed there; the list is {', '.join(lst.items)}."
            question = f"True or false: your notes list {wrong} under “{header}”."
            return _item(form, question, [TRUE, FALSE], FALSE, because, whole, key)
        if len(lst.items) < 3:
            return None  # with two names, one gives the other away
        shown = [("____" if i == index else x) for i, x in enumerate(lst.items)]
        question = f"Fill in the blank — {header}: {', '.join(shown)}"
        return _item(form, question, [], display(item), because, ev, key, accepted=spellings(item))

    def _list_not_item(self, lst: ListFact, rng: random.Random) -> QuizItem | None:
        """Three items of the list (of one kind) and one of that kind it does not hold: which is NOT listed?"""
        by_kind: dict[str, list[str]] = {}
        for name in lst.items:
            by_kind.setdefault(str(kind_of(name)).split("/")[0], []).append(name)
        members = max(by_kind.values(), key=len)
        if len(members) < 3 or kind_of(members[0]).name == "heading":
            return None
        shown = rng.sample(members, 3)
        outsiders = [o for o in self._list_alternatives(lst, shown[0]) if all(same_kind(o, s) for s in shown)]
        if not outsiders:
            return None
        outsider = rng.choice(outsiders[:3])
        options = [display(outsider), *(display(s) for s in shown)]
        rng.shuffle(options)
        header = squash(lst.header)
        whole = lst.evidence[-1]
        because = (
            f"Your notes list {', '.join(display(i) for i in lst.items)} under “{header}”; "
            f"{display(outsider)} is not among them."
        )
        question = _not_question(lst)
        return _item("list-not", question, options, display(outsider), because, whole, f"list:{lst.evidence[0].ref}")

    # -------- contrasts
    def contrast_item(self, c: Contrast, form: str, rng: random.Random) -> QuizItem | None:
        first, second = pair_order(c)
        answer = first if loose(first) == loose(c.chosen) else second
        wrong = second if answer == first else first
        subject = display(c.subject)
        tail = f" {c.tail}" if c.tail else ""
        because = f"Your notes say so: “{squash(c.evidence.quote)}”."
        key = f"con:{canon(c.subject)}"
        if form == "con-tf":
            shown = answer if rng.random() < 0.5 else wrong
            return _item(
                form,
                f"True or false: {contrast_statement(c, subject, shown, tail)}",
                [TRUE, FALSE],
                TRUE if shown == answer else FALSE,
                because,
                c.evidence,
                key,
            )
        statement = contrast_statement(c, subject, "____", tail)
        question = f"Fill in the blank ({first} or {second}): {statement}"
        return _item(form, question, [], answer, because, c.evidence, key, accepted=(c.chosen,))


def _not_question(lst: ListFact) -> str:
    """'Which of these is one of the ELB types?' -> 'Which of these is NOT one of the ELB types?'; a list
    under a phrase ('DynamoDB is made up of') -> 'Which of these is NOT listed under “...” in your notes?'."""
    question = list_question(lst)
    if question.startswith("Which of these is "):
        return question.replace("Which of these is ", "Which of these is NOT ", 1)
    return f"Which of these is NOT listed under “{squash(lst.header)}” in your notes?"


def _nested(a: str, b: str) -> bool:
    """True when one name's words hold the other's ('ECS' in 'ECS task placement strategy')."""
    x, y = f" {loose(a)} ", f" {loose(b)} "
    return x in y or y in x


def _overlap(a: str, b: str) -> float:
    x, y = _words(a), _words(b)
    return len(x & y) / max(1, min(len(x), len(y)))


def _item(
    form: str,
    question: str,
    options: Sequence[str],
    answer: str,
    explanation: str,
    ev: Evidence,
    fact: str,
    accepted: Sequence[str] = (),
) -> QuizItem | None:
    kind = FORMS[form]
    question = squash(question)
    if len(question) > 400:
        return None
    digest = hashlib.sha1(f"{kind}|{question}|{answer}|{ev.ref}".encode()).hexdigest()[:12]
    return QuizItem(
        digest,
        kind,
        question,
        tuple(options),
        answer,
        explanation,
        _cite(ev),
        ev.section,
        tuple(accepted),
        fact,
        form,
    )


# ---------------------------------------------------------------- the quiz

_MAKERS: OrderedDict[tuple[str, int], _Maker] = OrderedDict()
_MAKERS_LOCK = threading.Lock()


def _fingerprint(docs: Sequence[Document]) -> str:
    digest = hashlib.sha1()
    for d in docs:
        m = d.metadata
        digest.update(f"{m.get('source')}|{m.get('start_line')}|{m.get('section')}|{m.get('pages')}|".encode())
        digest.update(d.page_content.encode())
    return digest.hexdigest()


def _maker(docs: Sequence[Document], embeddings: Embeddings | None) -> _Maker:
    """The maker of these notes with this model: made once, then kept (a few, most recent)."""
    key = (_fingerprint(docs), id(embeddings))
    with _MAKERS_LOCK:
        if key in _MAKERS:
            _MAKERS.move_to_end(key)
            return _MAKERS[key]
    maker = _Maker(extract_facts(docs), embeddings, [d.page_content for d in docs])
    with _MAKERS_LOCK:
        _MAKERS[key] = maker
        while len(_MAKERS) > 4:
            _MAKERS.popitem(last=False)
    return maker


def generate_quiz(
    docs: Sequence[Document],
    n: int = 10,
    kind: str = "mixed",
    topic: str | None = None,
    seed: int = 0,
    embeddings: Embeddings | None = None,
    focus: Sequence[str] = (),
) -> list[QuizItem]:
    """Up to ``n`` distinct items from the chunks ``docs``, spread over their sections; the same
    ``seed`` gives the same quiz. ``kind`` is mcq, truefalse, cloze or mixed; ``topic`` keeps
    facts whose section or text mentions it; ``focus`` names top sections (``core.text.top_section``) to ask
    about first (``FOCUS_SHARE`` of the quiz). Raises QuizError when nothing can be asked."""
    if kind not in KIND_CHOICES:
        raise QuizError(f"unknown quiz kind '{kind}' (choose from {', '.join(KIND_CHOICES)})")
    if n < 1:
        raise QuizError("a quiz needs at least one question (--n 1 or more)")
    if not docs:
        raise QuizError("there are no notes to make a quiz from: ingest some notes first")
    maker = _maker(docs, embeddings if embeddings is not None else default_embeddings())
    sources = maker.sources()
    if topic and topic.strip():
        sources = [s for s in sources if _on_topic(s.haystack, topic)]
        if not sources:
            raise QuizError(f"nothing in the notes matches the topic '{topic}'")
    if not sources:
        raise QuizError("the notes hold no definitions, limits, lists or contrasts to ask about")
    wanted = {top_section(s) for s in focus}
    if wanted and not any(top_section(s.section) in wanted for s in sources):
        raise QuizError("none of those sections is in the notes any more: take a quiz on all of them")
    kinds: tuple[Kind, ...] = KINDS if kind == "mixed" else (kind,)  # type: ignore[assignment]
    return _select(sources, n, kinds, random.Random(seed), wanted)


def _on_topic(haystack: str, topic: str) -> bool:
    wanted = loose(topic).split()
    text = f" {loose(haystack)} "
    return mentions(haystack, topic) or (bool(wanted) and all(f" {w} " in text for w in wanted))


def _select(
    sources: list[_Source], n: int, kinds: tuple[Kind, ...], rng: random.Random, focus: set[str]
) -> list[QuizItem]:
    """Round-robin over sections (in a seeded order), one fact at a time, balancing kinds and then
    forms; no form over ``MAX_FORM_SHARE`` of a mixed quiz while another can be asked, no fact asked
    twice as one kind. With ``focus`` (top sections), those fill ``FOCUS_SHARE`` of the quiz first."""
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
    kind_counts = dict.fromkeys(kinds, 0)
    form_counts: Counter[str] = Counter()
    cap = max(1, math.ceil(MAX_FORM_SHARE * n)) if len(kinds) > 1 else n

    def attempt(source: _Source, allow_reuse: bool, capped: bool) -> bool:
        done = used.setdefault(source.key, set())
        if done and not allow_reuse:
            return False
        forms = [f for f in source.forms if FORMS[f] in kinds and FORMS[f] not in done]
        forms = [f for f in forms if not capped or form_counts[f] < cap]
        for form in sorted(forms, key=lambda f: (kind_counts[FORMS[f]], form_counts[f], rng.random())):
            item = source.build(form, rng)
            if item is None or loose(item.question) in questions:
                continue
            items.append(item)
            questions.add(loose(item.question))
            done.add(FORMS[form])
            kind_counts[FORMS[form]] += 1
            form_counts[form] += 1
            return True
        return False

    def fill(names: list[str], limit: int) -> None:
        for allow_reuse, capped in ((False, True), (True, True), (False, False), (True, False)):
            queues = {name: list(by_section[name]) for name in names}
            while len(items) < limit and any(queues.values()):
                for name in names:
                    while queues[name] and len(items) < limit:
                        if attempt(queues[name].pop(), allow_reuse, capped):
                            break
            if len(items) >= limit:
                return

    if focus:  # the weak sections first, for FOCUS_SHARE of the quiz
        fill([name for name in order if top_section(name) in focus], math.ceil(FOCUS_SHARE * n))
    fill(order, n)
    return items[:n]
