"""Compose a short answer from the notes' own sentences, each with its line citation.

No language model: the sentences of the retrieved chunks are scored against the question
(weighted keyword coverage, the chunk's dense similarity and retrieval rank, and without the
cross-encoder also the sentence's own embedding), the best are reranked by the cross-encoder, the
best one or two form the answer, and every quote is a verbatim slice of the cited line.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from langchain_core.documents import Document

from core.spans import Citation, on_pages
from core.text import Segment, segments, terms

ANSWER_CHARS = 300
# The statement right after the best one joins the answer when it scores at least this share of the
# best's score. Over the selector's probabilities the share is chosen on the tune part by
# ``python -m evals.continuations``; without the cross-encoder (raw scores) 0.9 is an unmeasured guess.
CONTINUES = 0.9
CONTINUES_SELECTED = 0.6
# Sentence score = sentence dense similarity, keyword coverage, chunk retrieval rank, chunk dense
# similarity; the weights were chosen on evals/known_facts.jsonl (answer accuracy).
WEIGHTS = (0.3, 0.2, 0.0, 0.4)


@dataclass(frozen=True)
class Scored:
    """A candidate sentence of a retrieved chunk and how well it answers the question."""

    doc: Document
    rank: int
    segment: Segment
    score: float
    rerank: float | None = None

    @property
    def line(self) -> int:
        return int(self.doc.metadata["start_line"]) + self.segment.line

    def citation(self) -> Citation:
        """The sentence's citation (by page and line on it in a PDF)."""
        cited = Citation(
            source=str(self.doc.metadata["source"]),
            start_line=self.line,
            end_line=self.line + self.segment.last_line - self.segment.line,
            quote=self.segment.text,
            score=round(self.score, 4),
        )
        return on_pages(cited, str(self.doc.metadata.get("pages", "")))


def score_sentences(
    question: str,
    query_vector: list[float],
    docs: list[Document],
    weight: Callable[[str], float],
    embed: Callable[[list[str]], Sequence[np.ndarray]] | None = None,
) -> list[Scored]:
    """Every sentence of ``docs``, scored against the question, best first.

    ``embed`` (sentence texts -> vectors) adds each sentence's own dense similarity. The answer
    path leaves it out when the cross-encoder reranks the best sentences: on the eval set that costs
    about 2 answers of 257 and saves embedding 20-40 sentences per question (~260 ms on one core)."""
    wanted = list(dict.fromkeys(terms(question)))
    total = sum(weight(t) for t in wanted) or 1.0
    candidates: list[tuple[Document, int, Segment]] = [
        (doc, rank, seg) for rank, doc in enumerate(docs) for seg in segments(doc.page_content)
    ]
    if not candidates:
        return []
    if embed is None:
        dense = np.zeros(len(candidates))
    else:
        texts = [f"{doc.metadata.get('section', '')}: {seg.text}" for doc, _, seg in candidates]
        dense = np.asarray(embed(texts)) @ np.asarray(query_vector)
    scored = []
    for (doc, rank, seg), sim in zip(candidates, dense, strict=True):
        own = set(terms(seg.text))
        context = set(terms(str(doc.metadata.get("section", "")))) | set(terms(doc.page_content))
        covered = sum(weight(t) * (1.0 if t in own else 0.5 if t in context else 0.0) for t in wanted)
        chunk_sim = float(doc.metadata.get("dense", 0.0))
        score = (
            WEIGHTS[0] * float(sim) + WEIGHTS[1] * covered / total + WEIGHTS[2] / (1 + rank) + WEIGHTS[3] * chunk_sim
        )
        scored.append(Scored(doc, rank, seg, score))
    # Ties go to the better-ranked chunk, then the earlier sentence: never to thread or input timing.
    return sorted(scored, key=lambda s: (-s.score, s.rank, s.line, s.segment.start))


def answer_text(statements: Sequence[Scored]) -> str:
    """The answer's text: its statements, whitespace runs made single spaces, each with its citation mark."""
    return " ".join(f"{' '.join(s.segment.text.split())} [{i}]" for i, s in enumerate(statements, 1))


def pick_answer(
    scored: list[Scored], supporting: int = 2, continues: float = CONTINUES
) -> tuple[list[Scored], list[Scored]]:
    """The answer's sentences (the best, plus the statement of its chunk right after it, when that
    one is among the next candidates and scores at least ``continues`` times as much) and supporting
    quotes from other chunks."""
    best = scored[0]
    answer = [best]
    following = _next_statement(best)
    for other in scored[1:6]:
        short = len(best.segment.text) + len(other.segment.text) + 1 <= ANSWER_CHARS
        if other.doc is best.doc and other.segment == following and short and other.score >= continues * best.score:
            answer.append(other)
            break
    # Lines already quoted, per file: a supporting quote never repeats them (a list's head joined
    # with its items, from another chunk, would quote the answer's line again).
    used = [(str(s.doc.metadata["source"]), s.line, s.line + s.segment.last_line - s.segment.line) for s in answer]
    support: list[Scored] = []
    for other in scored:
        if len(support) == supporting or other.score < 0.75 * best.score:
            break
        source, first = str(other.doc.metadata["source"]), other.line
        last = first + other.segment.last_line - other.segment.line
        repeats = any(source == s and first <= e and last >= b for s, b, e in used)
        if not repeats and all(other.doc is not s.doc for s in support):
            support.append(other)
            used.append((source, first, last))
    return answer, support


def _next_statement(best: Scored) -> Segment | None:
    """The statement of ``best``'s chunk that comes right after it, when it continues ``best``'s line
    or starts on the next line (a blank line between starts a new thought)."""
    end = (best.segment.last_line, best.segment.end)
    # Statements come in order; a joined one ("Aurora" and its next line) may overlap the next.
    following = next((s for s in segments(best.doc.page_content) if (s.line, s.start) >= end), None)
    return following if following is not None and following.line - end[0] <= 1 else None
