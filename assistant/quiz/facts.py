"""Facts a quiz can ask about, read from the notes' own structure, each with the lines that say it.

Four kinds: definitions (``SQS - pull based ...``), limits and defaults (``upto 256 kb``), lists
(``ELB types: a, b, c`` or a header over ``1) ...`` items) and contrasts (``NACL are stateless``).

>>> from langchain_core.documents import Document
>>> doc = Document(page_content="Amazon MQ - is a managed message broker service for ActiveMQ.\\n"
...     "messages size in sqs upto 256 kb.", metadata={"source": "notes/a.txt", "start_line": 7,
...     "end_line": 8, "section": "Queues"})
>>> book = extract_facts([doc])
>>> book.definitions[0].term, book.definitions[0].text, book.definitions[0].evidence.start_line
('Amazon MQ', 'a managed message broker service for ActiveMQ', 7)
>>> book.limits[0].quantity.text, book.limits[0].evidence.start_line
('256 kb', 8)
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from langchain_core.documents import Document

from assistant.quiz.names import PAREN, loose, mentions, same_thing
from core.spans import Quote, on_pages, page_map
from core.text import PRONOUNS, SEPARATOR, UNDERLINE, Quantity, find_quantities, section_parts, sentences

ITEM_MARK = re.compile(r"^\s*(?:\d{1,2}[).](?![\d%])|[-•*])\s*")
NUMBERED_OR_BULLET = re.compile(r"^\s*(?:\d{1,2}[).](?![\d%])\s*|[-•*]\s+)\S")
DEF_LINE = re.compile(
    r"^(?P<lead>\s*(?:#\s*|\d{1,2}[).](?!\d)\s*|[-•*]\s+)?)"
    r"(?P<term>[A-Za-z$][\w .()&@/'\u2019+$-]{0,60}?)"
    r"(?P<sep>\s+-{1,2}\s+|\s+-{1,2}\s*$|\s*:\s+|\s*:\s*$|\s+\u2013\s+)"
    r"(?P<rest>.*)$"
)
# "2) Inline policy , its a user specific policy": a numbered item may define with a comma.
ITEM_DEF = re.compile(r"^(?P<lead>\s*\d{1,2}[).]\s*)(?P<term>[A-Za-z][\w .-]{1,40}?)(?P<sep>\s*,\s*)(?P<rest>\S.*)$")
# Words a term never starts with: these lines are remarks, questions or examples, not definitions.
NON_TERM_START = frozenset(
    [
        "for",
        "if",
        "when",
        "how",
        "what",
        "why",
        "where",
        "ex",
        "eg",
        "i",
        "we",
        "you",
        "it",
        "its",
        "so",
        "then",
        "and",
        "but",
        "or",
        "with",
        "to",
        "from",
        "by",
        "in",
        "on",
        "at",
        "of",
        "the",
        "this",
        "that",
        "these",
        "those",
        "do",
        "does",
        "que",
        "other",
        "solution",
        "note",
        "tasks",
        "steps",
        "example",
        "since",
        "because",
        "while",
        "after",
        "before",
        "use",
        "using",
        "create",
        "creating",
    ]
)
GENERIC_TERMS = frozenset(
    [
        "features",
        "flavours",
        "deployments",
        "solution",
        "tasks",
        "note",
        "notes",
        "example",
        "examples",
        "ex",
        "options",
        "types",
        "storage",
        "security",
        "keys",
    ]
)
INSTRUCTION = re.compile(
    r"\b(you can|you must|you need|you should|if you|we|our)\b|^(i|when|if|since|because|although|while|under|in|"
    r"at|on|by|from|with|as)\b|^(?-i:Use|Create|Implement|Follow|Set|Launch|Store|Ensure|Review|Restrict|Make|To)\b",
    re.IGNORECASE,
)
NOT_PROSE = re.compile(r"-->|->|<-|\{|\}|https?://|\$\{|\*\s*\(|\?")
# Definitions that open with a verb: "creates a visual workflow" (3rd person) or "define cloud
# infrastructure" (base form, asked as "is used to ...").
VERB_START = frozenset(
    [
        "allows",
        "analyzes",
        "captures",
        "collects",
        "controls",
        "creates",
        "defines",
        "delivers",
        "distributes",
        "enables",
        "encrypts",
        "ensures",
        "filters",
        "identifies",
        "lets",
        "loads",
        "manages",
        "provides",
        "routes",
        "runs",
        "scales",
        "sends",
        "stores",
        "supports",
        "tracks",
        "uses",
        "will",
        "doesn\u2019t",
        "doesn't",
        "cannot",
        "can",
        "operate",
        "act",
        "acts",
        "places",
        "finds",
    ]
)
BASE_VERB_START = frozenset(
    [
        "analyze",
        "collect",
        "control",
        "create",
        "define",
        "deliver",
        "distribute",
        "enable",
        "encrypt",
        "ensure",
        "filter",
        "identify",
        "load",
        "manage",
        "provide",
        "route",
        "run",
        "scale",
        "send",
        "store",
        "track",
        "place",
        "issue",
        "deploy",
    ]
)
LIST_VERB = re.compile(
    r"\b(is|are|has|have|provides?|creates?|supports?|gets|includes?|uses?|made up of|through|"
    r"add|offers?)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Evidence(Quote):
    """A quote of the notes that states a fact, with its section and its whole chunk."""

    section: str
    chunk_text: str = field(repr=False, compare=False)


@dataclass(frozen=True)
class Definition:
    """``term`` is defined by ``text`` (a phrase that never names the term)."""

    term: str
    text: str
    evidence: Evidence
    group: int  # definitions of one paragraph or numbered list share a group: natural alternatives

    @property
    def form(self) -> str:
        """How the definition reads after its term: 'verb' (creates ...), 'purpose' (to ..., for ..., define ...)
        or 'noun' (anything else, quoted)."""
        first = self.text.split()[0]
        if first in ("to", "for") or first.lower() in BASE_VERB_START:
            return "purpose"
        if first.lower() in VERB_START:
            return "verb"
        return "noun"


@dataclass(frozen=True)
class Limit:
    """A number with its unit inside ``clause`` (a sentence of the notes) about ``topic``."""

    quantity: Quantity
    clause: str
    topic: str
    evidence: Evidence
    others: tuple[Quantity, ...]  # every quantity written in the same chunk (never a distractor)

    @property
    def blanked(self) -> str:
        q = self.quantity
        return f"{self.clause[: q.start]}____{self.clause[q.end :]}"


@dataclass(frozen=True)
class ListFact:
    """``items`` listed under ``header``; ``evidence[i]`` is the narrowest span naming item i under it."""

    header: str
    items: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    topic: str
    family: str  # lists of one family (same top section and layout) are natural alternatives


@dataclass(frozen=True)
class Contrast:
    """``subject`` is ``chosen`` rather than ``other`` (stateful vs stateless), as ``verb`` ``chosen`` ``tail``."""

    subject: str
    verb: str
    chosen: str
    other: str
    tail: str
    evidence: Evidence


@dataclass
class FactBook:
    definitions: list[Definition] = field(default_factory=list)
    limits: list[Limit] = field(default_factory=list)
    lists: list[ListFact] = field(default_factory=list)
    contrasts: list[Contrast] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.definitions) + len(self.limits) + len(self.lists) + len(self.contrasts)


@dataclass(frozen=True)
class _Line:
    number: int
    text: str
    doc: Document


def _lines(docs: Iterable[Document]) -> dict[str, dict[int, _Line]]:
    """Per source, its non-blank lines by number (gaps are blank lines), each with its chunk."""
    by_source: dict[str, dict[int, _Line]] = {}
    for doc in docs:
        source = str(doc.metadata.get("source", ""))
        start = int(doc.metadata.get("start_line", 1))
        for offset, text in enumerate(doc.page_content.split("\n")):
            if text.strip():
                by_source.setdefault(source, {})[start + offset] = _Line(start + offset, text, doc)
    return by_source


def _evidence(first: _Line, last: _Line, quote: str) -> Evidence:
    """Lines ``first``..``last`` quoted (by page and line on it in a PDF)."""
    meta = first.doc.metadata
    evidence = Evidence(
        str(meta.get("source", "")),
        first.number,
        last.number,
        quote,
        str(meta.get("section", "")),
        first.doc.page_content,
    )
    pages = {**page_map(str(meta.get("pages", ""))), **page_map(str(last.doc.metadata.get("pages", "")))}
    return on_pages(evidence, pages)


def _span_text(lines: dict[int, _Line], first: int, last: int) -> str:
    return "\n".join(lines[n].text if n in lines else "" for n in range(first, last + 1))


def topic_of(section: str) -> str:
    """A short subject for a chunk: its innermost section title, or the outer one when that is a fragment."""
    parts = section_parts(section)
    for part in reversed(parts):
        if 1 <= len(part.split()) <= 5 and not part.endswith((".", "?")):
            return short_name(part)
    return short_name(parts[0]) if parts else ""


def short_name(name: str) -> str:
    """'Simple Queue Service (SQS)' -> 'SQS'; 'S3 bucket ( directory/folder)' -> 'S3 bucket'."""
    inner = [p.strip() for p in PAREN.findall(name)]
    acronyms = [p for p in inner if re.fullmatch(r"(?:Amazon |AWS )?[A-Z][A-Z0-9]{1,6}s?", p)]
    if acronyms:
        return acronyms[0].removeprefix("Amazon ").removeprefix("AWS ")
    return re.sub(r"\s+", " ", PAREN.sub(" ", name)).strip(" -:")


def _sentence_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of each of the line's sentences (``core.text.sentences``), its closing stop left out."""
    return [(s.start, s.start + len(s.text.rstrip(".!?"))) for s in sentences(line)]


def _first_sentence(text: str, max_words: int = 28) -> str | None:
    spans = _sentence_spans(text)
    if not spans:
        return None
    start, end = spans[0]
    sentence = text[start:end].strip()
    if len(sentence.split()) > max_words:
        cut = [
            m.start() for m in re.finditer(r",\s|\s\u2013\s|\s-\s", sentence) if len(sentence[: m.start()].split()) >= 6
        ]
        if not cut or len(sentence[: cut[0]].split()) > max_words:
            return None
        sentence = sentence[: cut[0]]
    return sentence.strip(" ,-\u2013")


def _clean_term(term: str) -> str:
    return re.sub(r"\s+", " ", term).strip(" -:#*•")


def _good_term(term: str) -> bool:
    words = term.split()
    if not 1 <= len(words) <= 6 or len(term) > 45 or not re.search(r"[A-Za-z]{2}", term):
        return False
    first = words[0].lower().strip("()")
    if any(w.lower() in VERB_START | {"is", "are", "generates"} for w in words[1:]):
        return False  # "The Load Balancer generates the HTTP 503" is a sentence, not a name
    return first not in NON_TERM_START and term.lower() not in GENERIC_TERMS and not term[0].isdigit()


STATEMENT = re.compile(
    r"^(?:(?:the|a|an)\s+)?(?P<subj>(?:[\w$@/'\u2019-]+\s+){0,5}?)"
    r"(?P<verb>is|are|can|cannot|can't|will|has|have|was|were|do|does|doesn\u2019t|doesn't|don't|should|must)\s+",
    re.IGNORECASE,
)


def _strip_term(term: str, text: str) -> str | None:
    """The definition without a restated subject: 'Connection draining is a feature ...' -> 'a feature ...';
    None when the sentence names the term again later (it would give the answer away)."""
    words, term_words = text.split(), loose(term).split()
    skip = 1 if words and words[0].lower() in ("a", "an", "the") else 0
    lead = loose(" ".join(words[skip : skip + len(term_words)])).split()
    if term_words and lead == term_words:
        rest = words[skip + len(term_words) :]
        if len(rest) > 2 and rest[1].lower() in VERB_START and rest[0].lower() not in VERB_START | BASE_VERB_START:
            rest = rest[1:]  # "A query operation finds ..." -> "finds ..."
        text = " ".join(rest)
    else:
        m = STATEMENT.match(text)
        if m and m.group("subj").strip() and same_thing(m.group("subj"), term):
            text = text[m.start("verb") :]
        elif m and m.group("subj").strip() and re.match(r"(?:the|a|an)\s", text, re.IGNORECASE):
            return None  # "A task definition is ...": a sentence about something else
    text = re.sub(r"^(?:is|are|its|it's|it is)\s+", "", text, flags=re.IGNORECASE)
    return None if mentions(text, term) else text


def _definition_text(term: str, rest: str) -> str | None:
    sentence = _first_sentence(rest, max_words=40)
    if sentence is None:
        return None
    sentence = re.sub(r"^(?:is|are|its|it's|it is)\s+", "", sentence, flags=re.IGNORECASE)
    stripped = _strip_term(term, sentence)
    if stripped is None:
        return None
    text = stripped.strip(" ,-\u2013:")
    words = [w for w in text.split() if re.search(r"\w", w)]
    if not 3 <= len(words) <= 30 or len(text) < 12 or NOT_PROSE.search(text) or INSTRUCTION.search(text):
        return None
    alpha = sum(1 for w in words if re.search(r"[A-Za-z]{2}", w))
    if alpha / len(words) < 0.7:
        return None
    if _inline_list(text) and text.split()[0].lower() not in VERB_START | BASE_VERB_START:
        return None  # a bare list of names, read as a list instead
    return text


PLURAL_HEAD = re.compile(
    r"\b(types|options|services|policies|classes|kinds|strategies|tools|apis|methods|modes)\b", re.IGNORECASE
)


def _list_header(header: str, items: list[str]) -> bool:
    """A line 'header - a, b, c' lists names when its header names a plural kind of thing."""
    last = header.split()[-1].lower()
    plural = bool(PLURAL_HEAD.search(header)) or (len(last) > 3 and last.endswith("s") and not last.endswith("ss"))
    return (
        plural
        and not re.search(r"\d", header)
        and not any(re.search(r"[%_]", i) for i in items)
        and all(i.split()[0].lower() not in {"to", "for", "which", "new", "old", "across", "need", "ex"} for i in items)
    )


def _inline_list(rest: str) -> list[str] | None:
    """'application load balancer, network load balancer, gateway load balancer.' -> the three names."""
    body = rest.strip().rstrip(".* ").strip()
    if not body or "(" in body or re.search(r"[.;:?]\s", body):
        return None
    parts = [p.strip(" .*") for p in re.split(r",\s*(?:and\s+)?|\s+and\s+", body)]
    if len(parts) < 2 or any(not p or len(p.split()) > 5 or not re.search(r"[A-Za-z]", p) for p in parts):
        return None
    if any(re.search(r"\b(is|are|was|were|can|will|not|no)\b", p, re.IGNORECASE) for p in parts):
        return None
    return parts


class _Extractor:
    def __init__(self, docs: Sequence[Document]) -> None:
        self.by_source = _lines(docs)
        self.book = FactBook()
        self.group = 0

    def run(self) -> FactBook:
        for lines in self.by_source.values():
            self._definitions_and_inline_lists(lines)
            self._block_lists(lines)
            self._limits(lines)
            self._contrasts(lines)
        return self.book

    # ---- definitions, inline lists
    def _definitions_and_inline_lists(self, lines: dict[int, _Line]) -> None:
        previous_def_line = -10
        for number in sorted(lines):
            line = lines[number]
            m = DEF_LINE.match(line.text) or ITEM_DEF.match(line.text)
            if m is None or SEPARATOR.match(line.text):
                continue
            term = re.sub(r"^The\s+", "", _clean_term(m.group("term")))
            if not _good_term(term) or (m.group("lead")[:1].isspace() and m.group("lead").strip()):
                continue  # an indented sub-bullet ("    - ec2 : ...") depends on the line above it
            rest, last = m.group("rest"), line
            items = _inline_list(rest) if rest.strip() else None
            if items and _list_header(term, items):
                self._add_inline_list(line, term, m, items)
                continue
            if not rest.strip():
                if ":" in m.group("sep"):
                    continue  # "Retention periods:" heads what follows; it defines nothing
                nxt = lines.get(number + 1)
                if (
                    nxt is None
                    or nxt.doc is not line.doc
                    or DEF_LINE.match(nxt.text)
                    or NUMBERED_OR_BULLET.match(nxt.text)
                ):
                    continue
                rest, last = nxt.text, nxt
            text = _definition_text(term, rest)
            if text is None:
                continue
            if number - previous_def_line > 1 and not (m.group("lead").strip() and number - previous_def_line <= 3):
                self.group += 1
            previous_def_line = number
            span = _span_text(lines, line.number, last.number)
            quote_start = span.index(term) if term in span else m.start("term")
            quote_end = span.index(text, quote_start) + len(text)
            self.book.definitions.append(
                Definition(term, text, _evidence(line, last, span[quote_start:quote_end]), self.group)
            )

    def _add_inline_list(self, line: _Line, term: str, m: re.Match[str], items: list[str]) -> None:
        header = re.sub(r"\s+(are|is|include|includes)$", "", term, flags=re.IGNORECASE)
        quote = line.text[m.start("term") :].rstrip()
        ev = _evidence(line, line, quote)
        topic = topic_of(ev.section)
        self.book.lists.append(
            ListFact(
                header,
                tuple(items),
                tuple(ev for _ in items),
                topic,
                f"inline:{ev.source}:{ev.section.split('>')[0].strip()}",
            )
        )

    # ---- block lists: a header line over numbered, bulleted or short plain item lines
    def _block_lists(self, lines: dict[int, _Line]) -> None:
        for number in sorted(lines):
            header_line = lines[number]
            header = self._header(header_line.text)
            if header is None:
                continue
            n = number + 1
            if n in lines and UNDERLINE.match(lines[n].text):
                n += 1
            if n not in lines and header_line.text.rstrip().endswith(":"):
                n += 1  # one blank line may follow a "Header:" line
            items: list[tuple[str, _Line]] = []
            bulleted = None
            while n in lines and lines[n].doc is header_line.doc:
                text = lines[n].text
                marked = bool(NUMBERED_OR_BULLET.match(text))
                if bulleted is None:
                    bulleted = marked
                if text[:1].isspace() and items:
                    n += 1  # an indented continuation or sub-item of the previous item
                    continue
                if marked != bulleted:
                    break
                item = self._item(text, marked)
                if item is None:
                    break
                items.append((item, lines[n]))
                n += 1
            plain_ok = header_line.text.rstrip().endswith((":", "-")) or UNDERLINE.match(
                lines.get(number + 1, header_line).text
            )
            if len(items) < 2 or (not bulleted and not plain_ok):
                continue
            names = [name for name, _ in items]
            if len({loose(x) for x in names}) < len(names) or loose(header) in {loose(x) for x in names}:
                continue
            evidence = tuple(
                _evidence(header_line, item_line, _span_text(lines, header_line.number, item_line.number).strip())
                for _, item_line in items
            )
            section = evidence[0].section
            layout = "bullet" if bulleted else "plain"
            self.book.lists.append(
                ListFact(
                    header,
                    tuple(names),
                    evidence,
                    topic_of(section),
                    f"block:{evidence[0].source}:{section.split('>')[0].strip()}:{layout}",
                )
            )

    @staticmethod
    def _header(text: str) -> str | None:
        stripped = text.strip()
        if not stripped or NUMBERED_OR_BULLET.match(text) or "?" in stripped or stripped[0].isdigit():
            return None
        m = DEF_LINE.match(text)
        if m is not None and m.group("rest").strip():
            head = _clean_term(m.group("term"))  # "ECS task placement strategy - control how ..."
            return head if _good_term(head) else None
        head = stripped.rstrip(" :-").strip()
        head = re.sub(r"^There are \w+\s+", "", head)
        words = head.split()
        if not 1 <= len(words) <= 16 or re.search(r"[.;]\s", head) or not re.search(r"[A-Za-z]{2}", head):
            return None
        if words[0].lower() in {"for", "if", "ex", "que", "i", "we", "so", "and", "but", "what", "why", "when"}:
            return None
        if stripped.endswith(".") or re.match(r"how (would|do|can|does)\b", head, re.IGNORECASE):
            return None
        return head

    @staticmethod
    def _item(text: str, marked: bool) -> str | None:
        body = ITEM_MARK.sub("", text) if marked else text.strip()
        body = body.strip()
        m = re.match(r"^(?P<head>[^,:(]+?)\s*(?:\s-{1,2}\s|\s-$|\s*:\s|\s*:$|\s*,|\s*\(|\.\s|\.$|$)", body)
        if m is None:
            return None
        head = m.group("head").strip(" .-*")
        words = head.split()
        if not 1 <= len(words) <= 6 or not re.fullmatch(r"[\w\s/&'\u2019+.-]+", head):
            return None
        if not marked and len(body.split()) > 8:
            return None
        return head

    # ---- limits and defaults
    def _limits(self, lines: dict[int, _Line]) -> None:
        chunk_quantities: dict[int, tuple[Quantity, ...]] = {}
        for number in sorted(lines):
            line = lines[number]
            found = find_quantities(line.text)
            if not found:
                continue
            key = id(line.doc)
            if key not in chunk_quantities:
                chunk_quantities[key] = tuple(find_quantities(line.doc.page_content))
            seen: list[Quantity] = []
            for start, end in _sentence_spans(line.text):
                mark = ITEM_MARK.match(line.text[start:end])
                start += mark.end() if mark else 0
                clause = line.text[start:end]
                in_clause = find_quantities(clause)
                for q in in_clause:
                    if any(q.same_value(s) for s in seen):
                        continue
                    seen.append(q)
                    if any(o is not q and o.same_value(q) for o in in_clause):
                        continue  # "0 to 900 seconds, 15 min": one gives the other away
                    if re.match(r"\s*\(", clause[q.end :]) and find_quantities(clause[q.end : q.end + 25]):
                        continue
                    if re.search(r"[<>]\s*$", clause[: q.start]) or (
                        clause[: q.start].rstrip().endswith("(") and find_quantities(clause[: q.start])
                    ):
                        continue
                    context = re.sub(r"[^A-Za-z]+", " ", clause[: q.start] + " " + clause[q.end :]).split()
                    if len(context) < 2:
                        continue
                    ev = _evidence(line, line, clause)
                    self.book.limits.append(
                        Limit(q, clause, self._topic(lines, line, clause), ev, chunk_quantities[key])
                    )

    def _topic(self, lines: dict[int, _Line], line: _Line, clause: str) -> str:
        """What a line is about: the term it defines, else its section's topic when that topic opened
        close above (a heading or a definition starting a paragraph), else the outer section."""
        m = DEF_LINE.match(line.text)
        own = _clean_term(m.group("term")) if m and _good_term(_clean_term(m.group("term"))) else ""
        if own and not ITEM_MARK.match(line.text) and not mentions(clause, own):
            return short_name(own)
        parts = section_parts(str(line.doc.metadata.get("section", "")))
        if not parts:
            return ""
        outer = short_name(parts[0]) if len(parts[0].split()) <= 5 else ""
        inner = parts[-1]
        phrase = (
            re.match(r"(where|how|what|why|when|if|for|all|the|to)\b", inner, re.IGNORECASE) or len(inner.split()) > 4
        )
        if (
            len(parts) > 1
            and not (own and same_thing(own, inner))
            and inner.lower() not in GENERIC_TERMS
            and not phrase
        ):
            for n in range(line.number, line.number - 16, -1):
                opener = lines.get(n)
                if opener is None or (n - 1 in lines and n != line.number and not opener.text.lstrip().startswith("#")):
                    continue
                if opener.text.strip().lstrip("# ").lower().startswith(inner.lower()):
                    return short_name(inner)
        return outer or short_name(inner)

    # ---- contrasts
    def _contrasts(self, lines: dict[int, _Line]) -> None:
        for number in sorted(lines):
            line = lines[number]
            m = DEF_LINE.match(line.text)
            def_term = _clean_term(m.group("term")) if m and _good_term(_clean_term(m.group("term"))) else ""
            body_start = m.start("rest") if m and def_term else 0
            for start, end in _sentence_spans(line.text):
                start = max(start, body_start) if start <= body_start < end else start
                sentence = line.text[start:end]
                fact = _contrast(sentence, def_term, line, self._topic(lines, line, sentence))
                if fact is not None:
                    self.book.contrasts.append(fact)


PAIRS: tuple[tuple[str, str], ...] = (
    ("stateful", "stateless"),
    ("identity-based", "resource-based"),
    ("pull based", "push based"),
    ("single tenant", "multi-tenant"),
    ("regional", "global"),
    ("optional", "mandatory"),
    ("mutable", "immutable"),
    ("persistent", "non-persistent"),
)
NEGATION = re.compile(r"\b(not|no|never|n't|non)\W+(?:\w+\W+)?$", re.IGNORECASE)
LEAD_CONNECTIVE = re.compile(r"^(?:since|because|so|as|while|and|but|i\.e|however|by default,?)\s+", re.IGNORECASE)


def _pair_pattern(word: str) -> re.Pattern[str]:
    parts = re.split(r"[- ]", word)
    return re.compile(r"(?<![\w-])" + r"[- ]?".join(map(re.escape, parts)) + r"(?![\w-])", re.IGNORECASE)


def _contrast(sentence: str, def_term: str, line: _Line, topic: str) -> Contrast | None:
    for first, second in PAIRS:
        hits = []
        for word, other in ((first, second), (second, first)):
            for m in _pair_pattern(word).finditer(sentence):
                negated = bool(NEGATION.search(sentence[: m.start()]))
                hits.append((word, other, m, negated))
        positive = [h for h in hits if not h[3]]
        if len({h[0] for h in positive}) != 1:
            continue
        word, other, m, _ = positive[0]
        before = sentence[: m.start()].rstrip()
        vm = re.search(
            r"^(?P<subj>.*?)\s*\b(?P<verb>is|are|only supports|supports|support|provides|provide)"
            r"(?:\s+(?:a|an))?$",
            before,
            re.IGNORECASE,
        )
        if vm:
            subject = LEAD_CONNECTIVE.sub("", ITEM_MARK.sub("", vm.group("subj")).strip(" ,-"))
            verb = vm.group("verb").lower()
        elif not before.strip(" ,-:") and (def_term or re.match(r",?\s*(and\s+)?not\b", sentence[m.end() :])):
            subject, verb = "", ""
        else:
            continue
        if def_term and sentence.strip() and line.text.find(sentence) <= line.text.find(def_term) + len(def_term) + 4:
            subject = def_term  # the first sentence of "redis cache - ... provides persistent ..." is about the term
        if subject.lower() in PRONOUNS or not subject:
            subject = def_term or _line_subject(line.text) or topic
        if not subject or len(subject.split()) > 5 or subject.lower() in ("name", "data", "key"):
            continue
        if len(subject.split()) == 1 and subject.islower() and len(subject) <= 4:
            continue
        if same_thing(subject, word) or same_thing(subject, other):
            continue
        tail_m = re.match(r"\s+([A-Za-z][\w-]*)", sentence[m.end() :])
        tail = (
            tail_m.group(1)
            if tail_m and tail_m.group(1).lower() not in {"and", "or", "i", "not", "but", "so", "ie"}
            else ""
        )
        quote = sentence.strip()
        return Contrast(subject, verb, m.group(), other, tail, _evidence(line, line, quote))
    return None


def _line_subject(text: str) -> str:
    m = re.match(r"^\s*(?P<subj>[A-Z][\w]*(?:\s+[\w]+){0,2}?)\s+is\s", text)
    return m.group("subj") if m else ""


def extract_facts(docs: Sequence[Document]) -> FactBook:
    """Every definition, limit, list and contrast the chunks ``docs`` state, with their evidence."""
    return _Extractor(docs).run()
