"""The assistant: one object per process holding the store, the keyword index and the models.

>>> assistant = Assistant()  # doctest: +SKIP
>>> answer = assistant.answer("What is the default visibility timeout of SQS?")  # doctest: +SKIP
>>> answer.citations[0].ref  # doctest: +SKIP
'corpus/aws-developer-associate-notes.txt:142'
"""

from __future__ import annotations

import functools
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
from langchain_core.documents import Document

from assistant.answer.compose import (
    CONTINUES,
    CONTINUES_SELECTED,
    WEIGHTS,
    Scored,
    answer_text,
    pick_answer,
    score_sentences,
)
from assistant.answer.followup import resolve
from assistant.answer.loading import LoadingReranker, warm
from assistant.answer.marking import answer_span
from assistant.answer.refusal import (
    case_features,
    question_evidence,
    shipped_refusal,
    statement_evidence,
    unknown_names,
)
from assistant.answer.retrieval import KeywordIndex, NotesRetriever
from assistant.answer.saved_index import saved_index
from assistant.answer.selection import Candidate, Selector, features, shipped_selector
from assistant.answer.types import Answer, Passage
from core.settings import BUNDLED_MODEL, Settings
from core.spans import Citation
from core.text import is_text, terms
from ingest.embeddings import LazyEmbeddings, embeddings_for
from ingest.errors import StoreError
from ingest.stamps import Stamp, StampReader
from ingest.store_access import StoreAccess

if TYPE_CHECKING:
    from ingest.store import NotesVectorStore

MAX_QUESTION_CHARS = 2000
SENTENCE_DOCS = 5  # without the cross-encoder: how many retrieved chunks the answer's sentences are drawn from
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
NOT_COVERED = "Your notes don't cover this."
NO_NOTES = "No notes ingested yet: add notes (the Notes tab of the app, or `study ingest FOLDER`), then ask again."
ENGLISH_LETTER = re.compile(r"[A-Za-z]")
KEYWORDS_ONLY = "matched by keywords only: the embedding model reads English"
# Keyword-only answers: the share of the question's weighted terms the best sentence must hold.
KEYWORD_COVERAGE = 0.5


class QuestionError(ValueError):
    """A question that can't be asked as it is (empty, too long)."""


def clean_question(question: str) -> str:
    """The question without control characters; a QuestionError if nothing askable is left."""
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"The question is {len(question):,} characters long; ask it in at most {MAX_QUESTION_CHARS:,}."
        )
    if not is_text(question):
        raise QuestionError(
            "The question holds something that is not text (bytes that are not UTF-8, or a lone surrogate); "
            "please type it again."
        )
    cleaned = " ".join(CONTROL.sub(" ", question).split())
    if not cleaned:
        raise QuestionError("Please type a question.")
    if not terms(cleaned):
        raise QuestionError("Please ask about something: the question has no words to look up.")
    return cleaned


class Assistant:
    """Answers questions from the ingested notes; a StoreError if there is no usable index."""

    def __init__(self, settings: Settings | None = None, embeddings: LazyEmbeddings | None = None) -> None:
        self.settings = settings or Settings()
        self.embeddings = embeddings or embeddings_for(self.settings, for_questions=True)
        self.reranker = LoadingReranker(self.settings.data_dir / "models") if self.settings.answer.reranker else None
        warm(self.embeddings)
        self._store = StoreAccess(self.settings, self.embeddings)
        self.generations = StampReader(self.settings)
        self._stamp = self.generations.stamp()
        self.retriever = self._retriever_for(self._stamp)
        if self.retriever.saved is None or not self.retriever.saved.exists():
            self._store.get()  # the index's errors (none yet, another model) belong to the start
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()

    def current(self) -> NotesRetriever:
        """The retriever of the index's current generation: when an ingest (here or in another
        process) committed since the last question, a new one over what it wrote. Everything one
        answer reads comes from the retriever it started with."""
        stamp = self.generations.stamp()
        if stamp == self._stamp:
            return self.retriever
        with self._sync_lock:
            if stamp != self._stamp:
                if stamp.committed_elsewhere(self.generations.index, self._stamp):
                    self._store.reopen()
                self.retriever = self._retriever_for(stamp)
                self._stamp = stamp
            return self.retriever

    @property
    def store(self) -> NotesVectorStore:
        """The notes store, opened on first use (a saved index answers questions without it)."""
        return self._store.get()

    def _retriever_for(self, stamp: Stamp) -> NotesRetriever:
        return NotesRetriever(
            store=self._store.get, k=self.settings.retrieval.top_k, where=stamp.visible(),
            saved=saved_index(self.settings, stamp),
        )

    def chunks(self) -> list[Document]:
        """Every chunk of the current generation."""
        return self.current().chunks()

    def refresh(self) -> None:
        """Rebuild the keyword index (the next question sees any ingest anyway)."""
        self.current().refresh()

    def _embed(self, texts: list[str]) -> list[np.ndarray]:
        """Embeddings of sentences, cached: the same notes' sentences come back question after question.
        Each is embedded on its own, so that what is cached never depends on which question (of
        which session, at the same moment) embedded it first. Kept as float32 arrays, the model's own
        precision (so exactly the values it gave), an eighth of the memory of lists of floats."""
        with self._lock:
            missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            # One text per call: in a batch a text is padded to the longest, which moves its vector (~1e-7).
            vectors = [np.asarray(self.embeddings.embed_documents([text])[0], dtype=np.float32) for text in missing]
            with self._lock:
                self._vectors.update(zip(missing, vectors, strict=True))
                while len(self._vectors) > 50_000:
                    self._vectors.popitem(last=False)
        with self._lock:
            return [self._vectors[t] for t in texts]

    def _search(
        self, retriever: NotesRetriever, query: str, k: int, keywords_only: bool = False
    ) -> tuple[list[float], list[Document]]:
        if keywords_only:
            return [], retriever.search(query, None, k=k)
        vector = self.embeddings.embed_query(query)
        return vector, retriever.search(query, vector, k=k)

    def keywords_only(self, question: str) -> bool:
        """Whether ``question`` is looked up by its words alone: the bundled embedding model reads
        English only, so a question without one English letter would be matched by noise."""
        return self.settings.index.embedding_model == BUNDLED_MODEL and not ENGLISH_LETTER.search(question)

    def retrieve(self, query: str, k: int = 8) -> list[Passage]:
        """The ``k`` best chunks for ``query``, best first."""
        return [_passage(d) for d in self._search(self.current(), query, k, self.keywords_only(query))[1]]

    def answer(self, question: str, history: Sequence[dict[str, str]] | None = None) -> Answer:
        """A short answer quoting the notes with line citations, or a plain refusal."""
        try:
            asked = clean_question(question)
        except QuestionError as exc:
            return Answer(question=question, text=str(exc), grounded=False, error=str(exc))
        try:
            retriever = self.current()
            keywords = retriever.keyword_index()
            if not keywords.docs:  # an empty index: nothing to search
                return Answer(question=question, text=NO_NOTES, grounded=False, error=NO_NOTES)
            resolved = resolve(asked, history, keywords.topics.__contains__)
            keywords_only = self.keywords_only(resolved)
            vector, docs = self._search(retriever, resolved, self.settings.retrieval.top_k, keywords_only)
        except StoreError as exc:  # e.g. in server mode, the Chroma server stopped or the network broke
            return Answer(question=question, text=str(exc), grounded=False, error=str(exc))
        note = KEYWORDS_ONLY if keywords_only else ""
        if keywords_only:  # the cross-encoder is English too: keyword coverage alone decides
            scored = score_sentences(resolved, vector, docs[:SENTENCE_DOCS], keywords.weight)
            # Of the sentences holding the same words, the shortest says it most plainly (a heading
            # joined with its lines holds every word of them).
            scored.sort(key=lambda s: (-s.score, len(s.segment.text)))
        elif self.reranker is None:
            scored = score_sentences(resolved, vector, docs[:SENTENCE_DOCS], keywords.weight, self._embed)
        else:
            scored = self.select(resolved, vector, docs, keywords)[0]
        passages = _by_evidence([_passage(d) for d in docs], scored)
        probable = self.selector is not None and not keywords_only  # scores are the selector's probabilities
        # What the question names that the notes never do: where the refusal model decides, that
        # alone refuses it; any refusal says it.
        names = unknown_names(resolved, keywords.idf.keys()) if probable else []
        if not scored or not self._covers(resolved, scored, docs, keywords, keywords_only, names):
            lacking = f" They never mention {', '.join(names)}." if names else ""
            return Answer(
                question=question,
                text=f"{NOT_COVERED}{lacking} The closest passages are below, but none of them answers it.",
                grounded=False,
                closest=_closest(scored),
                passages=passages,
                resolved_question=resolved,
                note=note,
            )
        sentences, support = pick_answer(scored, continues=CONTINUES_SELECTED if probable else CONTINUES)
        text = answer_text(sentences)
        # The first statement starts the text: a span in it is a span in the text.
        span = answer_span(resolved, " ".join(sentences[0].segment.text.split())) if not keywords_only else None
        return Answer(
            question=question,
            text=text,
            grounded=True,
            citations=[s.citation() for s in [*sentences, *support]],
            passages=passages,
            resolved_question=resolved,
            note=note,
            answer_span=span,
        )

    @property
    def selector(self) -> Selector | None:
        """The answer selector (with the cross-encoder only: its scores are the selector's evidence)."""
        return shipped_selector() if self.reranker is not None else None

    def candidates(
        self, question: str, vector: list[float], docs: list[Document], keywords: KeywordIndex
    ) -> tuple[list[Scored], np.ndarray]:
        """The candidate statements of the best ``candidate_chunks`` chunks that the cheap first
        stage keeps (``candidates`` of them), and the selector's evidence about each."""
        chosen = self.settings.answer
        pool = score_sentences(question, vector, docs[: chosen.candidate_chunks], keywords.weight)[: chosen.candidates]
        if not pool or self.reranker is None:
            return pool, np.zeros((0, 0))
        sections = [str(s.doc.metadata.get("section", "")) for s in pool]
        texts = [s.segment.text for s in pool]
        leads = [lead_in(s.doc.page_content, s.segment.line) for s in pool]
        # A list item is read under its list's head ("Developer Tools: • AWS X-Ray"), anything else
        # under its section title.
        titled = [f"{section}: {lead[1] + ' ' if lead[0] else ''}{text}"
                  for section, lead, text in zip(sections, leads, texts, strict=True)]
        cross = self.reranker.scores(question, texts + titled)
        dense = (np.asarray(self._embed(titled)) @ np.asarray(vector)).tolist()
        candidates = [
            Candidate(
                text=s.segment.text,
                section=section,
                lead_in=lead[1],
                chunk_rank=s.rank,
                chunk_dense=float(s.doc.metadata.get("dense", 0.0)),
                first_in_chunk=s.segment.line == 0,
            )
            for s, section, lead in zip(pool, sections, leads, strict=True)
        ]
        rows = features(question, candidates, cross[: len(pool)], cross[len(pool) :], dense, keywords.weight,
                        keywords.max_idf)
        return pool, rows

    def select(
        self, question: str, vector: list[float], docs: list[Document], keywords: KeywordIndex
    ) -> tuple[list[Scored], np.ndarray]:
        """The candidates, most probable answer first, each scored with its probability (and the
        evidence rows, in the same order)."""
        pool, rows = self.candidates(question, vector, docs, keywords)
        if not pool or self.selector is None:
            return pool, rows
        probability = self.selector.probabilities(rows)
        order = sorted(range(len(pool)), key=lambda i: (-probability[i], pool[i].rank, pool[i].line,
                                                        pool[i].segment.start))
        ranked = [replace(pool[i], score=float(probability[i]), rerank=float(probability[i])) for i in order]
        return ranked, rows[order]

    def _covers(
        self, question: str, scored: list[Scored], docs: list[Document], keywords: KeywordIndex, keywords_only: bool,
        names: Sequence[str],
    ) -> bool:
        """Whether the best sentence is evidence enough that the notes answer the question."""
        best = scored[0]
        if keywords_only:  # its score is then the weighted keyword coverage alone
            return best.score >= KEYWORD_COVERAGE * WEIGHTS[1]
        if self._models_refusal(keywords_only):
            return not self.refuses(question, scored, docs, keywords, names)
        return self._evidence(best) >= self._threshold()

    def _models_refusal(self, keywords_only: bool) -> bool:
        """Whether the refusal model (and the unknown-name rule) decides refusals, not a threshold."""
        return not keywords_only and self.selector is not None and self.settings.answer.answer_probability is None

    def refusal_evidence(
        self, question: str, pool: Sequence[Scored], docs: Sequence[Document], keywords: KeywordIndex,
        names: Sequence[str] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """What the refusal model reads besides the selector's probabilities: each candidate's
        STATEMENT_EVIDENCE (in ``pool``'s order) and the question's QUESTION_EVIDENCE over ``docs``
        (``names``: its ``unknown_names``, when already found)."""
        contexts = [f"{s.doc.metadata.get('section', '')}\n{lead_in(s.doc.page_content, s.segment.line)[1]}"
                    for s in pool]
        statements = statement_evidence(question, [s.segment.text for s in pool], contexts, keywords.weight,
                                        keywords.max_idf)
        retrieved = [f"{d.metadata.get('section', '')}\n{d.page_content}" for d in docs]
        asked = question_evidence(question, retrieved, keywords.weight, keywords.max_idf, keywords.idf.keys(), names)
        return statements, asked

    def refuses(
        self, question: str, scored: list[Scored], docs: Sequence[Document], keywords: KeywordIndex,
        names: Sequence[str],
    ) -> bool:
        """Whether the notes are taken not to cover ``question``: it names what they never do
        (``names``, its ``unknown_names``), or the refusal model says so, given the selector's
        candidates (``scored``, most probable first, their probabilities as scores)."""
        if names:
            return True
        statements, asked = self.refusal_evidence(question, scored, docs, keywords, names)
        probability = np.asarray([self._evidence(s) for s in scored])
        return shipped_refusal().refuses(case_features(probability, statements, asked))

    def _evidence(self, best: Scored) -> float:
        return best.rerank if best.rerank is not None else best.score

    def _threshold(self) -> float:
        if self.selector is not None:
            fitted = self.settings.answer.answer_probability
            return self.selector.threshold if fitted is None else fitted
        return self.settings.answer.refusal_threshold


BULLET = re.compile(r"^\s*(?:[•*\u2022-]|\d+[.)])\s")


def lead_in(text: str, line: int) -> tuple[bool, str]:
    """The line that introduces line ``line`` of a chunk: for a list item, the list's head (the
    nearest line above that is not an item), else the line before; and whether it is a list head.

    >>> lead_in("Developer Tools:\\n• AWS CodeBuild\\n• AWS X-Ray", 2)
    (True, 'Developer Tools:')
    >>> lead_in("first line\\nsecond line", 1), lead_in("only line", 0)
    ((False, 'first line'), (False, ''))
    """
    lines = text.split("\n")
    if line <= 0:
        return False, ""
    if BULLET.match(lines[line]):
        for above in range(line - 1, -1, -1):
            if lines[above].strip() and not BULLET.match(lines[above]):
                return True, lines[above].strip()
    return False, lines[line - 1]


def _passage(doc: Document) -> Passage:
    meta = doc.metadata
    return Passage(
        source=str(meta["source"]),
        start_line=int(meta["start_line"]),
        end_line=int(meta["end_line"]),
        section=str(meta.get("section", "")),
        text=doc.page_content,
        score=round(float(meta.get("score", 0.0)), 4),
        pages=str(meta.get("pages", "")),
    )


def _by_evidence(passages: list[Passage], scored: list[Scored]) -> list[Passage]:
    """Passages reordered so that those holding the best sentences come first."""
    order: dict[tuple[str, int], int] = {}
    for s in scored:
        order.setdefault((str(s.doc.metadata["source"]), int(s.doc.metadata["start_line"])), len(order))
    return sorted(passages, key=lambda p: order.get((p.source, p.start_line), len(order)))


def _closest(scored: list[Scored], n: int = 3) -> list[Citation]:
    """The best sentence of each of the ``n`` best chunks."""
    seen: set[str | None] = set()
    closest = []
    for s in scored:
        if s.doc.id not in seen:
            seen.add(s.doc.id)
            closest.append(s.citation())
        if len(closest) == n:
            break
    return closest


@functools.cache
def default_assistant() -> Assistant:
    """The process-wide assistant over the default settings."""
    return Assistant()


def answer_question(question: str, history: Sequence[dict[str, str]] | None = None) -> Answer:
    """Answer with the process-wide assistant; a missing or mismatched index is said in the answer."""
    try:
        assistant = default_assistant()
    except StoreError as exc:
        return Answer(question=question, text=str(exc), grounded=False, error=str(exc))
    return assistant.answer(question, history)
